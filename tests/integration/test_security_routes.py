"""Every route refuses anonymous requests; login, logout, throttling, CSRF, session ending,
expiry, wall-display tokens and security headers work through the real endpoints."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from config import DEFAULT_SECRET_KEY, load_config
from data import device_tokens as tokens_data
from data import login as login_data
from data import users as users_data
from data.db import get_engine, session_scope, write_session
from data.models import AuditLog, DeviceToken, LoginAttempt, User
from security.auth import LOGIN_AT_KEY, WALL_COOKIE, safe_next
from security.guard import public_endpoints

from security_support import (
    PASSWORD,
    TEST_SECRET,
    call_callback,
    csrf_from,
    dependencies,
    import_create_app,
    login,
    make_app,
    seed_accounts,
    seed_org_tree,
    signed_in_client,
)

EXPECTED_PUBLIC = {
    "aocc_auth.login",
    "aocc_auth.wall_login",
    "aocc_auth.static",
    "_dash_assets.static",
    "/_favicon.ico",
}


@pytest.fixture
def secured(db_url):
    seed_org_tree(db_url)
    tokens = seed_accounts(db_url)
    app = make_app(db_url)
    return app, db_url, tokens


@pytest.fixture
def secured_sqlite(sqlite_url):
    seed_org_tree(sqlite_url)
    tokens = seed_accounts(sqlite_url)
    return make_app(sqlite_url), sqlite_url, tokens


def audit_rows(url: str, action: str) -> list[AuditLog]:
    with session_scope(get_engine(url)) as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


_CONVERTER = re.compile(r"<(?:(?P<conv>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_SAMPLES = {
    "int": "1",
    "float": "1.5",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "path": "some/nested/file.pdf",
    "string": "sample",
    "default": "sample.css",
    "any": "sample",
}


def sample_path(rule: str) -> str:
    return _CONVERTER.sub(lambda m: _SAMPLES.get(m.group("conv") or "default", "sample"), rule)


def test_every_url_rule_refuses_anonymous_requests(secured_sqlite):
    """Walks the whole URL map: a route added later without protection fails here."""
    app, _url, _tokens = secured_sqlite
    # The first signed-in request runs Dash's lazy set-up, which may add routes (callback APIs).
    signed_in_client(app, "admin").get("/_dash-layout")
    public = public_endpoints(app)
    assert public == EXPECTED_PUBLIC, "the public allowlist changed: review it and this test together"
    checked = 0
    for rule in app.server.url_map.iter_rules():
        if rule.endpoint in public:
            continue
        path = sample_path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for headers in ({"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}, {"Accept": "application/json"}, {}):
                client = app.server.test_client()
                response = client.open(path, method=method, headers=headers, json={} if method != "GET" else None)
                where = f"{method} {path} ({rule.endpoint}) with {headers}"
                if response.status_code == 302:
                    assert response.headers["Location"].startswith("/login"), where
                    assert (
                        method == "GET"
                        and headers.get("Sec-Fetch-Mode") == "navigate"
                        or "text/html" in headers.get("Accept", "")
                    ), where
                else:
                    assert response.status_code == 401, f"{where}: {response.status_code}"
                    assert response.get_json()["error"] == "login_required"
                checked += 1
    assert checked >= 20


def test_dash_endpoints_refuse_anonymous_with_401_json(secured_sqlite):
    app, _url, _tokens = secured_sqlite
    client = app.server.test_client()
    for path in (
        "/_dash-layout",
        "/_dash-dependencies",
        "/_reload-hash",
        "/_dash-component-suites/dash/dcc/async-graph.js",
        "/snapshots/1.pdf",
    ):
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 401, path
        assert response.get_json() == {"error": "login_required", "login": "/login"}
    response = client.post("/_dash-update-component", json={"output": "x.children"})
    assert response.status_code == 401


def test_public_routes_are_served_without_login(secured_sqlite):
    app, _url, _tokens = secured_sqlite
    client = app.server.test_client()
    page = client.get("/login")
    assert page.status_code == 200 and 'id="login-form"' in page.get_data(as_text=True)
    assert client.get("/auth/static/auth.css").status_code == 200
    assert client.get("/_favicon.ico").status_code == 200
    # The login page needs no Dash bundle: it is a plain form without any script.
    assert "<script" not in page.get_data(as_text=True)


def test_anonymous_page_visit_redirects_to_login_with_next(secured_sqlite):
    app, _url, _tokens = secured_sqlite
    client = app.server.test_client()
    response = client.get("/energy?org=3", headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fenergy%3Forg%3D3"
    assert client.get("/", headers={"Sec-Fetch-Mode": "navigate"}).headers["Location"] == "/login"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("/energy?org=3", "/energy?org=3"),
        ("/", "/"),
        ("//evil.example/x", "/fallback"),
        ("https://evil.example/", "/fallback"),
        ("/\\evil.example", "/fallback"),
        ("javascript:alert(1)", "/fallback"),
        ("/login", "/fallback"),
        ("/logout?x=1", "/fallback"),
        ("/ok\r\nSet-Cookie: x=1", "/fallback"),
        ("", "/fallback"),
        (None, "/fallback"),
    ],
)
def test_safe_next_accepts_only_local_paths(value, expected):
    assert safe_next(value, "/fallback") == expected


def test_login_redirects_to_a_local_next_only(secured_sqlite):
    app, _url, _tokens = secured_sqlite
    client = app.server.test_client()
    assert login(client, "leader", next_url="/energy?org=2").headers["Location"] == "/energy?org=2"
    client = app.server.test_client()
    assert login(client, "leader", next_url="//evil.example/").headers["Location"] == "/"


def test_login_success_and_failure_are_audited(secured):
    app, url, _tokens = secured
    client = app.server.test_client()
    failed = login(client, "leader", "wrong-password-1")
    assert failed.status_code == 200 and "用户名或密码错误" in failed.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    unknown = login(client, "nobody", "wrong-password-1")
    assert "用户名或密码错误" in unknown.get_data(as_text=True)  # same answer: no user enumeration
    ok = login(client, "leader")
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert client.get("/_dash-layout").status_code == 200
    failures = audit_rows(url, "login_failed")
    assert [(r.target, r.outcome) for r in failures] == [("leader", "failed"), ("nobody", "failed")]
    assert failures[0].address == "127.0.0.1"
    logins = audit_rows(url, "login")
    assert [(r.actor, r.outcome) for r in logins] == [("leader", "ok")]


def test_login_form_needs_its_csrf_token(secured_sqlite):
    app, url, _tokens = secured_sqlite
    client = app.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "leader", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/_dash-layout").status_code == 401
    other = app.server.test_client()  # no session at all: a cross-site form post
    assert other.post("/login", data={"username": "leader", "password": PASSWORD}).status_code == 400
    assert audit_rows(url, "login") == []


def test_account_lockout_after_repeated_failures(secured):
    app, url, _tokens = secured
    client = app.server.test_client()
    for _ in range(login_data.DEFAULT_POLICY.max_account_failures):
        login(client, "leader", "wrong-password-1")
    locked = login(client, "leader")  # the right password, but locked now
    assert locked.status_code == 200
    assert "尝试次数过多" in locked.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    assert audit_rows(url, "login_locked")[-1].outcome == "denied"
    # Another account from the same address is not locked by this one's failures.
    assert login(app.server.test_client(), "viewer").status_code == 302
    with session_scope(get_engine(url)) as session:
        user = users_data.get_user_by_username(session, "leader")
        assert user.locked_until is not None and user.failed_logins == login_data.DEFAULT_POLICY.max_account_failures


def test_address_lockout_across_usernames(secured_sqlite):
    app, url, _tokens = secured_sqlite
    client = app.server.test_client()
    for i in range(login_data.DEFAULT_POLICY.max_address_failures):
        login(client, f"guess{i}", "wrong-password-1")
    assert "尝试次数过多" in login(client, "viewer").get_data(as_text=True)
    # Kept in the database, so a second worker (another app on the same database) agrees.
    other_worker = make_app(url)
    assert "尝试次数过多" in login(other_worker.server.test_client(), "viewer").get_data(as_text=True)
    # A different address is unaffected.
    other = app.server.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert login(other, "viewer").status_code == 302


def test_session_cookie_flags(secured_sqlite):
    app, _url, _tokens = secured_sqlite
    client = app.server.test_client()
    response = login(client, "leader")
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("aocc_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie and "Expires=" in cookie
    secure_app = make_app(_url, session_cookie_secure=True)
    client = secure_app.server.test_client()
    response = login(client, "leader")
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("aocc_session=")][0]
    assert "Secure" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_logout_ends_the_session_even_for_a_copied_cookie(secured_sqlite):
    app, url, _tokens = secured_sqlite
    client = signed_in_client(app, "leader")
    stolen = client.get_cookie("aocc_session").value
    response = client.get("/logout", headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/_dash-layout").status_code == 401
    replay = app.server.test_client()
    replay.set_cookie("aocc_session", stolen)
    assert replay.get("/_dash-layout").status_code == 401
    assert audit_rows(url, "logout")[-1].actor == "leader"


def test_cross_site_logout_link_asks_first(secured_sqlite):
    app, _url, _tokens = secured_sqlite
    client = signed_in_client(app, "leader")
    page = client.get("/logout", headers={"Sec-Fetch-Site": "cross-site"})
    assert page.status_code == 200 and 'id="logout-form"' in page.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 200
    forged = client.post("/logout", data={"csrf_token": "nope"}, headers={"Origin": "http://localhost"})
    assert forged.status_code == 400
    assert client.get("/_dash-layout").status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}, headers={"Origin": "http://localhost"}).status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def test_disable_and_password_reset_end_existing_sessions(secured):
    app, url, _tokens = secured
    viewer = signed_in_client(app, "viewer")
    county = signed_in_client(app, "county")
    with write_session(get_engine(url)) as session:
        users_data.update_user(session, users_data.get_user_by_username(session, "viewer").id, active=False)
        users_data.set_password(session, users_data.get_user_by_username(session, "county").id, "Another-Pass-77")
    assert viewer.get("/_dash-layout").status_code == 401
    assert county.get("/_dash-layout").status_code == 401
    assert login(app.server.test_client(), "viewer").status_code == 200  # disabled: refused
    assert login(app.server.test_client(), "county", "Another-Pass-77").status_code == 302


def test_session_expires_after_its_lifetime(secured_sqlite):
    app, _url, _tokens = secured_sqlite
    client = signed_in_client(app, "leader")
    with client.session_transaction() as session:
        session[LOGIN_AT_KEY] -= app.server.config["AOCC_CONFIG"].session_lifetime_minutes * 60 + 1
    response = client.get("/energy", headers={"Accept": "text/html"})
    assert response.status_code == 302 and "reason=expired" in response.headers["Location"]
    assert client.get("/_dash-layout").status_code == 401


def test_reset_password_must_be_changed_before_anything_else(secured_sqlite):
    app, url, _tokens = secured_sqlite
    with write_session(get_engine(url)) as session:
        users_data.set_password(
            session, users_data.get_user_by_username(session, "viewer").id, "Temporary-Pass-1", must_change=True
        )
    client = app.server.test_client()
    response = login(client, "viewer", "Temporary-Pass-1")
    assert response.headers["Location"] == "/account/password"
    assert client.get("/", headers={"Accept": "text/html"}).headers["Location"] == "/account/password"
    assert client.get("/_dash-layout").status_code == 403
    form = client.get("/account/password").get_data(as_text=True)
    changed = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_from(form),
            "current": "Temporary-Pass-1",
            "new": "My-Own-Pass-99",
            "repeat": "My-Own-Pass-99",
        },
        headers={"Origin": "http://localhost"},
    )
    assert changed.status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    assert audit_rows(url, "password_change")[-1].outcome == "ok"


def test_cross_site_state_changes_are_refused(secured_sqlite):
    app, _url, _tokens = secured_sqlite
    client = signed_in_client(app, "admin")
    deps = dependencies(client)
    spec = next(d for d in deps if "admin-users-grid.rowData" in d["output"])
    payload = {"output": spec["output"], "outputs": [], "inputs": [], "changedPropIds": []}
    assert (
        client.post("/_dash-update-component", json=payload, headers={"Origin": "https://evil.example"}).status_code
        == 403
    )
    assert (
        client.post("/_dash-update-component", json=payload, headers={"Sec-Fetch-Site": "cross-site"}).status_code
        == 403
    )


def test_security_headers_on_every_kind_of_response(secured_sqlite):
    app, _url, _tokens = secured_sqlite
    anonymous = app.server.test_client()
    client = signed_in_client(app, "leader")
    responses = {
        "login page": anonymous.get("/login"),
        "refusal": anonymous.get("/_dash-layout"),
        "redirect": anonymous.get("/", headers={"Accept": "text/html"}),
        "index": client.get("/"),
        "layout": client.get("/_dash-layout"),
        "bundle": client.get("/_dash-component-suites/dash/dcc/async-graph.js"),
    }
    for name, response in responses.items():
        csp = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp, name
        assert (
            "script-src 'self'" in csp and "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
        )
        assert "object-src 'none'" in csp and "base-uri 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Referrer-Policy"] == "same-origin", name
        assert response.headers["X-Frame-Options"] == "DENY", name
    # The index page allows exactly Dash's own inline scripts by hash.
    assert re.search(
        r"script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')+;", responses["index"].headers["Content-Security-Policy"]
    )
    assert responses["layout"].headers["Cache-Control"] == "no-store"


def test_app_refuses_to_start_with_the_default_secret_key(sqlite_url):
    from security import InsecureConfiguration

    create_app = import_create_app()
    with pytest.raises(InsecureConfiguration, match="SECRET_KEY"):
        create_app(load_config(database_url=sqlite_url, secret_key=DEFAULT_SECRET_KEY, demo_mode=False))
    with pytest.raises(InsecureConfiguration):
        create_app(load_config(database_url=sqlite_url, secret_key="short", demo_mode=False))
    assert create_app(load_config(database_url=sqlite_url, secret_key=DEFAULT_SECRET_KEY, demo_mode=True))
    assert create_app(
        load_config(
            database_url=sqlite_url, secret_key=DEFAULT_SECRET_KEY, demo_mode=False, allow_default_secret_key=True
        )
    )
    assert create_app(load_config(database_url=sqlite_url, secret_key=TEST_SECRET, demo_mode=False))


# --- wall displays -----------------------------------------------------------------------------


def test_wall_token_login_view_only_and_revocation_at_next_refresh(secured):
    app, url, tokens = secured
    wall = app.server.test_client()
    response = wall.get(f"/wall/login?token={tokens['wall']}&next=/overview")
    assert response.status_code == 302 and response.headers["Location"] == "/overview"
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{WALL_COOKIE}=")][0]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert wall.get("/", headers={"Accept": "text/html"}).status_code == 200
    assert wall.get("/_dash-layout").status_code == 200
    # View only: no administration, whatever it asks for.
    deps = dependencies(wall)
    refused = call_callback(wall, deps, "admin-users-grid.rowData", {"admin-users-refresh.data": 1})
    assert refused.status_code == 403
    assert wall.get("/account/password").status_code == 403
    # Revoke: the very next request of the screen is refused and its cookie dropped.
    with write_session(get_engine(url)) as session:
        token_id = session.scalar(select(DeviceToken.id))
        tokens_data.revoke_device_token(session, token_id)
    refused = wall.get("/_dash-layout")
    assert refused.status_code == 401
    assert any(h.startswith(f"{WALL_COOKIE}=;") for h in refused.headers.getlist("Set-Cookie"))
    assert wall.get("/", headers={"Accept": "text/html"}).headers["Location"].startswith("/login")
    assert [r.outcome for r in audit_rows(url, "device_login")] == ["ok"]


def test_wall_token_in_authorization_header_is_checked_on_every_request(secured_sqlite):
    app, url, tokens = secured_sqlite
    kiosk = app.server.test_client()
    headers = {"Authorization": f"Bearer {tokens['wall']}"}
    assert kiosk.get("/_dash-layout", headers=headers).status_code == 200
    assert kiosk.get("/_dash-layout", headers={"Authorization": "Bearer aocc_wall_forged"}).status_code == 401
    with write_session(get_engine(url)) as session:
        session.get(User, users_data.get_user_by_username(session, "wall").id).active = False
    assert kiosk.get("/_dash-layout", headers=headers).status_code == 401


def test_bad_wall_tokens_are_refused_and_throttled(secured_sqlite):
    app, url, _tokens = secured_sqlite
    client = app.server.test_client()
    response = client.get("/wall/login?token=aocc_wall_guess")
    assert response.status_code == 403 and "令牌无效" in response.get_data(as_text=True)
    for _ in range(login_data.DEFAULT_POLICY.max_address_failures):
        client.get("/wall/login?token=aocc_wall_guess")
    assert client.get("/wall/login?token=aocc_wall_guess").status_code == 429
    with session_scope(get_engine(url)) as session:
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) >= 20


def test_wall_account_cannot_sign_in_with_a_password(secured_sqlite):
    app, _url, _tokens = secured_sqlite
    assert login(app.server.test_client(), "wall", "anything-at-all").status_code == 200


def test_login_page_is_localized_by_cookie_and_switch(secured_sqlite):
    app, _url, _tokens = secured_sqlite
    client = app.server.test_client()
    assert "用户登录" in client.get("/login").get_data(as_text=True)
    switched = client.get("/login?lang=en")
    assert "Sign in" in switched.get_data(as_text=True)
    assert any(h.startswith("aocc_lang=en") for h in switched.headers.getlist("Set-Cookie"))
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    assert TEST_SECRET not in client.get("/login").get_data(as_text=True)
