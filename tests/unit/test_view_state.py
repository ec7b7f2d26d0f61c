"""A declared page's URL state: parsing what a (possibly hand-edited) query asks for, writing it
back, drilling and changing the period, and the periods themselves."""

from __future__ import annotations

import datetime as dt

import pytest

from data.queries.view import Period, ViewRequest, make_period
from data.scope import OutOfScope
from views.spec import drill_target, parse_drill_target
from views.state import drilled, parse_view_request, view_query, view_search, with_period

D = dt.date


def test_the_plain_url_is_the_default_view_and_round_trips():
    request = parse_view_request({})
    assert request == ViewRequest()
    assert view_search(request) == ""


def test_a_full_query_round_trips():
    query = {
        "org": "12",
        "period": "custom",
        "start": "2026-01-01",
        "end": "2026-03-31",
        "cmp": "prev",
        "metric": "vehicle.km",
    }
    request = parse_view_request(query, indicators=("vehicle.km",))
    assert request == ViewRequest(
        org_id=12, period="custom", start=D(2026, 1, 1), end=D(2026, 3, 31), compare="prev", metric="vehicle.km"
    )
    assert view_query(request) == query


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"period": "fortnight"}, ViewRequest()),  # unknown kind: the default
        ({"cmp": "mom"}, ViewRequest()),
        ({"metric": "energy.secret"}, ViewRequest()),  # not one of the page's indicators
        ({"end": "2026-13-40"}, ViewRequest()),  # not a date
        ({"period": "month", "start": "2026-01-01"}, ViewRequest()),  # start only for custom
        ({"building": "7", "org": "3"}, ViewRequest(building_id=7)),  # the entity implies its org
        ({"building": "7", "vehicle": "9"}, ViewRequest(building_id=7)),
    ],
)
def test_wrong_values_fall_back_to_the_defaults(query, expected):
    assert parse_view_request(query, indicators=("energy.electricity_kwh",)) == expected


@pytest.mark.parametrize("query", [{"org": "abc"}, {"building": "1; drop"}, {"vehicle": "-3"}, {"org": "0"}])
def test_an_id_that_is_not_an_id_is_refused_like_one_outside_the_scope(query):
    with pytest.raises(OutOfScope):
        parse_view_request(query)


def test_drilling_keeps_the_period_and_the_indicator_and_drops_the_other_entity():
    request = ViewRequest(org_id=3, period="year", end=D(2026, 6, 30), compare="prev", metric="energy.water_m3")
    building = drilled(request, "building", 45)
    assert building == ViewRequest(
        building_id=45, period="year", end=D(2026, 6, 30), compare="prev", metric="energy.water_m3"
    )
    assert drilled(building, "org", 3) == request
    assert view_search(drilled(request, "vehicle", 9)).startswith("?vehicle=9&period=year")


def test_changing_the_period_kind_drops_a_custom_start():
    request = ViewRequest(period="custom", start=D(2026, 1, 1), end=D(2026, 2, 1))
    assert with_period(request, period="week") == ViewRequest(period="week", end=D(2026, 2, 1))
    assert with_period(request, compare="prev").compare == "prev"
    assert with_period(request, metric="").metric is None


def test_drill_targets():
    assert drill_target("org", 12) == "org:12"
    assert parse_drill_target("building:345") == ("building", 345)
    assert parse_drill_target(["vehicle:9", "extra"]) == ("vehicle", 9)
    for junk in (None, "", "org:", "org:x", "lease:3", 12, [], {"kind": "org"}):
        assert parse_drill_target(junk) is None
    with pytest.raises(ValueError):
        drill_target("lease", 1)


@pytest.mark.parametrize(
    "kind, end, as_of, start, expected",
    [
        ("day", D(2026, 11, 20), D(2026, 11, 20), None, (D(2026, 11, 20), D(2026, 11, 20))),
        ("week", D(2026, 11, 20), D(2026, 11, 20), None, (D(2026, 11, 16), D(2026, 11, 20))),  # Mon..as of
        ("week", D(2026, 11, 11), D(2026, 11, 20), None, (D(2026, 11, 9), D(2026, 11, 15))),
        ("month", D(2026, 11, 20), D(2026, 11, 20), None, (D(2026, 11, 1), D(2026, 11, 20))),  # to date
        ("month", D(2026, 2, 10), D(2026, 11, 20), None, (D(2026, 2, 1), D(2026, 2, 28))),
        ("year", D(2025, 5, 5), D(2026, 11, 20), None, (D(2025, 1, 1), D(2025, 12, 31))),
        ("month", D(2027, 1, 5), D(2026, 11, 20), None, (D(2026, 11, 1), D(2026, 11, 20))),  # past the data
        ("custom", D(2026, 3, 1), D(2026, 11, 20), D(2026, 1, 15), (D(2026, 1, 15), D(2026, 3, 1))),
        ("custom", D(2026, 1, 15), D(2026, 11, 20), D(2026, 3, 1), (D(2026, 1, 15), D(2026, 3, 1))),  # swapped
        ("custom", D(2026, 11, 20), D(2026, 11, 20), D(2020, 1, 1), (D(2024, 11, 20), D(2026, 11, 20))),  # capped
    ],
)
def test_periods(kind, end, as_of, start, expected):
    period = make_period(kind, end, start=start, as_of=as_of)
    assert (period.start, period.end) == expected


@pytest.mark.parametrize(
    "period, how, expected",
    [
        (Period("month", D(2026, 11, 1), D(2026, 11, 20)), "yoy", (D(2025, 11, 1), D(2025, 11, 20))),
        (Period("month", D(2026, 11, 1), D(2026, 11, 20)), "prev", (D(2026, 10, 1), D(2026, 10, 20))),
        (Period("month", D(2026, 3, 1), D(2026, 3, 31)), "prev", (D(2026, 2, 1), D(2026, 2, 28))),
        (Period("day", D(2026, 3, 1), D(2026, 3, 1)), "prev", (D(2026, 2, 28), D(2026, 2, 28))),
        (Period("week", D(2026, 11, 16), D(2026, 11, 20)), "prev", (D(2026, 11, 9), D(2026, 11, 13))),
        (Period("year", D(2026, 1, 1), D(2026, 11, 20)), "prev", (D(2025, 1, 1), D(2025, 11, 20))),
        (Period("custom", D(2026, 1, 11), D(2026, 1, 20)), "prev", (D(2026, 1, 1), D(2026, 1, 10))),
        (Period("day", D(2024, 2, 29), D(2024, 2, 29)), "yoy", (D(2023, 2, 28), D(2023, 2, 28))),
    ],
)
def test_comparison_periods_cover_the_same_days(period, how, expected):
    other = period.comparison(how)
    assert (other.start, other.end) == expected


def test_entities_below_the_org_tree_round_trip_through_the_url():
    from views.state import drilled, parse_view_request, view_query

    for kind in ("asset", "room", "dwelling"):
        request = parse_view_request({kind: "41", "org": "3", "period": "year"})
        assert getattr(request, f"{kind}_id") == 41 and request.org_id is None
        assert view_query(request) == {kind: "41", "period": "year"}
        back = drilled(request, "org", 3)
        assert back.org_id == 3 and getattr(back, f"{kind}_id") is None and back.period == "year"
    # A room drilled from a building clears the building, keeping the period.
    room = drilled(parse_view_request({"building": "5", "cmp": "prev"}), "room", 8)
    assert (room.building_id, room.room_id, room.compare) == (None, 8, "prev")
    assert parse_drill_target("dwelling:4") == ("dwelling", 4)


def test_a_wall_row_holds_at_most_eight_tiles_and_names_them_among_the_tiles():
    import pandas as pd

    from views.registry import declared_pages
    from views.spec import WALL_TILES, TileSpec

    def fetch(conn, view):
        return pd.DataFrame()

    metrics = tuple(f"m{i}" for i in range(WALL_TILES + 1))
    with pytest.raises(ValueError):
        TileSpec(metrics, fetch)  # nine tiles and no choice for the wall
    with pytest.raises(ValueError):
        TileSpec(metrics[:3], fetch, wall=("m1", "elsewhere"))
    assert TileSpec(metrics, fetch, wall=metrics[:WALL_TILES]).wall == metrics[:WALL_TILES]
    for page in declared_pages():
        for spec in page.tiles.values():
            if spec.layout == "tiles":
                assert len(spec.wall or spec.metrics) <= WALL_TILES, page.key
