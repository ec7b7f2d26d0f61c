"""Signing in from browser tests: an account per role in the app's database and the real
login form. ``conftest.py`` wraps these in the ``login_as`` fixture; its docstring says how page
tests use it. ``TEST_SECRET`` is a random secret key for test apps."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from data import device_tokens as tokens_data
from data import users as users_data
from data.db import get_engine, write_session
from data.scope import root_node
from data.seed import seed_reference

TEST_SECRET = "browser-tests-" + secrets.token_hex(16)


def make_account(
    database_url: str, role: str, *, username: str | None = None, scope_org_id: int | None = None
) -> tuple[str, str]:
    """Create or reset ``test_<role>``; returns ``(username, password)`` (for wall: the device token)."""
    username = username or f"test_{role}"
    engine = get_engine(database_url)
    with write_session(engine) as session:
        seed_reference(session)
        if scope_org_id is None:
            root = root_node(session.connection())
            if root is None:
                raise RuntimeError("the test database holds no organisation tree")
            scope_org_id = root.id
        user = users_data.get_user_by_username(session, username)
        if user is None:
            user = users_data.create_user(
                session, username=username, display_name=username, role=role, scope_org_id=scope_org_id
            )
        else:
            user.role_code, user.scope_org_id, user.active = role, scope_org_id, True
        if role == "wall":
            _, secret = tokens_data.issue_device_token(
                session, user_id=user.id, name=f"{username} screen", created_by="tests"
            )
        else:
            secret = users_data.generate_password()
            users_data.set_password(session, user.id, secret)
    return username, secret


def sign_in(dash_duo, username: str, password: str, *, path: str = "/", wait: bool = True) -> None:
    """Fill and submit the real login form; then wait for Dash to render ``path``."""
    dash_duo.driver.get(f"{dash_duo.server.url}/login?next={quote(path)}")
    dash_duo.wait_for_element("#login-username").send_keys(username)
    dash_duo.find_element("#login-password").send_keys(password)
    dash_duo.find_element("#login-submit").click()
    if wait:
        dash_duo.wait_for_element(dash_duo.dash_entry_locator, timeout=40)  # a first page under a loaded CI machine
