"""The scheduler process: APScheduler 3.x with explicit job ids, ``replace_existing``,
``coalesce`` and ``max_instances=1``, and a leadership heartbeat.

Every process schedules every job; at each firing the job runs only if this process leads
(see ``jobs/leader.py``) and only if its slot is unclaimed (``jobs/runner.py``). A second
scheduler is therefore a hot standby: it takes over within one heartbeat of the leader's death.
The list of sources is re-read every few minutes, so a source added on the data page or by
``register_sql_source`` gets its job without a restart.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from data.db import Engine, make_engine

from .definitions import all_jobs, source_jobs
from .leader import Leadership
from .runner import JobSpec, run_job
from .schedule import Every

log = logging.getLogger("aocc.scheduler")

UTC = dt.UTC
HEARTBEAT_ID = "_leader_heartbeat"
SYNC_ID = "_sources_sync"
SYNC_SECONDS = 300


class SchedulerProcess:
    def __init__(
        self,
        config,
        *,
        engine: Engine | None = None,
        specs: list[JobSpec] | None = None,
        background: bool = False,
        holder: str | None = None,
        sync_sources: bool = True,
        heartbeat_seconds: float | None = None,
    ):
        self.config = config
        # Our own engine (not the process-wide one): the scheduler's pool is its own.
        self.engine = engine or make_engine(config.database_url)
        ttl = int(getattr(config, "scheduler_lease_seconds", 60))
        self.leadership = Leadership(self.engine, holder=holder, ttl_seconds=ttl)
        self.heartbeat_seconds = heartbeat_seconds or max(1.0, ttl / 3)
        self._fixed_specs = specs
        self._sync_sources = sync_sources and specs is None
        self.specs: dict[str, JobSpec] = {}
        defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 120}
        cls = BackgroundScheduler if background else BlockingScheduler
        self.scheduler = cls(timezone=config.timezone, job_defaults=defaults)
        self.runs: list = []  # outcomes of this process's runs (tests and the shutdown log read it)
        self._runs_lock = threading.Lock()

    @property
    def holder(self) -> str:
        return self.leadership.holder

    def build(self) -> None:
        specs = self._fixed_specs if self._fixed_specs is not None else all_jobs(self.engine, self.config)
        for spec in specs:
            self._add(spec)
        self.scheduler.add_job(
            self.heartbeat,
            "interval",
            seconds=self.heartbeat_seconds,
            id=HEARTBEAT_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        if self._sync_sources:
            self.scheduler.add_job(
                self.sync_sources,
                Every(SYNC_SECONDS).trigger(self.config.timezone),
                id=SYNC_ID,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
            )

    def _add(self, spec: JobSpec) -> None:
        self.specs[spec.id] = spec
        self.scheduler.add_job(
            self.fire,
            spec.schedule.trigger(self.config.timezone),
            args=[spec.id],
            id=spec.id,
            name=spec.description or spec.id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )

    def sync_sources(self) -> None:
        """Add jobs for new sources, drop jobs of removed or disabled ones, follow interval changes."""
        wanted = {s.id: s for s in source_jobs(self.engine, self.config)}
        for job_id in [j for j in self.specs if j.startswith("source:") and j not in wanted]:
            self.scheduler.remove_job(job_id)
            del self.specs[job_id]
            log.info("job %s removed (source disabled or deleted)", job_id)
        for job_id, spec in wanted.items():
            current = self.specs.get(job_id)
            if current is None or current.schedule != spec.schedule:
                self._add(spec)
                log.info("job %s scheduled %s", job_id, spec.schedule.describe())

    def heartbeat(self) -> None:
        try:
            self.leadership.heartbeat(dt.datetime.now(UTC))
        except Exception:  # the database may be away; we simply do not lead until it is back
            log.exception("leadership heartbeat failed")

    def fire(self, job_id: str) -> None:
        now = dt.datetime.now(UTC)
        if not self.leadership.is_leader(now):
            return
        spec = self.specs.get(job_id)
        if spec is None:
            return
        try:
            outcome = run_job(self.engine, spec, now=now, host=self.holder, timezone=self.config.timezone)
        except Exception:  # the database went away while recording; the next firing tries again
            log.exception("job %s could not be recorded", job_id)
            return
        with self._runs_lock:
            self.runs.append(outcome)

    def start(self) -> None:
        self.build()
        self.heartbeat()
        log.info(
            "scheduler %s starting with %d jobs (leader: %s)",
            self.holder,
            len(self.specs),
            self.leadership.is_leader(dt.datetime.now(UTC)),
        )
        self.scheduler.start()

    def shutdown(self, wait: bool = True) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        self.leadership.release()
        self.engine.dispose()
