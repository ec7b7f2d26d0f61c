"""Administration through the real callback endpoint: what each role can and cannot do.

Requests are hand-made posts to ``/_dash-update-component``, exactly what a user could send
from the browser's console whatever buttons the page shows them.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from data import device_tokens as tokens_data
from data import users as users_data
from data.db import get_engine, session_scope
from data.models import AuditLog, DeviceToken, User

from security_support import (
    call_callback,
    dependencies,
    login,
    make_app,
    seed_accounts,
    seed_org_tree,
    signed_in_client,
)

CREATE = "admin-users-message.children"


def create_values(username: str, role: str = "viewer", scope: int = 3) -> dict:
    return {
        "admin-users-create.n_clicks": 1,
        "admin-users-new-username.value": username,
        "admin-users-new-display.value": "新同事",
        "admin-users-new-role.value": role,
        "admin-users-new-scope.value": scope,
    }


@pytest.fixture
def secured(db_url):
    seed_org_tree(db_url)
    tokens = seed_accounts(db_url)
    return make_app(db_url), db_url, tokens


def users_named(url: str, username: str) -> list[User]:
    with session_scope(get_engine(url)) as session:
        return list(session.scalars(select(User).where(User.username == username)))


def audit(url: str, action: str) -> list[AuditLog]:
    with session_scope(get_engine(url)) as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def text_of(component) -> str:
    """All strings inside a serialized Dash component tree."""
    if isinstance(component, str):
        return component
    if isinstance(component, list):
        return " ".join(text_of(c) for c in component)
    if isinstance(component, dict):
        return text_of(component.get("props", {}).get("children", ""))
    return "" if component is None else str(component)


@pytest.mark.parametrize("username", ["viewer", "leader", "operator"])
def test_non_admin_hand_made_request_to_a_mutating_callback_is_refused(secured, username):
    app, url, _ = secured
    client = signed_in_client(app, username)
    deps = dependencies(client)  # every signed-in user can read the callback list
    response = call_callback(
        client, deps, CREATE, create_values("intruder", role="admin", scope=1), triggered="admin-users-create.n_clicks"
    )
    assert response.status_code == 403
    assert response.get_json() == {"error": "permission_denied"}
    assert users_named(url, "intruder") == []
    refusal = audit(url, "permission_denied")[-1]
    assert refusal.actor == username and refusal.outcome == "denied"
    assert refusal.detail["permission"] == "manage_users" and refusal.detail["action"] == "update_users"


def test_admin_creates_a_user_with_a_one_time_password(secured):
    app, url, _ = secured
    client = signed_in_client(app, "admin")
    deps = dependencies(client)
    response = call_callback(client, deps, CREATE, create_values("newcomer"), triggered="admin-users-create.n_clicks")
    assert response.status_code == 200
    message = response.get_json()["response"]["admin-users-message"]["children"]
    password = next(c["props"]["children"] for c in message["props"]["children"] if c["type"] == "Code")
    created = users_named(url, "newcomer")
    assert len(created) == 1 and created[0].role_code == "viewer" and created[0].scope_org_id == 3
    assert created[0].must_change_password and password not in created[0].password_hash
    entry = audit(url, "user_create")[-1]
    assert (entry.actor, entry.target, entry.detail) == ("admin", "newcomer", {"role": "viewer", "scope_org_id": 3})
    assert password not in str(entry.detail)
    # The new user signs in with it and is sent to change it.
    assert login(app.server.test_client(), "newcomer", password).headers["Location"] == "/account/password"


def test_user_list_and_changes_stay_inside_the_admins_scope(secured):
    app, url, _ = secured
    client = signed_in_client(app, "cityadmin")  # an administrator of city A (org 2)
    deps = dependencies(client)
    grid = call_callback(client, deps, "admin-users-grid.rowData", {"admin-users-refresh.data": 0})
    assert grid.status_code == 200
    body = grid.get_json()["response"]
    listed = {row["username"] for row in body["admin-users-grid"]["rowData"]}
    assert listed == {"viewer", "county", "cityadmin"}
    assert {o["value"] for o in body["admin-users-new-scope"]["options"]} == {2, 3, 4, 7, 8}
    # Creating a user scoped outside city A is refused and audited as a failure.
    response = call_callback(
        client, deps, CREATE, create_values("outsider", scope=6), triggered="admin-users-create.n_clicks"
    )
    assert "超出您的管理范围" in text_of(response.get_json()["response"]["admin-users-message"]["children"])
    assert users_named(url, "outsider") == []
    assert audit(url, "user_create")[-1].outcome == "failed"
    # Changing a province-level user is refused too.
    with session_scope(get_engine(url)) as session:
        leader_id = users_data.get_user_by_username(session, "leader").id
    response = call_callback(
        client,
        deps,
        CREATE,
        {
            "admin-users-toggle.n_clicks": 1,
            "admin-users-grid.selectedRows": [{"id": leader_id, "username": "leader"}],
        },
        triggered="admin-users-toggle.n_clicks",
    )
    assert "超出您的管理范围" in text_of(response.get_json()["response"]["admin-users-message"]["children"])
    assert users_named(url, "leader")[0].active


def test_admin_changes_role_and_scope_disables_and_resets(secured):
    app, url, _ = secured
    admin = signed_in_client(app, "admin")
    viewer_session = signed_in_client(app, "viewer")
    deps = dependencies(admin)
    viewer_id = users_named(url, "viewer")[0].id
    selected = [{"id": viewer_id, "username": "viewer", "active": True}]
    saved = call_callback(
        admin,
        deps,
        CREATE,
        {
            "admin-users-save.n_clicks": 1,
            "admin-users-grid.selectedRows": selected,
            "admin-users-edit-role.value": "operator",
            "admin-users-edit-scope.value": 5,
        },
        triggered="admin-users-save.n_clicks",
    )
    assert saved.status_code == 200
    user = users_named(url, "viewer")[0]
    assert (user.role_code, user.scope_org_id) == ("operator", 5)
    assert audit(url, "user_update")[-1].detail == {"role": ["viewer", "operator"], "scope_org_id": [2, 5]}
    # A role or scope change ends the user's sessions: their next request is refused.
    assert viewer_session.get("/_dash-layout").status_code == 401

    disabled = call_callback(
        admin,
        deps,
        CREATE,
        {
            "admin-users-toggle.n_clicks": 1,
            "admin-users-grid.selectedRows": selected,
        },
        triggered="admin-users-toggle.n_clicks",
    )
    assert disabled.status_code == 200 and not users_named(url, "viewer")[0].active
    assert login(app.server.test_client(), "viewer").status_code == 200  # refused

    reset = call_callback(
        admin,
        deps,
        CREATE,
        {
            "admin-users-reset.n_clicks": 1,
            "admin-users-grid.selectedRows": selected,
        },
        triggered="admin-users-reset.n_clicks",
    )
    assert reset.status_code == 200
    assert audit(url, "password_reset")[-1].target == "viewer"


def test_admin_cannot_disable_or_demote_themselves_or_the_last_admin(secured):
    app, url, _ = secured
    admin = signed_in_client(app, "admin")
    deps = dependencies(admin)
    me = users_named(url, "admin")[0]
    response = call_callback(
        admin,
        deps,
        CREATE,
        {
            "admin-users-toggle.n_clicks": 1,
            "admin-users-grid.selectedRows": [{"id": me.id, "username": "admin"}],
        },
        triggered="admin-users-toggle.n_clicks",
    )
    assert "不能修改自己的角色或停用自己" in text_of(response.get_json()["response"]["admin-users-message"]["children"])
    assert users_named(url, "admin")[0].active


def test_device_tokens_issue_once_list_and_revoke(secured):
    app, url, _ = secured
    admin = signed_in_client(app, "admin")
    deps = dependencies(admin)
    with session_scope(get_engine(url)) as session:
        wall_id = users_data.get_user_by_username(session, "wall").id
    grid = call_callback(admin, deps, "admin-devices-grid.rowData", {"admin-devices-refresh.data": 0}).get_json()[
        "response"
    ]
    assert [o["value"] for o in grid["admin-devices-account"]["options"]] == [wall_id]
    issued = call_callback(
        admin,
        deps,
        "admin-devices-message.children",
        {
            "admin-devices-issue.n_clicks": 1,
            "admin-devices-name.value": "指挥大厅主屏",
            "admin-devices-account.value": wall_id,
        },
        triggered="admin-devices-issue.n_clicks",
    )
    assert issued.status_code == 200
    message = issued.get_json()["response"]["admin-devices-message"]["children"]
    url_shown = next(c["props"]["children"] for c in message["props"]["children"] if c["type"] == "Code")
    assert url_shown.startswith("http://localhost/wall/login?token=aocc_wall_")
    token = url_shown.split("token=", 1)[1]
    # Only the digest is stored; the list never shows the token.
    with session_scope(get_engine(url)) as session:
        stored = session.scalars(select(DeviceToken).where(DeviceToken.name == "指挥大厅主屏")).one()
        assert stored.token_sha256 == tokens_data.token_digest(token) and token not in stored.token_sha256
    listing = call_callback(admin, deps, "admin-devices-grid.rowData", {"admin-devices-refresh.data": 1})
    assert token not in listing.get_data(as_text=True)
    rows = listing.get_json()["response"]["admin-devices-grid"]["rowData"]
    assert {r["name"] for r in rows} == {"测试大屏", "指挥大厅主屏"}
    # The screen works, then is revoked from the page and stops at its next request.
    screen = app.server.test_client()
    assert screen.get(f"/wall/login?token={token}").status_code == 302
    assert screen.get("/_dash-layout").status_code == 200
    revoked = call_callback(
        admin,
        deps,
        "admin-devices-message.children",
        {
            "admin-devices-revoke.n_clicks": 1,
            "admin-devices-grid.selectedRows": [{"id": stored.id}],
        },
        triggered="admin-devices-revoke.n_clicks",
    )
    assert revoked.status_code == 200
    assert screen.get("/_dash-layout").status_code == 401
    assert [a.action for a in audit(url, "device_issue") + audit(url, "device_revoke")] == [
        "device_issue",
        "device_revoke",
    ]


def test_devices_and_audit_callbacks_refuse_non_admins(secured):
    app, url, _ = secured
    leader = signed_in_client(app, "leader")
    deps = dependencies(leader)
    assert (
        call_callback(leader, deps, "admin-devices-grid.rowData", {"admin-devices-refresh.data": 0}).status_code == 403
    )
    assert (
        call_callback(
            leader,
            deps,
            "admin-devices-message.children",
            {
                "admin-devices-issue.n_clicks": 1,
                "admin-devices-name.value": "x",
                "admin-devices-account.value": 1,
            },
            triggered="admin-devices-issue.n_clicks",
        ).status_code
        == 403
    )
    assert call_callback(leader, deps, "admin-audit-grid.rowData", {}).status_code == 403
    with session_scope(get_engine(url)) as session:
        assert session.scalars(select(DeviceToken)).all().__len__() == 1


def test_audit_log_shows_logins_failures_and_changes_with_filters(secured):
    app, url, _ = secured
    login(app.server.test_client(), "leader", "wrong-password-1")
    admin = signed_in_client(app, "admin")
    deps = dependencies(admin)
    call_callback(admin, deps, CREATE, create_values("auditme"), triggered="admin-users-create.n_clicks")
    everything = call_callback(admin, deps, "admin-audit-grid.rowData", {}).get_json()["response"]
    actions = [r["action"] for r in everything["admin-audit-grid"]["rowData"]]
    assert actions[:3] == ["user_create", "login", "login_failed"]  # newest first
    assert {"login", "login_failed", "user_create"} <= {o["value"] for o in everything["admin-audit-action"]["options"]}
    only_failures = call_callback(admin, deps, "admin-audit-grid.rowData", {"admin-audit-action.value": "login_failed"})
    rows = only_failures.get_json()["response"]["admin-audit-grid"]["rowData"]
    assert [(r["target"], r["outcome"]) for r in rows] == [("leader", "failed")]
    by_actor = call_callback(admin, deps, "admin-audit-grid.rowData", {"admin-audit-actor.value": "ADM"})
    assert {r["actor"] for r in by_actor.get_json()["response"]["admin-audit-grid"]["rowData"]} == {"admin"}
    future = call_callback(admin, deps, "admin-audit-grid.rowData", {"admin-audit-dates.start_date": "2099-01-01"})
    assert future.get_json()["response"]["admin-audit-grid"]["rowData"] == []


def test_admin_pages_refuse_users_without_the_permission(secured):
    """The pages router renders a refusal, not the page, for a viewer who types the URL."""
    app, _url, _ = secured
    for username, expect_denied in (("viewer", True), ("admin", False)):
        client = signed_in_client(app, username)
        deps = dependencies(client)
        response = call_callback(
            client,
            deps,
            "_pages_content.children",
            {"_pages_location.pathname": "/admin/users", "_pages_location.search": ""},
            triggered="_pages_location.pathname",
        )
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert ("admin-denied" in body) is expect_denied
        assert ("admin-users-grid" in body) is not expect_denied


def test_navigation_hides_administration_from_non_admins(secured):
    app, _url, _ = secured
    for username, visible in (("viewer", False), ("leader", False), ("admin", True)):
        layout = json.dumps(signed_in_client(app, username).get("/_dash-layout").get_json(), ensure_ascii=False)
        assert ("/admin/users" in layout) is visible, username
        assert ("/admin/audit" in layout) is visible, username
