"""The page queries against the generated ``small`` demo province, on SQLite and PostgreSQL:
KPI figures equal the same figures computed straight from the raw fact tables (meter readings,
trips, vehicles, assets, rooms, housing units), applying the roll-up conventions of
``data/rollup.py`` (local Asia/Shanghai days; a reading belongs to the local day in which its
interval starts); and a county user's figures are exactly that county's."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from data import queries as q
from data.db import get_engine
from data.models import Asset, Building, HousingUnit, Meter, MeterReading, OfficeRoom, OrgNode, Trip, Vehicle
from data.queries.period import fetch_as_of
from data.scope import OutOfScope, root_node, scope_for_org

UTC = dt.UTC
LOCAL = dt.timedelta(hours=8)


def local_day_start_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=UTC) - LOCAL


def subtree_ids(conn, org_id: int, model):
    path = conn.execute(sa.select(OrgNode.path).where(OrgNode.id == org_id)).scalar_one()
    return sa.select(OrgNode.id).where(OrgNode.path.like(path + "%")), path


def raw_meter_sum(conn, org_id: int, kind: str, start: dt.date, end: dt.date) -> float:
    """Consumption of the subtree's meters of ``kind`` over local days [start, end], from readings."""
    orgs, _ = subtree_ids(conn, org_id, Building)
    total = 0.0
    for interval in conn.execute(sa.select(Meter.interval_minutes).where(Meter.kind == kind).distinct()).scalars():
        # A reading at T covers (T − interval, T]: it belongs to the local day of T + 8 h − interval.
        shift = dt.timedelta(minutes=interval)
        lo = local_day_start_utc(start) + shift
        hi = local_day_start_utc(end + dt.timedelta(days=1)) + shift
        total += conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(MeterReading.value), 0.0))
            .join(Meter, Meter.id == MeterReading.meter_id)
            .join(Building, Building.id == Meter.building_id)
            .where(
                Meter.kind == kind,
                Meter.interval_minutes == interval,
                Building.org_id.in_(orgs),
                MeterReading.ts >= lo,
                MeterReading.ts < hi,
            )
        ).scalar_one()
    return float(total)


def raw_trips(conn, org_id: int, start: dt.date, end: dt.date) -> tuple[int, float]:
    orgs, _ = subtree_ids(conn, org_id, Vehicle)
    count, km = conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Trip.km), 0.0))
        .join(Vehicle, Vehicle.id == Trip.vehicle_id)
        .where(
            Vehicle.org_id.in_(orgs),
            Trip.start_ts >= local_day_start_utc(start),
            Trip.start_ts < local_day_start_utc(end + dt.timedelta(days=1)),
        )
    ).one()
    return int(count), float(km)


@pytest.fixture
def demo(demo_url):
    engine = get_engine(demo_url)
    with engine.connect() as conn:
        root = root_node(conn).id
        county = conn.execute(
            sa.select(OrgNode.id).where(OrgNode.level == "county").order_by(OrgNode.id).limit(1)
        ).scalar_one()
        as_of = fetch_as_of(conn, root)
    return demo_url, root, county, as_of


def by_metric(frame):
    return {row["metric_id"]: row for row in frame.to_dict("records")}


def test_as_of_is_the_last_day_of_facts(demo):
    _, _, _, as_of = demo
    # The demo writes facts up to the day before its as_of (2026-11-20).
    assert as_of == dt.date(2026, 11, 19)


@pytest.mark.parametrize("which", ["root", "county"])
def test_electricity_equals_the_meter_readings(demo, which):
    url, root, county, as_of = demo
    org = root if which == "root" else county
    with get_engine(url).connect() as conn:
        rows = by_metric(q.fetch_energy_kpis(conn, scope_for_org(conn, root), org))
        month_start = as_of.replace(day=1)
        expected = raw_meter_sum(conn, org, "electricity", month_start, as_of)
        expected_py = raw_meter_sum(
            conn, org, "electricity", month_start.replace(year=as_of.year - 1), as_of.replace(year=as_of.year - 1)
        )
        trend = q.fetch_energy_trend(conn, scope_for_org(conn, root), org)
        september = raw_meter_sum(conn, org, "electricity", dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert expected > 0
    assert rows["energy.electricity_kwh"]["value"] == pytest.approx(expected, rel=1e-9)
    assert rows["energy.electricity_kwh"]["reference"] == pytest.approx(expected_py, rel=1e-9)
    value = trend.set_index("month").loc[dt.date(2026, 9, 1), "electricity_kwh"]
    assert value == pytest.approx(september, rel=1e-9)


def test_total_energy_equals_readings_times_coefficients(demo):
    url, root, _, as_of = demo
    with get_engine(url).connect() as conn:
        rows = by_metric(q.fetch_energy_kpis(conn, scope_for_org(conn, root), None))
        coefficients = q.reference.fetch_coefficients(conn)
        year_start = as_of.replace(month=1, day=1)
        electricity = raw_meter_sum(conn, root, "electricity", year_start, as_of)
        gas = raw_meter_sum(conn, root, "gas", year_start, as_of)
        heat = raw_meter_sum(conn, root, "heat", year_start, as_of)
        fuel = conn.execute(
            sa.text(
                "SELECT COALESCE(SUM(quantity), 0) FROM fuel_record WHERE kind = 'fuel' AND ts >= :lo AND ts < :hi"
            ),
            {
                "lo": local_day_start_utc(year_start).replace(tzinfo=None),
                "hi": local_day_start_utc(as_of + dt.timedelta(days=1)).replace(tzinfo=None),
            },
        ).scalar_one()
    expected = (
        electricity * coefficients["electricity_kgce_per_kwh"]
        + gas * coefficients["gas_kgce_per_m3"]
        + heat * coefficients["heat_kgce_per_gj"]
        + float(fuel) * coefficients["petrol_kgce_per_l"]
    ) / 1000
    assert rows["energy.total_kgce"]["value"] == pytest.approx(expected, rel=1e-9)


def test_trips_and_fleet_equal_the_raw_tables(demo):
    url, root, county, as_of = demo
    with get_engine(url).connect() as conn:
        scope = scope_for_org(conn, root)
        for org in (root, county):
            rows = by_metric(q.fetch_vehicle_kpis(conn, scope, org))
            _, km = raw_trips(conn, org, as_of.replace(month=1, day=1), as_of)
            assert rows["vehicle.km"]["value"] == pytest.approx(km, rel=1e-9)
            orgs, _ = subtree_ids(conn, org, Vehicle)
            fleet = conn.execute(
                sa.select(sa.func.count())
                .select_from(Vehicle)
                .where(Vehicle.org_id.in_(orgs), Vehicle.status != "disposed", Vehicle.acquired_on <= as_of)
            ).scalar_one()
            assert rows["vehicle.fleet"]["value"] == fleet
        trend = q.fetch_vehicle_trend(conn, scope, root)
        trips, km = raw_trips(conn, root, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    october = trend.set_index("month").loc[dt.date(2026, 10, 1)]
    assert (october["trips"], october["km"]) == (trips, pytest.approx(km, rel=1e-9))


def test_assets_and_housing_equal_the_raw_tables(demo):
    url, root, county, as_of = demo
    with get_engine(url).connect() as conn:
        scope = scope_for_org(conn, root)
        for org in (root, county):
            orgs, _ = subtree_ids(conn, org, Asset)
            assets = by_metric(q.fetch_asset_kpis(conn, scope, org))
            count, value = conn.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Asset.original_value_yuan), 0.0)).where(
                    Asset.org_id.in_(orgs), Asset.status != "disposed", Asset.acquired_on <= as_of
                )
            ).one()
            assert assets["asset.count"]["value"] == count
            assert assets["asset.original_value_yuan"]["value"] == pytest.approx(float(value), rel=1e-9)
            housing = by_metric(q.fetch_housing_kpis(conn, scope, org))
            area = conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(OfficeRoom.usable_area_m2), 0.0)).where(
                    OfficeRoom.org_id.in_(orgs), OfficeRoom.purpose == "office"
                )
            ).scalar_one()
            assert housing["housing.office_area_m2"]["value"] == pytest.approx(float(area), rel=1e-9)
            units = conn.execute(
                sa.select(sa.func.count()).select_from(HousingUnit).where(HousingUnit.org_id.in_(orgs))
            ).scalar_one()
            occupancy = housing["housing.occupancy_rate"]["value"]
            assert units == 0 or 0 <= occupancy <= 100


def test_a_county_user_sees_exactly_the_county(demo):
    url, root, county, _ = demo
    with get_engine(url).connect() as conn:
        province, mine = scope_for_org(conn, root), scope_for_org(conn, county)
        for fetch in (
            q.fetch_overview_kpis,
            q.fetch_energy_kpis,
            q.fetch_vehicle_kpis,
            q.fetch_asset_kpis,
            q.fetch_housing_kpis,
        ):
            assert list(fetch(conn, mine, None)["value"].fillna(-1)) == list(
                fetch(conn, province, county)["value"].fillna(-1)
            )
            with pytest.raises(OutOfScope):
                fetch(conn, mine, root)
        assert set(q.fetch_breadcrumb(conn, mine, None)["org_id"]) == {county}
