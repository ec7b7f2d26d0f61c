"""The five domain pages and the unit profile in headless Chromium: each renders numbers in its
KPI tiles and a chart, the language switch turns the page from Chinese to English, the theme
switch turns on the wall theme, the drill chooser drills down, and the console stays clean. Every page is screenshot at
1920×1080 into ``tests/browser/screenshots/`` (gitignored) for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from config import load_config

from browser_access import TEST_SECRET

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PAGES = {
    "overview": ("/", "运行总览", "Operations overview"),
    "energy": ("/energy", "能耗监测", "Energy"),
    "vehicles": ("/vehicles", "公务用车监测", "Official vehicles"),
    "assets": ("/assets", "资产监测", "Fixed assets"),
    "housing": ("/housing", "办公用房与周转住房", "Office space and turnover housing"),
    "profile": ("/profile", "单位画像", "Unit profile"),
}


@pytest.fixture(scope="module")
def app_factory():
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    from app import create_app

    return create_app


@pytest.fixture
def pages_url(demo_copy_url):
    """A writable copy of the demo province (signing in writes an account and audit rows)."""
    return demo_copy_url


def _make_app(app_factory, url):
    return app_factory(load_config(database_url=url, secret_key=TEST_SECRET, refresh_interval_seconds=3600))


def _wait_page(dash_duo, page: str, heading: str, timeout: int = 20) -> None:
    """Wait until the page's heading reads ``heading``, its tiles hold numbers and its chart drew."""
    driver = dash_duo.driver
    # The page re-renders while we look (language switch, navigation): an element found a moment
    # ago may be gone when its text is read; look again rather than fail.
    wait = WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda d: any(h.text == heading for h in d.find_elements(By.CSS_SELECTOR, ".aocc-page__title")))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f".aocc-page--{page} .aocc-kpi__number"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f".aocc-page--{page} .aocc-chart .main-svg .trace"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f".aocc-page--{page} .aocc-status__asof"))


def _viewport(dash_duo, width: int = 1920, height: int = 1080) -> None:
    """Make the page's viewport exactly ``width``×``height`` (the window would include browser chrome)."""
    dash_duo.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def _numbers(dash_duo, page: str) -> list[str]:
    return [e.text for e in dash_duo.driver.find_elements(By.CSS_SELECTOR, f".aocc-page--{page} .aocc-kpi__number")]


def _screenshot(dash_duo, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def _goto(dash_duo, path: str) -> None:
    dash_duo.driver.get(dash_duo.server.url + path)


def test_every_page_renders_numbers_and_a_chart(dash_duo, login_as, pages_url, app_factory):
    app = _make_app(app_factory, pages_url)
    login_as(app, "leader", path="/")
    _viewport(dash_duo)
    for page, (path, heading_zh, _) in PAGES.items():
        _goto(dash_duo, path)
        _wait_page(dash_duo, page, heading_zh)
        numbers = _numbers(dash_duo, page)
        assert len(numbers) >= 6, numbers
        assert sum(any(ch.isdigit() for ch in text) for text in numbers) >= len(numbers) - 1, numbers
        assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, ".aocc-state--error")
        # The navigation marks this page, and the tiles carry their metric id for provenance.
        active = dash_duo.driver.find_elements(By.CSS_SELECTOR, ".aocc-nav__link.active")
        assert len(active) == 1
        tile = dash_duo.driver.find_element(By.CSS_SELECTOR, ".aocc-kpi")
        assert tile.get_attribute("data-metric-id")
        _screenshot(dash_duo, f"{page}-light-zh")
    assert dash_duo.get_logs() == []


def test_language_switch_turns_the_page_english(dash_duo, login_as, pages_url, app_factory):
    app = _make_app(app_factory, pages_url)
    login_as(app, "leader", path="/energy")
    _viewport(dash_duo)
    _wait_page(dash_duo, "energy", "能耗监测")
    assert dash_duo.find_element("#aocc-lang-switch").text == "English"
    assert "综合能耗" in dash_duo.find_element(".aocc-kpis").text
    dash_duo.find_element("#aocc-lang-switch").click()
    _wait_page(dash_duo, "energy", "Energy")
    assert dash_duo.find_element("#aocc-lang-switch").text == "中文"
    assert "Total energy" in dash_duo.find_element(".aocc-kpis").text
    nav = dash_duo.find_element(".aocc-nav").text
    assert "Vehicles" in nav and "能耗" not in nav
    _screenshot(dash_duo, "energy-light-en")
    for page, (path, _, heading_en) in PAGES.items():
        _goto(dash_duo, path)
        _wait_page(dash_duo, page, heading_en)
    dash_duo.find_element("#aocc-lang-switch").click()  # and back, on the last page visited
    last, (_, heading_zh, _) = list(PAGES.items())[-1]
    _wait_page(dash_duo, last, heading_zh)
    assert dash_duo.get_logs() == []


def test_wall_theme(dash_duo, login_as, pages_url, app_factory):
    app = _make_app(app_factory, pages_url)
    login_as(app, "leader", path="/")
    _viewport(dash_duo)
    _wait_page(dash_duo, "overview", "运行总览")
    dash_duo.find_element("#aocc-theme-switch").click()
    WebDriverWait(dash_duo.driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".aocc-app.theme-dark"))
    for page, (path, heading_zh, _) in PAGES.items():
        _goto(dash_duo, path)
        _wait_page(dash_duo, page, heading_zh)
        # A wall screen never scrolls: the page fits the viewport.
        overflow = dash_duo.driver.execute_script("return document.documentElement.scrollHeight - window.innerHeight;")
        assert overflow <= 1, f"{page} overflows the screen by {overflow}px"
        _screenshot(dash_duo, f"{page}-dark-zh")
    assert dash_duo.get_logs() == []


def test_org_bar_drills_down_and_back(dash_duo, login_as, pages_url, app_factory):
    app = _make_app(app_factory, pages_url)
    login_as(app, "leader", path="/vehicles")
    _viewport(dash_duo)
    _wait_page(dash_duo, "vehicles", "公务用车监测")
    wait = WebDriverWait(dash_duo.driver, 15)
    crumbs = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".aocc-breadcrumb .breadcrumb-item"))
    assert len(crumbs) == 1
    province_numbers = _numbers(dash_duo, "vehicles")
    # Drill one level with the dropdown.
    dash_duo.find_element(".aocc-org-drill").click()
    option = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option"))[0]
    child_name = option.text
    option.click()
    wait.until(lambda d: "org=" in d.current_url)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".aocc-breadcrumb .breadcrumb-item")) == 2)
    assert dash_duo.find_element(".aocc-breadcrumb .breadcrumb-item.active").text == child_name
    _wait_page(dash_duo, "vehicles", "公务用车监测")
    wait.until(lambda d: _numbers(dash_duo, "vehicles") != province_numbers)
    # The other pages' links keep the unit.
    energy_link = dash_duo.find_element("a.aocc-nav__link[href*='/energy']")
    assert "org=" in energy_link.get_attribute("href")
    # Back up through the breadcrumb.
    dash_duo.find_element(".aocc-breadcrumb .breadcrumb-item a").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".aocc-breadcrumb .breadcrumb-item")) == 1)
    assert dash_duo.get_logs() == []


def test_out_of_scope_org_is_refused(dash_duo, login_as, pages_url, app_factory):
    app = _make_app(app_factory, pages_url)
    login_as(app, "leader", path="/energy?org=999999")
    wait = WebDriverWait(dash_duo.driver, 15)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".aocc-page--energy .aocc-state--error"))
    assert "无权查看" in dash_duo.find_element(".aocc-page--energy").text
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, ".aocc-page--energy .aocc-kpi__number")
    assert dash_duo.get_logs() == []
