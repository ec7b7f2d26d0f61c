"""The asset page's statistics panels on a hand-made register, SQLite and PostgreSQL, with known
answers: tiles, categories (类), units, ranking, the warehouse's and disposals' months.

    province 1 ─┬─ city 2 ─┬─ agency 3: A1 desktop 6,000 (double declining), A2 desktop 4,000 (idle),
                │          │            A7 desk 2,500 (redeployed here from agency 4, saved 2,800)
                │          └─ agency 4: A3 desk 3,000 (in the warehouse), A4 desk 2,000 (no custodian,
                │                       never audited), A5 desktop 5,000 (disposed 20 Oct 2026),
                │                       A8 desktop 3,500 (redeployed here in Aug 2025, saved 3,000)
                └─ city 5 ──── agency 6: A6 desk 1,000, A9 desktop 800 (disposed Dec 2024)

As of 20 October 2026 (the last movement); the data begin on 20 December 2024.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from data.db import get_engine, write_session
from data.depreciation import net_value
from data.models import OrgNode
from data.models.asset import Asset, AssetAudit, AssetCategory, AssetMovement
from data.queries.asset_panels import (
    fetch_asset_by_category,
    fetch_asset_ranking,
    fetch_asset_tiles,
    fetch_asset_units,
    fetch_disposals,
    fetch_warehouse_flows,
)
from data.queries.view import ViewRequest, resolve_view
from data.rollup import rebuild_all
from data.scope import scope_for_org
from data.seed import seed_reference

AS_OF = dt.date(2026, 10, 20)
LOCAL = ZoneInfo("Asia/Shanghai")
D = dt.date

ORGS = (
    (1, None, "province", "/1/", 0, "测试省", "Province"),
    (2, 1, "city", "/1/2/", 1, "甲市", "City A"),
    (3, 2, "agency", "/1/2/3/", 2, "甲市财政局", "City A Finance"),
    (4, 2, "agency", "/1/2/4/", 2, "甲市机关事务局", "City A Affairs"),
    (5, 1, "city", "/1/5/", 1, "乙市", "City B"),
    (6, 5, "agency", "/1/5/6/", 2, "乙市应急局", "City B Emergency"),
)
DESKTOP, DESK = "A020101", "A060101"  # seeded leaves of 计算机设备 (6 years) and 家具 (15 years)
ASSETS = (
    # id, org, category, value, acquired, status, since, custodian
    (1, 3, DESKTOP, 6000.0, D(2024, 1, 10), "in_use", D(2024, 1, 10), "张三"),
    (2, 3, DESKTOP, 4000.0, D(2025, 10, 1), "idle", D(2026, 6, 1), "李四"),
    (3, 4, DESK, 3000.0, D(2020, 1, 1), "warehouse", D(2026, 9, 10), None),
    (4, 4, DESK, 2000.0, D(2021, 5, 1), "in_use", D(2021, 5, 1), None),
    (5, 4, DESKTOP, 5000.0, D(2015, 1, 1), "disposed", D(2026, 10, 20), None),
    (6, 6, DESK, 1000.0, D(2022, 1, 1), "in_use", D(2022, 1, 1), "王五"),
    (7, 3, DESK, 2500.0, D(2025, 1, 1), "in_use", D(2026, 5, 10), "赵六"),
    (8, 4, DESKTOP, 3500.0, D(2023, 1, 1), "in_use", D(2025, 8, 15), "钱七"),
    (9, 6, DESKTOP, 800.0, D(2010, 1, 1), "disposed", D(2024, 12, 20), None),
)
MOVES = (
    # asset, local day, kind, from, to, saved
    (3, D(2026, 9, 10), "to_warehouse", 4, 4, None),
    (5, D(2026, 10, 20), "dispose", 4, 4, None),
    (7, D(2026, 4, 1), "to_warehouse", 4, 4, None),
    (7, D(2026, 5, 10), "redeploy", 4, 3, 2800.0),
    (8, D(2025, 7, 1), "to_warehouse", 6, 6, None),
    (8, D(2025, 8, 15), "redeploy", 6, 4, 3000.0),
    (9, D(2024, 12, 20), "dispose", 6, 6, None),
)


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=LOCAL).astimezone(dt.UTC)


@pytest.fixture
def register_url(db_url):
    engine = get_engine(db_url)
    with write_session(engine) as s:
        seed_reference(s)
        for org_id, parent, level, path, depth, zh, en in ORGS:
            s.add(OrgNode(id=org_id, parent_id=parent, level=level, admin_level=level if level != "agency" else "city",
                          code=f"O{org_id}", name_zh=zh, name_en=en, path=path, depth=depth, sort_order=org_id))  # fmt: skip
        s.flush()
        s.execute(
            sa.update(AssetCategory).where(AssetCategory.code == DESKTOP).values(depreciation_method="double_declining")
        )
        category = dict(s.execute(sa.select(AssetCategory.code, AssetCategory.id)).all())
        for aid, org, code, value, acquired, status, since, custodian in ASSETS:
            s.add(Asset(id=aid, code=f"ZC{aid}", org_id=org, category_id=category[code], name_zh=code, name_en=code,
                        status=status, status_since=since, original_value_yuan=value, acquired_on=acquired,
                        custodian_name=custodian))  # fmt: skip
        s.flush()
        for i, (aid, day, kind, src, dst, saved) in enumerate(MOVES, start=1):
            s.add(AssetMovement(id=i, asset_id=aid, ts=_utc(day), kind=kind, from_org_id=src, to_org_id=dst,
                                value_saved_yuan=saved))  # fmt: skip
        s.add_all(
            AssetAudit(id=aid, asset_id=aid, audited_on=D(2026, 2, 1), result="found") for aid in (1, 2, 3, 6, 7, 8)
        )
    with engine.begin() as conn:
        rebuild_all(conn, as_of=AS_OF)
    return db_url


def _view(conn, scope_org: int, **request):
    return resolve_view(conn, scope_for_org(conn, scope_org), "asset", ViewRequest(**request))


def _net(aid: int) -> float:
    _, _, code, value, acquired, *_ = ASSETS[aid - 1]
    method, life = ("double_declining", 6) if code == DESKTOP else ("straight_line", 15)
    return net_value(value, acquired, AS_OF, life, method)


CITY_A = (1, 2, 3, 4, 7, 8)  # held at the as-of day under city 2


def test_tiles_for_the_year_against_the_year_before(register_url):
    with get_engine(register_url).connect() as conn:
        view = _view(conn, 1, org_id=2, period="year")
        tiles = fetch_asset_tiles(conn, view)
    assert view.as_of == AS_OF and view.first_day == D(2024, 12, 20)
    rows = {r["metric_id"]: r for r in tiles.to_dict("records")}
    assert list(tiles["metric_id"])[:3] == ["asset.count", "asset.original_value_yuan", "asset.net_value_yuan"]
    assert rows["asset.count"]["value"] == 6  # A5 was disposed on the as-of day
    assert rows["asset.original_value_yuan"]["value"] == 21000.0
    assert rows["asset.net_value_yuan"]["value"] == pytest.approx(sum(_net(a) for a in CITY_A))
    assert rows["asset.net_value_yuan"]["reference"] == 21000.0
    assert rows["asset.idle_rate"]["value"] == pytest.approx(100 / 6)
    assert rows["asset.warehouse_count"]["value"] == 1
    saved = rows["asset.redeploy_saved_yuan"]
    assert (saved["value"], saved["reference"], saved["reference_kind"], saved["period"]) == (
        2800.0,
        3000.0,
        "yoy",
        "ytd",
    )
    disposed = rows["asset.disposed_count"]
    assert (disposed["value"], disposed["reference"]) == (1.0, 0.0)
    assert rows["asset.audit_overdue_count"]["value"] == 1  # A4, never audited
    assert rows["asset.no_custodian_count"]["value"] == 1  # A4; A3 sits in the warehouse
    assert "status" in tiles.columns


def test_double_declining_net_value_is_in_the_roll_up(register_url):
    # A1: 34 months of a six-year double declining balance (rate 1/3): two whole years leave 4/9,
    # then 10 of the third year's 12 months charge a third of that
    expected = 6000.0 * (4 / 9) * (1 - (1 / 3) * (10 / 12))
    assert _net(1) == pytest.approx(expected)
    with get_engine(register_url).connect() as conn:
        units = fetch_asset_units(conn, _view(conn, 1, org_id=3, period="year"))
    assert units["net_value_yuan"].iloc[0] == pytest.approx(expected + _net(2) + _net(7))


def test_categories_add_up_to_the_tiles(register_url):
    with get_engine(register_url).connect() as conn:
        view = _view(conn, 1, org_id=2, period="year")
        frame = fetch_asset_by_category(conn, view)
        tiles = fetch_asset_tiles(conn, view)
    assert list(frame["code"]) == ["A0201", "A0601"]  # 类, largest original value first
    computers, furniture = frame.to_dict("records")
    assert (computers["count"], computers["original_value_yuan"], computers["idle_count"]) == (3, 13500.0, 1)
    assert computers["idle_rate"] == pytest.approx(100 / 3) and computers["warehouse_count"] == 0
    assert (furniture["count"], furniture["original_value_yuan"], furniture["warehouse_count"]) == (3, 7500.0, 1)
    assert computers["net_value_yuan"] == pytest.approx(_net(1) + _net(2) + _net(8))
    assert computers["depreciation_yuan"] == pytest.approx(13500.0 - computers["net_value_yuan"])
    tile = dict(zip(tiles["metric_id"], tiles["value"]))
    assert frame["count"].sum() == tile["asset.count"]
    assert frame["original_value_yuan"].sum() == pytest.approx(tile["asset.original_value_yuan"])
    assert frame["net_value_yuan"].sum() == pytest.approx(tile["asset.net_value_yuan"])
    assert frame["warehouse_count"].sum() == tile["asset.warehouse_count"]


def test_units_by_status_add_up_to_the_tiles(register_url):
    with get_engine(register_url).connect() as conn:
        view = _view(conn, 1, org_id=2, period="year")
        units = fetch_asset_units(conn, view)
        tiles = fetch_asset_tiles(conn, view)
    assert list(units["_drill"]) == ["org:3", "org:4"]
    three, four = units.to_dict("records")
    assert (three["count"], three["in_use"], three["idle"], three["warehouse"]) == (3, 2, 1, 0)
    assert (four["count"], four["in_use"], four["warehouse"], four["audit_overdue"], four["no_custodian"]) == (
        3, 2, 1, 1, 1,
    )  # fmt: skip
    tile = dict(zip(tiles["metric_id"], tiles["value"]))
    assert units["original_value_yuan"].sum() == tile["asset.original_value_yuan"]
    assert units["audit_overdue"].sum() == tile["asset.audit_overdue_count"]


def test_ranking_by_idle_rate_and_by_savings(register_url):
    with get_engine(register_url).connect() as conn:
        province = fetch_asset_ranking(conn, _view(conn, 1, period="year"))
        city = fetch_asset_ranking(conn, _view(conn, 1, org_id=2, period="year", metric="asset.redeploy_saved_yuan"))
        agency = fetch_asset_ranking(conn, _view(conn, 1, org_id=3, period="year"))
    assert list(province["drill"]) == ["org:2", "org:5"]
    assert list(province["value"]) == pytest.approx([100 / 6, 0.0])
    assert "position" not in province.attrs  # the scope's root has no visible peers
    assert list(city["drill"]) == ["org:3", "org:4"] and city["value"].iloc[0] == 2800.0
    assert city["value_compare"].iloc[1] == 3000.0  # A8's redeployment a year earlier
    assert city.attrs["position"]["rank"] == 1 and city.attrs["position"]["count"] == 1  # city 5 saved nothing
    assert agency.empty and agency.attrs["position"]["count"] == 2  # an agency lists its assets instead


def test_warehouse_flows_by_month_and_this_years_savings(register_url):
    with get_engine(register_url).connect() as conn:
        view = _view(conn, 1, org_id=2, period="year")
        frame = fetch_warehouse_flows(conn, view)
        tiles = fetch_asset_tiles(conn, view)
        past = fetch_warehouse_flows(conn, _view(conn, 1, org_id=2, period="day", end=D(2026, 5, 9)))
    months = [m.isoformat()[:7] for m in frame["month"]]
    assert months[0] == "2025-11" and months[-1] == "2026-10" and len(months) == 12
    rows = dict(zip(months, frame.to_dict("records")))
    assert rows["2026-04"]["inflow_count"] == 1 and rows["2026-09"]["inflow_count"] == 1
    assert rows["2026-05"]["redeployed_count"] == 1 and rows["2026-05"]["saved_yuan"] == 2800.0
    assert rows["2025-11"]["saved_ytd_yuan"] == 3000.0  # 2025's running total: A8 in August
    assert rows["2026-04"]["saved_ytd_yuan"] == 0.0 and rows["2026-10"]["saved_ytd_yuan"] == 2800.0
    this_year = frame[[m.year == 2026 for m in frame["month"]]]["saved_yuan"].sum()
    assert this_year == dict(zip(tiles["metric_id"], tiles["value"]))["asset.redeploy_saved_yuan"]
    assert bool(frame["is_partial"].iloc[-1])  # October to the 20th
    # A view of a day before the redeployment reads its month up to that day only
    assert past["saved_yuan"].iloc[-1] == 0.0 and bool(past["is_partial"].iloc[-1])


def test_disposals_by_month(register_url):
    with get_engine(register_url).connect() as conn:
        city = fetch_disposals(conn, _view(conn, 1, org_id=2, period="year"))
        province = fetch_disposals(conn, _view(conn, 1, period="month", end=D(2025, 1, 31)))
    assert city["disposed_count"].sum() == 1 and city["disposed_value_yuan"].iloc[-1] == 5000.0
    months = [m.isoformat()[:7] for m in province["month"]]
    values = dict(zip(months, province["disposed_value_yuan"]))
    assert values["2024-12"] == 800.0  # A9, at its unit's province
    assert pd_isna(values["2024-11"])  # before the data began: unknown, not zero


def pd_isna(value) -> bool:
    return value != value
