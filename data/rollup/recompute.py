"""Recomputing the state roll-ups after the reference data they are judged by has changed.

An asset category's depreciation method, useful life or residual rate changes every net value
of its assets in every month; an office-space standard's limit changes the over-standard rooms
and areas of every month. ``recompute_states`` rewrites the month-end states of the domains
named, for the months the roll-ups already hold (the month of ``as_of`` valued at ``as_of``,
earlier months at their last day, as ``rebuild_all`` values them), through the same
``_write_states`` the loaders and ``rebuild_all`` use, so the figures cannot drift apart.

Recomputing every month at province scale (~100 k assets or ~76 k occupancies × 24 months and
more) takes seconds, too long for the request that saves an edit. So the request recomputes the
latest month at once (the month the pages open on) and records a *recompute request*: a
``job_run`` row (job ``REQUEST_JOB``, outcome ``pending``) that the scheduler's
``reference_recompute`` job picks up (``run_pending_recomputes``), recomputing the remaining
months chunk by chunk and writing its progress on the row, which the reference page shows.
Several pending requests are served by one run. Functions here never commit, except
``run_pending_recomputes``, which owns its units of work (progress must be visible while it runs).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..models import JobRun
from .metrics import STATE_DOMAINS, STATE_METRICS
from .periods import _as_date, _month_end
from .state import _write_states
from .store import _Db, bump_data_version

REQUEST_JOB = "reference_recompute.request"
MONTHS_PER_CHUNK = 6  # progress granularity: each chunk re-reads the domain's facts once


def _check(domains: Sequence[str]) -> tuple[str, ...]:
    unknown = set(domains) - set(STATE_DOMAINS)
    if unknown:
        raise ValueError(f"unknown state domains: {sorted(unknown)}")
    return tuple(d for d in STATE_DOMAINS if d in domains)


def state_months(conn: Connection, domains: Sequence[str]) -> list[dt.date]:
    """The months (first days, ascending) for which ``rollup_monthly`` holds a state of ``domains``."""
    metrics = [m for d in _check(domains) for m in STATE_METRICS[d]]
    if not metrics:
        return []
    stmt = sa.text(
        "SELECT DISTINCT month FROM rollup_monthly WHERE entity_kind = 'org' AND metric_id IN :metrics"
    ).bindparams(sa.bindparam("metrics", expanding=True))
    return sorted({_as_date(m) for (m,) in conn.execute(stmt, {"metrics": metrics})})


def recompute_states(
    conn: Connection,
    domains: Sequence[str],
    *,
    as_of: dt.date,
    months: Sequence[dt.date] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[dt.date]:
    """Rewrite the month-end states of ``domains`` for every org and ``months`` (default: every
    month the roll-ups hold), and bump the domains' data versions. Returns the months rewritten.

    A month is valued at its last day, the month of ``as_of`` at ``as_of``; months after
    ``as_of``'s are skipped. ``on_progress(done, total)`` is called after each chunk of months.
    """
    domains = _check(domains)
    wanted = state_months(conn, domains) if months is None else sorted({m.replace(day=1) for m in months})
    wanted = [m for m in wanted if m <= as_of.replace(day=1)]
    if not domains or not wanted:
        return []
    db = _Db(conn)
    for start in range(0, len(wanted), MONTHS_PER_CHUNK):
        chunk = wanted[start : start + MONTHS_PER_CHUNK]
        _write_states(db, domains, [min(_month_end(m), as_of) for m in chunk], org_ids=None, replace=True)
        if on_progress is not None:
            on_progress(start + len(chunk), len(wanted))
    bump_data_version(conn, domains)
    return wanted


def latest_state_month(conn: Connection, domains: Sequence[str], as_of: dt.date) -> dt.date:
    """The month the pages open on: the latest month the roll-ups hold up to ``as_of``'s, or
    ``as_of``'s own month when they hold none (a fresh install)."""
    held = [m for m in state_months(conn, domains) if m <= as_of.replace(day=1)]
    return held[-1] if held else as_of.replace(day=1)


# --- recompute requests (job_run rows the scheduler serves) ----------------------------------------


@dataclass(frozen=True)
class RecomputeStatus:
    """The newest recompute request: ``outcome`` pending | running | ok | failed."""

    id: int
    domains: tuple[str, ...]
    outcome: str
    requested_at: dt.datetime
    finished_at: dt.datetime | None
    done: int
    total: int
    error: str | None


def _message(domains: Sequence[str], *, done: int = 0, total: int = 0, error: str | None = None) -> str:
    return json.dumps({"domains": list(domains), "done": done, "total": total, "error": error})


def _parse(message: str | None) -> dict:
    try:
        data = json.loads(message or "{}")
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def request_recompute(conn: Connection, domains: Sequence[str], *, now: dt.datetime, actor: str | None) -> int:
    """Record that the states of ``domains`` need recomputing for every month; the request's id."""
    domains = _check(domains)
    # (job_id, scheduled_for) is unique: two saves in the same microsecond get distinct instants.
    at = now
    while conn.execute(sa.select(JobRun.id).where(JobRun.job_id == REQUEST_JOB, JobRun.scheduled_for == at)).first():
        at += dt.timedelta(microseconds=1)
    return conn.execute(
        sa.insert(JobRun)
        .values(
            job_id=REQUEST_JOB,
            scheduled_for=at,
            started_at=now,
            outcome="pending",
            message=_message(domains),
            host=(actor or "")[:128] or None,
        )
        .returning(JobRun.id)
    ).scalar_one()


def fetch_recompute_status(conn: Connection) -> RecomputeStatus | None:
    """The newest recompute request, or None when there has never been one."""
    row = conn.execute(
        sa.select(JobRun.id, JobRun.outcome, JobRun.started_at, JobRun.finished_at, JobRun.message)
        .where(JobRun.job_id == REQUEST_JOB)
        .order_by(JobRun.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    data = _parse(row.message)
    return RecomputeStatus(
        id=row.id,
        domains=tuple(d for d in data.get("domains") or () if d in STATE_DOMAINS),
        outcome=row.outcome,
        requested_at=row.started_at,
        finished_at=row.finished_at,
        done=int(data.get("done") or 0),
        total=int(data.get("total") or 0),
        error=data.get("error"),
    )


def _writer(engine: Engine):
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
    return bind.begin()


def run_pending_recomputes(
    engine: Engine, *, as_of: dt.date, now: Callable[[], dt.datetime]
) -> tuple[int, list[dt.date]]:
    """Serve every pending recompute request with one recompute of the union of their domains.

    The requests are claimed by one ``UPDATE … RETURNING`` (``pending`` → ``running``), so of two
    schedulers only one serves each. Each chunk of months commits on its own and the progress is written on the
    requests; a failure marks them ``failed`` with the error and re-raises (the job's run records
    it too). Returns ``(requests served, months recomputed)``.
    """
    with _writer(engine) as conn:
        rows = conn.execute(
            sa.update(JobRun)
            .where(JobRun.job_id == REQUEST_JOB, JobRun.outcome == "pending")
            .values(outcome="running")
            .returning(JobRun.id, JobRun.message)
        ).all()
    ids = [r.id for r in rows]
    if not ids:
        return 0, []
    domains = _check({d for r in rows for d in _parse(r.message).get("domains") or () if d in STATE_DOMAINS})

    def record(outcome: str | None, done: int, total: int, error: str | None = None) -> None:
        values: dict = {"message": _message(domains, done=done, total=total, error=error)}
        if outcome is not None:
            values.update(outcome=outcome, finished_at=now())
        with _writer(engine) as conn:
            conn.execute(sa.update(JobRun).where(JobRun.id.in_(ids)).values(**values))

    with engine.connect() as conn:
        months = [m for m in state_months(conn, domains) if m <= as_of.replace(day=1)]
    done_months: list[dt.date] = []
    try:
        for start in range(0, len(months), MONTHS_PER_CHUNK):
            chunk = months[start : start + MONTHS_PER_CHUNK]
            with _writer(engine) as conn:
                recompute_states(conn, domains, as_of=as_of, months=chunk)
            done_months += chunk
            record(None, len(done_months), len(months))
    except Exception as exc:
        record("failed", len(done_months), len(months), f"{exc.__class__.__name__}: {exc}"[:500])
        raise
    record("ok", len(months), len(months))
    return len(ids), months


__all__ = [
    "REQUEST_JOB",
    "RecomputeStatus",
    "fetch_recompute_status",
    "latest_state_month",
    "recompute_states",
    "request_recompute",
    "run_pending_recomputes",
    "state_months",
]
