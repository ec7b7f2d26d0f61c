"""The turnover-housing lists, a dwelling's tiles and history, and the housing cross-checks on a
hand-made world, SQLite and PostgreSQL, with known answers; every list counts what its roll-up
tile counts at the same unit and day.

    province 1 ─┬─ city 2 ─┬─ agency 3 甲市机关事务局: housing U1–U13, U15 in building B1; offices B3
                │          └─ agency 4 甲市财政局: offices B2
                └─ city 5 ──── agency 6 乙市机关事务局: housing U14 (no building)

As of 2026-10-31 (a month end: the month period's roll-up is valued that day, t).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from data.db import get_engine, write_session
from data.models import Building, OrgNode
from data.models.housing import HousingApplication, HousingUnit, Lease, OfficeOccupancy, OfficeRoom, StaffMember
from data.queries.housing_checks import (
    fetch_dwelling_tiles,
    fetch_lease_crosscheck,
    fetch_staff_crosscheck,
    fetch_tenant_history,
)
from data.queries.housing_lists import (
    fetch_arrears,
    fetch_dwellings,
    fetch_lease_expiry,
    fetch_leases_expiring,
    fetch_occupancy_by_child,
    fetch_overstaying,
    fetch_waiting_list,
    fetch_waiting_time,
    reference_day,
)
from data.queries.rollup_read import state_values
from data.queries.view import ViewContext, ViewRequest, resolve_view
from data.rollup import rebuild_all
from data.scope import OutOfScope, Scope, scope_for_org
from data.seed import seed_reference

AS_OF = dt.date(2026, 10, 31)
D = dt.date


def _days(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


ORGS = (
    (1, None, "province", "/1/", 0, "测试省", "Province"),
    (2, 1, "city", "/1/2/", 1, "甲市", "City A"),
    (3, 2, "agency", "/1/2/3/", 2, "甲市机关事务局", "City A Affairs"),
    (4, 2, "agency", "/1/2/4/", 2, "甲市财政局", "City A Finance"),
    (5, 1, "city", "/1/5/", 1, "乙市", "City B"),
    (6, 5, "agency", "/1/5/6/", 2, "乙市机关事务局", "City B Affairs"),
)
BUILDINGS = ((1, "B1", 3, "周转房一号楼", "Housing 1"), (2, "B2", 4, "财政局办公楼", "Finance office"),
             (3, "B3", 3, "事务局办公楼", "Affairs office"))  # fmt: skip
UNITS = (
    # id, org, building, status, rent
    (1, 3, 1, "occupied", 1000.0),
    (2, 3, 1, "occupied", 1000.0),
    (3, 3, 1, "occupied", 1000.0),
    (4, 3, 1, "occupied", 1000.0),
    (5, 3, 1, "occupied", 1000.0),
    (6, 3, 1, "occupied", 1000.0),
    (7, 3, 1, "occupied", 1500.0),
    (8, 3, 1, "occupied", 1600.0),
    (9, 3, 1, "occupied", 1200.0),  # recorded occupied, nobody lives there
    (10, 3, 1, "available", 1200.0),  # recorded available, leased
    (11, 3, 1, "repair", 1200.0),  # under repair, leased
    (12, 3, 1, "occupied", 1200.0),  # two current leases
    (13, 3, 1, "occupied", 1200.0),  # tenant from City B
    (14, 6, None, "occupied", 900.0),  # City B
    (15, 3, 1, "available", 1000.0),  # its tenant moved out on t
)
LEASES = (
    # id, unit, tenant, tenant org, starts, ends, moved out, rent, arrears
    (1, 1, "张三丰", 4, D(2024, 12, 1), _days(30), None, 1000.0, 0.0),  # 30 days left: bucket 30
    (2, 2, "李四光", 4, D(2024, 12, 2), _days(31), None, 1000.0, 0.0),  # 31: bucket 60
    (3, 3, "王五一", 4, D(2024, 12, 31), _days(60), None, 1000.0, 0.0),  # 60: bucket 60
    (4, 4, "赵六二", 4, D(2025, 1, 30), _days(90), None, 1000.0, 0.0),  # 90: bucket 90
    (5, 5, "钱七三", 4, D(2025, 1, 31), _days(91), None, 1000.0, 0.0),  # 91: not expiring
    (6, 6, "孙八四", 4, D(2024, 11, 1), _days(0), None, 1000.0, 0.0),  # ends on t: 0 days left
    (7, 7, "周九五", 3, D(2024, 10, 22), _days(-10), None, 1500.0, 3000.0),  # overstaying 10 days, owes 2 months
    (8, 8, "吴十六", 3, D(2025, 7, 1), D(2027, 6, 30), None, 1600.0, 800.0),  # owes half a month
    (9, 9, "郑十七", 4, D(2023, 1, 1), D(2024, 12, 31), D(2025, 1, 10), 1200.0, 500.0),  # ended, 10 days over
    (10, 10, "冯十八", 4, D(2025, 10, 1), D(2027, 9, 30), None, 1200.0, 0.0),
    (11, 11, "陈十九", 4, D(2025, 9, 1), D(2027, 8, 31), None, 1200.0, 0.0),
    (12, 12, "褚二十", 4, D(2025, 1, 1), D(2027, 12, 31), None, 1200.0, 0.0),
    (13, 12, "卫廿一", 4, D(2026, 6, 1), D(2028, 5, 31), None, 1200.0, 0.0),
    (14, 13, "蒋廿二", 6, D(2025, 1, 1), D(2027, 12, 31), None, 1200.0, 0.0),  # tenant outside City A
    (15, 14, "沈廿三", 6, D(2025, 11, 20), _days(20), None, 900.0, 0.0),  # City B: bucket 30
    (16, 15, "韩廿四", 4, D(2025, 1, 1), D(2026, 12, 31), AS_OF, 1000.0, 0.0),  # moved out on t: not current
    (17, 9, "杨廿五", 4, D(2026, 11, 10), D(2027, 11, 9), None, 1200.0, 0.0),  # starts after t
)
APPLICATIONS = (
    # id, org, status, applied, allocated
    (1, 3, "waiting", _days(-90), None),  # 90 days: bucket 90–180
    (2, 4, "waiting", _days(-30), None),  # 30 days
    (3, 3, "allocated", D(2025, 10, 31), D(2026, 11, 15)),  # allocated after t: waiting 365 days at t
    (4, 3, "allocated", D(2025, 12, 1), D(2026, 3, 1)),  # waited 90
    (5, 3, "allocated", D(2026, 7, 3), D(2026, 9, 1)),  # waited 60
    (6, 4, "allocated", D(2025, 1, 1), D(2025, 10, 31)),  # exactly 12 months before t: not counted
    (7, 3, "allocated", D(2025, 5, 5), D(2025, 11, 1)),  # waited 180
    (8, 3, "withdrawn", D(2026, 1, 1), None),
    (9, 3, "waiting", _days(5), None),  # applies after t
    (10, 6, "waiting", D(2024, 1, 1), None),  # City B
)
ROOMS = ((1, 3, 3, "101"), (2, 3, 3, "102"), (3, 3, 3, "103"), (4, 2, 4, "201"))  # id, building, org, room_no
STAFF = (
    # staff no, org, name, left on
    ("ST1", 3, "欧阳娜娜", None),
    ("ST2", 4, "马小明", None),  # Finance's list, sits in Affairs' room
    ("ST3", 3, "刘晓红", D(2026, 10, 15)),  # left before t
    ("ST4", 3, "黄大伟", None),  # two rooms
    ("ST5", 3, "林一山", D(2026, 11, 30)),  # leaves after t: fine at t
    ("ST6", 4, "何二水", None),
)
OCCUPANCY = (
    # room, staff no, name, since, until
    (1, "ST1", "欧阳娜娜", D(2020, 1, 1), None),
    (2, "ST2", "马小明", D(2021, 1, 1), None),
    (2, "ST3", "刘晓红", D(2021, 1, 1), None),
    (1, "ST4", "黄大伟", D(2022, 1, 1), None),
    (3, "ST4", "黄大伟", D(2026, 9, 1), None),
    (3, "ST9", "无名氏", D(2026, 5, 1), None),  # on no list
    (1, "ST5", "林一山", D(2020, 1, 1), None),
    (4, "ST6", "何二水", D(2020, 1, 1), None),
    (3, "ST1", "欧阳娜娜", D(2019, 1, 1), AS_OF),  # left the room on t
    (2, "ST8", "未来人", _days(10), None),  # moves in after t
)


@pytest.fixture
def housing_url(db_url):
    engine = get_engine(db_url)
    with write_session(engine) as s:
        seed_reference(s)
        for org_id, parent, level, path, depth, zh, en in ORGS:
            s.add(OrgNode(id=org_id, parent_id=parent, level=level, admin_level=level if level != "agency" else "city",
                          code=f"O{org_id}", name_zh=zh, name_en=en, path=path, depth=depth, sort_order=org_id))  # fmt: skip
        s.flush()
        for bid, code, org, zh, en in BUILDINGS:
            s.add(Building(id=bid, code=code, org_id=org, name_zh=zh, name_en=en, floor_area_m2=5000.0,
                           heated_area_m2=5000.0))  # fmt: skip
        s.flush()
        for uid, org, building, status, rent in UNITS:
            s.add(HousingUnit(id=uid, code=f"HU-{uid:03d}", org_id=org, building_id=building, area_m2=60.0 + uid,
                              rooms=2, monthly_rent_yuan=rent, status=status))  # fmt: skip
        s.flush()
        for lid, unit, name, org, starts, ends, moved, rent, arrears in LEASES:
            s.add(Lease(id=lid, unit_id=unit, tenant_name=name, tenant_phone="13812345678", tenant_org_id=org,
                        starts_on=starts, ends_on=ends, moved_out_on=moved, monthly_rent_yuan=rent,
                        arrears_yuan=arrears))  # fmt: skip
        for aid, org, status, applied, allocated in APPLICATIONS:
            s.add(HousingApplication(id=aid, org_id=org, applicant_name=f"申请人{aid}", applicant_phone="13900001111",
                                     applied_on=applied, status=status, allocated_on=allocated))  # fmt: skip
        for rid, building, org, room_no in ROOMS:
            s.add(OfficeRoom(id=rid, building_id=building, org_id=org, room_no=room_no, usable_area_m2=12.0))
        for i, (no, org, name, left) in enumerate(STAFF, start=1):
            s.add(StaffMember(id=i, staff_no=no, org_id=org, person_name=name, rank_code="below_bureau", left_on=left))
        s.flush()
        for i, (room, no, name, since, until) in enumerate(OCCUPANCY, start=1):
            s.add(OfficeOccupancy(id=i, room_id=room, staff_no=no, person_name=name, rank_code="below_bureau",
                                  since=since, until=until))  # fmt: skip
    with engine.begin() as conn:
        rebuild_all(conn, as_of=AS_OF)
    return db_url


def _view(conn, scope_org: int, *, personal=True, **request) -> ViewContext:
    scope = scope_for_org(conn, scope_org, can_view_personal_data=personal)
    return resolve_view(conn, scope, "housing", ViewRequest(**request))


def _dwelling(conn, unit_id: int, *, personal=True) -> ViewContext:
    view = _view(conn, 1, personal=personal, org_id=3)
    entity = {"id": unit_id, "code": f"HU-{unit_id:03d}", "org_id": 3, "building_id": 1, "area_m2": 60.0 + unit_id,
              "rooms": 2, "monthly_rent_yuan": dict((u[0], u[4]) for u in UNITS)[unit_id],
              "status": dict((u[0], u[3]) for u in UNITS)[unit_id]}  # fmt: skip
    return dataclasses.replace(view, entity_kind="dwelling", entity_id=unit_id, entity=entity)


def _state(conn, metric: str, org: int) -> float:
    return state_values(conn, [metric], [org], AS_OF)[(org, metric)][1]


def test_reference_day_is_the_roll_ups_valuation_day(housing_url):
    with get_engine(housing_url).connect() as conn:
        view = _view(conn, 1, org_id=3)
    assert view.period.end == AS_OF and reference_day(view) == AS_OF
    earlier = dataclasses.replace(
        view, period=dataclasses.replace(view.period, start=D(2026, 9, 1), end=D(2026, 9, 10))
    )
    assert reference_day(earlier) == D(2026, 9, 30)  # a period ending mid-month: its month's roll-up day


def test_leases_expiring_bucket_boundaries(housing_url):
    with get_engine(housing_url).connect() as conn:
        frame = fetch_leases_expiring(conn, _view(conn, 1, org_id=3))
        city = fetch_leases_expiring(conn, _view(conn, 1, org_id=2))
        province = fetch_leases_expiring(conn, _view(conn, 1))
        rolled = {days: _state(conn, f"housing.expiring_{days}d", 2) for days in (30, 60, 90)}
        rolled_province = {days: _state(conn, f"housing.expiring_{days}d", 1) for days in (30, 60, 90)}
    assert list(frame["lease_id"]) == [6, 1, 2, 3, 4]  # soonest first; 91 days (L5) and moved-out L16 left out
    assert list(frame["days_left"]) == [0, 30, 31, 60, 90]
    assert list(frame["window_days"]) == [30, 30, 60, 60, 90]
    assert frame["_drill"].iloc[1] == "dwelling:1"
    assert (
        frame["building_name_zh"].iloc[0] == "周转房一号楼" and frame["tenant_org_name_en"].iloc[0] == "City A Finance"
    )
    assert set(frame["total"]) == {5} and frame["monthly_rent_yuan"].iloc[0] == 1000.0
    # The lists count what the tiles count, cumulatively per horizon
    assert rolled == {30: 2, 60: 4, 90: 5}
    assert {d: int((city["window_days"] <= d).sum()) for d in (30, 60, 90)} == rolled
    assert (
        {d: int((province["window_days"] <= d).sum()) for d in (30, 60, 90)} == rolled_province == {30: 3, 60: 5, 90: 6}
    )


def test_lease_expiry_figure_reads_the_roll_ups(housing_url):
    with get_engine(housing_url).connect() as conn:
        city = fetch_lease_expiry(conn, _view(conn, 1, org_id=2))
        province = fetch_lease_expiry(conn, _view(conn, 1))
    assert list(city["window_days"]) == [30, 60, 90] and list(city["leases"]) == [2, 4, 5]
    assert list(province["leases"]) == [3, 5, 6]


def test_overstaying_and_arrears(housing_url):
    with get_engine(housing_url).connect() as conn:
        view = _view(conn, 1, org_id=3)
        over = fetch_overstaying(conn, view)
        arrears = fetch_arrears(conn, view)
        overstaying, owed = _state(conn, "housing.overstaying", 3), _state(conn, "housing.arrears_yuan", 3)
    assert list(over["unit_id"]) == [7] and over["days_over"].iloc[0] == 10 and over["arrears_yuan"].iloc[0] == 3000
    assert len(over) == overstaying == 1
    assert list(arrears["lease_id"]) == [7, 8]  # the largest first; L9's debt is of a tenant gone
    assert list(arrears["arrears_months"]) == pytest.approx([2.0, 0.5])
    assert arrears["arrears_yuan"].sum() == pytest.approx(owed) == pytest.approx(3800.0)


def test_waiting_list_and_waiting_time(housing_url):
    with get_engine(housing_url).connect() as conn:
        view = _view(conn, 1, org_id=2)
        waiting = fetch_waiting_list(conn, view)
        times = fetch_waiting_time(conn, view)
        rolled = _state(conn, "housing.waiting", 2)
    assert list(waiting["application_id"]) == [3, 1, 2]
    assert list(waiting["days_waiting"]) == [365, 90, 30]
    assert len(waiting) == rolled == 3
    assert waiting["org_name_zh"].iloc[2] == "甲市财政局"
    assert list(times["bucket"]) == ["lt90", "90_180", "180_365", "365_730", "ge730"]
    assert list(times["waiting"]) == [1, 1, 0, 1, 0]
    assert set(times["allocated_12m"]) == {3}  # 90, 60 and 180 days; the allocation 12 months back is out
    assert times["median_wait_days"].iloc[0] == 90.0 and times["mean_wait_days"].iloc[0] == pytest.approx(110.0)


def test_occupancy_by_child(housing_url):
    with get_engine(housing_url).connect() as conn:
        province = fetch_occupancy_by_child(conn, _view(conn, 1))
        city = fetch_occupancy_by_child(conn, _view(conn, 1, org_id=2))
        agency = fetch_occupancy_by_child(conn, _view(conn, 1, org_id=3))
    assert list(province["entity_id"]) == [5, 2] and list(province["drill"]) == ["org:5", "org:2"]
    assert list(province["value"]) == pytest.approx([100.0, 12 / 14 * 100.0])
    assert list(city["entity_id"]) == [3]  # Finance has no turnover housing
    assert list(agency["entity_id"]) == [3]  # an agency without children shows itself


def test_dwellings_of_an_agency_and_a_building(housing_url):
    with get_engine(housing_url).connect() as conn:
        agency = fetch_dwellings(conn, _view(conn, 1, org_id=3))
        building = fetch_dwellings(conn, _view(conn, 1, building_id=1))
        finance = fetch_dwellings(conn, _view(conn, 1, building_id=2))
    assert len(agency) == 14 and list(agency["unit_code"][:2]) == ["HU-001", "HU-002"]
    rows = agency.set_index("unit_id")
    assert rows.loc[12, "tenant_name"] == "卫廿一"  # the later of two current leases
    assert pd.isna(rows.loc[9, "tenant_name"]) and pd.isna(rows.loc[15, "tenant_name"])
    assert rows.loc[7, "lease_ends_on"] == _days(-10) and rows.loc[7, "status"] == "occupied"
    assert agency["_drill"].iloc[0] == "dwelling:1"
    assert list(building["unit_id"]) == list(agency["unit_id"]) and finance.empty


def test_dwelling_tiles_and_tenant_history(housing_url):
    with get_engine(housing_url).connect() as conn:
        overstayed = fetch_dwelling_tiles(conn, _dwelling(conn, 7)).set_index("metric_id")
        empty = fetch_dwelling_tiles(conn, _dwelling(conn, 9)).set_index("metric_id")
        history = fetch_tenant_history(conn, _dwelling(conn, 9))
        masked = fetch_tenant_history(conn, _dwelling(conn, 9, personal=False))
        org_tiles = fetch_dwelling_tiles(conn, _view(conn, 1, org_id=3))
    assert overstayed.loc["housing.dwelling_area_m2", "value"] == 67.0
    assert overstayed.loc["housing.dwelling_rent_yuan", "value"] == 1500.0
    tenants = overstayed.loc["housing.dwelling_tenants"]
    assert (tenants["value"], tenants["unit"], tenants["status"]) == (1.0, "dwelling.occupied", "good")
    days = overstayed.loc["housing.dwelling_days_to_lease_end"]
    assert (days["value"], days["status"]) == (-10.0, "bad")
    assert overstayed.loc["housing.dwelling_arrears_yuan", "value"] == 3000.0
    assert (
        empty.loc["housing.dwelling_tenants", "value"] == 0 and empty.loc["housing.dwelling_tenants", "status"] == "bad"
    )
    assert empty.loc["housing.dwelling_arrears_yuan", "value"] == 0
    assert org_tiles.empty
    assert list(history["lease_id"]) == [17, 9]
    assert list(history["lease_state"]) == ["future", "ended"] and list(history["overstay_days"]) == [0, 10]
    assert history["tenant_name"].iloc[1] == "郑十七" and masked["tenant_name"].iloc[1] == "郑*七"
    assert masked["tenant_phone"].iloc[1] == "138****5678"


def test_staff_crosscheck(housing_url):
    with get_engine(housing_url).connect() as conn:
        agency = fetch_staff_crosscheck(conn, _view(conn, 1, org_id=3))
        room = fetch_staff_crosscheck(
            conn, dataclasses.replace(_view(conn, 1, org_id=3), entity_kind="room", entity_id=3)
        )
        finance = fetch_staff_crosscheck(conn, _view(conn, 1, org_id=4))
        masked = fetch_staff_crosscheck(conn, _view(conn, 2, org_id=3, personal=False))
    found = list(zip(agency["room_no"], agency["staff_no"], agency["problems"]))
    assert found == [
        ("101", "ST4", "two_rooms"),
        ("102", "ST2", "other_unit"),
        ("102", "ST3", "left"),
        ("103", "ST4", "two_rooms"),
        ("103", "ST9", "unknown_staff"),
    ]
    assert agency["_drill"].iloc[0] == "room:1" and set(agency["total"]) == {5}
    assert agency.set_index("staff_no").loc["ST2", "staff_org_name_zh"] == "甲市财政局"
    assert list(room["staff_no"]) == ["ST4", "ST9"]
    assert finance.empty  # ST6 sits in Finance's room and is on its list
    assert masked["person_name"].iloc[0] == "黄*伟" and masked["staff_no"].iloc[0] == "ST4"


def test_lease_crosscheck(housing_url):
    with get_engine(housing_url).connect() as conn:
        agency = fetch_lease_crosscheck(conn, _view(conn, 1, org_id=3))
        dwelling = fetch_lease_crosscheck(conn, _dwelling(conn, 12))
        city_b = fetch_lease_crosscheck(conn, _view(conn, 1, org_id=5))
        masked = fetch_lease_crosscheck(conn, _view(conn, 1, org_id=3, personal=False))
    leases = [None if pd.isna(lease) else int(lease) for lease in agency["lease_id"]]
    found = list(zip(agency["unit_id"], leases, agency["problems"]))
    assert found == [
        (9, None, "occupied_no_lease"),
        (10, 10, "available_with_lease"),
        (11, 11, "repair_with_lease"),
        (12, 12, "overlapping"),
        (12, 13, "overlapping"),
        (13, 14, "tenant_outside"),
    ]
    assert agency["_drill"].iloc[0] == "dwelling:9" and set(agency["total"]) == {6}
    assert list(dwelling["lease_id"]) == [12, 13]
    assert city_b.empty  # U14's tenant is City B's own
    assert masked.set_index("unit_id").loc[13, "tenant_name"] == "蒋*二"


def test_masking_and_scope(housing_url):
    with get_engine(housing_url).connect() as conn:
        masked = fetch_leases_expiring(conn, _view(conn, 2, org_id=3, personal=False))
        waiting = fetch_waiting_list(conn, _view(conn, 2, personal=False))
        outside = _view(conn, 1, org_id=6)
        with pytest.raises(OutOfScope):
            fetch_overstaying(conn, dataclasses.replace(outside, scope=Scope(org_id=2, org_path="/1/2/")))
    assert list(masked["tenant_name"]) == ["孙*四", "张*丰", "李*光", "王*一", "赵*二"]
    assert set(masked["tenant_phone"]) == {"138****5678"}
    assert list(waiting["applicant_name"]) == ["申**3", "申**1", "申**2"]
