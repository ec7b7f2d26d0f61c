"""The roll-up engine's definitions on hand-made facts, on SQLite and PostgreSQL: local days and
hours, night and off-day electricity, off-hours and unrequested trips, org subtree totals, state
metrics and provenance."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from data import rollup
from data.db import get_engine
from data.demo import build_demo
from data.models import (
    Asset,
    AssetAudit,
    AssetCategory,
    Building,
    CalendarDay,
    FuelRecord,
    HousingApplication,
    HousingUnit,
    Lease,
    LoadBatch,
    MaintenanceRecord,
    Meter,
    MeterReading,
    OfficeOccupancy,
    OfficeRoom,
    OrgNode,
    Trip,
    TripRequest,
    Vehicle,
    VehicleQuota,
)
from data.models.rollup import PROFILE_HOUR_COLUMNS, RollupHourlyProfile
from data.seed import seed_reference

UTC = dt.UTC
D = dt.date


def t(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def _insert(conn, model, rows):
    keys = {key for row in rows for key in row}  # executemany needs the same keys in every row
    conn.execute(sa.insert(model.__table__), [{key: row.get(key) for key in keys} for row in rows])


@pytest.fixture
def facts(db_url):
    """Province 1 > city 2 > agencies 3 and 4 (city level); one building each; hand-placed facts."""
    engine = get_engine(db_url)
    with engine.begin() as conn:
        with Session(bind=conn) as session:
            seed_reference(session)
            session.flush()
        org = dict(level="agency", admin_level="city", name_en="x", headcount=10, energy_users=10, sort_order=0)
        _insert(
            conn,
            OrgNode,
            [
                dict(
                    org,
                    id=1,
                    parent_id=None,
                    level="province",
                    admin_level="province",
                    code="P",
                    name_zh="省",
                    path="/1/",
                    depth=0,
                ),
                dict(org, id=2, parent_id=1, level="city", code="C", name_zh="市", path="/1/2/", depth=1),
                dict(org, id=3, parent_id=2, code="A3", name_zh="甲", path="/1/2/3/", depth=2),
                dict(org, id=4, parent_id=2, code="A4", name_zh="乙", path="/1/2/4/", depth=2),
            ],
        )
        _insert(
            conn,
            Building,
            [
                dict(id=1, code="B1", org_id=3, name_zh="楼1", name_en="b1", floor_area_m2=1000, heated_area_m2=900),
                dict(id=2, code="B2", org_id=4, name_zh="楼2", name_en="b2", floor_area_m2=1000, heated_area_m2=900),
            ],
        )
        _insert(
            conn,
            Meter,
            [
                dict(id=1, code="B1-E", building_id=1, kind="electricity", unit="kWh", interval_minutes=60),
                dict(id=2, code="B1-W", building_id=1, kind="water", unit="m3", interval_minutes=1440),
                dict(id=3, code="B2-E", building_id=2, kind="electricity", unit="kWh", interval_minutes=60),
            ],
        )
        # These days replace the seeded calendar's (2 March becomes a holiday for the test).
        conn.execute(sa.delete(CalendarDay.__table__).where(CalendarDay.day.between(D(2026, 2, 28), D(2026, 3, 4))))
        _insert(
            conn,
            CalendarDay,
            [
                dict(
                    day=D(2026, 2, 28), is_workday=True, holiday_zh="调休上班", heating_season=True
                ),  # make-up Saturday
                dict(day=D(2026, 3, 1), is_workday=False, heating_season=True),  # Sunday
                dict(day=D(2026, 3, 2), is_workday=False, holiday_zh="假", heating_season=True),  # a holiday Monday
                dict(day=D(2026, 3, 3), is_workday=True, heating_season=True),
                dict(day=D(2026, 3, 4), is_workday=True, heating_season=True),
            ],
        )
        _insert(
            conn,
            MeterReading,
            [
                dict(meter_id=1, ts=t(2026, 2, 28, 16), value=32.0, batch_id=7),  # local Feb 28 23:00-24:00
                dict(meter_id=1, ts=t(2026, 3, 1, 16), value=1.0, batch_id=7),  # local Mar 1 23:00-24:00
                dict(meter_id=1, ts=t(2026, 3, 1, 17), value=2.0, batch_id=7),  # local Mar 2 00:00-01:00
                dict(meter_id=1, ts=t(2026, 3, 2, 1), value=4.0, batch_id=8),  # local Mar 2 08:00-09:00
                dict(meter_id=1, ts=t(2026, 3, 2, 14), value=8.0, batch_id=8),  # local Mar 2 21:00-22:00
                dict(meter_id=1, ts=t(2026, 3, 2, 15), value=16.0, batch_id=8),  # local Mar 2 22:00-23:00
                dict(meter_id=2, ts=t(2026, 3, 1, 16), value=5.0, batch_id=9),  # the water of local Mar 1
                dict(meter_id=3, ts=t(2026, 3, 3, 2), value=100.0, batch_id=None),  # local Mar 3 09:00-10:00
            ],
        )
        _insert(
            conn,
            Vehicle,
            [
                dict(
                    id=1,
                    plate="P1",
                    org_id=4,
                    vehicle_class="general",
                    energy_type="petrol",
                    model="m",
                    rated_consumption=8.0,
                    acquired_on=D(2020, 1, 1),
                    status="in_service",
                )
            ],
        )
        _insert(conn, VehicleQuota, [dict(org_id=4, vehicle_class="general", approved=2)])
        _insert(conn, TripRequest, [dict(id=1, code="R1", org_id=4), dict(id=2, code="R2", org_id=4)])
        _insert(
            conn,
            Trip,
            [
                dict(
                    id=1, vehicle_id=1, start_ts=t(2026, 3, 3, 0, 30), end_ts=t(2026, 3, 3, 2), km=10, request_id=1
                ),  # 08:30 workday
                dict(
                    id=2, vehicle_id=1, start_ts=t(2026, 3, 3, 10), end_ts=t(2026, 3, 3, 11), km=20, request_id=None
                ),  # 18:00
                dict(
                    id=3, vehicle_id=1, start_ts=t(2026, 3, 2, 2), end_ts=t(2026, 3, 2, 3), km=40, request_id=2
                ),  # holiday 10:00
                dict(
                    id=4, vehicle_id=1, start_ts=t(2026, 3, 3, 16, 30), end_ts=t(2026, 3, 3, 17), km=80, request_id=None
                ),  # Mar 4 00:30
            ],
        )
        _insert(
            conn,
            FuelRecord,
            [
                dict(
                    id=1, vehicle_id=1, ts=t(2026, 3, 31, 17), kind="fuel", quantity=40, unit="L", cost_yuan=300
                ),  # local Apr 1
                dict(id=2, vehicle_id=1, ts=t(2026, 3, 10, 2), kind="charge", quantity=20, unit="kWh", cost_yuan=25),
            ],
        )
        _insert(
            conn,
            MaintenanceRecord,
            [dict(id=1, vehicle_id=1, performed_on=D(2026, 3, 15), kind="repair", cost_yuan=500)],
        )
        _insert(
            conn,
            AssetCategory,
            # id 900: the seeded default categories (data.reference.ASSET_CATEGORIES) take the first ids
            [dict(id=900, code="K", name_zh="类", name_en="k", useful_life_years=10, residual_rate=0.0)],
        )
        asset = dict(category_id=900, name_zh="资", original_value_yuan=1000.0, building_id=None)
        _insert(
            conn,
            Asset,
            [
                dict(
                    asset,
                    id=1,
                    code="X",
                    org_id=3,
                    status="in_use",
                    status_since=D(2021, 3, 1),
                    acquired_on=D(2021, 3, 1),
                    custodian_name=None,
                    batch_id=21,
                ),
                dict(
                    asset,
                    id=2,
                    code="Y",
                    org_id=4,
                    status="idle",
                    status_since=D(2026, 2, 10),
                    acquired_on=D(2020, 1, 1),
                    custodian_name="张三",
                    batch_id=21,
                ),
                dict(
                    asset,
                    id=3,
                    code="Z",
                    org_id=4,
                    status="disposed",
                    status_since=D(2025, 1, 1),
                    acquired_on=D(2010, 1, 1),
                    custodian_name=None,
                ),
            ],
        )
        _insert(conn, AssetAudit, [dict(id=1, asset_id=1, audited_on=D(2025, 6, 1), result="found")])
        _insert(
            conn,
            OfficeRoom,
            [
                dict(id=1, building_id=1, org_id=3, room_no="101", usable_area_m2=30.0, purpose="office"),
                dict(id=2, building_id=1, org_id=3, room_no="102", usable_area_m2=20.0, purpose="office"),
                dict(id=3, building_id=1, org_id=3, room_no="103", usable_area_m2=9.0, purpose="office"),
                dict(id=4, building_id=1, org_id=3, room_no="104", usable_area_m2=80.0, purpose="meeting"),
            ],
        )
        occ = dict(person_name="某", since=D(2020, 1, 1), until=None)
        _insert(
            conn,
            OfficeOccupancy,
            [
                dict(occ, id=1, room_id=1, staff_no="S1", rank_code="bureau_head"),  # 30 m² > 24 m²
                dict(occ, id=2, room_id=2, staff_no="S2", rank_code="bureau_head"),  # 10 m² each, within 24
                dict(occ, id=3, room_id=2, staff_no="S3", rank_code="below_bureau"),
                dict(
                    occ, id=4, room_id=3, staff_no="S4", rank_code="below_bureau", until=D(2026, 1, 1)
                ),  # vacant since
            ],
        )
        _insert(
            conn,
            HousingUnit,
            [
                dict(id=1, code="U1", org_id=4, area_m2=60, rooms=2, monthly_rent_yuan=600, status="occupied"),
                dict(id=2, code="U2", org_id=4, area_m2=60, rooms=2, monthly_rent_yuan=600, status="occupied"),
                dict(id=3, code="U3", org_id=4, area_m2=60, rooms=2, monthly_rent_yuan=600, status="available"),
            ],
        )
        lease = dict(tenant_name="租", monthly_rent_yuan=600, arrears_yuan=0.0)
        _insert(
            conn,
            Lease,
            [
                dict(
                    lease,
                    id=1,
                    unit_id=1,
                    starts_on=D(2025, 1, 1),
                    ends_on=D(2026, 2, 28),
                    moved_out_on=None,
                    batch_id=31,
                ),
                dict(
                    lease,
                    id=2,
                    unit_id=2,
                    starts_on=D(2025, 6, 1),
                    ends_on=D(2026, 5, 31),
                    moved_out_on=None,
                    arrears_yuan=300.0,
                    batch_id=31,
                ),
                dict(
                    lease,
                    id=3,
                    unit_id=3,
                    starts_on=D(2024, 1, 1),
                    ends_on=D(2025, 12, 31),
                    moved_out_on=D(2025, 12, 20),
                ),
            ],
        )
        _insert(
            conn,
            HousingApplication,
            [
                dict(id=1, org_id=4, applicant_name="甲", applied_on=D(2026, 1, 1), status="waiting"),
                dict(
                    id=2,
                    org_id=4,
                    applicant_name="乙",
                    applied_on=D(2025, 1, 1),
                    status="allocated",
                    allocated_on=D(2026, 3, 10),
                ),
            ],
        )
    return engine


def _daily(conn, metric, kind, entity) -> dict:
    rows = conn.execute(
        sa.text(
            "SELECT day, value FROM rollup_daily WHERE metric_id = :m AND entity_kind = :k "
            "AND entity_id = :e ORDER BY day"
        ),
        {"m": metric, "k": kind, "e": entity},
    ).all()
    return {str(day)[:10]: value for day, value in rows}


def _monthly(conn, metric, kind, entity) -> dict:
    rows = conn.execute(
        sa.text(
            "SELECT month, value FROM rollup_monthly WHERE metric_id = :m AND entity_kind = :k "
            "AND entity_id = :e ORDER BY month"
        ),
        {"m": metric, "k": kind, "e": entity},
    ).all()
    return {str(month)[:7]: value for month, value in rows}


def _profile(conn, kind, entity) -> dict:
    """(month, weekday) -> ({hour column: value, non-zero only}, samples) of the electricity profile."""
    rows = conn.execute(
        sa.text(
            f"SELECT month, weekday, {', '.join(PROFILE_HOUR_COLUMNS)}, samples FROM rollup_hourly_profile "
            "WHERE metric_id = 'energy.electricity_kwh' AND entity_kind = :k AND entity_id = :e ORDER BY month, weekday"
        ),
        {"k": kind, "e": entity},
    ).all()
    return {
        (str(row[0])[:7], row[1]): ({name: v for name, v in zip(PROFILE_HOUR_COLUMNS, row[2:26]) if v != 0}, row[26])
        for row in rows
    }


def test_energy_days_hours_night_and_offdays(facts):
    with facts.begin() as conn:
        rollup.refresh_energy(conn, building_ids=None, day_from=D(2026, 2, 1), day_to=D(2026, 3, 31))
    with facts.connect() as conn:
        assert _daily(conn, "energy.electricity_kwh", "building", 1) == {
            "2026-02-28": 32.0,
            "2026-03-01": 1.0,
            "2026-03-02": 30.0,
        }
        assert _daily(conn, "energy.night_electricity_kwh", "building", 1) == {
            "2026-02-28": 32.0,
            "2026-03-01": 1.0,
            "2026-03-02": 18.0,
        }
        # the make-up Saturday is a working day; Sunday and the holiday Monday are not
        assert _daily(conn, "energy.offday_electricity_kwh", "building", 1) == {"2026-03-01": 1.0, "2026-03-02": 30.0}
        assert _daily(conn, "energy.water_m3", "building", 1) == {"2026-03-01": 5.0}
        assert _monthly(conn, "energy.electricity_kwh", "building", 1) == {"2026-02": 32.0, "2026-03": 31.0}
        # org rows are subtree totals: agency 3 = building 1; the city and the province include building 2
        assert _monthly(conn, "energy.electricity_kwh", "org", 3) == {"2026-02": 32.0, "2026-03": 31.0}
        assert _monthly(conn, "energy.electricity_kwh", "org", 4) == {"2026-03": 100.0}
        assert _monthly(conn, "energy.electricity_kwh", "org", 1) == {"2026-02": 32.0, "2026-03": 131.0}
        assert _daily(conn, "energy.offday_electricity_kwh", "org", 2) == {"2026-03-01": 1.0, "2026-03-02": 30.0}
        samples = conn.execute(
            sa.text(
                "SELECT samples FROM rollup_daily WHERE metric_id = 'energy.electricity_kwh' "
                "AND entity_kind = 'org' AND entity_id = 1 AND day = :d"
            ).bindparams(sa.bindparam("d", type_=sa.Date())),
            {"d": D(2026, 3, 2)},
        ).scalar_one()
        assert samples == 4
        # one wide row per month × weekday; every hour column not listed is 0
        assert _profile(conn, "building", 1) == {
            ("2026-02", 5): ({"h23": 32.0}, 1),  # the make-up Saturday
            ("2026-03", 0): ({"h00": 2.0, "h08": 4.0, "h21": 8.0, "h22": 16.0}, 4),  # the holiday Monday
            ("2026-03", 6): ({"h23": 1.0}, 1),
        }
        assert _profile(conn, "building", 2) == {("2026-03", 1): ({"h09": 100.0}, 1)}
        assert _profile(conn, "org", 1) == {
            ("2026-02", 5): ({"h23": 32.0}, 1),
            ("2026-03", 0): ({"h00": 2.0, "h08": 4.0, "h21": 8.0, "h22": 16.0}, 4),
            ("2026-03", 1): ({"h09": 100.0}, 1),
            ("2026-03", 6): ({"h23": 1.0}, 1),
        }
        assert _profile(conn, "org", 4) == _profile(conn, "building", 2)
        versions = dict(conn.execute(sa.text("SELECT domain, version FROM data_version")).all())
        assert versions["energy"] == 1


def test_profile_hour_columns_are_the_models_columns_in_order():
    columns = [c.name for c in RollupHourlyProfile.__table__.columns]
    assert columns == ["metric_id", "entity_kind", "entity_id", "month", "weekday", *PROFILE_HOUR_COLUMNS, "samples"]
    assert PROFILE_HOUR_COLUMNS[0] == "h00" and PROFILE_HOUR_COLUMNS[17] == "h17" and len(PROFILE_HOUR_COLUMNS) == 24
    assert [c.name for c in RollupHourlyProfile.__table__.primary_key.columns] == columns[:5]


def _raw_profile(conn, building_ids=None) -> pd.DataFrame:
    """The profile computed from raw electricity readings in pandas, without the roll-up code:
    (month, weekday, hour) -> sum and count, for the given buildings (None: all)."""
    frame = pd.read_sql(
        sa.text(
            "SELECT m.building_id, m.interval_minutes, r.ts, r.value FROM meter_reading r JOIN meter m ON m.id = r.meter_id "
            "WHERE m.kind = 'electricity'"
        ),
        conn,
    )
    if building_ids is not None:
        frame = frame[frame["building_id"].isin(building_ids)]
    # a reading is the interval ending at ts (UTC); local time is UTC+8
    start = pd.to_datetime(frame["ts"]) + pd.Timedelta(hours=8) - pd.to_timedelta(frame["interval_minutes"], unit="m")
    frame = frame.assign(month=start.dt.strftime("%Y-%m"), weekday=start.dt.day_of_week, hour=start.dt.hour)
    return frame.groupby(["month", "weekday", "hour"])["value"].agg(["sum", "size"])


def test_wide_profile_equals_sums_of_raw_readings(db_url):
    build_demo(db_url, tier="tiny", seed=11, as_of=D(2026, 11, 25))
    engine = get_engine(db_url)
    with engine.connect() as conn:
        building, org = conn.execute(
            sa.text("SELECT b.id, b.org_id FROM building b ORDER BY b.id LIMIT 1 OFFSET 5")
        ).one()
        root = conn.execute(sa.text("SELECT id FROM org_node WHERE parent_id IS NULL")).scalar_one()
        for kind, entity, raw in (
            ("building", building, _raw_profile(conn, [building])),
            ("org", root, _raw_profile(conn)),
        ):
            stored = _profile(conn, kind, entity)
            cells = raw.reset_index().groupby(["month", "weekday"])
            assert set(stored) == set(cells.groups), (kind, entity)
            for (month, weekday), hours in cells:
                values, samples = stored[(month, weekday)]
                expected = {f"h{h:02d}": v for h, v in zip(hours["hour"], hours["sum"]) if v != 0}
                assert values.keys() == expected.keys(), (kind, month, weekday)
                assert [values[k] for k in expected] == pytest.approx(list(expected.values()), rel=1e-9)
                assert samples == hours["size"].sum()
        # spot check one cell by hand: h17 of the building's first full month, on Wednesdays
        month = sorted(m for m, _ in _profile(conn, "building", building))[1]
        h17 = conn.execute(
            sa.text(
                "SELECT h17 FROM rollup_hourly_profile WHERE entity_kind = 'building' AND entity_id = :b AND weekday = 2 "
                "AND month = :m"
            ).bindparams(sa.bindparam("m", type_=sa.Date())),
            {"b": building, "m": dt.date.fromisoformat(month + "-01")},
        ).scalar_one()
        raw = _raw_profile(conn, [building])
        assert h17 > 0 and h17 == pytest.approx(raw.loc[(month, 2, 17), "sum"], rel=1e-9)
        # the agency above the building holds at least the building's own consumption
        agency = _profile(conn, "org", org)
        assert agency[(month, 2)][0]["h17"] >= h17


def test_vehicle_offhours_unrequested_fuel_and_maintenance(facts):
    with facts.begin() as conn:
        rollup.refresh_vehicle(conn, vehicle_ids=[1], day_from=D(2026, 3, 1), day_to=D(2026, 4, 30))
    with facts.connect() as conn:
        assert _daily(conn, "vehicle.trips", "vehicle", 1) == {"2026-03-02": 1.0, "2026-03-03": 2.0, "2026-03-04": 1.0}
        assert _daily(conn, "vehicle.offhours_trips", "vehicle", 1) == {
            "2026-03-02": 1.0,
            "2026-03-03": 1.0,
            "2026-03-04": 1.0,
        }
        # conditional counts are sparse: no row for the holiday trip, which had a request
        assert _daily(conn, "vehicle.unrequested_trips", "vehicle", 1) == {"2026-03-03": 1.0, "2026-03-04": 1.0}
        assert _monthly(conn, "vehicle.km", "org", 1) == {"2026-03": 150.0}
        assert _monthly(conn, "vehicle.used_vehicle_days", "org", 2) == {"2026-03": 3.0}
        assert _monthly(conn, "vehicle.fuel_l", "vehicle", 1) == {"2026-04": 40.0}
        assert _monthly(conn, "vehicle.charge_kwh", "vehicle", 1) == {"2026-03": 20.0}
        assert _monthly(conn, "vehicle.energy_cost_yuan", "org", 4) == {"2026-03": 25.0, "2026-04": 300.0}
        assert _monthly(conn, "vehicle.maintenance_cost_yuan", "org", 1) == {"2026-03": 500.0}
        assert _monthly(conn, "vehicle.trips", "org", 3) == {}


def test_state_metrics_at_a_date(facts):
    with facts.begin() as conn:
        rollup.refresh_state(conn, as_of=D(2026, 3, 31))
    with facts.connect() as conn:

        def state(metric, org):
            return _monthly(conn, metric, "org", org).get("2026-03")

        assert state("vehicle.fleet", 1) == 1 and state("vehicle.quota", 2) == 2 and state("vehicle.nev_fleet", 4) == 0
        assert state("asset.count", 1) == 2  # the disposed asset is gone
        assert state("asset.idle_count", 4) == 1
        assert state("asset.no_custodian_count", 3) == 1
        assert state("asset.audit_overdue_count", 1) == 1  # Y was never audited; X was, 303 days ago
        # straight line over 10 years, charged by month: March 2021 .. March 2026 is 61 months
        assert state("asset.net_value_yuan", 3) == pytest.approx(1000 * (1 - 61 / 120))
        assert state("housing.office_area_m2", 3) == 59.0
        assert state("housing.office_occupants", 1) == 3
        assert state("housing.over_standard_rooms", 1) == 1
        assert state("housing.over_standard_area_m2", 2) == pytest.approx(6.0)
        assert state("housing.vacant_rooms", 3) == 1
        assert state("housing.units", 4) == 3 and state("housing.occupied_units", 4) == 2
        assert state("housing.overstaying", 1) == 1
        assert state("housing.expiring_90d", 1) == 1
        assert state("housing.expiring_60d", 1) == 0 and state("housing.expiring_30d", 1) == 0  # 61 days left
        assert state("housing.arrears_yuan", 4) == 300.0
        assert state("housing.waiting", 4) == 1  # the other was allocated on 10 March
        assert state("housing.units", 3) == 0  # office rooms but no turnover housing: zeros, not gaps

    with facts.begin() as conn:
        rollup.refresh_state(conn, domains=("asset",), as_of=D(2026, 1, 31))
    with facts.connect() as conn:
        assert _monthly(conn, "asset.idle_count", "org", 4)["2026-01"] == 0  # idle only since 10 February


def _office_ranks(conn, org_id, month) -> dict:
    rows = conn.execute(
        sa.text(
            "SELECT admin_level, rank_code, occupants, area_m2, allowed_m2, over_m2, over_occupants "
            "FROM rollup_office_rank WHERE org_id = :o AND month = :m"
        ),
        {"o": org_id, "m": month},
    ).all()
    return {(level, rank): tuple(float(v) for v in values) for level, rank, *values in rows}


def test_leases_expiring_within_30_60_and_90_days(facts):
    with facts.begin() as conn:
        rollup.refresh_state(conn, domains=("housing",), as_of=D(2026, 4, 15))
    with facts.connect() as conn:
        april = {m: _monthly(conn, m, "org", 4).get("2026-04") for m in rollup.STATE_METRICS["housing"]}
    # lease 2 ends 31 May: 46 days after 15 April
    assert (april["housing.expiring_30d"], april["housing.expiring_60d"], april["housing.expiring_90d"]) == (0, 1, 1)


def test_office_rank_rows_split_shared_rooms_and_total_the_office_states(facts):
    with facts.begin() as conn:
        rollup.refresh_state(conn, domains=("housing",), as_of=D(2026, 3, 31))
    with facts.connect() as conn:
        ranks = _office_ranks(conn, 1, D(2026, 3, 1))
        # room 101 (30 m², one bureau head, limit 24): 6 m² over; room 102 (20 m², a bureau head
        # and a below-bureau officer): 10 m² each, within the bureau head's 24 × 2
        assert ranks == {
            ("city", "bureau_head"): (2.0, 40.0, 48.0, 6.0, 1.0),
            ("city", "below_bureau"): (1.0, 10.0, 9.0, 0.0, 0.0),
        }
        for org in (1, 2, 3):
            rows = _office_ranks(conn, org, D(2026, 3, 1)).values()
            assert sum(r[0] for r in rows) == _monthly(conn, "housing.office_occupants", "org", org)["2026-03"]
            assert sum(r[3] for r in rows) == pytest.approx(
                _monthly(conn, "housing.over_standard_area_m2", "org", org)["2026-03"]
            )
        assert _office_ranks(conn, 4, D(2026, 3, 1)) == {}  # no offices under agency 4
    with facts.begin() as conn:  # a refresh of the same month replaces its rows, and so does a rebuild
        rollup.refresh_state(conn, domains=("housing",), as_of=D(2026, 3, 31), org_ids=[3])
        rollup.rebuild_all(conn, as_of=D(2026, 3, 31))
    with facts.connect() as conn:
        assert _office_ranks(conn, 1, D(2026, 3, 1)) == ranks
        assert _office_ranks(conn, 1, D(2026, 2, 1))[("city", "below_bureau")][0] == 1.0


def test_provenance_is_recorded_for_the_org_and_its_ancestors(facts):
    with facts.begin() as conn:
        rollup.record_provenance(
            conn,
            batch_id=55,
            metric_ids=["energy.electricity_kwh"],
            org_month_rows=[(3, D(2026, 3, 9), 10), (4, D(2026, 3, 1), 5)],
        )
        rollup.record_provenance(
            conn, batch_id=55, metric_ids=["energy.electricity_kwh"], org_month_rows=[(3, D(2026, 3, 9), 12)]
        )  # recorded again: replaced
    with facts.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT org_id, rows FROM rollup_provenance WHERE batch_id = 55")).all())
        assert rows == {1: 12, 2: 12, 3: 12}


def test_rebuild_all_recomputes_everything_including_provenance(facts):
    with facts.begin() as conn:
        rollup.rebuild_all(conn, as_of=D(2026, 3, 31))
    with facts.connect() as conn:
        assert _monthly(conn, "energy.electricity_kwh", "org", 1) == {"2026-02": 32.0, "2026-03": 131.0}
        assert _monthly(conn, "vehicle.trips", "org", 1) == {"2026-03": 4.0}
        # month-end history of states from the first month with flows
        assert _monthly(conn, "housing.overstaying", "org", 1) == {"2026-02": 0.0, "2026-03": 1.0}
        provenance = conn.execute(
            sa.text(
                "SELECT metric_id, org_id, month, batch_id, rows FROM rollup_provenance WHERE org_id = 1 "
                "ORDER BY batch_id, metric_id, month"
            )
        ).all()
        found = {(m, str(mo)[:7], b, r) for m, _o, mo, b, r in provenance}
        assert ("energy.electricity_kwh", "2026-02", 7, 1) in found  # Feb 28 belongs to February
        assert ("energy.electricity_kwh", "2026-03", 7, 2) in found
        assert ("energy.night_electricity_kwh", "2026-03", 8, 3) in found
        assert ("energy.water_m3", "2026-03", 9, 1) in found
        assert ("asset.count", "2026-03", 21, 2) in found
        assert ("housing.overstaying", "2026-03", 31, 2) in found
        versions = dict(conn.execute(sa.text("SELECT domain, version FROM data_version")).all())
        assert all(versions[d] >= 1 for d in ("energy", "vehicle", "asset", "housing"))


def test_refresh_rejects_an_inverted_range(facts):
    with facts.begin() as conn, pytest.raises(ValueError):
        rollup.refresh_energy(conn, building_ids=[1], day_from=D(2026, 3, 2), day_to=D(2026, 3, 1))


def test_bulk_insert_writes_exactly_what_sqlalchemy_writes(db_url):
    engine = get_engine(db_url)
    stamp = dt.datetime(2026, 3, 1, 16, 0, 0, 123456)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(LoadBatch.__table__),
            [
                dict(
                    id=1,
                    domain="energy",
                    fact="meter_reading",
                    rows_read=1,
                    rows_accepted=1,
                    rows_duplicate=0,
                    rows_rejected=0,
                    status="applied",
                    started_at=stamp.replace(tzinfo=UTC),
                    finished_at=None,
                    data_from=None,
                    data_to=None,
                    file_name="a.csv",
                    source_id=None,
                    checksum_sha256=None,
                    message=None,
                )
            ],
        )
        rollup.insert_frame(
            conn,
            "load_batch",
            pd.DataFrame(
                {
                    "id": [2],
                    "domain": ["energy"],
                    "fact": ["meter_reading"],
                    "rows_read": [1],
                    "rows_accepted": [1],
                    "rows_duplicate": [0],
                    "rows_rejected": [0],
                    "status": ["applied"],
                    "started_at": np.array([stamp], dtype="datetime64[us]"),
                    "finished_at": np.array(["NaT"], dtype="datetime64[us]"),
                    "file_name": [""],
                    "message": ['逗号, "引号"\n换行'],
                    "source_id": pd.array([None], dtype="Int64"),
                }
            ),
        )
        rollup.insert_frame(
            conn,
            "calendar_day",
            pd.DataFrame(
                {
                    "day": np.array(["2026-03-01"], dtype="datetime64[D]"),
                    "is_workday": [False],
                    "holiday_zh": [None],
                    "heating_season": [True],
                }
            ),
        )
        raw = conn.execute(sa.text("SELECT id, started_at, finished_at FROM load_batch ORDER BY id")).all()
        assert [tuple(r[1:]) for r in raw][0] == tuple(raw[1][1:])  # the same stored value, NULL included
    with Session(engine) as session:
        batch = session.get(LoadBatch, 2)
        assert batch.started_at == stamp.replace(tzinfo=UTC) and batch.finished_at is None
        assert batch.file_name == "" and batch.message == '逗号, "引号"\n换行' and batch.source_id is None
        day = session.get(CalendarDay, D(2026, 3, 1))
        assert day.is_workday is False and day.heating_season is True and day.holiday_zh is None
