"""The housing page's office-space reads on a hand-made world, SQLite and PostgreSQL, known answers.

    province 1 ── city 2 ─┬─ agency 3: B1 101 30 m² (bureau head: 6 m² over)
                          │            B1 102 20 m² (bureau head + below bureau: within 48)
                          │            B1 103 18 m² (bureau deputy: exactly at 18)
                          │            B1 104 60 m² meeting room (not an office)
                          │            B2 201 40 m² (two below bureau: 22 m² over)
                          │            B2 202 15 m² (below bureau until 10 March: vacant after)
                          └─ agency 4: B3 301 25 m² (an advisor: a rank without a standard)

All units are of the city administrative level (limits 24 / 18 / 9 m²). States at 28 February and
31 March 2026; the views compare with the previous month.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from data import rollup
from data.db import get_engine, write_session
from data.models import Building, OfficeOccupancy, OfficeRoom, OrgNode
from data.queries.housing_entity import (
    BUILDING_TILE_METRICS,
    ROOM_TILE_METRICS,
    fetch_building_tiles,
    fetch_room_occupants,
    fetch_room_tiles,
)
from data.queries.housing_panels import (
    fetch_area_per_person_ranking,
    fetch_housing_tiles,
    fetch_office_ranks,
    fetch_over_area_ranking,
)
from data.queries.housing_rooms import (
    fetch_agency_buildings,
    fetch_building_rooms,
    fetch_over_standard_rooms,
    fetch_vacant_rooms,
)
from data.queries.view import ViewRequest, resolve_view
from data.scope import OutOfScope, Scope, scope_for_org
from data.seed import seed_reference

D = dt.date
ORGS = (
    (1, None, "province", "province", "/1/", 0, "测试省", "Province"),
    (2, 1, "city", "city", "/1/2/", 1, "甲市", "City A"),
    (3, 2, "agency", "city", "/1/2/3/", 2, "甲市财政局", "City A Finance"),
    (4, 2, "agency", "city", "/1/2/4/", 2, "甲市机关事务局", "City A Affairs"),
)
BUILDINGS = ((1, "B1", 3, "一号楼"), (2, "B2", 3, "二号楼"), (3, "B3", 4, "三号楼"))
ROOMS = (  # id, building, org, number, area, purpose
    (1, 1, 3, "101", 30.0, "office"),
    (2, 1, 3, "102", 20.0, "office"),
    (3, 1, 3, "103", 18.0, "office"),
    (4, 1, 3, "104", 60.0, "meeting"),
    (5, 2, 3, "201", 40.0, "office"),
    (6, 2, 3, "202", 15.0, "office"),
    (7, 3, 4, "301", 25.0, "office"),
)
OCCUPANCIES = (  # id, room, staff, name, rank, since, until
    (1, 1, "S1", "张伟", "bureau_head", D(2020, 1, 1), None),
    (2, 2, "S2", "王芳", "bureau_head", D(2020, 1, 1), None),
    (3, 2, "S3", "李娜", "below_bureau", D(2020, 1, 1), None),
    (4, 3, "S4", "刘洋", "bureau_deputy", D(2020, 1, 1), None),
    (5, 5, "S5", "陈静", "below_bureau", D(2020, 1, 1), None),
    (6, 5, "S6", "杨磊", "below_bureau", D(2020, 1, 1), None),
    (7, 6, "S7", "赵敏", "below_bureau", D(2025, 1, 1), D(2026, 3, 10)),
    (8, 7, "S8", "黄强", "advisor", D(2020, 1, 1), None),
)


@pytest.fixture
def world(db_url):
    engine = get_engine(db_url)
    with write_session(engine) as s:
        seed_reference(s)
        for org_id, parent, level, admin, path, depth, zh, en in ORGS:
            s.add(OrgNode(id=org_id, parent_id=parent, level=level, admin_level=admin, code=f"O{org_id}",
                          name_zh=zh, name_en=en, path=path, depth=depth, sort_order=org_id))  # fmt: skip
        s.flush()
        for bid, code, org, zh in BUILDINGS:
            s.add(
                Building(
                    id=bid, code=code, org_id=org, name_zh=zh, name_en=code, floor_area_m2=1000, heated_area_m2=900
                )
            )
        s.flush()
        for rid, bid, org, number, area, purpose in ROOMS:
            s.add(OfficeRoom(id=rid, building_id=bid, org_id=org, room_no=number, usable_area_m2=area, purpose=purpose))
        s.flush()
        for oid, rid, staff, name, rank, since, until in OCCUPANCIES:
            s.add(OfficeOccupancy(id=oid, room_id=rid, staff_no=staff, person_name=name, rank_code=rank,
                                  since=since, until=until))  # fmt: skip
    with engine.begin() as conn:
        rollup.refresh_state(conn, domains=("housing",), as_of=D(2026, 2, 28))
        rollup.refresh_state(conn, domains=("housing",), as_of=D(2026, 3, 31))
    return engine


def _view(conn, scope_org=1, *, personal=False, **request):
    scope = scope_for_org(conn, scope_org, can_view_personal_data=personal)
    return resolve_view(conn, scope, "housing", ViewRequest(compare="prev", **request))


def _tiles(frame) -> dict:
    return dict(zip(frame["metric_id"], frame["value"]))


def test_org_tiles_and_the_over_standard_list_agree(world):
    with world.connect() as conn:
        view = _view(conn, org_id=3)
        assert view.period.end == D(2026, 3, 31)
        tiles = fetch_housing_tiles(conn, view)
        values = _tiles(tiles)
        assert values["housing.office_area_m2"] == 123.0 and values["housing.office_occupants"] == 6
        assert values["housing.area_per_person"] == pytest.approx(20.5)
        assert values["housing.over_standard_rooms"] == 2 and values["housing.over_standard_area_m2"] == 28.0
        assert values["housing.vacant_rooms"] == 1
        assert "status" in tiles.columns and tiles["period"].eq("now").all()
        over = fetch_over_standard_rooms(conn, view)
        assert over["room_no"].tolist() == ["201", "101"]  # largest excess first
        assert over["over_m2"].tolist() == [22.0, 6.0] and over["allowed_m2"].tolist() == [18.0, 24.0]
        assert over["_drill"].tolist() == ["room:5", "room:1"]
        assert len(over) == values["housing.over_standard_rooms"] == over["total"].iloc[0]
        assert over["over_m2"].sum() == values["housing.over_standard_area_m2"]
        city = _view(conn, org_id=2)
        city_over = fetch_over_standard_rooms(conn, city)
        assert city_over["over_m2"].sum() == _tiles(fetch_housing_tiles(conn, city))["housing.over_standard_area_m2"]
        # February, while 202 was still occupied: three rooms over, 34 m²
        february = _view(conn, org_id=3, period="month", end=D(2026, 2, 28))
        assert _tiles(fetch_housing_tiles(conn, february))["housing.over_standard_area_m2"] == 34.0
        assert fetch_over_standard_rooms(conn, february)["over_m2"].sum() == 34.0


def test_office_space_by_rank(world):
    with world.connect() as conn:
        ranks = fetch_office_ranks(conn, _view(conn, org_id=2)).set_index("rank_code")
    assert ranks.index.tolist() == ["bureau_head", "bureau_deputy", "below_bureau", "advisor"]
    assert ranks.loc["bureau_head", ["occupants", "area_m2", "limit_m2", "over_m2", "over_occupants"]].tolist() == [
        2.0, 40.0, 24.0, 6.0, 1.0]  # fmt: skip
    assert ranks.loc["bureau_deputy", "area_per_person"] == 18.0 and ranks.loc["bureau_deputy", "over_m2"] == 0.0
    assert ranks.loc["below_bureau", ["occupants", "area_m2", "allowed_m2", "over_m2"]].tolist() == [
        3.0,
        50.0,
        27.0,
        22.0,
    ]
    assert np.isnan(ranks.loc["advisor", "limit_m2"]) and ranks.loc["advisor", "over_m2"] == 0.0
    assert ranks["occupants"].sum() == 7 and ranks["over_m2"].sum() == 28.0  # the tiles' occupants and excess


def test_rankings_of_units_and_of_an_agencys_buildings(world):
    with world.connect() as conn:
        city = fetch_over_area_ranking(conn, _view(conn, org_id=2))
        assert city["drill"].tolist() == ["org:3", "org:4"] and city["value"].tolist() == [28.0, 0.0]
        assert city["value_compare"].tolist() == [34.0, 0.0]
        assert city["change_pct"].iloc[0] == pytest.approx((28 - 34) / 34 * 100)
        assert "position" not in city.attrs or city.attrs["position"]["count"] == 1
        per_person = fetch_area_per_person_ranking(conn, _view(conn, org_id=2))
        assert per_person["drill"].tolist() == ["org:4", "org:3"] and per_person["value"].tolist() == [25.0, 20.5]
        agency = fetch_over_area_ranking(conn, _view(conn, org_id=3))
        assert agency["drill"].tolist() == ["building:2", "building:1"] and agency["value"].tolist() == [22.0, 6.0]
        assert agency.attrs["position"]["rank"] == 1 and agency.attrs["position"]["count"] == 2  # among city 2's
        building = fetch_area_per_person_ranking(conn, _view(conn, building_id=1))
        assert building["value"].tolist() == [27.5, 17.0] and building["is_current"].tolist() == [False, True]
        assert building.attrs["position"]["rank"] == 2


def test_agency_buildings_vacant_rooms_and_a_buildings_rooms(world):
    with world.connect() as conn:
        agency = _view(conn, org_id=3)
        buildings = fetch_agency_buildings(conn, agency).set_index("building_code")
        assert buildings.loc["B1", ["office_rooms", "area_m2", "occupants", "over_rooms", "vacant_rooms"]].tolist() == [
            3, 68.0, 4, 1, 0]  # fmt: skip
        assert buildings.loc["B2", "_drill"] == "building:2" and buildings.loc["B2", "over_m2"] == 22.0
        vacant = fetch_vacant_rooms(conn, agency)
        assert vacant["room_no"].tolist() == ["202"] and vacant["vacant_since"].tolist() == [D(2026, 3, 10)]
        b2 = _view(conn, building_id=2)
        rooms = fetch_building_rooms(conn, b2)
        assert rooms["room_no"].tolist() == ["201", "202"] and rooms["room_status"].tolist() == ["over", "vacant"]
        tiles = _tiles(fetch_building_tiles(conn, b2))
        assert tiles == {
            "housing.office_area_m2": 55.0,
            "housing.office_occupants": 2.0,
            "housing.area_per_person": 27.5,
            "housing.over_standard_rooms": 1.0,
            "housing.over_standard_area_m2": 22.0,
            "housing.vacant_rooms": 1.0,
        }
        b2_ranks = fetch_office_ranks(conn, b2)
        assert b2_ranks[["rank_code", "occupants", "area_m2", "over_m2"]].values.tolist() == [
            ["below_bureau", 2.0, 40.0, 22.0]]  # fmt: skip
        assert fetch_over_standard_rooms(conn, b2)["room_no"].tolist() == ["201"]


def test_a_rooms_tiles_and_its_occupants_masked_by_role(world):
    with world.connect() as conn:
        room = _view(conn, room_id=5)
        tiles = fetch_room_tiles(conn, room).set_index("metric_id")
        assert tiles.loc["housing.office_area_m2", ["value", "reference", "reference_kind", "status"]].tolist() == [
            40.0, 18.0, "quota", "bad"]  # fmt: skip
        assert tiles.loc["housing.area_per_person", "value"] == 20.0
        assert tiles.loc["housing.over_standard_area_m2", "value"] == 22.0
        history = fetch_room_occupants(conn, _view(conn, room_id=6))
        assert history["staff_no"].tolist() == ["S7"] and history["current"].tolist() == [False]
        assert history[["share_m2", "limit_m2", "over_m2"]].values.tolist() == [[15.0, 9.0, 6.0]]
        assert history["person_name"].iloc[0] != "赵敏"  # masked for a role without personal data
        shown = fetch_room_occupants(conn, _view(conn, personal=True, room_id=5))
        assert sorted(shown["person_name"]) == ["杨磊", "陈静"] and shown["share_m2"].tolist() == [20.0, 20.0]


def test_reads_stay_in_scope(world):
    with world.connect() as conn:
        view = _view(conn, org_id=3)
        outside = dataclasses.replace(view, scope=Scope(org_id=4, org_path="/1/2/4/"))
        with pytest.raises(OutOfScope):
            fetch_over_standard_rooms(conn, outside)
        with pytest.raises(OutOfScope):
            _view(conn, 4, room_id=1)
