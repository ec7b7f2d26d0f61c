"""Recomputing the state roll-ups after a reference edit, on SQLite and PostgreSQL: the net values
of a category's assets and the over-standard areas of a rank's rooms become the known answers of
``reference_world`` in every month held; other units keep theirs; recompute requests are served
once by the scheduler's job, with their progress recorded."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from reference_world import AS_OF, CATEGORY_ID, MONTHS, build_reference_world, monthly, standard_id

from data.db import get_engine, write_session
from data.models import AuditLog, DataVersion, JobRun
from data.reference import OFFICE_SPACE_STANDARDS
from data.reference_edit import InvalidEdit, fetch_categories, fetch_standards, save_category, save_standard
from data.rollup.recompute import (
    REQUEST_JOB,
    fetch_recompute_status,
    latest_state_month,
    recompute_states,
    request_recompute,
    run_pending_recomputes,
    state_months,
)

NOW = dt.datetime(2026, 2, 20, 3, 0, tzinfo=dt.UTC)
CATEGORY = {"depreciation_method": "straight_line", "useful_life_years": 10, "residual_pct": 0}


@pytest.fixture
def world(db_url):
    build_reference_world(db_url)
    return db_url


def edit_category(url, **changes):
    with write_session(get_engine(url)) as session:
        return save_category(session, CATEGORY_ID, {**CATEGORY, **changes}, actor="admin", now=NOW)


def recompute(url, domains, months=None):
    with get_engine(url).begin() as conn:
        return recompute_states(conn, domains, as_of=AS_OF, months=months)


def test_a_shorter_life_recomputes_the_categorys_net_values_in_every_month(world):
    before_7, before_8 = monthly(world, "asset.net_value_yuan", 7), monthly(world, "asset.net_value_yuan", 8)
    assert set(before_7) == {"2026-01", "2026-02"} and before_7["2026-02"] > 0
    assert edit_category(world, useful_life_years=1) == {"useful_life_years": [10, 1]}
    # Saving alone changes no roll-up: the pages read roll-ups.
    assert monthly(world, "asset.net_value_yuan", 7) == before_7
    assert recompute(world, ["asset"]) == list(MONTHS)
    assert monthly(world, "asset.net_value_yuan", 7) == {"2026-01": 0.0, "2026-02": 0.0}
    assert monthly(world, "asset.net_value_yuan", 8) == pytest.approx(before_8)
    assert monthly(world, "asset.net_value_yuan", 1) == pytest.approx(before_8)
    assert monthly(world, "asset.original_value_yuan", 7) == {"2026-01": 1800.0, "2026-02": 1800.0}


def test_a_residual_rate_keeps_that_share_of_the_original_value(world):
    edit_category(world, useful_life_years=1, residual_pct="10")
    recompute(world, ["asset"])
    assert monthly(world, "asset.net_value_yuan", 7) == pytest.approx({"2026-01": 180.0, "2026-02": 180.0})


def test_method_none_keeps_the_original_value(world):
    edit_category(world, useful_life_years=1, depreciation_method="none")
    recompute(world, ["asset"])
    assert monthly(world, "asset.net_value_yuan", 7) == pytest.approx({"2026-01": 1800.0, "2026-02": 1800.0})


def test_a_new_limit_recomputes_the_over_standard_area(world):
    sid = standard_id(world)
    assert monthly(world, "housing.over_standard_area_m2", 7) == {"2026-01": 12.0, "2026-02": 12.0}
    with write_session(get_engine(world)) as session:
        changes = save_standard(session, sid, {"limit_m2": "24", "source": "本省细则"}, actor="admin", now=NOW)
    assert changes["limit_m2"] == [18.0, 24.0] and changes["source"][1] == "本省细则"
    recompute(world, ["housing"])
    assert monthly(world, "housing.over_standard_area_m2", 7) == {"2026-01": 6.0, "2026-02": 6.0}
    assert monthly(world, "housing.over_standard_area_m2", 1) == {"2026-01": 6.0, "2026-02": 6.0}
    with write_session(get_engine(world)) as session:
        save_standard(session, sid, {"limit_m2": 30, "source": "本省细则"}, actor="admin", now=NOW)
    recompute(world, ["housing"])
    assert monthly(world, "housing.over_standard_rooms", 2) == {"2026-01": 0.0, "2026-02": 0.0}
    assert monthly(world, "housing.over_standard_area_m2", 2) == {"2026-01": 0.0, "2026-02": 0.0}


def test_the_latest_month_alone(world):
    with get_engine(world).connect() as conn:
        assert state_months(conn, ["asset"]) == list(MONTHS)
        assert latest_state_month(conn, ["asset"], AS_OF) == MONTHS[-1]
        assert latest_state_month(conn, ["asset"], dt.date(2026, 1, 15)) == MONTHS[0]
    before = monthly(world, "asset.net_value_yuan", 7)
    edit_category(world, useful_life_years=1)
    assert recompute(world, ["asset"], months=[MONTHS[-1]]) == [MONTHS[-1]]
    assert monthly(world, "asset.net_value_yuan", 7) == {"2026-01": before["2026-01"], "2026-02": 0.0}


def test_a_save_writes_who_when_and_the_audit_row(world):
    assert edit_category(world, useful_life_years=12, residual_pct=5) == {
        "useful_life_years": [10, 12],
        "residual_rate": [0.0, 0.05],
    }
    assert edit_category(world, useful_life_years=12, residual_pct=5) == {}  # unchanged: no second audit row
    with get_engine(world).connect() as conn:
        row = next(c for c in fetch_categories(conn) if c["id"] == CATEGORY_ID)
        audits = conn.execute(
            sa.select(AuditLog.target, AuditLog.actor, AuditLog.detail).where(AuditLog.action == "reference_change")
        ).all()
        standards = fetch_standards(conn)
    assert (row["useful_life_years"], row["residual_pct"], row["asset_count"]) == (12, 5.0, 2)
    assert row["updated_by"] == "admin" and row["updated_at"].replace(tzinfo=dt.UTC) == NOW
    assert len(audits) == 1
    target, actor, detail = audits[0]
    assert target == "asset_category:T01" and actor == "admin"
    assert detail["changes"] == {"useful_life_years": [10, 12], "residual_rate": [0.0, 0.05]}
    assert len(standards) == len(OFFICE_SPACE_STANDARDS) and standards[0]["limit_m2"] == 54.0


def test_an_invalid_edit_writes_nothing(world):
    with pytest.raises(InvalidEdit) as refused:
        edit_category(world, useful_life_years="6.5", residual_pct=60, depreciation_method="sum_of_years")
    assert [(p.field, p.key) for p in refused.value.problems] == [
        ("depreciation_method", "refadmin.problem.method"),
        ("useful_life_years", "refadmin.problem.not_whole"),
        ("residual_pct", "refadmin.problem.range.residual_pct"),
    ]
    with get_engine(world).connect() as conn:
        row = next(c for c in fetch_categories(conn) if c["id"] == CATEGORY_ID)
        assert conn.execute(sa.select(sa.func.count()).select_from(AuditLog)).scalar_one() == 0
    assert (row["useful_life_years"], row["updated_by"]) == (10, None)
    with pytest.raises(LookupError), write_session(get_engine(world)) as session:
        save_category(session, 99999, CATEGORY, actor="admin", now=NOW)


def test_requests_are_served_once_by_the_job_with_their_progress(world):
    engine = get_engine(world)
    edit_category(world, useful_life_years=1)
    with engine.begin() as conn:
        first = request_recompute(conn, ["asset"], now=NOW, actor="admin")
        second = request_recompute(conn, ["housing"], now=NOW, actor="admin")  # same instant: its own row
        status = fetch_recompute_status(conn)
        versions = dict(conn.execute(sa.select(DataVersion.domain, DataVersion.version)).all())
    assert second != first
    assert (status.id, status.outcome, status.domains, status.done) == (second, "pending", ("housing",), 0)
    served, months = run_pending_recomputes(engine, as_of=AS_OF, now=lambda: NOW + dt.timedelta(seconds=5))
    assert (served, months) == (2, list(MONTHS))
    assert monthly(world, "asset.net_value_yuan", 7) == {"2026-01": 0.0, "2026-02": 0.0}
    with engine.connect() as conn:
        status = fetch_recompute_status(conn)
        outcomes = conn.execute(sa.select(JobRun.outcome).where(JobRun.job_id == REQUEST_JOB)).scalars().all()
        after = dict(conn.execute(sa.select(DataVersion.domain, DataVersion.version)).all())
    assert (status.outcome, status.done, status.total, status.domains) == ("ok", 2, 2, ("asset", "housing"))
    assert status.finished_at is not None and outcomes == ["ok", "ok"]
    assert after["asset"] > versions["asset"] and after["housing"] > versions["housing"]
    assert run_pending_recomputes(engine, as_of=AS_OF, now=lambda: NOW) == (0, [])


def test_unknown_domains_are_refused(world):
    with get_engine(world).begin() as conn, pytest.raises(ValueError):
        recompute_states(conn, ["energy"], as_of=AS_OF)
