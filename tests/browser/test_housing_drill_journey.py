"""A leader drills the housing page from the province to one office room, in clicks, and back
to its building; a viewer, who may not see personal data, opens the same room by its URL.

The drill chooser goes from the province to a city, a county and one of its agencies; a row of
the agency's buildings grid opens the building, a row of the building's rooms grid the room. The
URL then names the room alone; the breadcrumb reads the agency's path, the building and the
room, and its building crumb returns to the building. The room's occupants grid lists every
occupancy the database records for the room up to the view's state day; the leader reads the
occupants' names, the viewer the same names masked (张* for 张伟). Reloading the URL gives the
same view.
"""

from __future__ import annotations

import os

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import text
from view_journey import (
    breadcrumb,
    choose_drill,
    click,
    click_grid_row,
    grid_rows,
    make_app,
    set_viewport,
    shown_panels,
    wait_query,
    wait_view,
    waiter,
)

from data.db import get_engine
from data.scope import scope_for_org
from views.registry import get_page
from views.render import resolve_page_view

from browser_access import TEST_SECRET

PAGE = "housing"
ROOM_TILES = {
    "housing.office_area_m2",
    "housing.office_occupants",
    "housing.area_per_person",
    "housing.over_standard_area_m2",
}
GRID_PAGE_SIZE = 15  # components.grid.PAGE_SIZE
#: An agency without turnover housing has no occupancy rate: its tile reads "—".
AGENCY_MISSING = ("housing.occupancy_rate",)


@pytest.fixture(scope="module")
def app_factory():
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    from app import create_app

    return create_app


def _title(*names: str) -> str:
    return " · ".join(("办公用房与周转住房", *names))


def _org_tree(database_url: str) -> dict[int, dict]:
    with get_engine(database_url).connect() as conn:
        rows = conn.execute(text("SELECT id, parent_id, level, name_zh FROM org_node")).mappings().all()
        buildings = conn.execute(
            text(
                "SELECT b.id, b.org_id, b.name_zh FROM building b "
                "WHERE EXISTS (SELECT 1 FROM office_room r WHERE r.building_id = b.id) ORDER BY b.id"
            )
        ).mappings()
        tree = {row["id"]: {**row, "buildings": []} for row in rows}
        for building in buildings:
            tree[building["org_id"]]["buildings"].append(dict(building))
    return tree


def _children(tree: dict, parent_id: int, level: str) -> list[dict]:
    return sorted(
        (n for n in tree.values() if n["parent_id"] == parent_id and n["level"] == level), key=lambda n: n["id"]
    )


def _drill_path(tree: dict) -> tuple[dict, dict, dict, dict]:
    """The province, its first city with a county, that county, and its first agency with office rooms."""
    province = next(n for n in tree.values() if n["parent_id"] is None)
    for city in _children(tree, province["id"], "city"):
        for county in _children(tree, city["id"], "county"):
            agency = next((a for a in _children(tree, county["id"], "agency") if a["buildings"]), None)
            if agency is not None:
                return province, city, county, agency
    raise AssertionError("the demo has no county agency with office rooms")


def _state_day(database_url: str, room_id: int):
    """The day the room's view is valued at (its default period's state day)."""
    with get_engine(database_url).connect() as conn:
        view = resolve_page_view(conn, scope_for_org(conn, 1), get_page(PAGE), {"room": str(room_id)})
    return min(view.as_of, view.period.end)


def _occupants(database_url: str, room_id: int, day) -> list[str]:
    """The names of the room's occupancies that began by ``day``."""
    with get_engine(database_url).connect() as conn:
        return list(
            conn.execute(
                text("SELECT person_name FROM office_occupancy WHERE room_id = :room AND since <= :day"),
                {"room": room_id, "day": day},
            ).scalars()
        )


def _room_info(database_url: str, room_id: int) -> dict:
    with get_engine(database_url).connect() as conn:
        return dict(
            conn.execute(
                text(
                    "SELECT r.room_no, b.id AS building_id, b.name_zh AS building FROM office_room r "
                    "JOIN building b ON b.id = r.building_id WHERE r.id = :id"
                ),
                {"id": room_id},
            )
            .mappings()
            .one()
        )


def _occupancies_by_room(database_url: str, building_id: int) -> dict[int, int]:
    with get_engine(database_url).connect() as conn:
        return dict(
            conn.execute(
                text(
                    "SELECT r.id, count(o.id) FROM office_room r LEFT JOIN office_occupancy o ON o.room_id = r.id "
                    "WHERE r.building_id = :b GROUP BY r.id"
                ),
                {"b": building_id},
            ).all()
        )


def _grid(panel: str) -> str:
    return f".aocc-page--{PAGE} section.aocc-panel[data-panel='{panel}']"


def _record_count(driver, panel: str) -> int | None:
    found = driver.find_elements(By.CSS_SELECTOR, f"{_grid(panel)} [data-ref='lbRecordCount']")
    return int(found[0].text.replace(",", "")) if found and found[0].text.strip() else None


def _names(driver) -> list[str]:
    """The occupants grid's person names (the pinned column)."""
    return [
        e.text
        for e in driver.find_elements(By.CSS_SELECTOR, f"{_grid('occupants')} .ag-row .ag-cell[col-id='person_name']")
    ]


def _row_target(row) -> str:
    return row.get_attribute("row-id").split("|", 1)[1]


def _masked_like(shown: str, real: str) -> bool:
    """``shown`` is ``real`` masked: as long, the surname kept, the rest (but a last character of
    a name of three or more) starred."""
    if len(shown) != len(real) or shown == real or shown[0] != real[0]:
        return False
    middle = shown[1:-1] if len(real) >= 3 else shown[1:]
    return set(middle) == {"*"} and (len(real) < 3 or shown[-1] == real[-1])


def test_leader_drills_to_a_room_and_back_to_its_building(dash_duo, login_as, demo_copy_url, app_factory):
    tree = _org_tree(demo_copy_url)
    province, city, county, agency = _drill_path(tree)
    app = make_app(app_factory, demo_copy_url)
    login_as(app, "leader", path="/housing")
    driver = dash_duo.driver
    set_viewport(driver)
    wait = waiter(driver)
    wait_view(driver, PAGE, _title(province["name_zh"]), panels=("over_ranking",))

    for node in (city, county, agency):
        choose_drill(driver, node["name_zh"])
        wait_query(driver, {"org": str(node["id"])})
        wait_view(driver, PAGE, _title(node["name_zh"]), missing=AGENCY_MISSING if node is agency else ())
    path_names = [province["name_zh"], city["name_zh"], county["name_zh"], agency["name_zh"]]
    assert breadcrumb(driver) == path_names
    wait_view(driver, PAGE, _title(agency["name_zh"]), panels=("buildings",), missing=AGENCY_MISSING)

    # A row of the buildings grid opens the building.
    rows = wait.until(lambda d: grid_rows(d, PAGE, "buildings"))
    assert sorted(_row_target(r) for r in rows) == sorted(f"building:{b['id']}" for b in agency["buildings"])
    building = agency["buildings"][0]
    click_grid_row(driver, next(r for r in rows if _row_target(r) == f"building:{building['id']}"))
    wait_query(driver, {"building": str(building["id"])})
    building_title = _title(agency["name_zh"], building["name_zh"])
    building_tiles = wait_view(driver, PAGE, building_title, panels=("building_rooms",))
    building_crumb = f"建筑 {building['name_zh']}"
    assert breadcrumb(driver) == [*path_names, building_crumb]
    assert "buildings" not in shown_panels(driver, PAGE)

    # A row of its rooms grid opens the room with the most occupancies among those shown.
    occupancies = _occupancies_by_room(demo_copy_url, building["id"])
    rooms = wait.until(lambda d: grid_rows(d, PAGE, "building_rooms"))
    row = max(rooms, key=lambda r: (occupancies[int(_row_target(r).split(":")[1])], _row_target(r)))
    room_id = int(_row_target(row).split(":")[1])
    room = _room_info(demo_copy_url, room_id)
    names = _occupants(demo_copy_url, room_id, _state_day(demo_copy_url, room_id))
    assert 1 <= len(names) <= GRID_PAGE_SIZE
    click_grid_row(driver, row)
    wait_query(driver, {"room": str(room_id)})
    room_name = f"{room['building']} {room['room_no']}"
    room_title = _title(agency["name_zh"], room_name)
    room_tiles = wait_view(driver, PAGE, room_title, panels=("occupants",))
    crumbs = breadcrumb(driver)
    assert crumbs == [*path_names, building_crumb, f"办公室 {room_name}"]
    assert set(room_tiles) == ROOM_TILES
    assert not {"buildings", "building_rooms", "over_rooms"} & shown_panels(driver, PAGE)

    # Its occupants, by name (a leader may see them).
    assert wait.until(lambda d: _record_count(d, "occupants")) == len(names)
    assert sorted(wait.until(lambda d: (n := _names(d)) and len(n) == len(names) and n)) == sorted(names)

    # Reloading the URL gives the same view.
    url = driver.current_url
    driver.refresh()
    assert wait_view(driver, PAGE, room_title, panels=("occupants",)) == room_tiles
    assert breadcrumb(driver) == crumbs and driver.current_url == url
    assert sorted(wait.until(lambda d: (n := _names(d)) and len(n) == len(names) and n)) == sorted(names)

    # The building crumb returns to the building.
    link = next(a for a in driver.find_elements(By.CSS_SELECTOR, ".aocc-breadcrumb a") if a.text == building_crumb)
    click(driver, link)
    wait_query(driver, {"building": str(building["id"])})
    assert wait_view(driver, PAGE, building_title, panels=("building_rooms",)) == building_tiles
    assert breadcrumb(driver) == [*path_names, building_crumb]
    assert dash_duo.get_logs() == []


def test_viewer_reads_a_rooms_occupants_masked(dash_duo, login_as, demo_copy_url, app_factory):
    tree = _org_tree(demo_copy_url)
    _, _, _, agency = _drill_path(tree)
    building = agency["buildings"][0]
    occupancies = _occupancies_by_room(demo_copy_url, building["id"])
    room_id = max(occupancies, key=lambda r: (occupancies[r], -r))
    room = _room_info(demo_copy_url, room_id)
    names = _occupants(demo_copy_url, room_id, _state_day(demo_copy_url, room_id))
    assert 1 <= len(names) <= GRID_PAGE_SIZE
    app = make_app(app_factory, demo_copy_url)
    login_as(app, "viewer", path=f"/housing?room={room_id}")
    driver = dash_duo.driver
    set_viewport(driver)
    wait = waiter(driver)
    room_title = _title(agency["name_zh"], f"{room['building']} {room['room_no']}")
    tiles = wait_view(driver, PAGE, room_title, panels=("occupants",))
    assert set(tiles) == ROOM_TILES

    shown = wait.until(lambda d: (n := _names(d)) and len(n) == len(names) and n)
    assert _record_count(driver, "occupants") == len(names)
    # Every name masked, each the mask of one real name; no real name anywhere in the grid.
    unmatched = list(names)
    for masked in shown:
        real = next((n for n in unmatched if _masked_like(masked, n)), None)
        assert real is not None, f"{masked!r} is not a masked occupant's name ({names})"
        unmatched.remove(real)
    grid_text = driver.find_element(By.CSS_SELECTOR, _grid("occupants")).text
    assert not [n for n in names if len(n) > 1 and n in grid_text]

    driver.refresh()
    assert wait_view(driver, PAGE, room_title, panels=("occupants",)) == tiles
    assert wait.until(lambda d: (n := _names(d)) and len(n) == len(names) and n) == shown
    assert dash_duo.get_logs() == []
