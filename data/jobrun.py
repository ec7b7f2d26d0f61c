"""The scheduler's records: one ``job_run`` row per job and slot, and the sources it runs.

``(job_id, scheduled_for)`` is unique, so of two schedulers firing the same slot exactly one
claims it (``claim_run``); the other is told and skips. Functions take the caller's
``Connection`` and never commit. Reads of the job history for the data page are
``data.queries.ingest``'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from .models import DataSource, JobRun

MESSAGE_LIMIT = 8000


@dataclass(frozen=True)
class SourceToRun:
    """An enabled data source the scheduler runs on its interval."""

    code: str
    interval_seconds: int
    kind: str


def claim_run(
    conn: Connection, job_id: str, scheduled_for: dt.datetime, *, started_at: dt.datetime, host: str | None = None
) -> int | None:
    """Record that ``job_id`` runs for the slot ``scheduled_for``: the new run's id, or None when
    another process claimed the slot first (the caller's transaction stays usable)."""
    stmt = (
        insert(JobRun)
        .values(
            job_id=job_id,
            scheduled_for=scheduled_for,
            started_at=started_at,
            outcome="running",
            host=(host or "")[:128] or None,
        )
        .returning(JobRun.id)
    )
    try:
        with conn.begin_nested():
            return conn.execute(stmt).scalar_one()
    except IntegrityError:
        return None


def finish_run(conn: Connection, run_id: int, *, outcome: str, finished_at: dt.datetime, message: str | None) -> None:
    """Record a run's outcome (``ok`` | ``failed``), when it finished and its message (clipped)."""
    conn.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(outcome=outcome, finished_at=finished_at, message=(message or None) and str(message)[:MESSAGE_LIMIT])
    )


def delete_runs_before(conn: Connection, cutoff: dt.datetime) -> int:
    """Drop finished runs started before ``cutoff``; how many were removed."""
    return conn.execute(delete(JobRun).where(JobRun.started_at < cutoff, JobRun.outcome != "running")).rowcount


def fetch_sources_to_run(conn: Connection, kinds: tuple[str, ...]) -> list[SourceToRun]:
    """The enabled data sources of ``kinds``, by code."""
    rows = conn.execute(
        select(DataSource.code, DataSource.interval_seconds, DataSource.kind)
        .where(DataSource.enabled.is_(True), DataSource.kind.in_(kinds))
        .order_by(DataSource.code)
    )
    return [SourceToRun(r.code, int(r.interval_seconds), r.kind) for r in rows]


__all__ = ["SourceToRun", "claim_run", "delete_runs_before", "fetch_sources_to_run", "finish_run"]
