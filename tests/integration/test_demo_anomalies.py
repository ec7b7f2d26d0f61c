"""Each injected anomaly of the small tier is present, on exactly the documented entities, and
nothing else in the data looks like it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from data.db import dispose_engine, get_engine
from data.demo import build_demo, injected_anomalies
from data.demo.anomalies import (
    FUEL_MISMATCH,
    IDLE_ASSETS,
    NIGHT_LEAK,
    OVER_STANDARD_OFFICE,
    OVERSTAYING_TENANT,
    STALE_SOURCE,
    WEEKEND_VEHICLE,
)
from data.migrate import upgrade

AS_OF = dt.date(2026, 11, 25)
LOCAL = pd.Timedelta(hours=8)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'small.sqlite3'}"
    upgrade(url)
    build_demo(url, tier="small", seed=20261125, as_of=AS_OF)
    yield get_engine(url)
    dispose_engine(url)


@pytest.fixture(scope="module")
def anomalies():
    return {a.kind: a for a in injected_anomalies("small")}


def _frame(engine, sql: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn, params=params)


def _root_state(engine, metric: str) -> float:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT r.value FROM rollup_monthly r JOIN org_node o ON o.id = r.entity_id WHERE o.parent_id IS NULL "
                "AND r.entity_kind = 'org' AND r.metric_id = :m ORDER BY r.month DESC LIMIT 1"
            ),
            {"m": metric},
        ).scalar_one()


def test_night_leak_building_stands_out_only_in_the_recent_weeks(small, anomalies):
    leak = anomalies[NIGHT_LEAK]
    since = str(AS_OF - dt.timedelta(days=leak.window_days))
    daily = _frame(
        small,
        "SELECT b.code, r.metric_id, r.day, r.value FROM rollup_daily r JOIN building b ON b.id = r.entity_id "
        "WHERE r.entity_kind = 'building' AND r.metric_id IN "
        "('energy.electricity_kwh', 'energy.night_electricity_kwh')",
    )
    daily["recent"] = daily["day"].astype(str) >= since
    share = daily.pivot_table(index=["code", "recent"], columns="metric_id", values="value", aggfunc="sum")
    share = (share["energy.night_electricity_kwh"] / share["energy.electricity_kwh"]).unstack("recent")
    leak_code = leak.entity_codes[0]
    others = share.drop(index=leak_code)
    assert share.at[leak_code, True] > 1.8 * others[True].max()
    assert share.at[leak_code, False] <= others[False].max()  # before the leak it was an ordinary building
    # no other building's night share jumped
    assert (others[True] / others[False]).max() < 1.3


def test_only_the_weekend_vehicle_drives_off_hours_without_a_request(small, anomalies):
    trips = _frame(small, "SELECT v.plate, t.start_ts, t.request_id FROM trip t JOIN vehicle v ON v.id = t.vehicle_id")
    calendar = _frame(small, "SELECT day, is_workday FROM calendar_day")
    workday = dict(zip(pd.to_datetime(calendar["day"]).dt.date, calendar["is_workday"].astype(bool)))
    local = pd.to_datetime(trips["start_ts"], format="ISO8601") + LOCAL
    off_hours = ~local.dt.date.map(workday).astype(bool) | (local.dt.hour < 8) | (local.dt.hour >= 18)
    suspicious = trips[off_hours & trips["request_id"].isna()].groupby("plate").size()
    assert list(suspicious.index) == list(anomalies[WEEKEND_VEHICLE].entity_codes)
    assert suspicious.iloc[0] >= 8
    assert (
        _frame(
            small, "SELECT vehicle_class FROM vehicle WHERE plate = :p", p=anomalies[WEEKEND_VEHICLE].entity_codes[0]
        )["vehicle_class"].iloc[0]
        == "general"
    )


def test_only_the_mismatch_vehicle_buys_more_fuel_than_its_mileage_burns(small, anomalies):
    fuel = _frame(
        small,
        "SELECT v.plate, v.rated_consumption, f.ts, f.quantity, f.odometer_km FROM fuel_record f "
        "JOIN vehicle v ON v.id = f.vehicle_id ORDER BY v.plate, f.ts",
    )
    fuel["km"] = fuel.groupby("plate")["odometer_km"].diff()
    fuel = fuel.dropna(subset=["km"])
    fuel["ratio"] = fuel["quantity"] / (fuel["km"] * fuel["rated_consumption"] / 100)
    recent = pd.to_datetime(fuel["ts"], format="ISO8601") >= pd.Timestamp(AS_OF - dt.timedelta(days=80))
    plate = anomalies[FUEL_MISMATCH].entity_codes[0]
    mine = fuel["plate"] == plate
    assert fuel.loc[mine & recent, "ratio"].min() > 1.6
    assert fuel.loc[~mine, "ratio"].between(0.85, 1.15).all()


def test_one_over_standard_office_and_it_is_the_documented_room(small, anomalies):
    rooms = _frame(
        small,
        """
        SELECT b.code || '/' || r.room_no AS room, r.usable_area_m2 AS area, COUNT(*) AS occupants,
               MAX(s.limit_m2) AS limit_m2
        FROM office_room r JOIN building b ON b.id = r.building_id JOIN org_node o ON o.id = r.org_id
        JOIN office_occupancy oc ON oc.room_id = r.id AND oc.until IS NULL
        JOIN office_space_standard s ON s.admin_level = o.admin_level AND s.rank_code = oc.rank_code
        WHERE r.purpose = 'office' GROUP BY b.code, r.room_no, r.usable_area_m2""",
    )
    over = rooms[rooms["area"] / rooms["occupants"] > rooms["limit_m2"]]
    assert list(over["room"]) == list(anomalies[OVER_STANDARD_OFFICE].entity_codes)
    assert over["area"].iloc[0] > 2 * over["limit_m2"].iloc[0]
    assert _root_state(small, "housing.over_standard_rooms") == 1


def test_one_overstaying_tenant(small, anomalies):
    leases = _frame(
        small,
        "SELECT u.code, l.ends_on FROM lease l JOIN housing_unit u ON u.id = l.unit_id "
        "WHERE l.moved_out_on IS NULL AND l.ends_on < :d",
        d=str(AS_OF),
    )
    assert list(leases["code"]) == list(anomalies[OVERSTAYING_TENANT].entity_codes)
    assert (AS_OF - pd.to_datetime(leases["ends_on"]).dt.date.iloc[0]).days > 30
    assert _root_state(small, "housing.overstaying") == 1


def test_only_the_documented_assets_are_idle_for_over_a_year(small, anomalies):
    idle = _frame(
        small,
        "SELECT code FROM asset WHERE status = 'idle' AND status_since < :d ORDER BY code",
        d=str(AS_OF - dt.timedelta(days=365)),
    )
    assert list(idle["code"]) == sorted(anomalies[IDLE_ASSETS].entity_codes)
    assert len(idle) == 12
    assert _root_state(small, "asset.idle_count") > 12  # other idle assets exist, all idle for less than a year


def test_only_the_gateway_source_is_stale(small, anomalies):
    code = anomalies[STALE_SOURCE].entity_codes[0]
    sources = _frame(small, "SELECT id, code, last_success_at, stale_after_seconds FROM data_source")
    age = pd.Timestamp(AS_OF) - (pd.to_datetime(sources["last_success_at"]) + LOCAL)
    stale = sources[age.dt.total_seconds() > sources["stale_after_seconds"]]
    assert list(stale["code"]) == [code]
    assert age[sources["code"] == code].iloc[0] >= pd.Timedelta(days=2, hours=23)
    last = _frame(
        small,
        "SELECT m.source_id, MAX(r.ts) AS last_ts FROM meter_reading r JOIN meter m ON m.id = r.meter_id "
        "GROUP BY m.id, m.source_id",
    )
    last["local"] = pd.to_datetime(last["last_ts"]) + LOCAL
    gateway = int(stale["id"].iloc[0])
    assert (last.loc[last["source_id"] == gateway, "local"] <= pd.Timestamp(AS_OF - dt.timedelta(days=3))).all()
    assert (last.loc[last["source_id"] != gateway, "local"] == pd.Timestamp(AS_OF)).all()
    assert (last["source_id"] == gateway).sum() >= 3
