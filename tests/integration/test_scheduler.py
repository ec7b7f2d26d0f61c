"""The scheduler: slots computed from ``now`` (a table of cases), a slot runs once, a job that
raises is recorded and the scheduler goes on, leadership by lease (SQLite) and advisory lock
(PostgreSQL), and two schedulers on PostgreSQL running each job exactly once."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import load_config
from data.db import get_engine, make_engine
from jobs.definitions import all_jobs, fixed_jobs, hook_job, source_job_id
from jobs.leader import Leadership
from jobs.process import SchedulerProcess
from jobs.runner import JobSpec, run_job
from jobs.schedule import DailyAt, Every, WeeklyAt

from loader_world import NOW, build_world, hourly_csv

UTC = dt.UTC
ROOT = Path(__file__).resolve().parents[2]


def u(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "schedule, now, slot",
    [
        (Every(60), u(2026, 11, 20, 5, 0, 0), u(2026, 11, 20, 5, 0, 0)),
        (Every(60), u(2026, 11, 20, 5, 0, 59), u(2026, 11, 20, 5, 0, 0)),
        (Every(300), u(2026, 11, 20, 5, 7, 30), u(2026, 11, 20, 5, 5, 0)),
        (Every(180), u(2026, 11, 20, 5, 2, 59), u(2026, 11, 20, 5, 0, 0)),
        (Every(3600), u(2026, 11, 20, 5, 59), u(2026, 11, 20, 5, 0)),
        # 02:30 Shanghai is 18:30 UTC the day before
        (DailyAt(2, 30), u(2026, 11, 20, 18, 30), u(2026, 11, 20, 18, 30)),
        (DailyAt(2, 30), u(2026, 11, 20, 18, 29), u(2026, 11, 19, 18, 30)),
        (DailyAt(2, 30), u(2026, 11, 21, 3, 0), u(2026, 11, 20, 18, 30)),
        # Monday 06:00 Shanghai = Sunday 22:00 UTC; 2026-11-23 is a Monday
        (WeeklyAt(0, 6), u(2026, 11, 22, 22, 0), u(2026, 11, 22, 22, 0)),
        (WeeklyAt(0, 6), u(2026, 11, 22, 21, 59), u(2026, 11, 15, 22, 0)),
        (WeeklyAt(0, 6), u(2026, 11, 26, 8, 0), u(2026, 11, 22, 22, 0)),
    ],
)
def test_slots(schedule, now, slot):
    assert schedule.slot(now, "Asia/Shanghai") == slot


def test_triggers_fire_on_the_slots():
    for schedule in (Every(180), DailyAt(2, 30), WeeklyAt(0, 6)):
        trigger = schedule.trigger("Asia/Shanghai")
        fire = trigger.get_next_fire_time(None, u(2026, 11, 20, 5, 1, 7))
        assert schedule.slot(fire, "Asia/Shanghai") == fire


def test_a_slot_runs_once_and_a_failure_is_recorded(sqlite_url):
    engine = get_engine(sqlite_url)
    calls = []
    ok = JobSpec("test_ok", Every(60), lambda e, now: calls.append(now) or "fine")
    boom = JobSpec("test_boom", Every(60), lambda e, now: 1 / 0)
    first = run_job(engine, ok, now=u(2026, 11, 20, 5, 0, 1), host="a")
    second = run_job(engine, ok, now=u(2026, 11, 20, 5, 0, 40), host="b")  # the same minute
    third = run_job(engine, ok, now=u(2026, 11, 20, 5, 1, 0), host="b")
    failed = run_job(engine, boom, now=u(2026, 11, 20, 5, 0, 1), host="a")
    assert [first.outcome, second.outcome, third.outcome, failed.outcome] == ["ok", "skipped", "ok", "failed"]
    assert len(calls) == 2
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT job_id, outcome, message, host FROM job_run ORDER BY id")).all()
    assert [(r.job_id, r.outcome, r.host) for r in runs] == [
        ("test_ok", "ok", "a"),
        ("test_ok", "ok", "b"),
        ("test_boom", "failed", "a"),
    ]
    assert runs[0].message == "fine"
    assert "ZeroDivisionError" in runs[2].message


def test_lease_leadership_on_sqlite(sqlite_url):
    engine = get_engine(sqlite_url)
    a = Leadership(engine, holder="a", ttl_seconds=60)
    b = Leadership(engine, holder="b", ttl_seconds=60)
    t0 = u(2026, 11, 20, 5, 0)
    assert a.heartbeat(t0) is True
    assert b.heartbeat(t0 + dt.timedelta(seconds=10)) is False
    assert a.heartbeat(t0 + dt.timedelta(seconds=30)) is True  # renewed to 01:30
    assert b.heartbeat(t0 + dt.timedelta(seconds=80)) is False
    assert b.heartbeat(t0 + dt.timedelta(seconds=91)) is True  # a stopped renewing: taken over
    assert a.is_leader(t0 + dt.timedelta(seconds=60)) is True  # a still believes until its own lease ends …
    assert a.heartbeat(t0 + dt.timedelta(seconds=92)) is False  # … and learns at its next heartbeat
    b.release()
    assert a.heartbeat(dt.datetime.now(UTC) + dt.timedelta(seconds=1)) is True


def test_advisory_lock_leadership_on_postgresql(pg_url):
    a = Leadership(make_engine(pg_url), holder="a", ttl_seconds=60)
    b = Leadership(make_engine(pg_url), holder="b", ttl_seconds=60)
    now = dt.datetime.now(UTC)
    try:
        assert a.heartbeat(now) is True
        # even with the lease expired, b cannot lead while a holds the lock
        assert b.heartbeat(now + dt.timedelta(hours=1)) is False
        # a's process dies: its dedicated connection closes and the server drops the lock
        a._lock_conn.close()
        a._lock_conn = None
        assert b.heartbeat(now + dt.timedelta(seconds=5)) is True
        with get_engine(pg_url).connect() as conn:
            assert conn.execute(sa.text("SELECT holder FROM scheduler_lease")).scalar() == "b"
    finally:
        a.release()
        b.release()
        a.engine.dispose()
        b.engine.dispose()


def _counting_specs(url, counter_table="tick"):
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE IF NOT EXISTS {counter_table} (job TEXT, slot TEXT, holder TEXT)"))

    def make(job_id, seconds, fail=False):
        def func(e, now, job_id=job_id, seconds=seconds):
            slot = Every(seconds).slot(now).isoformat()
            with e.begin() as conn:
                conn.execute(
                    sa.text(f"INSERT INTO {counter_table} VALUES (:j, :s, :h)"),
                    {"j": job_id, "s": slot, "h": threading.current_thread().name},
                )
            if fail:
                raise RuntimeError("this job always fails")
            return "tick"

        return JobSpec(job_id, Every(seconds), func)

    return [make("every1", 1), make("every2", 2), make("failing", 1, fail=True)]


@pytest.mark.slow
def test_two_schedulers_on_postgresql_run_each_job_once(pg_url):
    config = load_config(database_url=pg_url, scheduler_lease_seconds=3)
    specs = _counting_specs(pg_url)
    first = SchedulerProcess(config, specs=specs, background=True, holder="first", heartbeat_seconds=0.5)
    second = SchedulerProcess(config, specs=specs, background=True, holder="second", heartbeat_seconds=0.5)
    first.start()
    second.start()
    try:
        time.sleep(5)
        # the leader dies without a word: the other takes over within a heartbeat or two
        leader, standby = (first, second) if first.leadership.is_leader(dt.datetime.now(UTC)) else (second, first)
        leader.scheduler.shutdown(wait=True)
        leader.leadership._drop_lock_conn()
        time.sleep(4)
    finally:
        for process in (first, second):
            if process.scheduler.running:
                process.scheduler.shutdown(wait=True)
            process.leadership.release()
    with get_engine(pg_url).connect() as conn:
        runs = conn.execute(sa.text("SELECT job_id, scheduled_for, outcome, host FROM job_run")).all()
        ticks = conn.execute(sa.text("SELECT job, slot FROM tick")).all()
    per_slot = {}
    for r in runs:
        per_slot.setdefault((r.job_id, r.scheduled_for), []).append(r)
    assert all(len(v) == 1 for v in per_slot.values()), "a slot ran twice"
    assert len(ticks) == len(set(ticks)), "a job body ran twice for one slot"
    assert {r.outcome for r in runs if r.job_id == "failing"} == {"failed"}
    every1 = sorted(r.scheduled_for for r in runs if r.job_id == "every1")
    assert len(every1) >= 6, "the scheduler kept going after failures and after the leader died"
    hosts = {r.host for r in runs}
    assert hosts == {"first", "second"}, "the standby took over"
    # before the takeover only the leader ran jobs
    assert {r.host for r in runs if r.scheduled_for < every1[0] + dt.timedelta(seconds=3)} == {leader.holder}


def test_the_drop_job_makes_a_file_appear_in_the_rollups_within_one_run(sqlite_url, tmp_path):
    build_world(sqlite_url)
    config = load_config(database_url=sqlite_url, var_dir=tmp_path, data_dir=tmp_path / "data", drop_settle_seconds=0)
    engine = get_engine(sqlite_url)
    specs = {s.id: s for s in all_jobs(engine, config)}
    drop = specs[source_job_id("drop_energy")]
    assert drop.schedule == Every(60)
    (config.drop_root / "energy" / "readings.csv").write_text(hourly_csv(value=10), encoding="utf-8")
    outcome = run_job(engine, drop, now=NOW)
    assert outcome.outcome == "ok" and "applied 1" in outcome.message
    with engine.connect() as conn:
        value = conn.execute(
            sa.text(
                "SELECT value FROM rollup_daily WHERE metric_id='energy.electricity_kwh' "
                "AND entity_kind='org' AND entity_id=1 AND day='2026-11-20'"
            )
        ).scalar()
    assert value == pytest.approx(240.0)
    assert run_job(engine, drop, now=NOW + dt.timedelta(seconds=60)).message == "nothing new"


def test_fixed_jobs_and_hooks(sqlite_url, tmp_path):
    config = load_config(database_url=sqlite_url, var_dir=tmp_path, backup_time="03:45")
    ids = {s.id: s for s in fixed_jobs(config)}
    assert set(ids) == {
        "rollup_maintenance",
        "backup",
        "alert_check",
        "alert_notify",
        "weekly_snapshot",
        "housekeeping",
        "energy_baseline",
        "reference_recompute",
    }
    assert ids["backup"].schedule == DailyAt(3, 45)
    from data.loaders import hook_registry

    assert hook_job(get_engine(sqlite_url), NOW, point="weekly_snapshot") == "no hooks registered"
    seen = []
    hook_registry.register("alert_check", lambda engine, now: seen.append(now), name="test.alerts")
    try:
        outcome = run_job(get_engine(sqlite_url), ids["alert_check"], now=NOW)
    finally:
        hook_registry.unregister("alert_check", "test.alerts")
    assert outcome.outcome == "ok" and seen == [NOW]
    hook_registry.register("alert_check", lambda engine, now: 1 / 0, name="test.broken")
    try:
        outcome = run_job(get_engine(sqlite_url), ids["alert_check"], now=NOW + dt.timedelta(minutes=5))
    finally:
        hook_registry.unregister("alert_check", "test.broken")
    assert outcome.outcome == "failed" and "test.broken" in outcome.message


def test_backup_and_maintenance_jobs_run(sqlite_url, tmp_path):
    build_world(sqlite_url)
    config = load_config(database_url=sqlite_url, var_dir=tmp_path, backup_dir=tmp_path / "backups")
    ids = {s.id: s for s in fixed_jobs(config)}
    engine = get_engine(sqlite_url)
    backup = run_job(engine, ids["backup"], now=NOW)
    assert backup.outcome == "ok" and list((tmp_path / "backups").glob("aocc-*.sqlite3"))
    assert run_job(engine, ids["rollup_maintenance"], now=NOW).outcome == "ok"
    assert run_job(engine, ids["housekeeping"], now=NOW).outcome == "ok"


def test_python_m_jobs_lists_and_runs(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "AOCC_VAR_DIR": str(tmp_path), "AOCC_DEMO": "0"}
    listed = subprocess.run(
        [sys.executable, "-m", "jobs", "--list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    assert "source:drop_energy" in listed.stdout and "backup" in listed.stdout
    ran = subprocess.run(
        [sys.executable, "-m", "jobs", "--run", "housekeeping"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0 and "housekeeping" in ran.stdout


@pytest.mark.slow
def test_the_scheduler_process_starts_and_stops_on_sigterm(tmp_path):
    import signal

    url = f"sqlite:///{tmp_path / 'proc.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "AOCC_VAR_DIR": str(tmp_path),
        "AOCC_DEMO": "0",
        "AOCC_SCHEDULER_LEASE_SECONDS": "3",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "jobs"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.time() + 60
        engine = sa.create_engine(url)
        holder = None
        while time.time() < deadline and holder is None:
            time.sleep(0.5)
            try:
                with engine.connect() as conn:
                    holder = conn.execute(sa.text("SELECT holder FROM scheduler_lease")).scalar()
            except sa.exc.OperationalError:
                pass
        assert holder, "the scheduler took the lease"
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, output
        with engine.connect() as conn:
            expires = conn.execute(sa.text("SELECT expires_at FROM scheduler_lease")).scalar()
        engine.dispose()
        assert dt.datetime.fromisoformat(str(expires)).replace(tzinfo=UTC) <= dt.datetime.now(UTC)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_only_runnable_sources_get_jobs(sqlite_url, tmp_path):
    from data.loaders.sources import SourceSpec, ensure_sources
    from jobs.definitions import source_jobs

    engine = get_engine(sqlite_url)
    ensure_sources(
        engine,
        [
            SourceSpec("demo.energy", "demo_generator", "energy", "演示", "Demo", {}, 86400, 90000),
            SourceSpec("drop_energy", "file_drop", "energy", "投放", "Drop", {"folder": str(tmp_path / "d")}, 60, 3600),
        ],
    )
    assert [s.id for s in source_jobs(engine, load_config(database_url=sqlite_url))] == ["source:drop_energy"]


def test_slots_follow_the_configured_zone_when_none_is_given(monkeypatch):
    monkeypatch.setenv("AOCC_TIMEZONE", "UTC")
    assert DailyAt(2, 30).slot(u(2026, 11, 20, 3, 0)) == u(2026, 11, 20, 2, 30)
    assert WeeklyAt(0, 6).slot(u(2026, 11, 23, 7, 0)) == u(2026, 11, 23, 6, 0)
    monkeypatch.setenv("AOCC_TIMEZONE", "Asia/Shanghai")
    assert DailyAt(2, 30).slot(u(2026, 11, 20, 3, 0)) == u(2026, 11, 19, 18, 30)
    from data.calendar import calendar_for

    assert DailyAt(2, 30).slot(u(2026, 11, 20, 3, 0), calendar_for("UTC")) == u(2026, 11, 20, 2, 30)


def test_job_run_claims_and_the_lease_row(db_url):
    """``data.jobrun`` and ``data.lease`` on both databases: a slot is claimed once and the
    losing claim leaves its transaction usable; the lease changes hands only when free, expired
    or forced."""
    from data.jobrun import claim_run, delete_runs_before, finish_run
    from data.lease import expire_lease, take_lease
    from data.loaders.pipeline import write_connection

    engine = get_engine(db_url)
    slot = u(2026, 11, 20, 5, 0)
    with write_connection(engine) as conn:
        first = claim_run(conn, "j", slot, started_at=slot, host="a")
        assert first is not None
        assert claim_run(conn, "j", slot, started_at=slot, host="b") is None
        finish_run(conn, first, outcome="ok", finished_at=slot + dt.timedelta(seconds=3), message="x" * 9000)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT outcome, host, length(message) FROM job_run")).one() == ("ok", "a", 8000)
    with write_connection(engine) as conn:
        assert delete_runs_before(conn, slot) == 0
        assert delete_runs_before(conn, slot + dt.timedelta(seconds=1)) == 1

    ttl = dt.timedelta(seconds=60)
    t0 = u(2026, 11, 20, 5, 0)
    with write_connection(engine) as conn:
        assert take_lease(conn, "a", now=t0, ttl=ttl) == (True, None)
        assert take_lease(conn, "b", now=t0 + dt.timedelta(seconds=30), ttl=ttl) == (False, None)
        assert take_lease(conn, "a", now=t0 + dt.timedelta(seconds=30), ttl=ttl) == (True, None)  # renewed to 06:30
        assert take_lease(conn, "b", now=t0 + dt.timedelta(seconds=80), ttl=ttl) == (False, None)
        assert take_lease(conn, "b", now=t0 + dt.timedelta(seconds=91), ttl=ttl) == (True, "a")  # expired
        assert take_lease(conn, "a", now=t0 + dt.timedelta(seconds=92), ttl=ttl, force=True) == (True, "b")
        expire_lease(conn, "b", now=t0 + dt.timedelta(seconds=93))  # not b's: nothing changes
        assert take_lease(conn, "b", now=t0 + dt.timedelta(seconds=94), ttl=ttl) == (False, None)
        expire_lease(conn, "a", now=t0 + dt.timedelta(seconds=95))
        assert take_lease(conn, "b", now=t0 + dt.timedelta(seconds=96), ttl=ttl) == (True, "a")
