"""A small hand-made province for the page-query tests: an org tree, buildings, and daily and
monthly roll-ups written the way the loaders write them (leaf agencies' values, every ancestor's
``org`` row the sum of its subtree, monthly = the sum of the month's days).

``Truth`` keeps the leaf values so tests compute expected figures independently of the roll-up
tables (summing days in Python, never reading ``rollup_*``).

    province 1 ─┬─ city 2 ─┬─ county 3 ─┬─ agency 4
                │          │            └─ agency 5
                │          └─ agency 8
                └─ city 6 ──── agency 7
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from data.db import get_engine, write_session
from data.models import Building, OrgNode, RollupDaily, RollupMonthly

AS_OF = dt.date(2026, 11, 20)
FIRST_DAY = dt.date(2024, 10, 1)

# id, parent, level, admin level, name, energy users
ORGS = (
    (1, None, "province", "province", "测试省", "Test Province", 0),
    (2, 1, "city", "city", "甲市", "City A", 0),
    (3, 2, "county", "county", "乙县", "County B", 0),
    (4, 3, "agency", "county", "乙县财政局", "County B Finance", 120),
    (5, 3, "agency", "county", "乙县教育局", "County B Education", 80),
    (6, 1, "city", "city", "丙市", "City C", 0),
    (7, 6, "agency", "city", "丙市机关事务局", "City C Agency Affairs", 200),
    (8, 2, "agency", "city", "甲市发改委", "City A Development", 150),
)
LEAVES = (4, 5, 7, 8)
# building id, org, floor area
BUILDINGS = ((1, 4, 5000.0), (2, 5, 3000.0), (3, 7, 9000.0), (4, 7, 1000.0), (5, 8, 6000.0))

DAILY_FLOWS = {
    "energy.electricity_kwh": 900.0,
    "energy.night_electricity_kwh": 150.0,
    "energy.gas_m3": 40.0,
    "energy.heat_gj": 3.0,
    "vehicle.fuel_l": 20.0,
    "vehicle.trips": 6.0,
    "vehicle.km": 180.0,
    "vehicle.used_vehicle_days": 4.0,
    "vehicle.offhours_trips": 1.0,
    "vehicle.energy_cost_yuan": 150.0,
    "vehicle.maintenance_cost_yuan": 30.0,
    "asset.redeployed_count": 0.2,
    "asset.redeploy_saved_yuan": 800.0,
}
STATES = {
    "vehicle.fleet": 10,
    "vehicle.quota": 11,
    "vehicle.nev_fleet": 3,
    "asset.count": 1200,
    "asset.original_value_yuan": 3.2e7,
    "asset.net_value_yuan": 1.9e7,
    "asset.idle_count": 40,
    "asset.warehouse_count": 25,
    "housing.office_area_m2": 2600.0,
    "housing.office_occupants": 200,
    "housing.over_standard_rooms": 3,
    "housing.over_standard_area_m2": 45.0,
    "housing.vacant_rooms": 5,
    "housing.units": 60,
    "housing.occupied_units": 51,
    "housing.waiting": 9,
    "housing.expiring_90d": 4,
}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass
class Truth:
    """The leaf values written, for computing expected figures without the roll-up tables."""

    daily: dict = field(default_factory=dict)  # (metric, leaf, day) -> value
    states: dict = field(default_factory=dict)  # (metric, leaf, month) -> value

    def subtree(self, org_id: int) -> list[int]:
        children = defaultdict(list)
        for oid, parent, *_ in ORGS:
            if parent is not None:
                children[parent].append(oid)
        out, stack = [], [org_id]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(children[node])
        return [o for o in out if o in LEAVES]

    def flow(self, metric: str, org_id: int, start: dt.date, end: dt.date) -> float:
        leaves = set(self.subtree(org_id))
        return sum(
            v for (m, leaf, day), v in self.daily.items() if m == metric and leaf in leaves and start <= day <= end
        )

    def state(self, metric: str, org_id: int, month: dt.date) -> float:
        leaves = set(self.subtree(org_id))
        return sum(v for (m, leaf, mo), v in self.states.items() if m == metric and leaf in leaves and mo == month)

    def floor_area(self, org_id: int) -> float:
        leaves = set(self.subtree(org_id))
        return sum(area for _, org, area in BUILDINGS if org in leaves)

    def energy_users(self, org_id: int) -> int:
        leaves = set(self.subtree(org_id))
        return sum(users for oid, *_, users in ORGS if oid in leaves)


def _path(org_id: int) -> str:
    parents = {oid: parent for oid, parent, *_ in ORGS}
    chain = []
    node = org_id
    while node is not None:
        chain.append(node)
        node = parents[node]
    return "/" + "/".join(str(n) for n in reversed(chain)) + "/"


def _ancestors(org_id: int) -> list[int]:
    return [int(p) for p in _path(org_id).strip("/").split("/")]


def build_rollup_fixture(url: str, *, seed: int = 7, as_of: dt.date = AS_OF) -> Truth:
    """Write the org tree, buildings and roll-ups into the migrated database at ``url``."""
    rng = random.Random(seed)
    truth = Truth()
    daily_rows: dict[tuple, float] = defaultdict(float)
    monthly_rows: dict[tuple, float] = defaultdict(float)
    day = FIRST_DAY
    while day <= as_of:
        for leaf in LEAVES:
            for metric, base in DAILY_FLOWS.items():
                value = round(base * (0.5 + rng.random()) * (1.0 if day.weekday() < 5 else 0.4), 3)
                truth.daily[(metric, leaf, day)] = value
                for org in _ancestors(leaf):
                    daily_rows[(metric, org, day)] += value
                    monthly_rows[(metric, org, month_start(day))] += value
        day += dt.timedelta(days=1)
    month = month_start(FIRST_DAY)
    while month <= month_start(as_of):
        for leaf in LEAVES:
            for metric, base in STATES.items():
                value = float(round(base * (0.8 + 0.4 * rng.random())))
                truth.states[(metric, leaf, month)] = value
                for org in _ancestors(leaf):
                    monthly_rows[(metric, org, month)] += value
        month = (month + dt.timedelta(days=32)).replace(day=1)

    engine = get_engine(url)
    with write_session(engine) as session:
        session.add_all(
            OrgNode(
                id=oid,
                parent_id=parent,
                level=level,
                admin_level=admin,
                code=f"T{oid:03d}",
                name_zh=zh,
                name_en=en,
                path=_path(oid),
                depth=len(_ancestors(oid)) - 1,
                headcount=users,
                energy_users=users,
                sort_order=oid,
            )
            for oid, parent, level, admin, zh, en, users in ORGS
        )
        session.flush()
        session.add_all(
            Building(
                id=bid,
                code=f"B{bid:03d}",
                org_id=org,
                name_zh=f"楼{bid}",
                name_en=f"Building {bid}",
                floor_area_m2=area,
                heated_area_m2=area * 0.8,
                occupants=50,
            )
            for bid, org, area in BUILDINGS
        )
        session.flush()
        conn = session.connection()
        conn.execute(
            sa.insert(RollupDaily),
            [
                {"metric_id": m, "entity_kind": "org", "entity_id": o, "day": d, "value": v, "samples": 1}
                for (m, o, d), v in daily_rows.items()
            ],
        )
        conn.execute(
            sa.insert(RollupMonthly),
            [
                {"metric_id": m, "entity_kind": "org", "entity_id": o, "month": mo, "value": v, "samples": 1}
                for (m, o, mo), v in monthly_rows.items()
            ],
        )
    return truth


@dataclass
class RollupDatabase:
    url: str
    truth: Truth


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def rollup_db(request, tmp_path_factory) -> RollupDatabase:
    """The hand-made province on each engine in turn (built once per test module)."""
    from data.db import dispose_engine
    from data.migrate import upgrade

    from db_support import PostgresDatabase, require_pg

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('rollups') / 'rollups.sqlite3'}"
        upgrade(url)
        yield RollupDatabase(url, build_rollup_fixture(url))
        dispose_engine(url)
        return
    require_pg()
    db = PostgresDatabase()
    db.create()
    try:
        upgrade(db.url)
        yield RollupDatabase(db.url, build_rollup_fixture(db.url))
    finally:
        db.drop()
