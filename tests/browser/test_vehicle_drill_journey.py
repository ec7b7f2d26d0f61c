"""A leader drills the vehicles page from the province to an agency (drill chooser) and on to
one vehicle (a row of the agency's vehicle list): the URL names the vehicle alone, its tiles,
daily figures and trip log show, the trip log holds as many trips as the list said, and reloading
the URL gives the same view.
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
    make_app,
    set_viewport,
    shown_panels,
    wait_query,
    wait_view,
    waiter,
)

from data.db import get_engine

from browser_access import TEST_SECRET

PAGE = "vehicles"
VEHICLE_PANELS = ("trend", "daily", "trip_log")


@pytest.fixture(scope="module")
def app_factory():
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    from app import create_app

    return create_app


def _title(*names: str) -> str:
    return " · ".join(("公务用车监测", *names))


def _agency_with_vehicles(database_url: str) -> tuple[dict, dict]:
    """The province and its first agency that has vehicles."""
    with get_engine(database_url).connect() as conn:
        province = conn.execute(text("SELECT id, name_zh FROM org_node WHERE parent_id IS NULL")).mappings().one()
        agency = (
            conn.execute(
                text(
                    "SELECT o.id, o.name_zh FROM org_node o WHERE o.parent_id = :root AND o.level = 'agency' "
                    "AND EXISTS (SELECT 1 FROM vehicle v WHERE v.org_id = o.id) ORDER BY o.id LIMIT 1"
                ),
                {"root": province["id"]},
            )
            .mappings()
            .one()
        )
    return dict(province), dict(agency)


def _grid(page: str, panel: str) -> str:
    return f".aocc-page--{page} section.aocc-panel[data-panel='{panel}']"


def _rows(driver, panel: str) -> list:
    """The grid's rows (the part right of the pinned columns), each ``row-id`` ``<n>|<drill>``."""
    return driver.find_elements(By.CSS_SELECTOR, f"{_grid(PAGE, panel)} .ag-center-cols-container .ag-row")


def _record_count(driver, panel: str) -> int | None:
    """The grid's row count as its pagination bar states it (every page, not just the shown one)."""
    found = driver.find_elements(By.CSS_SELECTOR, f"{_grid(PAGE, panel)} [data-ref='lbRecordCount']")
    return int(found[0].text.replace(",", "")) if found and found[0].text.strip() else None


def _trip_log(driver) -> list[str]:
    return [r.text for r in _rows(driver, "trip_log")]


def test_leader_drills_to_a_vehicle_and_its_trip_log(dash_duo, login_as, demo_copy_url, app_factory):
    province, agency = _agency_with_vehicles(demo_copy_url)
    app = make_app(app_factory, demo_copy_url)
    login_as(app, "leader", path="/vehicles")
    driver = dash_duo.driver
    set_viewport(driver)
    wait = waiter(driver)
    wait_view(driver, PAGE, _title(province["name_zh"]), panels=("trend", "ranking"))

    # The drill chooser: the agency, with its vehicle list.
    choose_drill(driver, agency["name_zh"])
    wait_query(driver, {"org": str(agency["id"])})
    wait_view(driver, PAGE, _title(agency["name_zh"]), panels=("list",))
    assert breadcrumb(driver) == [province["name_zh"], agency["name_zh"]]
    rows = wait.until(lambda d: _rows(d, "list"))

    # The vehicle with the most trips in the period: a row click opens it.
    def trips(row) -> int:
        cell = row.find_elements(By.CSS_SELECTOR, ".ag-cell[col-id='trips']")
        return int(cell[0].text.replace(",", "") or 0) if cell else 0

    row = max(rows, key=trips)
    listed_trips = trips(row)
    assert listed_trips > 0
    vehicle_id = row.get_attribute("row-id").split("|vehicle:")[1]
    with get_engine(demo_copy_url).connect() as conn:
        plate = conn.execute(text("SELECT plate FROM vehicle WHERE id = :id"), {"id": int(vehicle_id)}).scalar_one()
    click_grid_row(driver, row)
    wait_query(driver, {"vehicle": vehicle_id})
    title = _title(agency["name_zh"], plate)
    tiles = wait_view(driver, PAGE, title, panels=VEHICLE_PANELS)
    crumbs = breadcrumb(driver)
    assert crumbs == [province["name_zh"], agency["name_zh"], f"车辆 {plate}"]
    assert {"daily", "trip_log"} <= shown_panels(driver, PAGE)
    assert not {"list", "peers", "crosscheck"} & shown_panels(driver, PAGE)

    # The trip log: the vehicle's trips in the period, as many as the list counted.
    trip_rows = wait.until(lambda d: _trip_log(d))
    assert trip_rows and all(r.strip() for r in trip_rows)
    assert wait.until(lambda d: _record_count(d, "trip_log")) == listed_trips

    # Reloading the URL gives the same view.
    url = driver.current_url
    driver.refresh()
    assert wait_view(driver, PAGE, title, panels=VEHICLE_PANELS) == tiles
    assert breadcrumb(driver) == crumbs and driver.current_url == url
    assert wait.until(lambda d: _trip_log(d)) == trip_rows
    assert _record_count(driver, "trip_log") == listed_trips
    assert dash_duo.get_logs() == []
