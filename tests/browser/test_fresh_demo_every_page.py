"""A fresh demo, as ``make run`` starts it, opened by every demo account on every registered page.

``manage.py run`` runs in its own process on an empty var directory, as ``make run`` starts it
(demo mode: migrate, generate the demo, create the demo accounts, start the scheduler, serve);
the test waits until the scheduler has registered its sources (drop folders that have never
delivered anything, the simulator), the state a new user meets. Each demo account (admin, leader,
operator, viewer, county viewer, wall screen) signs in as a person would (the login form, or the
wall's device link) and opens every page of Dash's page registry, its own or not. The test fails
on any browser console error, any HTTP response of 500 or above, and any Python traceback in the
server's log: a page that 500s on a fresh demo (a source that never ran, a panel left empty)
cannot pass.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from db_support import CHROMEDRIVER, chrome_options, require_browser

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_LINE = re.compile(r"demo account\s+(\S+)\s+(\S+)\s+(password|screen URL): (\S+)")

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _registered_paths() -> list[str]:
    """Every page of Dash's registry, as ``pages/`` registers them."""
    code = (
        "import os, dash; os.environ.setdefault('SECRET_KEY', 'x' * 32); import app; "
        "print('\\n'.join(sorted(p['path'] for p in dash.page_registry.values())))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "AOCC_VAR_DIR": "/nonexistent-not-used"},
    )
    return [line for line in out.stdout.splitlines() if line.startswith("/")]


@contextlib.contextmanager
def running_app(var: Path, settings: dict[str, str], ready: Callable[[], bool]) -> Iterator[tuple[str, dict]]:
    """``manage.py run`` on an empty ``var`` directory with ``settings`` over the environment, as
    ``make run`` starts it; yields ``(base URL, environment)`` once ``ready()`` holds, and stops the
    web process and its scheduler afterwards. Its output goes to ``var/server.log``."""
    port = _free_port()
    log_path = var / "server.log"
    env = {
        **os.environ,
        "AOCC_VAR_DIR": str(var),
        "AOCC_PORT": str(port),
        "AOCC_HOST": "127.0.0.1",
        "AOCC_REFRESH_SECONDS": "3600",
        "PYTHONUNBUFFERED": "1",
        **settings,
    }
    for name in ("DATABASE_URL", "AOCC_DATA_DIR", "AOCC_DROP_DIR"):
        env.pop(name, None)
    with open(log_path, "w", encoding="utf-8") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        while "serving http://" not in log_path.read_text(encoding="utf-8") or not ready():
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("manage.py run did not get ready:\n" + log_path.read_text(encoding="utf-8")[-4000:])
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", env
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the web process and its scheduler
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory):
    """``(base URL, accounts, server log path)`` of ``manage.py run`` on a new demo, once the
    scheduler has registered its sources."""
    require_browser()
    var = tmp_path_factory.mktemp("fresh-var")
    with running_app(var, {"AOCC_DEMO": "1"}, lambda: bool(_scheduler_sources(var / "aocc.sqlite3"))) as (base, _env):
        log_path = var / "server.log"
        accounts = {
            m.group(1): (m.group(2), m.group(4)) for m in ACCOUNT_LINE.finditer(log_path.read_text(encoding="utf-8"))
        }
        yield base, accounts, log_path


def _scheduler_sources(database: Path) -> list[str]:
    """The sources the scheduler registers at its start (drop folders, simulator), once it has."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
        try:
            return [row[0] for row in conn.execute("SELECT code FROM data_source WHERE code LIKE 'drop_%'")]
        except sqlite3.OperationalError:  # not migrated yet
            return []


def _driver() -> webdriver.Chrome:
    options = chrome_options()
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def _settled(driver) -> bool:
    """Dash has rendered and no callback is pending."""
    return driver.execute_script(
        "var s = window.store && window.store.getState && window.store.getState();"
        "if (!s || !s.layout) { return false; }"
        "var pending = (s.pendingCallbacks || []).length + (s.isLoading ? 1 : 0);"
        "return pending === 0 && document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0;"
    )


def _problems(driver, where: str) -> list[str]:
    found = []
    for entry in driver.get_log("browser"):
        if entry["level"] in ("SEVERE", "ERROR"):
            found.append(f"{where}: console {entry['level']}: {entry['message']}")
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.responseReceived":
            response = message["params"]["response"]
            if response.get("status", 0) >= 500:
                found.append(f"{where}: HTTP {response['status']} from {response['url']}")
    return found


def _sign_in(driver, base: str, username: str, role: str, secret: str) -> None:
    if role == "wall":
        driver.get(secret)  # the printed device link
    else:
        driver.get(f"{base}/login?next=/")
        driver.find_element(By.ID, "login-username").send_keys(username)
        driver.find_element(By.ID, "login-password").send_keys(secret)
        driver.find_element(By.ID, "login-submit").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, "react-entry-point"))


def test_every_page_as_every_demo_role_is_clean(fresh_demo):
    base, accounts, log_path = fresh_demo
    assert set(accounts) >= {"admin", "leader", "operator", "viewer", "county", "wall"}, accounts
    paths = _registered_paths()
    assert {"/", "/energy", "/vehicles", "/assets", "/housing", "/data"} <= set(paths), paths
    problems: list[str] = []
    for username, (role, secret) in sorted(accounts.items()):
        driver = _driver()
        try:
            _sign_in(driver, base, username, role, secret)
            for path in paths:
                driver.get(base + path)
                WebDriverWait(driver, 30).until(_settled)
                time.sleep(0.3)  # a callback chained on the first outputs starts after they arrive
                WebDriverWait(driver, 30).until(_settled)
                body = driver.find_element(By.TAG_NAME, "body").text
                assert body.strip(), f"{username} {path}: blank page"
                problems += _problems(driver, f"{username} {path}")
        finally:
            driver.quit()
    server_log = log_path.read_text(encoding="utf-8")
    if "Traceback (most recent call last)" in server_log:
        problems.append("server log holds a traceback:\n" + server_log[server_log.index("Traceback") :][:4000])
    assert problems == [], "\n".join(problems)
