"""The data page in headless Chromium: an operator sees a file's quarantined rows (a file's
``<script>`` shown as text), corrects one and re-submits it; a KPI tile's "来源" link leads to the
provenance of its figure. Screenshots go to ``tests/browser/screenshots/``."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from config import load_config
from data.db import get_engine
from data.loaders import load_file

from browser_access import TEST_SECRET

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
NOW = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def app_factory():
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    from app import create_app

    return create_app


def _screenshot(dash_duo, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def test_operator_corrects_a_quarantined_row(dash_duo, login_as, demo_copy_url, app_factory, tmp_path):
    path = tmp_path / "readings.csv"
    path.write_text(
        "表计编号,时间,用电量(千瓦时)\nBLD-0001-E,2026-11-20 01:00,31.5\n"
        "<script>alert(1)</script>,2026-11-20 02:00,30\nBLD-0001-E,2026-11-20 03:00,二十九\n",
        encoding="utf-8",
    )
    result = load_file(get_engine(demo_copy_url), path, now=NOW)
    assert result.rows_rejected == 2
    app = app_factory(load_config(database_url=demo_copy_url, secret_key=TEST_SECRET, refresh_interval_seconds=3600))
    login_as(app, "operator", path="/data")
    driver = dash_duo.driver
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False}
    )
    wait = WebDriverWait(driver, 20)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".aocc-table--quarantine"))
    table = driver.find_element(By.CSS_SELECTOR, ".aocc-table--quarantine")
    assert "<script>alert(1)</script>" in table.text  # shown as text …
    assert not driver.find_elements(By.CSS_SELECTOR, ".aocc-table--quarantine script")  # … never as markup
    assert "readings.csv" in driver.find_element(By.CSS_SELECTOR, ".aocc-table--batches").text
    _screenshot(dash_duo, "data-center-zh")
    # open the row with the text value (line 4) and correct it
    rows = driver.find_elements(By.CSS_SELECTOR, ".aocc-table--quarantine tbody tr")
    target = next(r for r in rows if "第 4 行" in r.text)
    button = target.find_element(By.CSS_SELECTOR, "button")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", button)
    wait.until(lambda d: d.find_element(By.ID, "data-q-editor").is_displayed())
    field = next(
        i
        for i in driver.find_elements(By.CSS_SELECTOR, "#data-q-editor-fields input")
        if i.get_attribute("value") == "二十九"
    )
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("29")
    resubmit = driver.find_element(By.ID, "data-q-resubmit")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", resubmit)
    wait.until(lambda d: "已重新提交" in d.find_element(By.ID, "data-q-message").text)
    wait.until(lambda d: "第 4 行" not in d.find_element(By.ID, "data-quarantine").text)
    _screenshot(dash_duo, "data-center-resubmitted")
    assert dash_duo.get_logs() == []


def test_kpi_sources_link_opens_the_provenance(dash_duo, login_as, demo_copy_url, app_factory):
    app = app_factory(load_config(database_url=demo_copy_url, secret_key=TEST_SECRET, refresh_interval_seconds=3600))
    login_as(app, "leader", path="/energy")
    driver = dash_duo.driver
    wait = WebDriverWait(driver, 20)
    wait.until(lambda d: [a for a in d.find_elements(By.CSS_SELECTOR, ".aocc-kpi__sources") if a.get_attribute("href")])
    link = next(a for a in driver.find_elements(By.CSS_SELECTOR, ".aocc-kpi__sources") if a.get_attribute("href"))
    assert "/data?metric=" in link.get_attribute("href")
    driver.get(link.get_attribute("href"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#data-provenance .aocc-data__hint"))
    text = driver.find_element(By.ID, "data-provenance").text
    assert "近12个月的数据来自以下批次" in text
    _screenshot(dash_duo, "data-center-provenance")
    assert dash_duo.get_logs() == []
