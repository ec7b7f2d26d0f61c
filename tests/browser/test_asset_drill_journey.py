"""A leader drills the asset page from the province to one asset, in clicks, and back.

The province's ranking chart is clicked on a city's bar, the drill chooser goes on to a county
and one of its agencies, and a row of the agency's asset register (资产清单) opens the asset. The
URL then names the asset alone; its heading and breadcrumb name it, its life timeline (资产全生命周期)
holds one row per movement and audit the database records for it (and the acquisition, from the
register's date, when no movement records it), and reloading the URL gives the same tiles. The
browser's back button returns to the agency with the period it had, and a row opened under a
chosen period keeps that period in the asset's URL.
"""

from __future__ import annotations

import os

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import text
from view_journey import (
    breadcrumb,
    choose_drill,
    click_grid_row,
    click_radio,
    grid_rows,
    make_app,
    mouse_click,
    set_viewport,
    shown_panels,
    wait_query,
    wait_view,
    waiter,
)

from data.db import get_engine

from browser_access import TEST_SECRET

PAGE = "assets"
ASSET_PANELS = ("life", "book_value")
ASSET_TILE_BASE = {
    "asset.original_value_yuan",
    "asset.net_value_yuan",
    "asset.accumulated_depreciation_yuan",
    "asset.months_charged",
    "asset.audit_age_days",
}
AUDIT_EVENT = "盘点"  # asset_lists.event.audit
GRID_PAGE_SIZE = 15  # components.grid.PAGE_SIZE


@pytest.fixture(scope="module")
def app_factory():
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    from app import create_app

    return create_app


def _title(*names: str) -> str:
    return " · ".join(("资产监测", *names))


def _org_tree(database_url: str) -> dict[int, dict]:
    with get_engine(database_url).connect() as conn:
        rows = conn.execute(text("SELECT id, parent_id, level, name_zh FROM org_node")).mappings().all()
        held = dict(conn.execute(text("SELECT org_id, count(*) FROM asset GROUP BY org_id")).all())
    return {row["id"]: {**row, "assets": held.get(row["id"], 0)} for row in rows}


def _children(tree: dict, parent_id: int, level: str) -> list[dict]:
    return sorted(
        (n for n in tree.values() if n["parent_id"] == parent_id and n["level"] == level), key=lambda n: n["id"]
    )


def _life_rows(database_url: str, asset_id: int) -> tuple[int, int]:
    """``(life rows, audits)`` of an asset as the panel defines its life: every movement, every
    audit, and the acquisition from the register's date when no ``acquire`` movement records it."""
    with get_engine(database_url).connect() as conn:
        moves, acquires = conn.execute(
            text(
                "SELECT count(*), coalesce(sum(CASE WHEN kind = 'acquire' THEN 1 ELSE 0 END), 0) "
                "FROM asset_movement WHERE asset_id = :id"
            ),
            {"id": asset_id},
        ).one()
        audits = conn.execute(text("SELECT count(*) FROM asset_audit WHERE asset_id = :id"), {"id": asset_id})
        audits = audits.scalar_one()
    return int(moves) + int(audits) + (0 if acquires else 1), int(audits)


def _asset_name(database_url: str, asset_id: int) -> str:
    """An asset as the page names it: its name and code, 办公椅（AS-000002）."""
    with get_engine(database_url).connect() as conn:
        name, code = conn.execute(text("SELECT name_zh, code FROM asset WHERE id = :id"), {"id": asset_id}).one()
    return f"{name}（{code}）"


def _grid(panel: str) -> str:
    return f".aocc-page--{PAGE} section.aocc-panel[data-panel='{panel}']"


def _record_count(driver, panel: str) -> int | None:
    """The grid's row count as its pagination bar states it (every page, not just the shown one)."""
    found = driver.find_elements(By.CSS_SELECTOR, f"{_grid(panel)} [data-ref='lbRecordCount']")
    return int(found[0].text.replace(",", "")) if found and found[0].text.strip() else None


def _cells(driver, panel: str, column: str) -> list[str]:
    return [
        e.text for e in driver.find_elements(By.CSS_SELECTOR, f"{_grid(panel)} .ag-row .ag-cell[col-id='{column}']")
    ]


def _click_ranking_city(driver, tree: dict) -> dict:
    """Click the ranking's bar of the first city among the units (a real click on its path)."""
    selector = f"{_grid('ranking')} .js-plotly-plot"
    waiter(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, selector + " .bars .point path"))
    drills = driver.execute_script(
        "return arguments[0].data[0].customdata.map(c => c[0]);", driver.find_element(By.CSS_SELECTOR, selector)
    )
    index, city = next(
        (i, tree[int(d.split(":")[1])])
        for i, d in enumerate(drills)
        if d.startswith("org:") and tree[int(d.split(":")[1])]["level"] == "city"
    )
    mouse_click(driver, driver.find_elements(By.CSS_SELECTOR, selector + " .bars .point path")[index])
    return city


def _row_asset(row) -> int:
    return int(row.get_attribute("row-id").split("|asset:")[1])


def test_leader_drills_to_an_asset_and_its_life(dash_duo, login_as, demo_copy_url, app_factory):
    tree = _org_tree(demo_copy_url)
    province = next(n for n in tree.values() if n["parent_id"] is None)
    app = make_app(app_factory, demo_copy_url)
    login_as(app, "leader", path="/assets")
    driver = dash_duo.driver
    set_viewport(driver)
    wait = waiter(driver)

    wait_view(driver, PAGE, _title(province["name_zh"]), panels=("ranking",))
    assert breadcrumb(driver) == [province["name_zh"]]

    # A city's bar in the ranking, then the drill chooser: a county and an agency holding assets.
    city = _click_ranking_city(driver, tree)
    wait_query(driver, {"org": str(city["id"])})
    wait_view(driver, PAGE, _title(city["name_zh"]), panels=("ranking",))
    county = next(
        c for c in _children(tree, city["id"], "county") if any(a["assets"] for a in _children(tree, c["id"], "agency"))
    )
    choose_drill(driver, county["name_zh"])
    wait_query(driver, {"org": str(county["id"])})
    wait_view(driver, PAGE, _title(county["name_zh"]), panels=("list",))
    agency = next(a for a in _children(tree, county["id"], "agency") if a["assets"])
    choose_drill(driver, agency["name_zh"])
    wait_query(driver, {"org": str(agency["id"])})
    agency_title = _title(agency["name_zh"])
    agency_tiles = wait_view(driver, PAGE, agency_title, panels=("list",))
    path_names = [province["name_zh"], city["name_zh"], county["name_zh"], agency["name_zh"]]
    assert breadcrumb(driver) == path_names
    assert not {"life", "book_value"} & shown_panels(driver, PAGE)

    # The register's row with the longest life among those shown opens that asset.
    rows = wait.until(lambda d: grid_rows(d, PAGE, "list"))
    lives = {_row_asset(r): _life_rows(demo_copy_url, _row_asset(r)) for r in rows}
    asset_id = max(lives, key=lambda a: (lives[a][0], -a))
    expected_rows, expected_audits = lives[asset_id]
    assert 3 <= expected_rows <= GRID_PAGE_SIZE  # a life worth reading, on the grid's one page
    name = _asset_name(demo_copy_url, asset_id)
    click_grid_row(driver, next(r for r in grid_rows(driver, PAGE, "list") if _row_asset(r) == asset_id))
    wait_query(driver, {"asset": str(asset_id)})
    asset_title = _title(agency["name_zh"], name)
    asset_tiles = wait_view(driver, PAGE, asset_title, panels=ASSET_PANELS)
    crumbs = breadcrumb(driver)
    assert crumbs == [*path_names, f"资产 {name}"]
    assert ASSET_TILE_BASE < set(asset_tiles) and len(asset_tiles) == len(ASSET_TILE_BASE) + 1
    assert {"life", "book_value"} <= shown_panels(driver, PAGE)
    assert not {"list", "ranking", "crosscheck"} & shown_panels(driver, PAGE)

    # Its life: one row per movement and audit (and the acquisition), the audits among them.
    assert wait.until(lambda d: _record_count(d, "life")) == expected_rows
    events = wait.until(lambda d: (e := _cells(d, "life", "event_label")) and all(e) and e)
    assert len(events) == expected_rows and events.count(AUDIT_EVENT) == expected_audits  # one grid page
    days = wait.until(lambda d: _cells(d, "life", "day"))
    assert days == sorted(days)  # in order of time

    # Reloading the URL gives the same view.
    url = driver.current_url
    driver.refresh()
    assert wait_view(driver, PAGE, asset_title, panels=ASSET_PANELS) == asset_tiles
    assert breadcrumb(driver) == crumbs and driver.current_url == url
    assert wait.until(lambda d: _record_count(d, "life")) == expected_rows

    # Back to the agency; under the year, a row opens the asset for the year, and back again
    # returns to the agency's year.
    driver.back()
    wait_query(driver, {"org": str(agency["id"])})
    assert wait_view(driver, PAGE, agency_title, panels=("list",)) == agency_tiles
    click_radio(driver, PAGE, "年")
    wait_query(driver, {"org": str(agency["id"]), "period": "year"})
    wait_view(driver, PAGE, agency_title, panels=("list",))
    row = wait.until(lambda d: next((r for r in grid_rows(d, PAGE, "list") if _row_asset(r) == asset_id), None))
    click_grid_row(driver, row)
    wait_query(driver, {"asset": str(asset_id), "period": "year"})
    wait_view(driver, PAGE, asset_title, panels=ASSET_PANELS)
    assert wait.until(lambda d: _record_count(d, "life")) == expected_rows  # a life is not cut by the period
    driver.back()
    wait_query(driver, {"org": str(agency["id"]), "period": "year"})
    wait_view(driver, PAGE, agency_title, panels=("list",))
    assert breadcrumb(driver) == path_names
    assert dash_duo.get_logs() == []
