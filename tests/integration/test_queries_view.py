"""Resolving a declared page's view on the demo, on SQLite and PostgreSQL: the entity within
the scope, the period anchored on the data, the header's breadcrumb and drill targets."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from data.db import get_engine
from data.models import Building, OrgNode, Vehicle
from data.queries.period import domain_periods
from data.queries.view import ViewRequest, resolve_view
from data.queries.view_header import fetch_drill_targets, fetch_view_path
from data.scope import OrgNotFound, OutOfScope, root_node, scope_for_org

DEMO_AS_OF = dt.date(2026, 11, 20)  # tests/conftest.py builds the demo as of this day


@pytest.fixture
def world(demo_url):
    engine = get_engine(demo_url)
    with engine.connect() as conn:
        root = root_node(conn).id
        county = conn.execute(sa.select(OrgNode).where(OrgNode.level == "county").order_by(OrgNode.id).limit(1)).first()
        other_county = conn.execute(
            sa.select(OrgNode.id)
            .where(OrgNode.level == "county", OrgNode.id != county.id)
            .order_by(OrgNode.id)
            .limit(1)
        ).scalar_one()
        agency = conn.execute(
            sa.select(OrgNode.id)
            .where(OrgNode.level == "agency", OrgNode.path.like(county.path + "%"))
            .where(sa.exists().where(Building.org_id == OrgNode.id))
            .order_by(OrgNode.id)
            .limit(1)
        ).scalar_one()
        building = conn.execute(sa.select(Building.id).where(Building.org_id == agency).limit(1)).scalar_one()
        outside_building = conn.execute(
            sa.select(Building.id)
            .join(OrgNode, OrgNode.id == Building.org_id)
            .where(OrgNode.path.not_like(county.path + "%"))
            .limit(1)
        ).scalar_one()
        vehicle = conn.execute(
            sa.select(Vehicle.id, Vehicle.org_id)
            .join(OrgNode, OrgNode.id == Vehicle.org_id)
            .where(OrgNode.path.like(county.path + "%"))
            .limit(1)
        ).first()
        yield {
            "conn": conn,
            "province": scope_for_org(conn, root),
            "county": scope_for_org(conn, county.id),
            "county_id": county.id,
            "other_county": other_county,
            "agency": agency,
            "building": building,
            "outside_building": outside_building,
            "vehicle": vehicle,
        }


def test_the_default_view_is_the_scope_root_this_month_to_date(world):
    view = resolve_view(world["conn"], world["county"], "energy", ViewRequest())
    assert view.org_id == world["county_id"] and view.entity_kind == "org"
    # Energy is as of the last whole day of electricity: the demo's day before its as-of instant.
    as_of = domain_periods(world["conn"], world["county"], "energy").as_of
    assert as_of in (DEMO_AS_OF, DEMO_AS_OF - dt.timedelta(days=1)) and view.as_of == as_of
    assert (view.period.start, view.period.end) == (as_of.replace(day=1), as_of)
    assert (view.compare_period.start, view.compare_period.end) == (dt.date(2025, 11, 1), as_of.replace(year=2025))


def test_a_building_resolves_to_its_unit_and_a_vehicle_to_its_own(world):
    conn = world["conn"]
    view = resolve_view(conn, world["county"], "energy", ViewRequest(building_id=world["building"], period="year"))
    assert view.entity_kind == "building" and view.entity_id == world["building"]
    assert view.org_id == world["agency"] and view.entity["org_id"] == world["agency"]
    assert view.period.start == dt.date(DEMO_AS_OF.year, 1, 1)
    vehicle_id, vehicle_org = world["vehicle"]
    view = resolve_view(conn, world["county"], "vehicle", ViewRequest(vehicle_id=vehicle_id))
    assert view.entity_kind == "vehicle" and view.org_id == vehicle_org and view.entity["plate"]


def test_anything_outside_the_scope_is_refused_and_a_missing_entity_is_not_found(world):
    conn = world["conn"]
    with pytest.raises(OutOfScope):
        resolve_view(conn, world["county"], "energy", ViewRequest(org_id=world["other_county"]))
    with pytest.raises(OutOfScope):
        resolve_view(conn, world["county"], "energy", ViewRequest(building_id=world["outside_building"]))
    with pytest.raises(OutOfScope):  # an org id that does not exist tells nothing about which do
        resolve_view(conn, world["county"], "energy", ViewRequest(org_id=987654))
    with pytest.raises(OrgNotFound):
        resolve_view(conn, world["county"], "energy", ViewRequest(building_id=987654))


def test_a_period_before_the_data_starts_where_the_data_does(world):
    view = resolve_view(world["conn"], world["province"], "energy", ViewRequest(period="day", end=dt.date(1999, 1, 1)))
    assert view.period.start == view.first_day


def test_the_breadcrumb_stops_at_the_scope_root_and_an_agency_drills_to_its_buildings(world):
    conn = world["conn"]
    view = resolve_view(conn, world["county"], "energy", ViewRequest(org_id=world["agency"]))
    path = fetch_view_path(conn, view)
    assert path["org_id"].tolist() == [world["county_id"], world["agency"]]
    targets, total = fetch_drill_targets(conn, view, leaf="building")
    assert set(targets["kind"]) == {"building"} and total == len(targets) >= 1
    assert world["building"] in targets["id"].tolist()
    county = resolve_view(conn, world["county"], "energy", ViewRequest())
    children, _ = fetch_drill_targets(conn, county, leaf="building")
    assert set(children["kind"]) == {"org"} and world["agency"] in children["id"].tolist()
    building = resolve_view(conn, world["county"], "energy", ViewRequest(building_id=world["building"]))
    assert fetch_drill_targets(conn, building, leaf="building")[1] == 0


def test_the_vehicle_tiles_follow_the_period_picked(world):
    """A unit's mileage tile for a custom period equals its vehicles' trips of those days in the
    raw trip table; the month-to-date label becomes the period's."""
    from data.calendar import configured_calendar
    from views.vehicles import fetch_org_tiles

    conn, calendar = world["conn"], configured_calendar()
    start, end = dt.date(2026, 10, 1), dt.date(2026, 11, 15)
    view = resolve_view(
        conn, world["county"], "vehicle", ViewRequest(period="custom", start=start, end=end, compare="prev")
    )
    tiles = fetch_org_tiles(conn, view).set_index("metric_id")
    county_path = conn.execute(sa.select(OrgNode.path).where(OrgNode.id == world["county_id"])).scalar_one()
    raw_km = conn.execute(
        sa.text(
            "SELECT COALESCE(SUM(t.km), 0) FROM trip t JOIN vehicle v ON v.id = t.vehicle_id "
            "JOIN org_node o ON o.id = v.org_id WHERE o.path LIKE :p AND t.start_ts >= :lo AND t.start_ts < :hi"
        ),
        {
            "p": county_path + "%",
            "lo": calendar.day_start_utc_naive(start),
            "hi": calendar.day_start_utc_naive(end + dt.timedelta(days=1)),
        },
    ).scalar_one()
    assert tiles.loc["vehicle.km", "value"] == pytest.approx(float(raw_km), rel=1e-9)
    assert tiles.loc["vehicle.km", "period"] == "custom" and tiles.loc["vehicle.km", "reference_kind"] == "prev"
    assert "status" in tiles.columns


def test_the_ranking_says_where_the_unit_stands_among_its_peers(world):
    """标杆管理: a county's ranking panel names its place among the city's counties; the user's
    own scope root has none (its siblings are outside the scope); a building's is read off the
    ranking of its agency's buildings."""
    from views.panels import fetch_ranking_with_position, make_ranking_with_position_figure

    conn = world["conn"]
    county = resolve_view(conn, world["province"], "energy", ViewRequest(org_id=world["county_id"]))
    frame = fetch_ranking_with_position(conn, county, "energy.electricity_kwh", leaf="building")
    position = frame.attrs["position"]
    assert 1 <= position["rank"] <= position["count"]
    figure = make_ranking_with_position_figure(frame, lang="zh", theme="light", unit="kWh")
    assert f"排第 {position['rank']} 位" in figure.layout.title.text
    own_root = resolve_view(conn, world["county"], "energy", ViewRequest())
    assert (
        "position" not in fetch_ranking_with_position(conn, own_root, "energy.electricity_kwh", leaf="building").attrs
    )
    building = resolve_view(conn, world["province"], "energy", ViewRequest(building_id=world["building"]))
    ranked = fetch_ranking_with_position(conn, building, "energy.electricity_kwh", leaf="building")
    assert ranked.attrs["position"]["rank"] == int(ranked.loc[ranked["is_current"], "rank"].iloc[0])
