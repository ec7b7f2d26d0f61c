"""The scheduled jobs. Each is thin: it calls a ``data/`` function with ``now`` and returns a
one-line message for the job history.

| job id               | when                         | what                                             |
|----------------------|------------------------------|--------------------------------------------------|
| ``source:<code>``    | the source's interval        | ``data.loaders.run_source`` (drop folder, SQL, simulator) |
| ``rollup_maintenance``| daily 00:10 local           | state roll-ups valued at today (leases expiring, audits due …) |
| ``backup``           | daily at ``backup_time``     | ``data.backup.backup_database``                   |
| ``alert_check``      | every 5 minutes              | the ``alert_check`` hooks (filled by the alerts module) |
| ``alert_notify``     | every minute                 | ``data.alerts.notify.dispatch_pending`` (e-mail, webhooks) |
| ``weekly_snapshot``  | Mondays 06:00 local          | the ``weekly_snapshot`` hooks (filled by the snapshot module) |
| ``housekeeping``     | daily 04:20 local            | drop job-run history older than 90 days          |
| ``energy_baseline``  | daily 01:30 local            | refit week-old or missing baselines, yesterday's anomalies |
| ``reference_recompute``| every 30 seconds           | earlier months' states after a reference-data edit (``data.rollup.recompute``) |
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from data.alerts.notify import dispatch_pending
from data.backup import backup_database
from data.baseline.store import refresh_baselines
from data.calendar import calendar_for
from data.db import Engine
from data.jobrun import delete_runs_before, fetch_sources_to_run
from data.loaders import hooks
from data.loaders.pipeline import settings_from_config, write_connection
from data.loaders.sources import default_sources, ensure_sources, run_source
from presentation.notification_text import render_notification

from .runner import JobSpec
from .schedule import DailyAt, Every, WeeklyAt, parse_hhmm

ALERT_CHECK_SECONDS = 300
# How soon an edit of the reference data reaches the earlier months (the current one is immediate).
REFERENCE_RECOMPUTE_SECONDS = 30
# Sources the scheduler runs; ``demo_generator`` and ``manual`` sources only label batches.
RUNNABLE_KINDS = ("file_drop", "sql", "simulator")
JOB_HISTORY_DAYS = 90


def source_job_id(code: str) -> str:
    return f"source:{code}"


def source_job(engine: Engine, now: dt.datetime, *, code: str, config) -> str:
    results = run_source(
        engine,
        code,
        now=now,
        settings=settings_from_config(config),
        settle_seconds=float(getattr(config, "drop_settle_seconds", 5.0)),
    )
    if not results:
        return "nothing new"
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    rows = sum(r.rows_accepted for r in results)
    rejected = sum(r.rows_rejected for r in results)
    ids = ", ".join(str(r.batch_id) for r in results)
    return (
        f"{len(results)} batch(es) [{ids}]: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f"; rows accepted {rows}, rejected {rejected}"
    )


def rollup_maintenance_job(engine: Engine, now: dt.datetime, *, config) -> str:
    from data import rollup

    calendar = calendar_for(config.timezone)
    today = calendar.local_day(now)
    with write_connection(engine) as conn:
        rollup.refresh_state(conn, as_of=today, calendar=calendar)
    return f"state roll-ups valued at {today.isoformat()}"


def backup_job(engine: Engine, now: dt.datetime, *, config) -> str:
    path = backup_database(config.database_url, config.backup_root, now=now, keep=int(config.backup_keep))
    return f"backup {path.name} ({path.stat().st_size:,d} bytes)"


def hook_job(engine: Engine, now: dt.datetime, *, point: str) -> str:
    registered = hooks.registry.hooks(point)
    if not registered:
        return "no hooks registered"
    failures = hooks.registry.run(point, engine, now)
    if failures:
        raise RuntimeError("; ".join(f"{name}: {exc.__class__.__name__}: {exc}" for name, exc in failures))
    return f"{len(registered)} hook(s) ran: " + ", ".join(h.name for h in registered)


def alert_notify_job(engine: Engine, now: dt.datetime, *, config) -> str:
    return str(dispatch_pending(engine, now=now, config=config, render=render_notification))


def housekeeping_job(engine: Engine, now: dt.datetime) -> str:
    cutoff = now - dt.timedelta(days=JOB_HISTORY_DAYS)
    with write_connection(engine) as conn:
        removed = delete_runs_before(conn, cutoff)
    return f"{removed} job runs older than {JOB_HISTORY_DAYS} days removed"


def energy_baseline_job(engine: Engine, now: dt.datetime, *, config) -> str:
    c = refresh_baselines(engine, now=now, calendar=calendar_for(config.timezone))
    return (
        f"baselines fitted {c['fitted']}, skipped {c['skipped']}; "
        f"{c['anomalies']} anomalies in {c['buildings']} buildings for the previous day"
    )


def reference_recompute_job(engine: Engine, now: dt.datetime, *, config) -> str:
    from data.rollup.recompute import run_pending_recomputes

    today = calendar_for(config.timezone).local_day(now)
    served, months = run_pending_recomputes(engine, as_of=today, now=lambda: dt.datetime.now(dt.UTC))
    if not served:
        return "no recompute requested"
    return f"{served} request(s) served: states recomputed for {len(months)} months up to {today.isoformat()}"


def fixed_jobs(config) -> list[JobSpec]:
    h, m = parse_hhmm(getattr(config, "backup_time", "02:30"))
    return [
        JobSpec(
            "rollup_maintenance",
            DailyAt(0, 10),
            partial(rollup_maintenance_job, config=config),
            "state roll-ups valued at today",
        ),
        JobSpec("backup", DailyAt(h, m), partial(backup_job, config=config), "nightly database backup"),
        JobSpec("alert_check", Every(ALERT_CHECK_SECONDS), partial(hook_job, point="alert_check"), "threshold checks"),
        JobSpec("alert_notify", Every(60), partial(alert_notify_job, config=config), "alert notifications"),
        JobSpec("weekly_snapshot", WeeklyAt(0, 6, 0), partial(hook_job, point="weekly_snapshot"), "weekly snapshot"),
        JobSpec("housekeeping", DailyAt(4, 20), housekeeping_job, "prune old job history"),
        JobSpec(
            "energy_baseline",
            DailyAt(1, 30),
            partial(energy_baseline_job, config=config),
            "energy baselines and anomalies",
        ),
        JobSpec(
            "reference_recompute",
            Every(REFERENCE_RECOMPUTE_SECONDS),
            partial(reference_recompute_job, config=config),
            "state roll-ups after reference-data edits",
        ),
    ]


def source_jobs(engine: Engine, config) -> list[JobSpec]:
    """One job per enabled data source, on the source's interval."""
    with engine.connect() as conn:
        rows = fetch_sources_to_run(conn, RUNNABLE_KINDS)
    return [
        JobSpec(
            source_job_id(r.code),
            Every(max(10, r.interval_seconds)),
            partial(source_job, code=r.code, config=config),
            f"{r.kind} source {r.code}",
        )
        for r in rows
    ]


def all_jobs(engine: Engine, config, *, ensure_default_sources: bool = True) -> list[JobSpec]:
    if ensure_default_sources:
        ensure_sources(engine, default_sources(config))
    return fixed_jobs(config) + source_jobs(engine, config)
