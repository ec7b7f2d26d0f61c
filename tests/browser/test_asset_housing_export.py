"""Exported grids of the housing and asset pages add up to the tiles beside them, in headless
Chromium.

Housing: a few office rooms of a county's agencies are made larger than their occupants'
standard allows and the county's month-end housing state is recomputed, so the county holds
several rooms over the standard in more than one agency. A leader at the county downloads the
超标办公室 grid (panel ``over_rooms``) as CSV: it holds as many rows as the 超标办公室 tile
counts (the rooms over before, and each room enlarged), and its 超标面积 column adds up to the
超标面积 tile (``housing.over_standard_area_m2``).

Assets: a leader at the agency with the most assets (below the list's cap) downloads the asset
register (panel ``list``, shown 15 rows to a page) as CSV: every asset is a row, as many as the
资产总数 tile counts, and the 原值 column adds up to the 资产原值 tile.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import text
from view_journey import export_grid, exported_csv, grid_rows, make_app, set_viewport, wait_view, waiter

from components.grid import column_header
from data.db import get_engine, write_session
from data.queries.asset_lists import LIST_LIMIT
from data.rollup.recompute import recompute_states
from data.scope import scope_for_org
from views.asset_lists import LIST_COLUMNS
from views.housing import OVER_STANDARD_COLUMNS
from views.render import render_page

from browser_access import TEST_SECRET

ENLARGE_M2 = 60.0  # more than any county rank's limit (30 m² a county head): the room is over
ROOMS_PER_AGENCY = 2


@pytest.fixture(scope="module")
def app_factory():
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    from app import create_app

    return create_app


def _header(columns, field: str) -> str:
    return column_header(next(c for c in columns if c.field == field), "zh")


def _rendered(database_url: str, page: str, org_id: int):
    with get_engine(database_url).connect() as conn:
        return render_page(conn, scope_for_org(conn, 1, can_view_personal_data=True), page, {"org": str(org_id)})


def _tile(rendered, metric_id: str) -> float:
    return float(rendered.tiles.set_index("metric_id").loc[metric_id, "value"])


def _shown_tile(driver, page: str, metric_id: str) -> tuple[float, float]:
    """A tile's value as shown (万 and 亿 scaled back) and half its last shown digit (its rounding)."""
    tile = driver.find_element(By.CSS_SELECTOR, f".aocc-page--{page} .aocc-kpi[data-metric-id='{metric_id}']")
    number = tile.find_element(By.CSS_SELECTOR, ".aocc-kpi__number").text.replace(",", "")
    unit = tile.find_element(By.CSS_SELECTOR, ".aocc-kpi__unit").text.strip()
    factor = 1e8 if unit.startswith("亿") else 1e4 if unit.startswith("万") else 1.0
    decimals = len(number.split(".")[1]) if "." in number else 0
    return float(number) * factor, 0.5 * 10**-decimals * factor


def _downloads(driver, tmp_path):
    directory = tmp_path / "downloads"
    directory.mkdir()
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(directory)})
    return directory


def _record_count(driver, page: str, panel: str) -> int | None:
    found = driver.find_elements(
        By.CSS_SELECTOR, f".aocc-page--{page} section.aocc-panel[data-panel='{panel}'] [data-ref='lbRecordCount']"
    )
    return int(found[0].text.replace(",", "")) if found and found[0].text.strip() else None


# --- housing: the rooms over the standard ---------------------------------------------------------


def _county_with_rooms(database_url: str) -> tuple[dict, list[int]]:
    """The first county with at least two agencies holding office rooms; those agencies' ids."""
    with get_engine(database_url).connect() as conn:
        counties = conn.execute(text("SELECT id, name_zh FROM org_node WHERE level = 'county' ORDER BY id")).mappings()
        for county in list(counties):
            agencies = list(
                conn.execute(
                    text(
                        "SELECT o.id FROM org_node o WHERE o.parent_id = :county AND o.level = 'agency' "
                        "AND EXISTS (SELECT 1 FROM office_room r WHERE r.org_id = o.id) ORDER BY o.id"
                    ),
                    {"county": county["id"]},
                ).scalars()
            )
            if len(agencies) >= 2:
                return dict(county), agencies
    raise AssertionError("the demo has no county with two agencies holding office rooms")


def _enlarge_rooms(database_url: str, agencies: list[int], over_before: set[int], day: dt.date) -> list[int]:
    """Make ``ROOMS_PER_AGENCY`` occupied rooms of each agency, within the standard so far,
    ``ENLARGE_M2`` larger; recompute the month's housing state. Returns the rooms enlarged."""
    engine = get_engine(database_url)
    enlarged: list[int] = []
    with write_session(engine) as session:
        conn = session.connection()
        for agency in agencies:
            occupied = conn.execute(
                text(
                    "SELECT DISTINCT r.id FROM office_room r JOIN office_occupancy o ON o.room_id = r.id "
                    "WHERE r.org_id = :org AND o.since <= :day AND (o.until IS NULL OR o.until > :day) ORDER BY r.id"
                ),
                {"org": agency, "day": day},
            ).scalars()
            rooms = [r for r in occupied if r not in over_before][:ROOMS_PER_AGENCY]
            assert len(rooms) == ROOMS_PER_AGENCY
            for room in rooms:
                conn.execute(
                    text("UPDATE office_room SET usable_area_m2 = usable_area_m2 + :more WHERE id = :id"),
                    {"more": ENLARGE_M2, "id": room},
                )
            enlarged += rooms
        # The month the page opens on, valued at the view's as-of day, as its lists are.
        recompute_states(conn, ["housing"], as_of=day, months=[day.replace(day=1)])
    return enlarged


def test_over_standard_rooms_export_adds_up_to_the_tiles(dash_duo, login_as, demo_copy_url, app_factory, tmp_path):
    county, agencies = _county_with_rooms(demo_copy_url)
    before = _rendered(demo_copy_url, "housing", county["id"])
    over_before = next(p for p in before.panels if p.spec.key == "over_rooms").frame
    day = min(before.view.as_of, before.view.period.end)
    enlarged = _enlarge_rooms(demo_copy_url, agencies, set(over_before.get("room_id", [])), day)
    after = _rendered(demo_copy_url, "housing", county["id"])
    rooms_tile = _tile(after, "housing.over_standard_rooms")
    area_tile = _tile(after, "housing.over_standard_area_m2")
    assert rooms_tile == _tile(before, "housing.over_standard_rooms") + len(enlarged)
    assert area_tile > _tile(before, "housing.over_standard_area_m2")

    app = make_app(app_factory, demo_copy_url)
    login_as(app, "leader", path=f"/housing?org={county['id']}")
    driver = dash_duo.driver
    set_viewport(driver)
    downloads = _downloads(driver, tmp_path)
    wait_view(driver, "housing", f"办公用房与周转住房 · {county['name_zh']}", panels=("over_rooms",))
    waiter(driver).until(lambda d: _record_count(d, "housing", "over_rooms") == int(rooms_tile))
    shown_rooms, _ = _shown_tile(driver, "housing", "housing.over_standard_rooms")
    shown_area, area_rounding = _shown_tile(driver, "housing", "housing.over_standard_area_m2")
    assert shown_rooms == rooms_tile

    titles, header, body = exported_csv(
        export_grid(driver, "housing", "over_rooms", downloads), _header(OVER_STANDARD_COLUMNS, "room_no")
    )
    assert any(county["name_zh"] in line for line in titles)
    assert len(body) == int(rooms_tile) == len(enlarged) + len(over_before)
    over = [float(row[header.index(_header(OVER_STANDARD_COLUMNS, "over_m2"))]) for row in body]
    assert all(v > 0 for v in over)
    assert sum(over) == pytest.approx(area_tile, abs=0.05 * len(over))  # each row to 0.1 m²
    assert abs(shown_area - sum(over)) <= area_rounding + 0.05 * len(over)
    orgs = {row[header.index(_header(OVER_STANDARD_COLUMNS, "org_name"))] for row in body}
    assert len(orgs) >= 2  # the county's rooms, from more than one agency
    assert dash_duo.get_logs() == []


# --- assets: the register -------------------------------------------------------------------------


def _agency_with_most_assets(database_url: str) -> dict:
    with get_engine(database_url).connect() as conn:
        return dict(
            conn.execute(
                text(
                    "SELECT o.id, o.name_zh, count(a.id) AS assets FROM org_node o JOIN asset a ON a.org_id = o.id "
                    "WHERE o.level = 'agency' GROUP BY o.id, o.name_zh HAVING count(a.id) < :cap "
                    "ORDER BY count(a.id) DESC, o.id LIMIT 1"
                ),
                {"cap": LIST_LIMIT},
            )
            .mappings()
            .one()
        )


def test_asset_register_export_counts_the_tile(dash_duo, login_as, demo_copy_url, app_factory, tmp_path):
    agency = _agency_with_most_assets(demo_copy_url)
    rendered = _rendered(demo_copy_url, "assets", agency["id"])
    count_tile = _tile(rendered, "asset.count")
    original_tile = _tile(rendered, "asset.original_value_yuan")
    assert 15 < count_tile < LIST_LIMIT  # more than the grid's first page, below the list's cap

    app = make_app(app_factory, demo_copy_url)
    login_as(app, "leader", path=f"/assets?org={agency['id']}")
    driver = dash_duo.driver
    set_viewport(driver)
    downloads = _downloads(driver, tmp_path)
    wait_view(driver, "assets", f"资产监测 · {agency['name_zh']}", panels=("list",))
    waiter(driver).until(lambda d: grid_rows(d, "assets", "list"))
    assert waiter(driver).until(lambda d: _record_count(d, "assets", "list")) == int(count_tile)
    shown_count, _ = _shown_tile(driver, "assets", "asset.count")
    assert shown_count == count_tile

    titles, header, body = exported_csv(export_grid(driver, "assets", "list", downloads), _header(LIST_COLUMNS, "code"))
    assert any(agency["name_zh"] in line for line in titles)
    assert len(body) == int(count_tile)
    codes = [row[header.index(_header(LIST_COLUMNS, "code"))] for row in body]
    assert len(set(codes)) == len(codes)  # every asset once, from every page of the grid
    original = [float(row[header.index(_header(LIST_COLUMNS, "original_value_yuan"))]) for row in body]
    assert sum(original) == pytest.approx(original_tile, abs=0.005 * len(original))
    assert dash_duo.get_logs() == []
