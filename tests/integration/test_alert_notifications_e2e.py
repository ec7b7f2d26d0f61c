"""End to end: a rule saved, evaluated by the engine, and its firing and resolution told to the
department's work-chat robot by the scheduler's ``alert_notify`` job (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from notify_world import HttpSink
from sqlalchemy.orm import Session

from config import load_config
from data.alerts import channels as channels_data
from data.alerts import evaluate, rules
from data.db import get_engine
from data.seed import seed_reference
from jobs.definitions import fixed_jobs
from jobs.runner import run_job

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def http():
    sink = HttpSink().start()
    yield sink
    sink.stop()


def test_rule_evaluation_and_dispatch(db_url, http):
    engine = get_engine(db_url)
    with engine.begin() as conn:
        with Session(bind=conn) as session:
            seed_reference(session)
            session.flush()
        conn.execute(
            sa.text(
                "INSERT INTO org_node (id, parent_id, level, admin_level, code, name_zh, name_en, path, depth, "
                "headcount, energy_users, sort_order) VALUES (1, NULL, 'province', 'province', 'P', '省', 'Province', "
                "'/1/', 0, 0, 0, 0)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO data_source (id, code, kind, domain, name_zh, name_en, config, interval_seconds, "
                "stale_after_seconds, last_success_at, enabled) VALUES (1, 'gw', 'simulator', 'energy', '能耗网关', "
                "'Gateway', '{}', 300, 3600, :t, :on)"
            ),
            {"t": T0.replace(tzinfo=None), "on": True},
        )
        spec = rules.RuleSpec(
            code="test.stale",
            name_zh="数据源停止上报",
            name_en="Source stopped",
            metric_id="energy.source_staleness",
            entity_kind="source",
            comparison="above",
            warning_level=1.0,
            critical_level=3.0,
            recovery_level=0.5,
            window="latest",
            for_seconds=0,
            department_code="information",
        )
        rules.save_rule(conn, spec, actor="admin")
        department = conn.execute(sa.text("SELECT id FROM department WHERE code = 'information'")).scalar_one()
        channels_data.create_channel(
            conn,
            department_id=department,
            kind="webhook",
            name="信息处群",
            target=http.url,
            created_by="admin",
            now=T0 - dt.timedelta(days=1),
        )
    config = load_config(database_url=db_url, public_base_url="https://aocc.example.gov.cn")
    job = {spec.id: spec for spec in fixed_jobs(config)}["alert_notify"]

    def evaluate_at(hours: float) -> dict:
        with engine.begin() as conn:
            return evaluate.evaluate_rules(conn, now=T0 + dt.timedelta(hours=hours))

    assert evaluate_at(2)["fired"] == 1
    assert run_job(engine, job, now=T0 + dt.timedelta(hours=2, minutes=1)).outcome == "ok"
    assert evaluate_at(4)["severity"] == 1  # warning → critical: the same alert, no new message
    assert run_job(engine, job, now=T0 + dt.timedelta(hours=4, minutes=1)).outcome == "ok"
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE data_source SET last_success_at = :t"),
            {"t": (T0 + dt.timedelta(hours=5)).replace(tzinfo=None)},
        )
    assert evaluate_at(5.1)["resolved"] == 1
    assert run_job(engine, job, now=T0 + dt.timedelta(hours=5, minutes=10)).outcome == "ok"

    contents = [r["json"]["markdown"]["content"] for r in http.requests]
    assert len(contents) == 2
    assert "警告告警" in contents[0] and "数据源停止上报" in contents[0] and "能耗网关" in contents[0]
    assert "https://aocc.example.gov.cn/alerts?alert=" in contents[0]
    assert "告警恢复" in contents[1]
    with engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT status FROM notification_attempt ORDER BY id")).scalars().all()
    assert statuses == ["sent", "sent"]
