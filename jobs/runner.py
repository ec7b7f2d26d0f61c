"""Running one job once: claim the slot in ``job_run``, run, record the outcome.

``run_job`` never raises for a job's own failure: the exception is logged with its traceback
and written on the ``job_run`` row (outcome ``failed``), and the scheduler goes on with the
next firing. A slot that another process has already claimed is skipped without running.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from data.calendar import Calendar
from data.db import Engine
from data.jobrun import claim_run, finish_run
from data.loaders.pipeline import write_connection

log = logging.getLogger("aocc.scheduler")

UTC = dt.UTC


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: ``func(engine, now) -> str | None`` (the message kept with the run)."""

    id: str
    schedule: object  # jobs.schedule.Every / DailyAt / WeeklyAt
    func: Callable[[Engine, dt.datetime], str | None]
    description: str = ""


@dataclass(frozen=True)
class RunOutcome:
    job_id: str
    scheduled_for: dt.datetime
    outcome: str  # ok | failed | skipped
    message: str | None = None


def run_job(
    engine: Engine,
    spec: JobSpec,
    *,
    now: dt.datetime,
    host: str | None = None,
    timezone: str | Calendar | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> RunOutcome:
    """Run ``spec`` for the slot that contains ``now``, unless that slot already has a run.

    ``timezone`` (a zone name or a ``data.calendar.Calendar``; the configured zone when None) is
    the zone of the schedule's local times.
    """
    clock = clock or (lambda: dt.datetime.now(UTC))
    slot = spec.schedule.slot(now, timezone)
    started = clock()
    with write_connection(engine) as conn:
        run_id = claim_run(conn, spec.id, slot, started_at=started, host=host)
    if run_id is None:
        log.debug("job %s for %s already claimed; skipped", spec.id, slot.isoformat())
        return RunOutcome(spec.id, slot, "skipped")
    try:
        message = spec.func(engine, now)
        outcome = "ok"
    except Exception as exc:  # recorded on the run; the scheduler keeps going
        log.exception("job %s (%s) failed", spec.id, slot.isoformat())
        message = f"{exc.__class__.__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-6:])
        outcome = "failed"
    finished = max(clock(), started)
    with write_connection(engine) as conn:
        finish_run(conn, run_id, outcome=outcome, finished_at=finished, message=message)
    level = logging.INFO if outcome == "ok" else logging.ERROR
    log.log(level, "job %s (%s): %s%s", spec.id, slot.isoformat(), outcome, f" — {message}" if message else "")
    return RunOutcome(spec.id, slot, outcome, message)
