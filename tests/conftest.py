"""Shared fixtures: fresh migrated databases (SQLite and PostgreSQL), and the browser set-up.

PostgreSQL tests create a database with a unique name on the server at ``PG_URL`` and drop it
afterwards; they never touch anything else on that server. Without a server they are skipped,
unless ``REQUIRE_PG=1`` (CI), where a missing server fails them. The same holds for browser
tests with ``REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# `import app` builds the module-level app, which refuses the default secret key outside demo
# mode; tests use a key of their own, never a deployment's.
os.environ.setdefault("SECRET_KEY", "test-only-" + uuid.uuid4().hex)
# Expected values in the tests are written in the product's default zone; a test of another zone
# sets AOCC_TIMEZONE itself (tests/integration/test_time_zone.py). A developer's own setting must
# not change what the suite expects.
os.environ["AOCC_TIMEZONE"] = "Asia/Shanghai"

from data.db import dispose_engine  # noqa: E402
from data.migrate import upgrade  # noqa: E402

from db_support import (  # noqa: E402  (shared with helper modules that are not conftests)
    PG_URL,
    PostgresDatabase,
    chrome_options,
    require_browser,
    require_pg,
)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """An empty SQLite database migrated to head."""
    url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    upgrade(url)
    yield url
    dispose_engine(url)


@pytest.fixture
def pg_url() -> str:
    """An empty PostgreSQL database migrated to head, dropped afterwards."""
    require_pg()
    db = PostgresDatabase()
    db.create()
    try:
        upgrade(db.url)
        yield db.url
    finally:
        db.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """The same test on both databases."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        upgrade(url)
        yield url
        dispose_engine(url)
    else:
        require_pg()
        db = PostgresDatabase()
        db.create()
        try:
            upgrade(db.url)
            yield db.url
        finally:
            db.drop()


# --- browser (dash[testing]) -------------------------------------------------------------


def pytest_setup_options():
    """Chrome options for dash_duo: Debian's Chromium, headless, no network chatter."""
    return chrome_options()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "dash_duo" in getattr(item, "fixturenames", ()) or "dash_thread_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _browser_available(request):
    if request.node.get_closest_marker("browser"):
        require_browser()


# --- the demo province, built once per test session ----------------------------------------

DEMO_AS_OF = __import__("datetime").date(2026, 11, 20)
DEMO_SEED = 20261125


@pytest.fixture(scope="session")
def demo_sqlite_url(tmp_path_factory) -> str:
    """A SQLite database holding the ``small`` demo as of ``DEMO_AS_OF``. Read-only for tests:
    a test that writes must build its own database."""
    from data.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    build_demo(url, tier="small", seed=DEMO_SEED, as_of=DEMO_AS_OF)
    yield url
    dispose_engine(url)


@pytest.fixture(scope="session")
def demo_pg_url() -> str:
    """The same demo on a throw-away PostgreSQL database."""
    from data.demo import build_demo

    require_pg()
    db = PostgresDatabase()
    db.create()
    try:
        upgrade(db.url)
        build_demo(db.url, tier="small", seed=DEMO_SEED, as_of=DEMO_AS_OF)
        yield db.url
    finally:
        db.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_url(request) -> str:
    """The demo database, on each engine in turn."""
    name = "demo_sqlite_url" if request.param == "sqlite" else "demo_pg_url"
    return request.getfixturevalue(name)
