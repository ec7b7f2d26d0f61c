"""Browser-test fixtures for an app behind the login (owned by access control).

Every route needs a signed-in user, so a browser test signs in first::

    from config import load_config
    from browser_access import TEST_SECRET

    def test_overview(dash_duo, login_as, demo_copy_url):
        app = create_app(load_config(database_url=demo_copy_url, secret_key=TEST_SECRET))
        login_as(app, "leader")                  # starts the server, signs in, opens "/"
        login_as(app, "viewer", path="/energy")  # another role, another page
        ...
        assert dash_duo.get_logs() == []

``login_as`` creates (or resets) an account ``test_<role>`` with a random password in the
app's database, scoped to the org tree's root unless ``scope_org_id`` is given, fills the
real login form and waits for the Dash entry point of ``path``. Role ``"wall"`` signs in by a
freshly issued device token instead. Signing in writes to the database (account, audit rows),
so use a writable database: ``demo_copy_url`` is a private copy of the session's demo.
"""

from __future__ import annotations

import shutil
from urllib.parse import quote

import pytest

from data.db import dispose_engine

from browser_access import make_account, sign_in


@pytest.fixture
def login_as(dash_duo):
    """``login_as(app, role="leader", *, path="/", scope_org_id=None) -> username``."""

    def _login(
        app, role: str = "leader", *, path: str = "/", scope_org_id: int | None = None, username: str | None = None
    ) -> str:
        if not getattr(dash_duo.server, "started", False):
            dash_duo.start_server(app, navigate=False)
        database_url = app.server.config["AOCC_CONFIG"].database_url
        name, secret = make_account(database_url, role, username=username, scope_org_id=scope_org_id)
        if role == "wall":
            dash_duo.driver.get(f"{dash_duo.server.url}/wall/login?token={secret}&next={quote(path)}")
            dash_duo.wait_for_element(dash_duo.dash_entry_locator, timeout=40)  # a first page under a loaded CI machine
        else:
            sign_in(dash_duo, name, secret, path=path)
        dash_duo._url = dash_duo.server.url  # so dash_duo helpers that use server_url work
        return name

    return _login


@pytest.fixture
def demo_copy_url(demo_sqlite_url, tmp_path) -> str:
    """A private, writable copy of the session's SQLite demo database."""
    source = demo_sqlite_url.removeprefix("sqlite:///")
    dispose_engine(demo_sqlite_url)  # checkpoint-free copy: no open connection holds the WAL
    target = tmp_path / "demo-copy.sqlite3"
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        try:
            shutil.copyfile(source + suffix, str(target) + suffix)
        except FileNotFoundError:
            pass
    url = f"sqlite:///{target}"
    yield url
    dispose_engine(url)
