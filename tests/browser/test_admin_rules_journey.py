"""The rule editor in headless Chromium on the demo province: an administrator opens a default
rule, previews and backtests it, and an invalid change shows its message next to the field and
saves nothing; a viewer gets the refusal. The console stays clean. Screenshots at 1920×1080 go to
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
pytestmark = pytest.mark.browser


def _click(driver, element_id: str) -> None:
    driver.execute_script("document.getElementById(arguments[0]).click()", element_id)


def test_admin_previews_backtests_and_cannot_save_an_invalid_rule(dash_duo, login_as, demo_copy_url):
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    from app import create_app

    app = create_app(load_config(database_url=demo_copy_url, secret_key=TEST_SECRET, refresh_interval_seconds=3600))
    login_as(app, "admin", path="/admin/rules")
    driver = dash_duo.driver
    wait = WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,))
    row = wait.until(
        lambda d: next(
            (r for r in d.find_elements(By.CSS_SELECTOR, "#admin-rules-grid .ag-row") if "夜间" in r.text), None
        )
    )
    row.find_elements(By.CSS_SELECTOR, ".ag-cell")[0].click()
    wait.until(lambda d: "夜间用电占比过高" in d.find_element(By.ID, "admin-rules-form-heading").text)
    wait.until(lambda d: d.find_element(By.ID, "admin-rules-kind").text.strip() == "建筑")

    _click(driver, "admin-rules-preview")
    wait.until(
        lambda d: d.find_elements(
            By.CSS_SELECTOR, "#admin-rules-preview-table, #admin-rules-preview-out .aocc-rules-empty"
        )
    )
    _click(driver, "admin-rules-backtest")
    total = wait.until(lambda d: d.find_elements(By.ID, "admin-rules-backtest-total") or d.find_elements(
        By.CSS_SELECTOR, "#admin-rules-backtest-out .aocc-rules-empty"))  # fmt: skip
    assert total[0].text.startswith(("最近 90 天", "最近 90 天没有"))
    SCREENSHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / "admin_rules_preview.png"))

    critical = driver.find_element(By.ID, "admin-rules-critical")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", critical)
    critical.send_keys(Keys.CONTROL, "a")
    critical.send_keys("0.2", Keys.TAB)
    _click(driver, "admin-rules-save")
    problem = wait.until(lambda d: d.find_element(By.ID, "admin-rules-problem-critical-level").text)
    assert problem == "严重值（0.2）不能低于预警值（0.35）：数值越高越严重"
    assert "未保存" in driver.find_element(By.ID, "admin-rules-message").text
    driver.save_screenshot(str(SCREENSHOTS / "admin_rules_invalid.png"))
    assert dash_duo.get_logs() == []

    driver.delete_all_cookies()
    login_as(app, "viewer", path="/admin/rules")
    wait.until(lambda d: d.find_elements(By.ID, "admin-denied"))
    assert not driver.find_elements(By.ID, "admin-rules-grid")
    assert dash_duo.get_logs() == []
