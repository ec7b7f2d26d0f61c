"""Helpers for the declared pages' browser journeys (energy and vehicles drill-down, grid
export): reading a view's heading, breadcrumb, tiles and query string, and driving its drill
chooser, period bar and grids the way a person does.

Every wait looks again when the page re-renders under it (a navigation replaces the layout),
so an element found a moment ago and gone when read is not a failure.
"""

from __future__ import annotations

import csv
import io
import os
import time
from urllib.parse import parse_qs, urlsplit

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from config import load_config

from browser_access import TEST_SECRET

TIMEOUT = 30  # a page's callbacks on a loaded 2-core machine


def make_app(app_factory, database_url: str):
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    return app_factory(load_config(database_url=database_url, secret_key=TEST_SECRET, refresh_interval_seconds=3600))


def set_viewport(driver, width: int = 1920, height: int = 1080) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def waiter(driver, timeout: float = TIMEOUT) -> WebDriverWait:
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def query_of(driver) -> dict[str, str]:
    """The current URL's query values (one value each)."""
    return {key: values[-1] for key, values in parse_qs(urlsplit(driver.current_url).query).items()}


def wait_query(driver, expected: dict[str, str], timeout: float = TIMEOUT) -> None:
    """Wait until the URL's query values are ``expected``; say which URL there is if not."""
    try:
        waiter(driver, timeout).until(lambda d: query_of(d) == expected)
    except TimeoutException as exc:
        raise AssertionError(f"URL {driver.current_url}, expected query {expected}") from exc


def heading(driver) -> str:
    """The view's heading with the entity shown: ``能耗监测 · 示范市`` (the page's title and the
    entity's subtitle, when the entity is set apart from the title)."""
    titles = driver.find_elements(By.CSS_SELECTOR, ".aocc-view .aocc-page__title")
    entities = driver.find_elements(By.CSS_SELECTOR, ".aocc-view .aocc-page__entity")
    parts = [e.text for e in (*titles[:1], *entities[:1]) if e.text]
    return " · ".join(parts)


def breadcrumb(driver) -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".aocc-breadcrumb .breadcrumb-item")]


def tile_numbers(driver, page: str) -> dict[str, str]:
    """``{metric id: number as shown}`` of the page's KPI tiles."""
    numbers = {}
    for tile in driver.find_elements(By.CSS_SELECTOR, f".aocc-page--{page} .aocc-kpi"):
        found = tile.find_elements(By.CSS_SELECTOR, ".aocc-kpi__number")
        numbers[tile.get_attribute("data-metric-id")] = found[0].text if found else ""
    return numbers


#: What a tile shows for a value that does not exist (presentation.format.format_number).
MISSING = "—"


def wait_view(
    driver, page: str, title: str, *, panels: tuple[str, ...] = (), missing: tuple[str, ...] = ()
) -> dict[str, str]:
    """Wait until the page's heading is ``title``, its tiles hold numbers (the tiles of
    ``missing`` metric ids may read "—": an agency without turnover housing has no occupancy
    rate) and each of ``panels`` says how fresh its data is; returns the tile numbers."""
    wait = waiter(driver)
    try:
        wait.until(lambda d: heading(d) == title)
    except TimeoutException as exc:
        raise AssertionError(f"heading {heading(driver)!r}, expected {title!r} ({driver.current_url})") from exc

    def filled(metric_id: str, number: str) -> bool:
        return any(ch.isdigit() for ch in number) or (metric_id in missing and number == MISSING)

    try:
        wait.until(lambda d: (n := tile_numbers(d, page)) and all(filled(m, v) for m, v in n.items()))
    except TimeoutException as exc:
        raise AssertionError(f"tiles {tile_numbers(driver, page)} ({driver.current_url})") from exc
    for key in panels:
        selector = f".aocc-page--{page} section.aocc-panel[data-panel='{key}'] .aocc-panel__fresh"
        wait.until(lambda d, s=selector: any("数据截至" in e.text for e in d.find_elements(By.CSS_SELECTOR, s)))
    return tile_numbers(driver, page)


def shown_panels(driver, page: str) -> set[str]:
    return {
        e.get_attribute("data-panel")
        for e in driver.find_elements(By.CSS_SELECTOR, f".aocc-page--{page} section.aocc-panel")
    }


def choose_drill(driver, label: str) -> None:
    """Open the drill chooser and pick the option reading ``label``."""
    chooser = waiter(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, ".aocc-org-drill"))
    click(driver, chooser)
    option = waiter(driver, 10).until(
        lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option") if o.text == label), None)
    )
    option.click()


def click_radio(driver, page: str, label: str) -> None:
    """Click the period bar's segment reading ``label`` (年, 环比, …)."""
    segment = waiter(driver, 10).until(
        lambda d: next(
            (
                e
                for e in d.find_elements(By.CSS_SELECTOR, f".aocc-page--{page} .aocc-view__segmented label")
                if e.text.strip() == label
            ),
            None,
        )
    )
    click(driver, segment)


def click(driver, element) -> None:
    """WebDriver's click, on ``element`` scrolled into view at once (Bootstrap turns on smooth
    scrolling, and WebDriver does not wait for a smooth scroll to end)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    element.click()


def mouse_click(driver, element) -> None:
    """A real mouse click (the browser's own input events, through whatever lies on top) at the
    centre of ``element`` as it is drawn now.

    The page scrolls smoothly (CSS ``scroll-behavior``), so the element is scrolled into view
    at once before it is measured; otherwise the click lands where the element was mid-scroll.
    """
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    box = driver.execute_script("return arguments[0].getBoundingClientRect().toJSON();", element)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    driver.execute_cdp_cmd("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
    for kind in ("mousePressed", "mouseReleased"):
        driver.execute_cdp_cmd(
            "Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
        )


def grid_rows(driver, page: str, panel: str) -> list:
    """The rendered rows of a grid panel (the centre part; pinned columns have their own rows)."""
    return driver.find_elements(
        By.CSS_SELECTOR,
        f".aocc-page--{page} section.aocc-panel[data-panel='{panel}'] .ag-center-cols-container .ag-row",
    )


def click_grid_row(driver, row) -> None:
    """Click the first cell of a grid row, as a person does."""
    click(driver, row.find_elements(By.CSS_SELECTOR, ".ag-cell")[0])


def export_grid(driver, page: str, panel: str, directory, file_format: str = "csv", timeout: float = 30):
    """Click a grid panel's export button of ``file_format``; the file it downloads into
    ``directory`` (a ``pathlib.Path`` set as the browser's download directory through
    ``Page.setDownloadBehavior``)."""
    before = set(directory.glob(f"*.{file_format}"))
    button = driver.find_element(
        By.CSS_SELECTOR,
        f".aocc-page--{page} section.aocc-panel[data-panel='{panel}'] .aocc-grid__export[data-format='{file_format}']",
    )
    click(driver, button)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = set(directory.glob(f"*.{file_format}")) - before
        if new and not list(directory.glob("*.crdownload")):
            return new.pop()
        time.sleep(0.2)
    raise AssertionError(f"no {file_format} file downloaded into {directory}: {list(directory.iterdir())}")


def exported_csv(path, header_first: str) -> tuple[list[str], list[str], list[list[str]]]:
    """``(title lines, header, body)`` of an exported CSV (BOM, title lines, an empty line, the
    table whose first header cell is ``header_first``)."""
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode()), "an exported CSV starts with a BOM"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    start = next(i for i, row in enumerate(rows) if row and row[0] == header_first)
    titles = [row[0] for row in rows[:start] if row and row[0]]
    return titles, rows[start], rows[start + 1 :]


__all__ = [
    "breadcrumb",
    "click",
    "choose_drill",
    "click_grid_row",
    "click_radio",
    "export_grid",
    "exported_csv",
    "grid_rows",
    "heading",
    "make_app",
    "mouse_click",
    "query_of",
    "set_viewport",
    "shown_panels",
    "tile_numbers",
    "wait_view",
    "wait_query",
    "waiter",
]
