"""Scheduler leadership in the database: the lease row and PostgreSQL's advisory lock.

* The lease: one ``scheduler_lease`` row per name (holder, acquired, expires). The holder renews
  it; another process may take it once it has expired, or at once when it holds the advisory
  lock (``force``).
* The advisory lock (PostgreSQL): a session-level ``pg_try_advisory_lock`` on a dedicated
  connection that is not part of any pool (``lock_engine``) and is held for the life of the
  process; the server drops it with the connection.

Lease functions take the caller's ``Connection`` and never commit. The policy (heartbeats,
who leads) is ``jobs.leader``'s.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, create_engine, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from .models import SchedulerLease

LEASE_NAME = "scheduler"


# --- the lease row ----------------------------------------------------------------------------


def take_lease(
    conn: Connection, holder: str, *, now: dt.datetime, ttl: dt.timedelta, force: bool = False, name: str = LEASE_NAME
) -> tuple[bool, str | None]:
    """Acquire or renew the lease for ``holder`` until ``now + ttl``.

    Returns ``(taken, previous holder)``: taken when the lease was free, already ours, expired,
    or ``force``d; the previous holder is named when the lease changed hands. On PostgreSQL the
    row is locked for the transaction, so two processes do not both read it as expired.
    """
    expires = now + ttl
    stmt = select(SchedulerLease.holder, SchedulerLease.expires_at).where(SchedulerLease.name == name)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(SchedulerLease).values(name=name, holder=holder, acquired_at=now, expires_at=expires)
                )
        except IntegrityError:
            return False, None  # another process inserted the lease first
        return True, None
    if row.holder == holder:
        conn.execute(update(SchedulerLease).where(SchedulerLease.name == name).values(expires_at=expires))
        return True, None
    if force or row.expires_at <= now:
        conn.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name)
            .values(holder=holder, acquired_at=now, expires_at=expires)
        )
        return True, row.holder
    return False, None


def expire_lease(conn: Connection, holder: str, *, now: dt.datetime, name: str = LEASE_NAME) -> None:
    """End ``holder``'s lease at ``now`` (a clean shutdown); nothing when someone else holds it."""
    conn.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=now)
    )


# --- the advisory lock (PostgreSQL) -------------------------------------------------------------


def lock_engine(engine: Engine) -> Engine:
    """An engine for ``engine``'s database whose connections belong to nobody else and are never
    recycled (``NullPool``), for holding an advisory lock."""
    return create_engine(engine.url, poolclass=NullPool)


def try_advisory_lock(lock_db: Engine, key: tuple[int, int]) -> Connection | None:
    """A new autocommit connection holding the session-level advisory lock ``key``, or None
    (the connection closed) when another session holds it."""
    conn = lock_db.connect().execution_options(isolation_level="AUTOCOMMIT")
    got = conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"), {"a": key[0], "b": key[1]}).scalar()
    if got:
        return conn
    conn.close()
    return None


def lock_alive(conn: Connection) -> None:
    """Raise when the lock's connection is gone (and with it the lock)."""
    conn.execute(text("SELECT 1"))


def advisory_unlock(conn: Connection, key: tuple[int, int]) -> None:
    """Release the advisory lock ``key`` held by ``conn``'s session."""
    conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), {"a": key[0], "b": key[1]})


__all__ = [
    "LEASE_NAME",
    "advisory_unlock",
    "expire_lease",
    "lock_alive",
    "lock_engine",
    "take_lease",
    "try_advisory_lock",
]
