"""A new installation that has only files: no demo, an empty database, then the department files.

``manage.py run`` starts on an empty var directory with the demo off, as a new deployment does
(migrate, seed the reference data, serve, start the scheduler). Everything else arrives as files
a clerk drops into the drop folders, all at once: the master data (org units, buildings, meters,
vehicles, staff, office rooms, housing units, quotas) into ``drop/master/``, the readings and
trips into their domains' folders (which wait for the master folder). Each file must be applied
with no row rejected; then the administrator is created, signs in and opens every page, which must
show the files' province, figures computed from them, no console error, no HTTP 5xx and no
traceback in the server's log.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from test_fresh_demo_every_page import _driver, _problems, _registered_paths, _settled, _sign_in, running_app

from db_support import require_browser

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
# Master data in dependency order is the drop folder's job, not the clerk's: they arrive shuffled.
MASTER_FILES = sorted(p.name for p in SAMPLES.glob("master_*.*"))[::-1]
FACT_FILES = {"energy": ["fresh_electricity.csv", "fresh_water.csv"], "vehicle": ["fresh_trips.csv"]}
ADMIN_PASSWORD = "Fresh-Install-2026!"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory):
    """``(base URL, var dir, server log path, environment)`` of ``manage.py run`` without the demo,
    once its drop folders are registered."""
    require_browser()
    var = tmp_path_factory.mktemp("fresh-install")
    settings = {"AOCC_DEMO": "0", "SECRET_KEY": secrets.token_hex(32), "AOCC_DROP_INTERVAL_SECONDS": "2"}
    with running_app(var, settings, lambda: bool(_drop_folders(var))) as (base, env):
        yield base, var, var / "server.log", env


def _database(var: Path) -> Path:
    return var / "aocc.sqlite3"


def _query(var: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{_database(var)}?mode=ro", uri=True, timeout=10) as conn:
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return []


def _drop_folders(var: Path) -> dict[str, Path]:
    """Each drop folder the scheduler registered, by domain (master data included)."""
    rows = _query(var, "SELECT domain, config FROM data_source WHERE kind = 'file_drop'")
    folders = {}
    for domain, config in rows:
        match = re.search(r'"folder":\s*"([^"]+)"', config or "")
        if match:
            folders[domain] = Path(match.group(1))
    return folders if "master" in folders else {}


def _drop_and_wait(log_path: Path, drops: dict[Path, list[str]]) -> None:
    """Copy the files into their folders and wait until the scheduler has applied every one."""
    for folder, names in drops.items():
        for name in names:
            shutil.copy(SAMPLES / name, folder / name)
    deadline = time.monotonic() + 180
    while True:
        pending = []
        for folder, names in drops.items():
            done = {p.name for p in (folder / "done").glob("*")} if (folder / "done").exists() else set()
            failed = [p.name for p in (folder / "failed").glob("*")] if (folder / "failed").exists() else []
            assert not failed, f"files refused: {failed}\n" + log_path.read_text(encoding="utf-8")[-4000:]
            pending += [n for n in names if not any(d.startswith(n.rsplit(".", 1)[0] + ".batch") for d in done)]
        if not pending:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{pending} not applied:\n" + log_path.read_text(encoding="utf-8")[-4000:])
        time.sleep(0.5)


def test_a_fresh_install_becomes_a_command_center_from_files_alone(fresh_install):
    base, var, log_path, env = fresh_install
    # Nothing but the reference data yet: no org, no user, no demo.
    assert _query(var, "SELECT COUNT(*) FROM org_node") == [(0,)]
    assert _query(var, "SELECT COUNT(*) FROM app_user") == [(0,)]
    folders = _drop_folders(var)

    _drop_and_wait(
        log_path,
        {folders["master"]: MASTER_FILES, **{folders[domain]: names for domain, names in FACT_FILES.items()}},
    )
    created = subprocess.run(
        [sys.executable, "manage.py", "create-admin", "admin", "--password-stdin"],
        cwd=ROOT,
        env=env,
        input=ADMIN_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr

    batches = _query(var, "SELECT file_name, fact, status, rows_accepted, rows_rejected FROM load_batch ORDER BY id")
    loaded = {row[0]: row for row in batches}
    for name in MASTER_FILES + [n for names in FACT_FILES.values() for n in names]:
        row = next((r for f, r in loaded.items() if f and f.endswith(name)), None)
        assert row is not None, f"{name}: no batch ({batches})"
        assert row[2] == "applied" and row[3] > 0 and row[4] == 0, row
    assert _query(var, "SELECT name_zh FROM org_node WHERE parent_id IS NULL") == [("示范省",)]

    driver = _driver()
    problems: list[str] = []
    try:
        _sign_in(driver, base, "admin", "admin", ADMIN_PASSWORD)
        for path in _registered_paths():
            driver.get(base + path)
            WebDriverWait(driver, 30).until(_settled)
            time.sleep(0.3)
            WebDriverWait(driver, 30).until(_settled)
            body = driver.find_element(By.TAG_NAME, "body").text
            assert body.strip(), f"{path}: blank page"
            if path in ("/", "/energy"):
                assert "示范省" in body, f"{path}: the province of the files is not shown:\n{body[:1500]}"
                numbers = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".aocc-kpi__number")]
                assert any(re.search(r"\d", n) for n in numbers), f"{path}: no figure from the files: {numbers}"
            problems += _problems(driver, path)
    finally:
        driver.quit()
    server_log = log_path.read_text(encoding="utf-8")
    if "Traceback (most recent call last)" in server_log:
        problems.append("server log holds a traceback:\n" + server_log[server_log.index("Traceback") :][:4000])
    assert problems == [], "\n".join(problems)
