"""Access control in headless Chromium, on the real app: sign in through the form, see the
overview, sign out; the navigation shows administration only to administrators; the admin
pages work; a wall screen whose token is revoked leaves the data at its next refresh. The
console stays clean (the CSP allows everything the app does)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from config import load_config
from data import device_tokens as tokens_data
from data import users as users_data
from data.db import dispose_engine, get_engine, session_scope, write_session
from data.migrate import upgrade
from data.models import AuditLog, DeviceToken, User

from browser_access import TEST_SECRET, make_account, sign_in


@pytest.fixture
def app_url(tmp_path):
    """A writable database with the hand-made province of the page-query tests."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))
    from rollup_rows import build_rollup_fixture

    url = f"sqlite:///{tmp_path / 'journey.sqlite3'}"
    upgrade(url)
    build_rollup_fixture(url)
    yield url
    dispose_engine(url)


def make_app(url: str, **overrides):
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    from app import create_app

    return create_app(load_config(database_url=url, secret_key=TEST_SECRET, **overrides))


def wait_for(dash_duo, condition, timeout: int = 20):
    return WebDriverWait(dash_duo.driver, timeout).until(condition)


def nav_text(dash_duo) -> str:
    return dash_duo.find_element(".aocc-nav").text


def test_sign_in_see_the_overview_and_sign_out(dash_duo, app_url):
    app = make_app(app_url, refresh_interval_seconds=3600)
    dash_duo.start_server(app, navigate=False)
    username, password = make_account(app_url, "leader")
    # An anonymous visit lands on the form, which remembers where the user wanted to go.
    dash_duo.driver.get(dash_duo.server.url + "/energy")
    wait_for(dash_duo, lambda d: "/login" in d.current_url)
    assert "next=%2Fenergy" in dash_duo.driver.current_url
    assert dash_duo.find_element("h1").text == "机关事务运行监测中心"
    # A wrong password first.
    dash_duo.find_element("#login-username").send_keys(username)
    dash_duo.find_element("#login-password").send_keys("not-the-password")
    dash_duo.find_element("#login-submit").click()
    assert "用户名或密码错误" in dash_duo.wait_for_element("#auth-error").text
    sign_in(dash_duo, username, password, path="/")
    wait_for(
        dash_duo, lambda d: any(h.text == "运行总览" for h in d.find_elements(By.CSS_SELECTOR, ".aocc-page__title"))
    )
    wait_for(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, ".aocc-kpi__number"))
    assert "用户管理" not in nav_text(dash_duo)
    # Sign out: back to the form, and the app is closed again.
    dash_duo.driver.get(dash_duo.server.url + "/logout")
    assert "您已安全退出" in dash_duo.wait_for_element("#auth-notice").text
    dash_duo.driver.get(dash_duo.server.url + "/")
    wait_for(dash_duo, lambda d: "/login" in d.current_url)
    assert dash_duo.get_logs() == []
    with session_scope(get_engine(app_url)) as session:
        actions = session.scalars(select(AuditLog.action).where(AuditLog.actor == username).order_by(AuditLog.id)).all()
    assert actions == ["login_failed", "login", "logout"]


def test_viewer_does_not_see_administration_and_is_refused_by_url(dash_duo, login_as, app_url):
    app = make_app(app_url, refresh_interval_seconds=3600)
    login_as(app, "viewer", path="/")
    wait_for(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, ".aocc-kpi__number"))
    nav = nav_text(dash_duo)
    assert "能耗" in nav and "用户管理" not in nav and "审计日志" not in nav and "大屏设备" not in nav
    dash_duo.driver.get(dash_duo.server.url + "/admin/users")
    assert "没有访问此页面的权限" in dash_duo.wait_for_element("#admin-denied").text
    assert not dash_duo.find_elements("#admin-users-grid")
    assert dash_duo.get_logs() == []


def test_administrator_manages_users_devices_and_reads_the_audit_log(dash_duo, login_as, app_url):
    app = make_app(app_url, refresh_interval_seconds=3600)
    admin = login_as(app, "admin", path="/admin/users")
    nav = nav_text(dash_duo)
    assert "用户管理" in nav and "大屏设备" in nav and "审计日志" in nav
    wait_for(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, "#admin-users-grid .ag-row"))
    # Create a viewer: the one-time password appears once.
    dash_duo.find_element("#admin-users-new-username").send_keys("zhangsan")
    dash_duo.find_element("#admin-users-new-display").send_keys("张三")
    dash_duo.find_element("#admin-users-create").click()
    secret = dash_duo.wait_for_element("#admin-secret").text
    assert len(secret) >= 12
    row = wait_for(
        dash_duo,
        lambda d: [r for r in d.find_elements(By.CSS_SELECTOR, "#admin-users-grid .ag-row") if "zhangsan" in r.text],
    )
    # Select the new user in the grid and reset their password: a new one-time password.
    row[0].find_element(By.CSS_SELECTOR, ".ag-cell").click()
    dash_duo.wait_for_text_to_equal("#admin-users-selected", "zhangsan · 张三")
    dash_duo.find_element("#admin-users-reset").click()
    wait_for(dash_duo, lambda d: d.find_element(By.CSS_SELECTOR, "#admin-secret").text not in ("", secret))
    # A wall account, then a device token for it on the devices page.
    with write_session(get_engine(app_url)) as session:
        root = session.scalar(select(User.scope_org_id).where(User.username == admin))
        users_data.create_user(session, username="hall_screen", display_name="大厅", role="wall", scope_org_id=root)
    dash_duo.find_element("a.aocc-nav__link[href='/admin/devices']").click()
    dash_duo.wait_for_element("#admin-devices-name").send_keys("指挥大厅")
    dash_duo.select_dcc_dropdown("#admin-devices-account", index=0)
    dash_duo.find_element("#admin-devices-issue").click()
    url = dash_duo.wait_for_element("#admin-secret").text
    assert "/wall/login?token=aocc_wall_" in url
    wait_for(
        dash_duo,
        lambda d: any("指挥大厅" in r.text for r in d.find_elements(By.CSS_SELECTOR, "#admin-devices-grid .ag-row")),
    )
    # The audit log shows all of it.
    dash_duo.find_element("a.aocc-nav__link[href='/admin/audit']").click()
    wait_for(dash_duo, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#admin-audit-grid .ag-row")) >= 3)
    grid = dash_duo.find_element("#admin-audit-grid").text
    assert "签发设备令牌" in grid and "新建用户" in grid and "登录" in grid
    screenshots = Path(__file__).resolve().parent / "screenshots"
    screenshots.mkdir(exist_ok=True)
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.driver.save_screenshot(str(screenshots / "admin-audit.png"))
    dash_duo.find_element("a.aocc-nav__link[href='/admin/users']").click()
    wait_for(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, "#admin-users-grid .ag-row"))
    dash_duo.driver.save_screenshot(str(screenshots / "admin-users.png"))
    assert dash_duo.get_logs() == []


def test_revoked_wall_token_stops_the_screen_at_its_next_refresh(dash_duo, login_as, app_url):
    app = make_app(app_url, refresh_interval_seconds=2)
    login_as(app, "wall", path="/")
    wait_for(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, ".aocc-kpi__number"))
    assert "用户管理" not in nav_text(dash_duo)
    with write_session(get_engine(app_url)) as session:
        for token in session.scalars(select(DeviceToken)):
            tokens_data.revoke_device_token(session, token.id)
    wait_for(dash_duo, lambda d: "/login" in d.current_url, timeout=15)
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, ".aocc-kpi__number")
    dash_duo.driver.get(dash_duo.server.url + "/")
    wait_for(dash_duo, lambda d: "/login" in d.current_url)


def test_demo_accounts_sign_in_and_the_county_account_sees_its_county(dash_duo, demo_copy_url):
    """``make run``'s accounts on the real demo: the printed password works through the form,
    and the county viewer's pages start at (and stay inside) their county."""
    from security.accounts import ensure_demo_accounts

    accounts = {
        username: secret
        for username, _role, secret in ensure_demo_accounts(load_config(database_url=demo_copy_url, demo_mode=True))
    }
    with session_scope(get_engine(demo_copy_url)) as session:
        county = session.scalars(select(User).where(User.username == "county")).one()
        from data.models import OrgNode

        county_name = session.get(OrgNode, county.scope_org_id).name_zh
    app = make_app(demo_copy_url, refresh_interval_seconds=3600)
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "county", accounts["county"], path="/energy")
    wait_for(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, ".aocc-page--energy .aocc-kpi__number"))
    crumbs = wait_for(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, ".aocc-breadcrumb .breadcrumb-item"))
    assert [c.text for c in crumbs] == [county_name]
    assert "用户管理" not in nav_text(dash_duo)
    assert dash_duo.get_logs() == []
