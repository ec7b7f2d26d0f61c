"""The asset page's lists, one asset's view, the register cross-check and redeployment matching on
a hand-made register, SQLite and PostgreSQL, with known answers.

    province 1 ─┬─ city 2 ── county 3 ─┬─ agency 4 (A): A-001 … A-010
                │                      └─ agency 5 (B): B-001 … B-003
                └─ city 6 ───────────── agency 7 (C): C-001

As of Tuesday 2026-10-20 (A-008's redeployment that day is the data's latest flow); audits are
overdue after 365 days (since 2025-10-20). Straight-line depreciation with no residual, except
servers (double declining balance in this world).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import select, update

from data.db import get_engine, write_session
from data.models import Building, OrgNode
from data.models.asset import Asset, AssetAudit, AssetCategory, AssetMovement, AssetRequest
from data.queries.asset_checks import fetch_asset_crosscheck, fetch_redeploy_matches
from data.queries.asset_lists import (
    fetch_asset_life,
    fetch_asset_list,
    fetch_asset_tiles,
    fetch_audit_overdue,
    fetch_book_value_curve,
    fetch_no_custodian,
    valuation_day,
)
from data.queries.rollup_read import state_values
from data.queries.view import ViewContext, ViewRequest, resolve_view
from data.rollup import rebuild_all
from data.scope import OutOfScope, scope_for_org
from data.seed import seed_reference

AS_OF = dt.date(2026, 10, 20)
LOCAL = ZoneInfo("Asia/Shanghai")
D = dt.date

ORGS = (
    (1, None, "province", "/1/", 0, "测试省", "Province"),
    (2, 1, "city", "/1/2/", 1, "甲市", "City A"),
    (3, 2, "county", "/1/2/3/", 2, "甲县", "County A"),
    (4, 3, "agency", "/1/2/3/4/", 3, "甲县财政局", "County A Finance"),
    (5, 3, "agency", "/1/2/3/5/", 3, "甲县教育局", "County A Education"),
    (6, 1, "city", "/1/6/", 1, "乙市", "City B"),
    (7, 6, "agency", "/1/6/7/", 2, "乙市应急局", "City B Emergency"),
)
# id, code, org, category code, status, status_since, value, acquired, custodian, register audit date
ASSETS = (
    (1, "A-001", 4, "A020101", "in_use", D(2025, 12, 1), 6000.0, D(2025, 9, 10), "张三", D(2026, 3, 1)),
    (2, "A-002", 4, "A020102", "idle", D(2026, 6, 1), 7200.0, D(2023, 5, 5), "李四", D(2025, 6, 1)),
    (3, "A-003", 4, "A020201", "in_use", D(2025, 1, 15), 2600.0, D(2025, 1, 15), None, D(2026, 1, 20)),
    (4, "A-004", 4, "A060101", "warehouse", D(2026, 8, 1), 2200.0, D(2020, 3, 1), None, D(2026, 2, 1)),
    (5, "A-005", 4, "A020101", "in_use", D(2026, 10, 5), 5500.0, D(2026, 10, 5), "", None),
    (6, "A-006", 4, "A020102", "disposed", D(2026, 5, 10), 8000.0, D(2018, 1, 1), None, None),
    (7, "A-007", 4, "A020101", "in_use", D(2023, 3, 3), 5200.0, D(2023, 3, 3), "王五", D(2026, 4, 1)),
    (8, "A-008", 4, "A020201", "in_use", D(2026, 10, 20), 2600.0, D(2022, 2, 2), "赵六", D(2026, 2, 2)),
    (9, "A-009", 4, "A060101", "in_use", D(2021, 6, 1), 2000.0, D(2021, 6, 1), "钱七", None),
    (10, "A-010", 4, "A020101", "idle", D(2026, 10, 10), 6000.0, D(2024, 6, 1), None, D(2026, 6, 1)),
    (11, "B-001", 5, "A020101", "warehouse", D(2026, 9, 1), 6500.0, D(2025, 3, 1), None, D(2026, 3, 1)),
    (12, "B-002", 5, "A020201", "in_use", D(2024, 2, 2), 2600.0, D(2024, 2, 2), "孙八", D(2026, 8, 1)),
    (13, "B-003", 5, "A020103", "in_use", D(2025, 1, 1), 60000.0, D(2025, 1, 1), "周九", None),
    (14, "C-001", 7, "A020101", "idle", D(2026, 5, 1), 5000.0, D(2025, 1, 1), "吴十", D(2026, 5, 1)),
)
# id, asset, local day and hour, kind, from org, to org, from status, to status, saved
MOVEMENTS = (
    (1, 1, (2025, 12, 1, 10), "redeploy", 7, 4, "warehouse", "in_use", 5800.0),  # stored before its history
    (2, 1, (2025, 9, 10, 10), "acquire", None, 7, None, "in_use", None),
    (3, 1, (2025, 11, 1, 10), "to_warehouse", 7, 7, "in_use", "warehouse", None),
    (4, 2, (2023, 5, 5, 10), "acquire", None, 4, None, "in_use", None),
    (5, 2, (2026, 6, 1, 10), "status_change", 4, 4, "in_use", "idle", None),
    (6, 3, (2025, 1, 15, 10), "acquire", None, 4, None, "in_use", None),
    (7, 4, (2020, 3, 1, 10), "acquire", None, 4, None, "in_use", None),  # warehoused without a movement
    (8, 5, (2026, 10, 5, 10), "acquire", None, 4, None, "in_use", None),
    (9, 6, (2018, 1, 1, 10), "acquire", None, 4, None, "in_use", None),
    (10, 6, (2026, 5, 10, 10), "dispose", 4, 4, "in_use", "disposed", None),
    (11, 7, (2023, 3, 3, 10), "acquire", None, 4, None, "in_use", None),
    (12, 7, (2026, 9, 15, 10), "to_warehouse", 4, 4, "in_use", "warehouse", None),  # register: in use
    (13, 8, (2022, 2, 2, 10), "acquire", None, 7, None, "in_use", None),
    (14, 8, (2026, 10, 20, 10), "redeploy", 7, 5, "warehouse", "in_use", 2400.0),  # register: agency 4
    (15, 9, (2021, 6, 1, 10), "acquire", None, 4, None, "in_use", None),
    (16, 9, (2026, 7, 1, 10), "transfer", 4, 5, "in_use", "in_use", None),  # register: agency 4
    (17, 10, (2024, 6, 1, 10), "acquire", None, 4, None, "in_use", None),
    (18, 10, (2026, 10, 10, 10), "status_change", 4, 4, "in_use", "idle", None),
    (19, 11, (2025, 3, 1, 10), "acquire", None, 5, None, "in_use", None),
    (20, 11, (2026, 9, 1, 10), "to_warehouse", 5, 5, "in_use", "warehouse", None),
    (21, 12, (2024, 2, 2, 10), "acquire", None, 5, None, "in_use", None),
    (22, 13, (2025, 1, 1, 10), "acquire", None, 5, None, "in_use", None),
    (23, 14, (2025, 1, 1, 10), "acquire", None, 7, None, "in_use", None),
    (24, 14, (2026, 5, 1, 10), "status_change", 7, 7, "in_use", "idle", None),
)
AUDITS = (  # asset, day, result
    (1, D(2026, 3, 1), "found"),
    (1, D(2025, 12, 1), "found"),  # the day of its redeployment: after it in its life
    (2, D(2025, 6, 1), "found"),
    (3, D(2026, 1, 20), "missing"),
    (4, D(2026, 2, 1), "found"),
    (7, D(2026, 4, 1), "found"),
    (8, D(2026, 2, 2), "found"),
    (9, D(2025, 9, 1), "found"),
    (10, D(2026, 6, 1), "found"),
    (11, D(2026, 3, 1), "found"),  # the register has no date: the audit row counts
    (12, D(2025, 8, 1), "missing"),  # not the latest: not a discrepancy
    (12, D(2026, 8, 1), "mismatch"),
    (14, D(2026, 5, 1), "found"),
)
REQUESTS = (  # id, org, category code, quantity, requested on, status
    (1, 5, "A020101", 2, D(2026, 9, 1), "open"),
    (2, 4, "A060101", 1, D(2026, 9, 10), "open"),
    (3, 7, "A020102", 1, D(2026, 8, 1), "open"),
    (4, 4, "A020101", 1, D(2026, 10, 1), "matched"),
    (5, 5, "A020102", 1, D(2026, 9, 20), "open"),
)


def _utc(parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=LOCAL).astimezone(dt.UTC)


@pytest.fixture
def register_url(db_url):
    engine = get_engine(db_url)
    with write_session(engine) as s:
        seed_reference(s)
        for org_id, parent, level, path, depth, zh, en in ORGS:
            s.add(OrgNode(id=org_id, parent_id=parent, level=level, admin_level=level if level != "agency" else "county",
                          code=f"O{org_id}", name_zh=zh, name_en=en, path=path, depth=depth, sort_order=org_id))  # fmt: skip
        s.flush()
        s.execute(
            update(AssetCategory).where(AssetCategory.code == "A020103").values(depreciation_method="double_declining")
        )
        category = {code: cid for cid, code in s.execute(select(AssetCategory.id, AssetCategory.code))}
        s.add(Building(id=1, code="B1", org_id=4, name_zh="财政大楼", name_en="Finance Building", floor_area_m2=5000.0,
                       heated_area_m2=4000.0))  # fmt: skip
        s.flush()
        for aid, code, org, cat, status, since, value, acquired, custodian, audited in ASSETS:
            s.add(Asset(id=aid, code=code, org_id=org, category_id=category[cat], name_zh=f"资产{code}",
                        name_en=f"Asset {code}", status=status, status_since=since, original_value_yuan=value,
                        acquired_on=acquired, building_id=1 if org == 4 else None, custodian_name=custodian,
                        last_audit_on=audited))  # fmt: skip
        s.flush()
        for mid, aid, when, kind, src, dst, before, after, saved in MOVEMENTS:
            s.add(AssetMovement(id=mid, asset_id=aid, ts=_utc(when), kind=kind, from_org_id=src, to_org_id=dst,
                                from_status=before, to_status=after, value_saved_yuan=saved))  # fmt: skip
        for i, (aid, day, result) in enumerate(AUDITS, start=1):
            s.add(AssetAudit(id=i, asset_id=aid, audited_on=day, result=result))
        for rid, org, cat, quantity, day, status in REQUESTS:
            s.add(AssetRequest(id=rid, org_id=org, category_id=category[cat], quantity=quantity, requested_on=day,
                               status=status))  # fmt: skip
    with engine.begin() as conn:
        rebuild_all(conn, as_of=AS_OF)
    return db_url


def _view(conn, scope_org: int, *, personal=False, **request) -> ViewContext:
    scope = scope_for_org(conn, scope_org, can_view_personal_data=personal)
    return resolve_view(conn, scope, "asset", ViewRequest(**request))


def _asset_view(conn, asset_id: int, org_id: int, scope_org: int = 1, **request) -> ViewContext:
    # The lead's asset entity kind resolves this; until then the org view of its unit, narrowed.
    view = _view(conn, scope_org, org_id=org_id, **request)
    return replace(view, entity_kind="asset", entity_id=asset_id, entity={"id": asset_id, "org_id": org_id})


def _codes(frame) -> list[str]:
    return list(frame["code"])


def _tiles(conn, org_id: int, at: dt.date) -> dict[str, float]:
    metrics = ("asset.count", "asset.audit_overdue_count", "asset.no_custodian_count")
    return {m: v for (_, m), (_, v) in state_values(conn, metrics, [org_id], at, lookback_months=0).items()}


def test_view_and_valuation_day(register_url):
    with get_engine(register_url).connect() as conn:
        october = _view(conn, 1, org_id=3)
        september = _view(conn, 1, org_id=3, period="month", end=D(2026, 9, 12))
    assert october.as_of == AS_OF and valuation_day(october) == AS_OF
    assert valuation_day(september) == D(2026, 9, 30)  # the month-end the roll-up valued September at


def test_list_lengths_equal_the_tiles(register_url):
    """At every unit and at three month ends, each list holds exactly what its tile counts."""
    checked = 0
    with get_engine(register_url).connect() as conn:
        for org_id in (3, 4, 5):
            for end in (AS_OF, D(2026, 9, 30), D(2025, 12, 31)):
                view = _view(conn, 1, org_id=org_id, period="month", end=end)
                tiles = _tiles(conn, org_id, valuation_day(view))
                lists = {
                    "asset.count": fetch_asset_list(conn, view),
                    "asset.audit_overdue_count": fetch_audit_overdue(conn, view),
                    "asset.no_custodian_count": fetch_no_custodian(conn, view),
                }
                for metric, frame in lists.items():
                    assert len(frame) == tiles.get(metric, 0.0), (org_id, end, metric)
                    assert frame.empty or set(frame["total"]) == {len(frame)}
                    checked += len(frame)
    assert checked > 40  # the lists are not trivially empty


def test_asset_list(register_url):
    with get_engine(register_url).connect() as conn:
        county = fetch_asset_list(conn, _view(conn, 1, org_id=3))
        personal = fetch_asset_list(conn, _view(conn, 1, personal=True, org_id=4))
    assert _codes(county) == [
        "A-001",
        "A-002",
        "A-003",
        "A-004",
        "A-005",
        "A-007",
        "A-008",
        "A-009",
        "A-010",
        "B-001",
        "B-002",
        "B-003",
    ]  # fmt: skip  (A-006 disposed; C-001 outside)
    rows = {r["code"]: r for r in county.to_dict("records")}
    a2 = rows["A-002"]
    assert a2["_drill"] == "asset:2" and a2["status"] == "idle" and a2["category_name_en"] == "Laptop computer"
    assert a2["org_name_zh"] == "甲县财政局" and a2["building_name_en"] == "Finance Building"
    assert a2["net_value_yuan"] == pytest.approx(7200.0 * (72 - 42) / 72)  # 42 of 72 months charged
    assert a2["last_audit_on"] == D(2025, 6, 1) and a2["acquired_on"] == D(2023, 5, 5)
    assert rows["B-003"]["net_value_yuan"] == pytest.approx(60000.0 * 26 / 54)  # double declining, 22 months
    assert rows["B-001"]["last_audit_on"] == D(2026, 3, 1)  # from the audit rows
    assert rows["A-009"]["last_audit_on"] == D(2025, 9, 1)
    assert rows["B-003"]["last_audit_on"] is None and pd.isna(rows["B-003"]["building_name_zh"])
    assert a2["custodian_name"] != "李四"  # masked without the personal-data permission
    assert dict(zip(personal["code"], personal["custodian_name"]))["A-002"] == "李四"


def test_audit_overdue_and_no_custodian(register_url):
    with get_engine(register_url).connect() as conn:
        overdue = fetch_audit_overdue(conn, _view(conn, 1, org_id=3))
        orphans = fetch_no_custodian(conn, _view(conn, 1, org_id=3))
        orphans_september = fetch_no_custodian(conn, _view(conn, 1, org_id=3, period="month", end=D(2026, 9, 30)))
        agency_b = fetch_audit_overdue(conn, _view(conn, 1, org_id=5))
    assert _codes(overdue) == ["A-002", "A-009", "B-003"]
    days = dict(zip(overdue["code"], overdue["days_since_audit"]))
    assert days == {"A-002": 506.0, "A-009": 414.0, "B-003": 657.0}  # B-003: never audited, since acquisition
    assert _codes(orphans) == ["A-003", "A-005"]  # an empty custodian counts; A-010 is idle now
    assert _codes(orphans_september) == ["A-003", "A-010"]  # A-010 was in use then; A-005 not yet bought
    assert _codes(agency_b) == ["B-003"] and agency_b.iloc[0]["_drill"] == "asset:13"


def test_asset_tiles(register_url):
    with get_engine(register_url).connect() as conn:
        frame = fetch_asset_tiles(conn, _asset_view(conn, 2, 4))
        server = fetch_asset_tiles(conn, _asset_view(conn, 13, 5))
        org_view = fetch_asset_tiles(conn, _view(conn, 1, org_id=4))
    rows = {r["metric_id"]: r for r in frame.to_dict("records")}
    assert list(frame["metric_id"]) == [
        "asset.original_value_yuan",
        "asset.net_value_yuan",
        "asset.accumulated_depreciation_yuan",
        "asset.months_charged",
        "asset.idle_days",
        "asset.audit_age_days",
    ]
    assert rows["asset.original_value_yuan"]["value"] == 7200.0
    assert rows["asset.net_value_yuan"]["value"] == pytest.approx(3000.0)
    assert rows["asset.net_value_yuan"]["reference"] == 7200.0
    assert rows["asset.accumulated_depreciation_yuan"]["value"] == pytest.approx(4200.0)
    assert (rows["asset.months_charged"]["value"], rows["asset.months_charged"]["reference"]) == (42.0, 72.0)
    assert rows["asset.idle_days"]["value"] == 141.0  # idle since 1 June
    assert rows["asset.audit_age_days"]["value"] == 506.0 and rows["asset.audit_age_days"]["status"] == "bad"
    assert set(frame["period"]) == {"now"} and set(frame["as_of"]) == {AS_OF}
    assert dict(zip(server["metric_id"], server["value"]))["asset.days_in_use"] == 657.0
    assert org_view.empty


def test_asset_of_another_unit_or_outside_the_scope_is_refused(register_url):
    with get_engine(register_url).connect() as conn:
        with pytest.raises(OutOfScope):
            fetch_asset_tiles(conn, _asset_view(conn, 14, 4))  # C-001 is not agency 4's
        view = _view(conn, 2, org_id=3)
        outside = replace(view, node={**view.node, "org_id": 7, "path": "/1/6/7/"})
        with pytest.raises(OutOfScope):
            fetch_asset_list(conn, outside)


def test_asset_life_in_order(register_url):
    with get_engine(register_url).connect() as conn:
        life = fetch_asset_life(conn, _asset_view(conn, 1, 4))
        b001 = fetch_asset_life(conn, _asset_view(conn, 11, 5))
    assert list(life["event"]) == ["acquire", "to_warehouse", "redeploy", "audit", "audit"]
    assert list(life["day"]) == [D(2025, 9, 10), D(2025, 11, 1), D(2025, 12, 1), D(2025, 12, 1), D(2026, 3, 1)]
    redeploy = life.iloc[2]
    assert (redeploy["from_org_name_zh"], redeploy["to_org_name_en"]) == ("乙市应急局", "County A Finance")
    assert redeploy["value_saved_yuan"] == 5800.0 and redeploy["time_local"] == "10:00"
    assert (redeploy["from_status"], redeploy["to_status"]) == ("warehouse", "in_use")
    assert life.iloc[3]["result"] == "found" and pd.isna(life.iloc[3]["time_local"])
    assert list(b001["event"]) == ["acquire", "audit", "to_warehouse"]


def test_book_value_curve(register_url):
    with get_engine(register_url).connect() as conn:
        curve = fetch_book_value_curve(conn, _asset_view(conn, 2, 4))
        disposed = fetch_book_value_curve(conn, _asset_view(conn, 6, 4))
    assert curve.iloc[0]["month"] == D(2023, 5, 1) and curve.iloc[-1]["month"] == D(2026, 10, 1)
    assert len(curve) == 42
    assert curve.iloc[0]["net_value_yuan"] == pytest.approx(7200.0 * 71 / 72)  # the acquisition month is charged
    assert curve.iloc[-1]["net_value_yuan"] == pytest.approx(3000.0)
    assert (curve["net_value_yuan"].diff().dropna() < 0).all()
    assert disposed.iloc[-1]["month"] == D(2026, 5, 1)  # ends with its disposal


def test_crosscheck_finds_each_kind(register_url):
    with get_engine(register_url).connect() as conn:
        frame = fetch_asset_crosscheck(conn, _view(conn, 1, org_id=3))
        city_b = fetch_asset_crosscheck(conn, _view(conn, 1, org_id=6))
    found = [(r["code"], r["kind"], r["day"]) for r in frame.to_dict("records")]
    assert found == [
        ("A-008", "redeploy_unit", D(2026, 10, 20)),
        ("A-007", "status_vs_movement", D(2026, 9, 15)),
        ("A-004", "warehouse_without_movement", D(2026, 8, 1)),
        ("B-002", "audit_mismatch", D(2026, 8, 1)),
        ("A-009", "unit_vs_movement", D(2026, 7, 1)),
        ("A-003", "audit_missing", D(2026, 1, 20)),
    ]
    rows = {r["code"]: r for r in frame.to_dict("records")}
    assert (rows["A-007"]["register_status"], rows["A-007"]["source_status"]) == ("in_use", "warehouse")
    assert (rows["A-008"]["register_org_name_zh"], rows["A-008"]["source_org_name_zh"]) == ("甲县财政局", "甲县教育局")
    assert rows["A-009"]["source_org_name_en"] == "County A Education"
    assert (rows["B-002"]["register_status"], rows["B-002"]["source_result"]) == ("in_use", "mismatch")
    assert rows["A-003"]["_drill"] == "asset:3" and set(frame["total"]) == {6}
    assert city_b.empty


def test_redeploy_matching(register_url):
    with get_engine(register_url).connect() as conn:
        county = fetch_redeploy_matches(conn, _view(conn, 1, org_id=3))
        province = fetch_redeploy_matches(conn, _view(conn, 1))
        agency = fetch_redeploy_matches(conn, _view(conn, 1, org_id=4))
    # County: B's request for two desktops (1 Sept) gets A-010, the only desktop of another unit
    # (B-001 is its own); A's desk request has only its own desk; B's laptop request gets A-002.
    assert [(r["code"], r["request_id"], r["match_level"]) for r in county.to_dict("records")] == [
        ("A-010", 1, "exact"),
        ("A-002", 5, "exact"),
    ]
    first = county.iloc[0]
    assert first["net_value_yuan"] == pytest.approx(6000.0 * (72 - 29) / 72)
    assert (first["request_org_name_zh"], first["requested_on"], first["quantity"]) == ("甲县教育局", D(2026, 9, 1), 2)
    assert first["org_name_zh"] == "甲县财政局" and first["_drill"] == "asset:10"
    # Province: C's older laptop request (1 Aug) takes A-002 before B's; C-001 fills B's second desktop.
    assert [(r["code"], r["request_id"]) for r in province.to_dict("records")] == [
        ("A-010", 1),
        ("C-001", 1),
        ("A-002", 3),
    ]
    assert list(province["net_value_yuan"]) == sorted(province["net_value_yuan"], reverse=True)
    assert set(province["total"]) == {3}
    assert agency.empty  # agency A alone: its one open request is for its own desk
