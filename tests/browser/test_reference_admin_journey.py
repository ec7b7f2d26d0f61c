"""The reference-data page in headless Chromium on the demo province: an administrator opens an
asset category, changes its useful life, reviews and confirms the change, and after a reload the
grid shows the new life with who changed it; a bad life shows its message and saves nothing. A
viewer sees the values read-only. The console stays clean. Screenshots go to
``tests/browser/screenshots/`` (gitignored).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from config import load_config

from browser_access import TEST_SECRET

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
GRID_ROWS = "#admin-ref-category-grid .ag-center-cols-container .ag-row"
pytestmark = pytest.mark.browser


def _click(driver, element_id: str) -> None:
    driver.execute_script("document.getElementById(arguments[0]).click()", element_id)


def _row(driver, code: str):
    """The grid row of category ``code`` (its cells in column order), or None while it loads."""
    for row in driver.find_elements(By.CSS_SELECTOR, GRID_ROWS):
        cells = row.find_elements(By.CSS_SELECTOR, ".ag-cell")
        if cells and cells[0].text == code:
            return row
    return None


def _cell(row, col_id: str) -> str:
    return row.find_element(By.CSS_SELECTOR, f".ag-cell[col-id='{col_id}']").text


def _type(driver, element_id: str, text: str) -> None:
    field = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text, Keys.TAB)


def test_admin_changes_a_categorys_life_and_sees_it_after_reload(dash_duo, login_as, demo_copy_url):
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    from app import create_app

    app = create_app(load_config(database_url=demo_copy_url, secret_key=TEST_SECRET, refresh_interval_seconds=3600))
    admin = login_as(app, "admin", path="/admin/reference")
    driver = dash_duo.driver
    wait = WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,))
    row = wait.until(lambda d: _row(d, "A020101"))
    assert _cell(row, "life") == "6" and _cell(row, "method") == "年限平均法"
    row.find_elements(By.CSS_SELECTOR, ".ag-cell")[0].click()
    wait.until(lambda d: "A020101" in d.find_element(By.ID, "admin-ref-category-heading").text)
    wait.until(lambda d: d.find_element(By.ID, "admin-ref-life").get_attribute("value") == "6")

    _type(driver, "admin-ref-life", "7.5")
    _click(driver, "admin-ref-category-review")
    problem = wait.until(lambda d: d.find_element(By.ID, "admin-ref-problem-useful-life-years").text)
    assert problem == "使用年限须为整数年（收到 7.5）。"
    assert "未保存" in driver.find_element(By.ID, "admin-ref-message").text

    _type(driver, "admin-ref-life", "8")
    _click(driver, "admin-ref-category-review")
    box = wait.until(lambda d: d.find_element(By.ID, "admin-ref-category-confirm-box").text)
    assert "使用年限（年）：6 年 → 8 年" in box and "将重算资产净值" in box
    assert not driver.find_element(By.ID, "admin-ref-problem-useful-life-years").text
    SCREENSHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / "admin_reference_confirm.png"))
    _click(driver, "admin-ref-category-confirm")
    saved = wait.until(lambda d: d.find_element(By.ID, "admin-ref-message").text)
    assert saved.startswith("已保存 A020101 台式计算机。")

    driver.refresh()
    row = wait.until(lambda d: _row(d, "A020101"))
    assert _cell(row, "life") == "8" and _cell(row, "updated_by") == admin
    status = wait.until(lambda d: d.find_element(By.ID, "admin-ref-status").text)
    assert status.startswith("历史月份重算")
    driver.save_screenshot(str(SCREENSHOTS / "admin_reference_saved.png"))
    assert dash_duo.get_logs() == []

    driver.delete_all_cookies()
    login_as(app, "viewer", path="/admin/reference")
    row = wait.until(lambda d: _row(d, "A020101"))
    assert _cell(row, "life") == "8"
    assert not driver.find_element(By.ID, "admin-ref-category-review").is_displayed()
    assert dash_duo.get_logs() == []
