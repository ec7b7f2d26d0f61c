"""A leader drills the energy page from the province to one building, in clicks, and back.

The province's ranking chart is clicked on a city's bar (the browser's own mouse events at the
centre of the bar's SVG path, through plotly's hover and click handling), the drill chooser goes on to a county and
an agency, and a row of the agency's buildings grid opens the building. The URL then names the
building alone; reloading it, the browser's back button and the breadcrumb give the views they
name. Period and comparison live in the URL too, and a copied URL opened in a new session shows
the same numbers.
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
    click_radio,
    grid_rows,
    heading,
    make_app,
    mouse_click,
    set_viewport,
    shown_panels,
    tile_numbers,
    wait_query,
    wait_view,
    waiter,
)

from data.db import get_engine

from browser_access import TEST_SECRET

PAGE = "energy"
ORG_PANELS = ("trend", "ranking", "breakdown")
BUILDING_PANELS = ("trend", "building_ranking", "breakdown", "heatmap")
BUILDING_TILES = {
    "energy.electricity_kwh",
    "energy.total_kgce",
    "energy.kgce_per_m2",
    "energy.night_share",
    "energy.co2_t",
}


@pytest.fixture(scope="module")
def app_factory():
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    from app import create_app

    return create_app


def _org_tree(database_url: str) -> dict[int, dict]:
    with get_engine(database_url).connect() as conn:
        rows = conn.execute(text("SELECT id, parent_id, level, name_zh FROM org_node")).mappings().all()
        buildings = conn.execute(text("SELECT id, org_id, name_zh FROM building ORDER BY id")).mappings().all()
    tree = {row["id"]: {**row, "buildings": []} for row in rows}
    for building in buildings:
        tree[building["org_id"]]["buildings"].append(dict(building))
    return tree


def _children(tree: dict, parent_id: int, level: str) -> list[dict]:
    return sorted(
        (n for n in tree.values() if n["parent_id"] == parent_id and n["level"] == level), key=lambda n: n["id"]
    )


def _title(*names: str) -> str:
    return " · ".join(("能耗监测", *names))


def _click_ranking_bar(driver, tree: dict) -> dict:
    """Click the ranking's bar of the first city among the units (a real click on its path)."""
    selector = f".aocc-page--{PAGE} section.aocc-panel[data-panel='ranking'] .js-plotly-plot"
    waiter(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, selector + " .bars .point path"))
    drills = driver.execute_script(
        "return arguments[0].data[0].customdata.map(c => c[0]);", driver.find_element(By.CSS_SELECTOR, selector)
    )
    index, city = next(
        (i, tree[int(d.split(":")[1])])
        for i, d in enumerate(drills)
        if d.startswith("org:") and tree[int(d.split(":")[1])]["level"] == "city"
    )
    bar = driver.find_elements(By.CSS_SELECTOR, selector + " .bars .point path")[index]
    mouse_click(driver, bar)
    return city


def _ranking_points(driver) -> list | None:
    """``[drill, value, change]`` of the ranking's bars as drawn (None before it is drawn)."""
    return driver.execute_script(
        """
        const gd = document.querySelector(arguments[0]);
        if (!gd || !gd.data || !gd.data.length || !gd.querySelector('.bars .point')) return null;
        const t = gd._fullData[0];  // typed arrays decoded
        return Array.from(t.customdata, (c, i) => [c[0], Number(t.x[i]), c[2]]);
        """,
        f".aocc-page--{PAGE} section.aocc-panel[data-panel='ranking'] .js-plotly-plot",
    )


def test_leader_drills_from_the_province_to_a_building_and_back(dash_duo, login_as, demo_copy_url, app_factory):
    tree = _org_tree(demo_copy_url)
    province = next(n for n in tree.values() if n["parent_id"] is None)
    app = make_app(app_factory, demo_copy_url)
    login_as(app, "leader", path="/energy")
    driver = dash_duo.driver
    set_viewport(driver)
    wait = waiter(driver)

    # The province: its tiles and panels, each saying how fresh its data is.
    province_tiles = wait_view(driver, PAGE, _title(province["name_zh"]), panels=ORG_PANELS)
    assert len(province_tiles) == 6 and "energy.total_kgce" in province_tiles
    assert {"trend", "ranking", "peers", "breakdown", "heatmap"} <= shown_panels(driver, PAGE)
    assert breadcrumb(driver) == [province["name_zh"]]

    # A click on a city's bar in the ranking drills into the city.
    city = _click_ranking_bar(driver, tree)
    wait_query(driver, {"org": str(city["id"])})
    wait_view(driver, PAGE, _title(city["name_zh"]), panels=ORG_PANELS)
    assert breadcrumb(driver) == [province["name_zh"], city["name_zh"]]

    # The drill chooser: a county, then an agency with buildings.
    county = _children(tree, city["id"], "county")[0]
    choose_drill(driver, county["name_zh"])
    wait_query(driver, {"org": str(county["id"])})
    wait_view(driver, PAGE, _title(county["name_zh"]))
    agency = next(a for a in _children(tree, county["id"], "agency") if a["buildings"])
    choose_drill(driver, agency["name_zh"])
    wait_query(driver, {"org": str(agency["id"])})
    agency_title = _title(agency["name_zh"])
    wait_view(driver, PAGE, agency_title, panels=("buildings",))
    path_names = [province["name_zh"], city["name_zh"], county["name_zh"], agency["name_zh"]]
    assert breadcrumb(driver) == path_names

    # A row of the buildings grid opens that building.
    rows = wait.until(lambda d: grid_rows(d, PAGE, "buildings"))
    assert len(rows) == len(agency["buildings"])
    building = agency["buildings"][0]
    row = next(r for r in rows if building["name_zh"] in r.text)
    click_grid_row(driver, row)
    wait_query(driver, {"building": str(building["id"])})
    building_title = _title(agency["name_zh"], building["name_zh"])
    building_tiles = wait_view(driver, PAGE, building_title, panels=BUILDING_PANELS)
    crumbs = breadcrumb(driver)
    assert crumbs == [*path_names, f"建筑 {building['name_zh']}"]
    assert set(building_tiles) == BUILDING_TILES
    assert {"trend", "building_ranking", "breakdown", "heatmap", "intensity"} <= shown_panels(driver, PAGE)
    assert not {"ranking", "peers", "buildings"} & shown_panels(driver, PAGE)

    # Reloading the URL gives the same view.
    building_url = driver.current_url
    driver.refresh()
    assert wait_view(driver, PAGE, building_title, panels=BUILDING_PANELS) == building_tiles
    assert breadcrumb(driver) == crumbs and driver.current_url == building_url

    # The back button returns to the agency.
    driver.back()
    wait_query(driver, {"org": str(agency["id"])})
    wait_view(driver, PAGE, agency_title, panels=("buildings",))
    assert breadcrumb(driver) == path_names

    # The breadcrumb's province link goes back to the top.
    link = driver.find_elements(By.CSS_SELECTOR, ".aocc-breadcrumb a")[0]
    assert link.text == province["name_zh"]
    click(driver, link)
    wait_query(driver, {"org": str(province["id"])})  # the root named, the period kept (none here)
    assert wait_view(driver, PAGE, _title(province["name_zh"])) == province_tiles

    # The previous period, then the year: in the URL, and the ranking follows (its changes, then
    # its values; a year's previous period is the year before, so 环比 goes first). The org tiles
    # keep their own windows (本月, 本年累计, 近12个月), whatever the period bar says.
    month_points = wait.until(lambda d: _ranking_points(d))
    click_radio(driver, PAGE, "环比")
    wait_query(driver, {"org": str(province["id"]), "cmp": "prev"})
    prev_points = wait.until(lambda d: (p := _ranking_points(d)) and p != month_points and p)
    assert [p[:2] for p in prev_points] == [p[:2] for p in month_points]  # same values, other changes
    click_radio(driver, PAGE, "年")
    wait_query(driver, {"org": str(province["id"]), "period": "year", "cmp": "prev"})
    assert "period=year&cmp=prev" in driver.current_url
    year_points = wait.until(lambda d: (p := _ranking_points(d)) and p != prev_points and p)
    assert {p[0] for p in year_points} == {p[0] for p in month_points}
    assert sum(p[1] for p in year_points) > sum(p[1] for p in month_points)
    year_tiles = wait_view(driver, PAGE, _title(province["name_zh"]), panels=ORG_PANELS)
    tile_texts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, f".aocc-page--{PAGE} .aocc-kpi")]

    # The copied URL in a new session (signed out, another leader signed in) shows the same view.
    copied = driver.current_url
    driver.get(f"{dash_duo.server.url}/logout")
    wait.until(lambda d: "/login" in d.current_url)
    driver.delete_all_cookies()
    login_as(app, "leader", path=copied.removeprefix(dash_duo.server.url), username="test_leader_2")
    assert driver.current_url == copied
    assert wait_view(driver, PAGE, _title(province["name_zh"]), panels=ORG_PANELS) == year_tiles
    assert [e.text for e in driver.find_elements(By.CSS_SELECTOR, f".aocc-page--{PAGE} .aocc-kpi")] == tile_texts
    assert wait.until(lambda d: _ranking_points(d)) == year_points
    assert breadcrumb(driver) == [province["name_zh"]]
    assert dash_duo.get_logs() == []
