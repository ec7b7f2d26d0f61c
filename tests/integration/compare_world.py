"""A tiny province with round numbers for the comparison and energy-panel queries: every figure
a test expects can be worked out by hand from the constants here.

    province 1 ─┬─ city 2 ─┬─ agency 4 (buildings 10, 11; 100 energy users)
                │          └─ agency 5 (building 12; 50 energy users)
                └─ city 3 (no buildings, no data)

Data run from ``FIRST_DAY`` (2025-01-01) to ``AS_OF`` (2026-03-15), constant per day within a
year: electricity per building ``KWH[year][building]`` a day, natural gas 10 m³ and fuel 5 L a
day at agency 4 (gas on building 10), water 2 m³ a day on each building. Org rows are the sums
of their subtrees, monthly rows the sums of their days. The hourly profile of building 10 and
org 4 for March 2026 holds 10 kWh a day at 09:00 (h09) on each weekday, so its average is 10.
The heating season is 1 January .. 15 March and 15 November .. 31 December.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from data.db import get_engine, write_session
from data.models import Building, CalendarDay, EnergyQuota, OrgNode, RollupDaily, RollupHourlyProfile, RollupMonthly
from data.queries.view import ViewRequest, resolve_view
from data.scope import scope_for_org

AS_OF = dt.date(2026, 3, 15)
FIRST_DAY = dt.date(2025, 1, 1)
ELECTRICITY, GAS, FUEL, WATER = "energy.electricity_kwh", "energy.gas_m3", "vehicle.fuel_l", "energy.water_m3"
NIGHT = "energy.night_electricity_kwh"

# id, parent, level, name_zh, name_en, energy users, sort order
ORGS = (
    (1, None, "province", "测试省", "Test Province", 0, 1),
    (2, 1, "city", "甲市", "City A", 0, 1),
    (3, 1, "city", "乙市", "City B", 0, 2),
    (4, 2, "agency", "甲市财政局", "City A Finance", 100, 1),
    (5, 2, "agency", "甲市教育局", "City A Education", 50, 2),
)
# id, org, code, floor area, heated area, occupants
BUILDINGS = ((10, 4, "B10", 1000.0, 800.0, 40), (11, 4, "B11", 2000.0, 1500.0, 60), (12, 5, "B12", 500.0, 500.0, 20))
KWH = {2025: {10: 80.0, 11: 150.0, 12: 50.0}, 2026: {10: 100.0, 11: 200.0, 12: 50.0}}
NIGHT_SHARE = 0.2  # night electricity is a fifth of each day's
GAS_PER_DAY, FUEL_PER_DAY, WATER_PER_DAY = 10.0, 5.0, 2.0
# org 4's quota for 2026: per_m2 limit / benchmark / guide
QUOTA_PER_M2 = (12.0, 10.0, 8.0)


def heating(day: dt.date) -> bool:
    return (day.month, day.day) <= (3, 15) or (day.month, day.day) >= (11, 15)


def _path(org_id: int) -> str:
    parents = {o[0]: o[1] for o in ORGS}
    chain, node = [], org_id
    while node is not None:
        chain.append(node)
        node = parents[node]
    return "/" + "/".join(str(n) for n in reversed(chain)) + "/"


def _ancestors(org_id: int) -> list[int]:
    return [int(p) for p in _path(org_id).strip("/").split("/")]


def building_day(building: int, day: dt.date) -> dict[str, float]:
    values = {ELECTRICITY: KWH[day.year][building], WATER: WATER_PER_DAY}
    values[NIGHT] = values[ELECTRICITY] * NIGHT_SHARE
    if building == 10:
        values[GAS] = GAS_PER_DAY
    return values


def build(url: str) -> None:
    daily: dict[tuple, float] = defaultdict(float)
    monthly: dict[tuple, float] = defaultdict(float)
    day = FIRST_DAY
    while day <= AS_OF:
        for building, org, *_ in BUILDINGS:
            values = building_day(building, day)
            for metric, value in values.items():
                keys = [("building", building)] + [("org", o) for o in _ancestors(org)]
                for kind, entity in keys:
                    daily[(metric, kind, entity, day)] += value
                    monthly[(metric, kind, entity, day.replace(day=1))] += value
        for org in _ancestors(4):  # the agency's official vehicles
            daily[(FUEL, "org", org, day)] += FUEL_PER_DAY
            monthly[(FUEL, "org", org, day.replace(day=1))] += FUEL_PER_DAY
        day += dt.timedelta(days=1)
    march = dt.date(2026, 3, 1)
    weekday_days = defaultdict(int)
    for i in range(15):
        weekday_days[(march + dt.timedelta(days=i)).weekday()] += 1
    profile = [
        {"metric_id": ELECTRICITY, "entity_kind": kind, "entity_id": entity, "month": march, "weekday": w,
         "h09": 10.0 * n, "samples": n}
        for kind, entity in (("building", 10), ("org", 4))
        for w, n in weekday_days.items()
    ]  # fmt: skip
    with write_session(get_engine(url)) as session:
        session.add_all(
            OrgNode(id=oid, parent_id=parent, level=level, admin_level="city" if level != "province" else "province",
                    code=f"C{oid:03d}", name_zh=zh, name_en=en, path=_path(oid), depth=len(_ancestors(oid)) - 1,
                    headcount=users, energy_users=users, sort_order=order)
            for oid, parent, level, zh, en, users, order in ORGS
        )  # fmt: skip
        session.flush()
        session.add_all(
            Building(id=bid, org_id=org, code=code, name_zh=f"楼{bid}", name_en=f"Building {bid}",
                     floor_area_m2=area, heated_area_m2=heated, occupants=occupants)
            for bid, org, code, area, heated, occupants in BUILDINGS
        )  # fmt: skip
        session.add(
            EnergyQuota(org_id=4, year=2026, basis="per_m2", limit_value=QUOTA_PER_M2[0],
                        benchmark_value=QUOTA_PER_M2[1], guide_value=QUOTA_PER_M2[2], source="test")
        )  # fmt: skip
        session.flush()
        conn = session.connection()
        conn.execute(
            sa.insert(RollupDaily),
            [{"metric_id": m, "entity_kind": k, "entity_id": e, "day": d, "value": v, "samples": 1}
             for (m, k, e, d), v in daily.items()],
        )  # fmt: skip
        conn.execute(
            sa.insert(RollupMonthly),
            [{"metric_id": m, "entity_kind": k, "entity_id": e, "month": d, "value": v, "samples": 1}
             for (m, k, e, d), v in monthly.items()],
        )  # fmt: skip
        conn.execute(sa.insert(RollupHourlyProfile), profile)
        days = [FIRST_DAY + dt.timedelta(days=i) for i in range((AS_OF - FIRST_DAY).days + 1)]
        conn.execute(
            sa.insert(CalendarDay),
            [{"day": d, "is_workday": d.weekday() < 5, "heating_season": heating(d)} for d in days],
        )


@dataclass
class World:
    url: str

    def view(self, org_id: int | None = None, *, building_id: int | None = None, root: int = 1, **request):
        with get_engine(self.url).connect() as conn:
            scope = scope_for_org(conn, root)
            return resolve_view(conn, scope, "energy", ViewRequest(org_id=org_id, building_id=building_id, **request))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory) -> World:
    """The tiny province on each engine in turn (built once per test module)."""
    from data.db import dispose_engine
    from data.migrate import upgrade

    from db_support import PostgresDatabase, require_pg

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('compare') / 'compare.sqlite3'}"
        upgrade(url)
        build(url)
        yield World(url)
        dispose_engine(url)
        return
    require_pg()
    db = PostgresDatabase()
    db.create()
    try:
        upgrade(db.url)
        build(db.url)
        yield World(db.url)
    finally:
        db.drop()
