"""Database and browser availability for the tests, and throw-away PostgreSQL databases.

A plain module (not a conftest) so that fixtures and helper modules import it by one name,
whatever order pytest loads its conftest files in.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
import sqlalchemy as sa

from data.db import dispose_engine

PG_URL = os.environ.get("PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("REQUIRE_PG") == "1"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")


def _pg_available() -> str | None:
    """None if the server answers, else why not."""
    try:
        engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # the reason is reported in the skip message
        return f"PostgreSQL at {PG_URL} unavailable: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"


def require_pg() -> None:
    reason = _pg_available()
    if reason:
        if REQUIRE_PG:
            pytest.fail(f"REQUIRE_PG=1 but {reason}")
        pytest.skip(reason)


def require_browser() -> None:
    if CHROMIUM and CHROMEDRIVER:
        return
    reason = "Chromium and chromedriver not installed (apt-get install chromium chromium-driver fonts-noto-cjk)"
    if REQUIRE_BROWSER:
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _admin_url(url: str, database: str) -> str:
    return sa.engine.make_url(url).set(database=database).render_as_string(hide_password=False)


class PostgresDatabase:
    """A throw-away database on the shared server."""

    def __init__(self, base_url: str = PG_URL):
        self.name = f"aocc_test_{uuid.uuid4().hex[:12]}"
        self.base_url = base_url
        self.url = _admin_url(base_url, self.name)

    def create(self, *, template_url: str | None = None) -> str:
        """Create the database, empty or as a copy of ``template_url``'s database (which must have
        no open connection: its engine is disposed first)."""
        admin = sa.create_engine(self.base_url, isolation_level="AUTOCOMMIT")
        template = ""
        if template_url is not None:
            dispose_engine(template_url)
            template = f' TEMPLATE "{sa.engine.make_url(template_url).database}"'
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.name}"{template}'))
        admin.dispose()
        return self.url

    def drop(self) -> None:
        dispose_engine(self.url)
        admin = sa.create_engine(self.base_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()


def chrome_options():
    """Options for Debian's Chromium in tests: headless, 1920×1080, Chinese, no network chatter."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    if CHROMIUM:
        options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1920,1080",
        "--lang=zh-CN",
    ):
        options.add_argument(arg)
    return options
