"""Leadership: exactly one scheduler process runs jobs at a time.

* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a dedicated
  connection that is not part of any pool and is held for the life of the process. If the
  process dies, the server drops the connection and the lock with it, and another scheduler
  takes over at its next heartbeat.
* Both databases: a lease row in ``scheduler_lease`` (name ``scheduler``): holder, acquired,
  expires. The leader renews it at every heartbeat; another process may take it only once it
  has expired. On SQLite the lease is the lock; on PostgreSQL it is written by the lock holder
  and shows the leader on the data page.

Leadership alone does not make double runs impossible (a paused leader may wake after its
lease expired); the unique ``job_run (job_id, scheduled_for)`` does. Leadership makes them rare
and keeps the non-leaders idle.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid

from data.db import Engine
from data.lease import LEASE_NAME, advisory_unlock, expire_lease, lock_alive, lock_engine, take_lease, try_advisory_lock
from data.loaders.pipeline import write_connection

log = logging.getLogger("aocc.scheduler")

ADVISORY_KEY = (0x414F4343, 1)  # ("AOCC", scheduler)


def process_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Leadership:
    def __init__(self, engine: Engine, *, holder: str | None = None, ttl_seconds: int = 60):
        self.engine = engine
        self.holder = (holder or process_identity())[:128]
        self.ttl = dt.timedelta(seconds=ttl_seconds)
        self._lock_conn = None
        self._lock_engine = None
        self._leader_until: dt.datetime | None = None
        self._mutex = threading.Lock()

    @property
    def uses_advisory_lock(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    # -- the advisory lock (PostgreSQL)
    def _hold_advisory_lock(self) -> bool:
        if self._lock_conn is not None:
            try:
                lock_alive(self._lock_conn)
                return True
            except Exception:  # the dedicated connection died: the server released the lock
                log.warning("scheduler %s lost its lock connection", self.holder)
                self._drop_lock_conn()
        if self._lock_engine is None:
            self._lock_engine = lock_engine(self.engine)
        self._lock_conn = try_advisory_lock(self._lock_engine, ADVISORY_KEY)
        return self._lock_conn is not None

    def _drop_lock_conn(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # already broken; nothing to release on a dead connection
                log.debug("closing a broken lock connection", exc_info=True)

    # -- the lease row
    def _take_lease(self, now: dt.datetime, *, force: bool) -> bool:
        with write_connection(self.engine) as conn:
            taken, previous = take_lease(conn, self.holder, now=now, ttl=self.ttl, force=force, name=LEASE_NAME)
        if previous is not None:
            log.info("scheduler %s took the lease from %s", self.holder, previous)
        return taken

    # -- public
    def heartbeat(self, now: dt.datetime) -> bool:
        """Acquire or renew leadership; returns whether this process leads until ``now + ttl``."""
        with self._mutex:
            if self.uses_advisory_lock:
                if not self._hold_advisory_lock():
                    self._leader_until = None
                    return False
                leading = self._take_lease(now, force=True)
            else:
                leading = self._take_lease(now, force=False)
            was = self._leader_until is not None
            self._leader_until = now + self.ttl if leading else None
            if leading and not was:
                log.info("scheduler %s is the leader", self.holder)
            elif was and not leading:
                log.warning("scheduler %s is no longer the leader", self.holder)
            return leading

    def is_leader(self, now: dt.datetime) -> bool:
        until = self._leader_until
        return until is not None and now < until

    def release(self) -> None:
        """Give up leadership (clean shutdown): drop the lock and expire our lease."""
        with self._mutex:
            self._leader_until = None
            try:
                with write_connection(self.engine) as conn:
                    expire_lease(conn, self.holder, now=dt.datetime.now(dt.UTC), name=LEASE_NAME)
            finally:
                if self._lock_conn is not None:
                    try:
                        advisory_unlock(self._lock_conn, ADVISORY_KEY)
                    except Exception:  # the connection may already be gone: the lock went with it
                        log.debug("advisory unlock failed", exc_info=True)
                    self._drop_lock_conn()
                if self._lock_engine is not None:
                    self._lock_engine.dispose()
                    self._lock_engine = None
