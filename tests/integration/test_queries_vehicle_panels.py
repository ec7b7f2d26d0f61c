"""The vehicle page's panel queries on a hand-made fleet, SQLite and PostgreSQL, with known answers.

    province 1 ─┬─ city 2 ─┬─ agency 3: V1 甲A00001 (law enforcement, petrol, 8 L/100 km)
                │          │            V2 甲A00002 (confidential, electric, 15 kWh/100 km)
                │          └─ agency 4: V3 甲A00003 (general, petrol, 10 L/100 km; idle since 1 Sep)
                │                       V5 甲A00005 (disposed: never listed)
                └─ city 5 ──── agency 6: V4 乙A00004 (emergency, diesel; outside city 2)

As of Tuesday 2026-10-20; the month period is 1–20 October (National Day 1–7 October, Saturday
10 October a make-up working day: 10 working days).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from data.alerts.indicators import indicator_values
from data.db import get_engine, write_session
from data.models import OrgNode
from data.models.vehicle import (
    FuelRecord,
    InsurancePolicy,
    MaintenanceRecord,
    Trip,
    TripRequest,
    Vehicle,
    VehicleQuota,
)
from data.queries.vehicle_panels import (
    fetch_fleet_by_class,
    fetch_fuel_crosscheck,
    fetch_idle_vehicles,
    fetch_vehicle_due,
    fetch_vehicle_list,
)
from data.queries.vehicle_trips import (
    fetch_trip_log,
    fetch_trips_flagged,
    fetch_vehicle_daily,
    fetch_vehicle_tiles,
)
from data.queries.view import ViewContext, ViewRequest, resolve_view
from data.rollup import rebuild_all
from data.scope import OutOfScope, Scope, scope_for_org
from data.seed import seed_reference

AS_OF = dt.date(2026, 10, 20)
LOCAL = ZoneInfo("Asia/Shanghai")
D = dt.date

ORGS = (
    (1, None, "province", "/1/", 0, "测试省", "Province"),
    (2, 1, "city", "/1/2/", 1, "甲市", "City A"),
    (3, 2, "agency", "/1/2/3/", 2, "甲市公安局", "City A Police"),
    (4, 2, "agency", "/1/2/4/", 2, "甲市机关事务局", "City A Affairs"),
    (5, 1, "city", "/1/5/", 1, "乙市", "City B"),
    (6, 5, "agency", "/1/5/6/", 2, "乙市应急局", "City B Emergency"),
)
VEHICLES = (
    # id, plate, org, class, energy, rated, status
    (1, "甲A00001", 3, "law_enforcement", "petrol", 8.0, "in_service"),
    (2, "甲A00002", 3, "confidential", "electric", 15.0, "in_service"),
    (3, "甲A00003", 4, "general", "petrol", 10.0, "in_service"),
    (4, "乙A00004", 6, "emergency", "diesel", 9.0, "in_service"),
    (5, "甲A00005", 4, "general", "petrol", 10.0, "disposed"),
)
QUOTAS = ((3, "law_enforcement", 1), (3, "confidential", 2), (4, "emergency", 1), (6, "emergency", 1))
TRIPS = (
    # id, vehicle, local start, hours, km, request, driver
    (1, 1, (2026, 10, 12, 9, 0), 1, 30.0, 1, "张三丰"),
    (2, 1, (2026, 10, 12, 19, 30), 1, 20.0, 1, "张三丰"),  # after hours
    (3, 1, (2026, 10, 18, 10, 0), 1, 15.0, None, "李四"),  # Sunday, no request
    (4, 1, (2026, 10, 14, 10, 0), 1, 25.0, None, "王五"),  # no request
    (5, 1, (2026, 10, 3, 10, 0), 1, 12.0, 2, "张三丰"),  # National Day, request not approved
    (6, 2, (2026, 10, 13, 9, 0), 1, 40.0, 1, "赵六"),
    (7, 2, (2026, 10, 15, 14, 0), 1, 60.0, 1, "赵六"),
    (8, 2, (2026, 10, 20, 9, 0), 1, 10.0, 1, "赵六"),
    (9, 3, (2026, 9, 1, 9, 0), 1, 50.0, 1, "钱七"),
    (10, 4, (2026, 10, 12, 20, 0), 1, 10.0, None, "孙八"),  # outside city 2
    (11, 1, (2025, 9, 30, 9, 0), 1, 40.0, 1, "张三丰"),  # last year: the data begin here
    (12, 1, (2025, 10, 15, 9, 0), 1, 50.0, 1, "张三丰"),
)
FUEL = (
    # vehicle, local time, kind, quantity, cost, odometer
    (1, (2026, 9, 20, 12), "fuel", 30.0, 240.0, 10000.0),
    (1, (2026, 10, 16, 12), "fuel", 60.0, 480.0, 10500.0),  # 500 km × 8/100 = 40 L expected: ×1.5
    (2, (2026, 9, 25, 12), "charge", 20.0, 20.0, 5000.0),
    (2, (2026, 10, 16, 12), "charge", 15.0, 15.0, 5100.0),  # 100 km × 15/100 = 15 kWh: ×1.0
    (3, (2026, 8, 1, 12), "fuel", 35.0, 262.5, 2000.0),
    (3, (2026, 10, 5, 12), "fuel", 28.0, 210.0, 2400.0),  # 400 km × 10/100 = 40 L expected: ×0.7
    (4, (2026, 9, 1, 12), "fuel", 20.0, 140.0, 100.0),
    (4, (2026, 10, 10, 12), "fuel", 40.0, 280.0, 300.0),  # 200 km × 9/100 = 18 L expected: ×2.22
)
MAINTENANCE = ((1, D(2026, 4, 1), D(2026, 10, 1)), (2, D(2026, 5, 1), D(2026, 11, 10)), (3, D(2026, 6, 1), D(2027, 6, 1)),
               (4, D(2026, 4, 5), D(2026, 10, 5)))  # fmt: skip
INSURANCE = ((1, D(2025, 11, 1), D(2026, 10, 31)), (2, D(2026, 3, 1), D(2027, 2, 28)), (3, D(2025, 10, 1), D(2026, 9, 30)),
             (4, D(2026, 1, 1), D(2026, 12, 31)))  # fmt: skip


def _utc(parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=LOCAL).astimezone(dt.UTC)


@pytest.fixture
def fleet_url(db_url):
    engine = get_engine(db_url)
    with write_session(engine) as s:
        seed_reference(s)
        for org_id, parent, level, path, depth, zh, en in ORGS:
            s.add(OrgNode(id=org_id, parent_id=parent, level=level, admin_level=level if level != "agency" else "city",
                          code=f"O{org_id}", name_zh=zh, name_en=en, path=path, depth=depth, sort_order=org_id))  # fmt: skip
        s.flush()
        for vid, plate, org, vclass, energy, rated, status in VEHICLES:
            s.add(Vehicle(id=vid, plate=plate, org_id=org, vehicle_class=vclass, energy_type=energy, model=f"M{vid}",
                          rated_consumption=rated, acquired_on=D(2020, 1, 1), status=status))  # fmt: skip
        s.add_all(VehicleQuota(org_id=o, vehicle_class=c, approved=n) for o, c, n in QUOTAS)
        s.add(TripRequest(id=1, code="REQ-1", org_id=3, approved_at=_utc((2025, 9, 1, 9))))
        s.add(TripRequest(id=2, code="REQ-2", org_id=3, approved_at=None))
        s.flush()
        for tid, vid, start, hours, km, request, driver in TRIPS:
            begin = _utc(start)
            s.add(Trip(id=tid, vehicle_id=vid, start_ts=begin, end_ts=begin + dt.timedelta(hours=hours), km=km,
                       request_id=request, driver_name=driver, purpose="公务"))  # fmt: skip
        for i, (vid, when, kind, quantity, cost, odometer) in enumerate(FUEL, start=1):
            s.add(FuelRecord(id=i, vehicle_id=vid, ts=_utc(when), kind=kind, quantity=quantity,
                             unit="kWh" if kind == "charge" else "L", cost_yuan=cost, odometer_km=odometer))  # fmt: skip
        for i, (vid, done, due) in enumerate(MAINTENANCE, start=1):
            s.add(MaintenanceRecord(id=i, vehicle_id=vid, performed_on=done, kind="routine", cost_yuan=500.0,
                                    next_due_on=due))  # fmt: skip
        for i, (vid, start, end) in enumerate(INSURANCE, start=1):
            s.add(InsurancePolicy(id=i, vehicle_id=vid, insurer="保险", policy_no=f"P{i}", starts_on=start, ends_on=end,
                                  premium_yuan=3000.0))  # fmt: skip
    with engine.begin() as conn:
        rebuild_all(conn, as_of=AS_OF)
    return db_url


def _view(conn, scope_org: int, *, personal=False, **request) -> ViewContext:
    scope = scope_for_org(conn, scope_org, can_view_personal_data=personal)
    return resolve_view(conn, scope, "vehicle", ViewRequest(**request))


def test_view_is_month_to_date(fleet_url):
    with get_engine(fleet_url).connect() as conn:
        view = _view(conn, 2, org_id=2)
    assert view.as_of == AS_OF and (view.period.start, view.period.end) == (D(2026, 10, 1), AS_OF)


def test_fleet_by_class_against_quota(fleet_url):
    with get_engine(fleet_url).connect() as conn:
        frame = fetch_fleet_by_class(conn, _view(conn, 2, org_id=2))
        province = fetch_fleet_by_class(conn, _view(conn, 1))
    rows = {r["vehicle_class"]: r for r in frame.to_dict("records")}
    assert list(frame["vehicle_class"]) == ["confidential", "emergency", "law_enforcement", "general"]
    assert (rows["confidential"]["fleet"], rows["confidential"]["quota"], rows["confidential"]["nev"]) == (1, 2, 1)
    assert rows["confidential"]["nev_share"] == 1.0 and rows["confidential"]["over_quota"] == -1
    assert (rows["emergency"]["fleet"], rows["emergency"]["quota"]) == (0, 1)
    assert rows["general"]["over_quota"] == 1  # V3 without a quota; disposed V5 not counted
    assert dict(zip(province["vehicle_class"], province["fleet"]))["emergency"] == 1
    assert dict(zip(province["vehicle_class"], province["quota"]))["emergency"] == 2


def test_vehicle_list(fleet_url):
    with get_engine(fleet_url).connect() as conn:
        frame = fetch_vehicle_list(conn, _view(conn, 2, org_id=2))
    assert list(frame["plate"]) == ["甲A00001", "甲A00002", "甲A00003"]
    assert set(frame["total"]) == {3}
    v1 = frame.iloc[0]
    assert v1["_drill"] == "vehicle:1"
    assert v1["km"] == pytest.approx(102.0) and v1["trips"] == 5 and v1["used_days"] == 4
    assert v1["utilization"] == pytest.approx(4 / 10)
    assert v1["cost_per_100km"] == pytest.approx(480.0 / 102.0 * 100.0)
    assert v1["last_trip_on"] == D(2026, 10, 18) and v1["idle_workdays"] == 2
    v3 = frame.iloc[2]
    assert v3["km"] == 0 and v3["last_trip_on"] == D(2026, 9, 1)
    assert v3["org_name_en"] == "City A Affairs"


def test_fuel_crosscheck(fleet_url):
    with get_engine(fleet_url).connect() as conn:
        view = _view(conn, 2, org_id=2)
        frame = fetch_fuel_crosscheck(conn, view)
        alerts = indicator_values(
            conn, "vehicle.fuel_ratio", "vehicle", scope_org_id=2, window="last_days:20", as_of=AS_OF
        )
        province = fetch_fuel_crosscheck(conn, _view(conn, 1))
    assert list(frame["plate"]) == ["甲A00001", "甲A00003"]  # V2's charging matches; V4 is outside
    v1, v3 = frame.to_dict("records")
    assert (v1["kind"], v1["unit"], v1["fills"]) == ("fuel", "L", 1)
    assert v1["odometer_km"] == 500 and v1["expected"] == pytest.approx(40.0) and v1["ratio"] == pytest.approx(1.5)
    assert v1["excess"] == pytest.approx(20.0) and v1["excess_cost_yuan"] == pytest.approx(160.0)
    assert v1["trip_km"] == pytest.approx(102.0)
    assert v3["ratio"] == pytest.approx(0.7) and v3["excess"] == pytest.approx(-12.0)
    assert v3["excess_cost_yuan"] == pytest.approx(-90.0) and v3["trip_km"] == 0
    assert set(frame["total"]) == {2}
    # The same ratio as the alert indicator's
    by_id = dict(zip(alerts["entity_id"], alerts["value"]))
    assert by_id[1] == pytest.approx(v1["ratio"]) and by_id[3] == pytest.approx(v3["ratio"])
    assert list(province["plate"]) == ["甲A00001", "乙A00004", "甲A00003"]


def test_trips_flagged_masks_drivers_and_stays_in_scope(fleet_url):
    with get_engine(fleet_url).connect() as conn:
        masked = fetch_trips_flagged(conn, _view(conn, 2, org_id=2))
        plain = fetch_trips_flagged(conn, _view(conn, 2, personal=True, org_id=2))
        province = fetch_trips_flagged(conn, _view(conn, 1))
    assert list(masked["trip_id"]) == [3, 4, 2, 5]
    assert list(masked["flags"]) == ["weekend no_request", "no_request", "after_hours", "holiday"]
    assert list(masked["driver_name"]) == ["李*", "王*", "张*丰", "张*丰"]
    assert list(plain["driver_name"]) == ["李四", "王五", "张三丰", "张三丰"]
    assert masked.iloc[0]["start_local"] == dt.datetime(2026, 10, 18, 10, 0)
    assert set(masked["total"]) == {4} and bool(masked["total_exact"].iloc[0])
    assert 4 not in set(masked["vehicle_id"]) and 10 not in set(masked["trip_id"])
    assert 10 in set(province["trip_id"]) and province.iloc[0]["total"] == 5


def test_due_and_idle(fleet_url):
    with get_engine(fleet_url).connect() as conn:
        view = _view(conn, 2, org_id=2)
        due = fetch_vehicle_due(conn, view)
        idle = fetch_idle_vehicles(conn, view)
    assert list(zip(due["plate"], due["item"], due["days_left"], due["due_status"])) == [
        ("甲A00003", "insurance", -20, "overdue"),
        ("甲A00001", "maintenance", -19, "overdue"),
        ("甲A00001", "insurance", 11, "due_soon"),
        ("甲A00002", "maintenance", 21, "due_soon"),
    ]
    assert list(idle["plate"]) == ["甲A00003"]
    assert idle.iloc[0]["last_trip_on"] == D(2026, 9, 1) and idle.iloc[0]["idle_days"] == 49
    assert idle.iloc[0]["idle_workdays"] > 10 and idle.iloc[0]["_drill"] == "vehicle:3"


def test_one_vehicle(fleet_url):
    with get_engine(fleet_url).connect() as conn:
        view = _view(conn, 2, vehicle_id=1)
        log = fetch_trip_log(conn, view)
        tiles = fetch_vehicle_tiles(conn, view)
        daily = fetch_vehicle_daily(conn, view)
        with pytest.raises(OutOfScope):
            _view(conn, 2, vehicle_id=4)
    assert list(log["trip_id"]) == [3, 4, 2, 1, 5]
    assert list(log["request_status"]) == ["none", "none", "approved", "approved", "pending"]
    assert list(log["driver_name"])[:2] == ["李*", "王*"] and set(log["total"]) == {5}
    values = dict(zip(tiles["metric_id"], tiles["value"]))
    references = dict(zip(tiles["metric_id"], tiles["reference"]))
    assert values["vehicle.km"] == pytest.approx(102.0) and references["vehicle.km"] == pytest.approx(50.0)
    assert values["vehicle.trips"] == 5 and references["vehicle.trips"] == 1
    assert values["vehicle.fuel_l"] == pytest.approx(60.0)
    assert values["vehicle.cost_per_km"] == pytest.approx(480.0 / 102.0 * 100.0)
    assert values["vehicle.utilization"] == pytest.approx(40.0)
    assert set(tiles["reference_kind"]) == {"yoy"} and set(tiles["period"]) == {"month"}
    assert len(daily) == 20 and daily["km"].sum() == pytest.approx(102.0)
    oct12 = daily[daily["day"] == D(2026, 10, 12)].iloc[0]
    assert oct12["km"] == 50 and oct12["trips"] == 2
    assert daily[daily["day"] == D(2026, 10, 16)].iloc[0]["fuel_l"] == 60


def test_org_view_has_no_vehicle_panels_and_refuses_outside_nodes(fleet_url):
    with get_engine(fleet_url).connect() as conn:
        view = _view(conn, 2, org_id=2)
        assert fetch_trip_log(conn, view).empty and fetch_vehicle_daily(conn, view).empty
        assert fetch_vehicle_tiles(conn, view).empty
        outside = ViewContext(
            domain="vehicle", scope=Scope(org_id=2, org_path="/1/2/"), node=_view(conn, 1, org_id=5).node
        )
        with pytest.raises(OutOfScope):
            fetch_vehicle_list(conn, outside)
