"""A tiny, known province for loader tests: two agencies, two buildings with meters, two vehicles,
an asset, office rooms and a housing unit. Small enough to read every figure by hand.

Codes (used by the test files and the bad-file corpus):

* org: P (province) / C1 (city) / X1 (county) / A1 (agency under X1) / A2 (agency under C1)
* buildings: B001 (A1), B002 (A2); meters: E-B001 (electricity, hourly), W-B001 (water, daily),
  E-B002 (electricity, hourly), G-B002 (gas, daily)
* vehicles: 京A00001 (A1, petrol), 京A00002 (A2, electric); trip request REQ-1 (A1)
* asset category ITC; asset AS-0001 (A1); office rooms B001/101 (A1, 30 m²), B001/102 (A1, 12 m²)
* housing unit HU-001 (A1)
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from data.db import get_engine, session_scope
from data.models import (
    Asset,
    AssetCategory,
    Building,
    HousingUnit,
    Meter,
    OfficeRoom,
    OrgNode,
    TripRequest,
    Vehicle,
)
from data.seed import seed_reference

UTC = dt.UTC
# The tests' clock: "now" for every batch. Readings of 2026-11-20 are in the past.
NOW = dt.datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 10:00 on 21 Nov in Shanghai

ORGS = [
    # id, parent, level, admin_level, code, zh, en, path, depth
    (1, None, "province", "province", "P", "测试省", "Test Province", "/1/", 0),
    (2, 1, "city", "city", "C1", "测试市", "Test City", "/1/2/", 1),
    (3, 2, "county", "county", "X1", "测试县", "Test County", "/1/2/3/", 2),
    (4, 3, "agency", "county", "A1", "县机关事务局", "County Affairs Bureau", "/1/2/3/4/", 3),
    (5, 2, "agency", "city", "A2", "市财政局", "City Finance Bureau", "/1/2/5/", 2),
]


def build_world(url: str) -> None:
    engine = get_engine(url)
    with session_scope(engine) as s:
        seed_reference(s)
    with engine.begin() as conn:
        conn.execute(
            insert(OrgNode),
            [
                dict(
                    id=i,
                    parent_id=p,
                    level=lv,
                    admin_level=al,
                    code=c,
                    name_zh=zh,
                    name_en=en,
                    path=path,
                    depth=d,
                    headcount=50,
                    energy_users=50,
                    sort_order=i,
                )
                for i, p, lv, al, c, zh, en, path, d in ORGS
            ],
        )
        conn.execute(
            insert(Building),
            [
                dict(
                    id=1,
                    code="B001",
                    org_id=4,
                    name_zh="县机关大楼",
                    name_en="County office building",
                    floor_area_m2=5000,
                    heated_area_m2=4000,
                    occupants=120,
                ),
                dict(
                    id=2,
                    code="B002",
                    org_id=5,
                    name_zh="市财政大楼",
                    name_en="City finance building",
                    floor_area_m2=8000,
                    heated_area_m2=7000,
                    occupants=200,
                ),
            ],
        )
        conn.execute(
            insert(Meter),
            [
                dict(
                    id=1, code="E-B001", building_id=1, kind="electricity", unit="kWh", interval_minutes=60, active=True
                ),
                dict(id=2, code="W-B001", building_id=1, kind="water", unit="m3", interval_minutes=1440, active=True),
                dict(
                    id=3, code="E-B002", building_id=2, kind="electricity", unit="kWh", interval_minutes=60, active=True
                ),
                dict(id=4, code="G-B002", building_id=2, kind="gas", unit="m3", interval_minutes=1440, active=True),
            ],
        )
        conn.execute(
            insert(Vehicle),
            [
                dict(
                    id=1,
                    plate="京A00001",
                    org_id=4,
                    vehicle_class="general",
                    energy_type="petrol",
                    model="轿车",
                    rated_consumption=8.0,
                    acquired_on=dt.date(2020, 1, 1),
                    status="in_service",
                ),
                dict(
                    id=2,
                    plate="京A00002",
                    org_id=5,
                    vehicle_class="general",
                    energy_type="electric",
                    model="电动车",
                    rated_consumption=15.0,
                    acquired_on=dt.date(2022, 1, 1),
                    status="in_service",
                ),
            ],
        )
        conn.execute(
            insert(TripRequest),
            [dict(id=1, code="REQ-1", org_id=4, purpose="会议", approved_at=dt.datetime(2026, 11, 19, tzinfo=UTC))],
        )
        conn.execute(
            insert(AssetCategory),
            # id 900: the seeded default categories (data.reference.ASSET_CATEGORIES) take the first ids
            [dict(id=900, code="ITC", name_zh="计算机", name_en="Computers", useful_life_years=6, residual_rate=0.0)],
        )
        conn.execute(
            insert(Asset),
            [
                dict(
                    id=1,
                    code="AS-0001",
                    org_id=4,
                    category_id=900,
                    name_zh="台式计算机",
                    status="in_use",
                    status_since=dt.date(2024, 3, 1),
                    original_value_yuan=6000.0,
                    acquired_on=dt.date(2024, 3, 1),
                    custodian_name="张三",
                )
            ],
        )
        conn.execute(
            insert(OfficeRoom),
            [
                dict(id=1, building_id=1, org_id=4, room_no="101", usable_area_m2=30.0, purpose="office"),
                dict(id=2, building_id=1, org_id=4, room_no="102", usable_area_m2=12.0, purpose="office"),
            ],
        )
        conn.execute(
            insert(HousingUnit),
            [dict(id=1, code="HU-001", org_id=4, area_m2=60.0, rooms=2, monthly_rent_yuan=800.0, status="available")],
        )
        if conn.dialect.name == "postgresql":
            for table in (
                "org_node",
                "building",
                "meter",
                "vehicle",
                "trip_request",
                "asset_category",
                "asset",
                "office_room",
                "housing_unit",
            ):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )


def hourly_csv(meter: str = "E-B001", day: str = "2026-11-20", hours=range(1, 25), value=100.0) -> str:
    """Hourly readings ending at 01:00 … 24:00 local on ``day``."""
    lines = ["表计编号,时间,用电量(千瓦时)"]
    for h in hours:
        lines.append(f"{meter},{day} {h:02d}:00,{value}")
    return "\n".join(lines) + "\n"
