"""Exporting the energy page's buildings grid at an agency, in headless Chromium.

A leader downloads the grid as CSV and as XLSX (the files land in a directory set through the
DevTools protocol) and reads them back: the kWh column's total is the sum the grid shows, and the
agency's 用电量 tile for the same period (the default period, this month to date: the tile's
"本月" window) is that total, to the tile's precision on screen and exactly as the page computes
it. One building is renamed to a formula beforehand; the CSV (with its BOM) carries it behind an
apostrophe and the XLSX as a quote-prefixed string, never a formula. A viewer, who may not
export, sees no export buttons.

The unit's tiles follow the period bar like the grid beside them (checked at period=year).
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
from pathlib import Path

import openpyxl
import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import text
from view_journey import click, make_app, set_viewport, tile_numbers, wait_view, waiter

from data.db import get_engine, write_session
from data.scope import scope_for_org
from views.render import render_page

from browser_access import TEST_SECRET

PAGE = "energy"
FORMULA_NAME = '=HYPERLINK("http://example.invalid","点我")'
KWH_HEADER = "用电量（kWh）"
CODE_HEADER = "建筑编号"
NAME_HEADER = "建筑名称"
UNIT_FACTORS = {"kWh": 1.0, "万kWh": 1e4, "亿kWh": 1e8, "MWh": 1e3, "GWh": 1e6}


@pytest.fixture(scope="module")
def app_factory():
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    from app import create_app

    return create_app


def _agency_with_most_buildings(database_url: str) -> dict:
    """The agency with the most buildings; its first building renamed to a formula."""
    engine = get_engine(database_url)
    with write_session(engine) as session:
        conn = session.connection()
        agency = (
            conn.execute(
                text(
                    "SELECT o.id, o.name_zh, count(b.id) AS buildings FROM org_node o JOIN building b "
                    "ON b.org_id = o.id WHERE o.level = 'agency' GROUP BY o.id, o.name_zh "
                    "ORDER BY count(b.id) DESC, o.id LIMIT 1"
                )
            )
            .mappings()
            .one()
        )
        first = conn.execute(
            text("SELECT min(id) FROM building WHERE org_id = :org"), {"org": agency["id"]}
        ).scalar_one()
        conn.execute(text("UPDATE building SET name_zh = :name WHERE id = :id"), {"name": FORMULA_NAME, "id": first})
    return dict(agency)


def _page_tile_kwh(database_url: str, org_id: int) -> tuple[float, str, dict]:
    """The agency's electricity tile as the page computes it (value, window) and the view's period."""
    with get_engine(database_url).connect() as conn:
        rendered = render_page(conn, scope_for_org(conn, org_id), PAGE, {"org": str(org_id)})
    tile = rendered.tiles.set_index("metric_id").loc["energy.electricity_kwh"]
    period = rendered.view.period
    return float(tile["value"]), str(tile["period"]), {"start": period.start, "end": period.end}


def _shown_tile_kwh(driver) -> tuple[float, float]:
    """The 用电量 tile as shown, in kWh, and half its last shown digit (its rounding), in kWh."""
    tile = driver.find_element(
        By.CSS_SELECTOR, f".aocc-page--{PAGE} .aocc-kpi[data-metric-id='energy.electricity_kwh']"
    )
    number = tile.find_element(By.CSS_SELECTOR, ".aocc-kpi__number").text.replace(",", "")
    unit = next(u for u in sorted(UNIT_FACTORS, key=len, reverse=True) if u in tile.text.replace(" ", ""))
    decimals = len(number.split(".")[1]) if "." in number else 0
    return float(number) * UNIT_FACTORS[unit], 0.5 * 10**-decimals * UNIT_FACTORS[unit]


def _grid_kwh(driver) -> list[float]:
    """The kWh cells the grid shows (every row fits on its one page)."""
    cells = driver.find_elements(
        By.CSS_SELECTOR, f".aocc-page--{PAGE} section.aocc-panel[data-panel='buildings'] .ag-row .ag-cell[col-id='kwh']"
    )
    return [float(c.text.replace(",", "")) for c in cells if c.text.strip()]


def _export(driver, directory: Path, file_format: str, timeout: float = 30) -> Path:
    """Click the buildings grid's export button of ``file_format``; the file it downloads."""
    before = set(directory.glob(f"*.{file_format}"))
    button = driver.find_element(
        By.CSS_SELECTOR,
        f".aocc-page--{PAGE} section.aocc-panel[data-panel='buildings'] .aocc-grid__export[data-format='{file_format}']",
    )
    click(driver, button)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = set(directory.glob(f"*.{file_format}")) - before
        if new and not list(directory.glob("*.crdownload")):
            return new.pop()
        time.sleep(0.2)
    raise AssertionError(f"no {file_format} file downloaded into {directory}: {list(directory.iterdir())}")


def _table(rows: list[list], header_first: str) -> tuple[list[str], list[list], list[list]]:
    """``(title lines, header and body)`` of an exported table: title lines, an empty line, the table."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == header_first)
    titles = [str(row[0]) for row in rows[:start] if row and row[0] not in (None, "")]
    return titles, rows[start], rows[start + 1 :]


def test_leader_exports_the_buildings_grid(dash_duo, login_as, demo_copy_url, app_factory, tmp_path):
    agency = _agency_with_most_buildings(demo_copy_url)
    tile_value, tile_window, period = _page_tile_kwh(demo_copy_url, agency["id"])
    assert tile_window == "mtd"  # the default period is the month to date: the same days
    app = make_app(app_factory, demo_copy_url)
    login_as(app, "leader", path=f"/energy?org={agency['id']}")
    driver = dash_duo.driver
    set_viewport(driver)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    wait = waiter(driver)
    tiles = wait_view(driver, PAGE, f"能耗监测 · {agency['name_zh']}", panels=("buildings",))
    assert tiles["energy.electricity_kwh"]
    shown = wait.until(lambda d: (k := _grid_kwh(d)) and len(k) == agency["buildings"] and k)
    grid_rows = driver.find_elements(By.CSS_SELECTOR, f".aocc-page--{PAGE} [data-panel='buildings'] .ag-row")
    assert any(FORMULA_NAME in r.text for r in grid_rows)  # shown as text in the grid

    # The tile on screen is the grid's total, to the tile's precision; the page's own tile value
    # is the buildings' total to the grid's rounding (each row shown to the whole kWh).
    shown_tile, tile_rounding = _shown_tile_kwh(driver)
    assert abs(shown_tile - sum(shown)) <= tile_rounding + 0.5 * len(shown)
    assert abs(tile_value - sum(shown)) <= 0.5 * len(shown)

    # CSV: BOM, title lines, the grid's columns; kWh total = the grid's shown sum.
    csv_path = _export(driver, downloads, "csv")
    raw = csv_path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    titles, header, body = _table(list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))), CODE_HEADER)
    assert any(agency["name_zh"] in line for line in titles)
    assert any(period["start"].isoformat() in line and period["end"].isoformat() in line for line in titles)
    assert KWH_HEADER in header and len(body) == agency["buildings"]
    kwh = header.index(KWH_HEADER)
    csv_kwh = [float(row[kwh]) for row in body]
    assert sorted(csv_kwh) == sorted(shown)
    assert sum(csv_kwh) == sum(shown)
    names = [row[header.index(NAME_HEADER)] for row in body]
    assert "'" + FORMULA_NAME in names and FORMULA_NAME not in names
    assert not any(re.match(r"[=+\-@\t\r]", cell) for row in body for cell in row if not _is_number(cell))

    # XLSX: numbers as numbers; their total is the tile's value; the formula stays a string.
    xlsx_path = _export(driver, downloads, "xlsx")
    sheet = openpyxl.load_workbook(xlsx_path).active
    cells = {(c.row, c.column): c for row in sheet.iter_rows() for c in row}
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    titles, header, body = _table(values, CODE_HEADER)
    assert any(agency["name_zh"] in line for line in titles)
    kwh = header.index(KWH_HEADER)
    xlsx_kwh = [row[kwh] for row in body]
    assert all(isinstance(v, (int, float)) for v in xlsx_kwh)
    assert sum(xlsx_kwh) == pytest.approx(tile_value, abs=1e-6)
    assert sorted(round(v) for v in xlsx_kwh) == sorted(shown)
    formula_cells = [c for c in cells.values() if c.value == FORMULA_NAME]
    assert len(formula_cells) == 1 and formula_cells[0].data_type == "s" and formula_cells[0].quotePrefix
    assert not any(c.data_type == "f" for c in cells.values())
    assert dash_duo.get_logs() == []


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_electricity_tile_follows_the_period_like_the_grid(dash_duo, login_as, demo_copy_url, app_factory):
    agency = _agency_with_most_buildings(demo_copy_url)
    app = make_app(app_factory, demo_copy_url)
    login_as(app, "leader", path=f"/energy?org={agency['id']}&period=year")
    driver = dash_duo.driver
    wait_view(driver, PAGE, f"能耗监测 · {agency['name_zh']}", panels=("buildings",))
    shown = waiter(driver).until(lambda d: (k := _grid_kwh(d)) and len(k) == agency["buildings"] and k)
    shown_tile, tile_rounding = _shown_tile_kwh(driver)
    assert dash_duo.get_logs() == []
    assert abs(shown_tile - sum(shown)) <= tile_rounding + 0.5 * len(shown)


def test_viewer_sees_no_export_buttons(dash_duo, login_as, demo_copy_url, app_factory):
    agency = _agency_with_most_buildings(demo_copy_url)
    app = make_app(app_factory, demo_copy_url)
    login_as(app, "viewer", path=f"/energy?org={agency['id']}")
    driver = dash_duo.driver
    wait_view(driver, PAGE, f"能耗监测 · {agency['name_zh']}", panels=("buildings",))
    waiter(driver).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f".aocc-page--{PAGE} [data-panel='buildings'] .ag-row")
    )
    assert tile_numbers(driver, PAGE)
    assert not [b for b in driver.find_elements(By.CSS_SELECTOR, ".aocc-grid__export") if b.is_displayed()]
    assert dash_duo.get_logs() == []
