"""``data.users``, ``data.login``, ``data.device_tokens`` and ``data.audit`` on both databases:
hashing, throttling windows with an explicit clock, account rules, device tokens; the create-admin
command and the demo accounts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

import manage
from config import load_config
from data import device_tokens as tokens_data
from data import login as login_data
from data import users as users_data
from data.audit import fetch_audit, write_audit
from data.db import get_engine, session_scope, write_session
from data.models import AuditLog, DeviceToken, OrgNode, User
from security.accounts import DEMO_ACCOUNTS, SetupError, create_admin, ensure_demo_accounts

from security_support import seed_org_tree

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
POLICY = login_data.ThrottlePolicy(
    window=dt.timedelta(minutes=15), max_account_failures=3, max_address_failures=5, lockout=dt.timedelta(minutes=10)
)


@pytest.fixture
def org_db(db_url):
    seed_org_tree(db_url)
    return db_url


def session_for(url):
    return write_session(get_engine(url))


def test_passwords_are_argon2id_hashes(org_db):
    with session_for(org_db) as s:
        user = users_data.create_user(
            s, username="Alice", display_name="", role="leader", scope_org_id=1, password="Long-Enough-1"
        )
        assert user.username == "alice" and user.display_name == "alice"
        assert user.password_hash.startswith("$argon2id$") and "Long-Enough-1" not in user.password_hash
        assert users_data.verify_password(user.password_hash, "Long-Enough-1")
        assert not users_data.verify_password(user.password_hash, "long-enough-1")
        assert not users_data.verify_password(None, "anything")


@pytest.mark.parametrize("password", ["short", "aaaaaaaaaaaa", "bobbybobby"])
def test_weak_passwords_are_refused(org_db, password):
    with session_for(org_db) as s, pytest.raises(users_data.AccountError) as err:
        users_data.create_user(
            s, username="bobbybobby", display_name="Bob", role="viewer", scope_org_id=1, password=password
        )
    assert err.value.code == "weak_password"


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"username": "x"}, "bad_username"),
        ({"username": "有中文"}, "bad_username"),
        ({"role": "root"}, "unknown_role"),
        ({"scope_org_id": 999}, "unknown_org"),
        ({"scope_org_id": 6, "within_path": "/1/2/"}, "out_of_scope"),
        ({"role": "wall", "password": "Long-Enough-1"}, "wall_no_password"),
    ],
)
def test_account_creation_rules(org_db, kwargs, code):
    args = {"username": "carol", "display_name": "Carol", "role": "viewer", "scope_org_id": 3, **kwargs}
    with session_for(org_db) as s, pytest.raises(users_data.AccountError) as err:
        users_data.create_user(s, **args)
    assert err.value.code == code


def test_duplicate_usernames_are_refused(org_db):
    with session_for(org_db) as s:
        users_data.create_user(s, username="dave", display_name="Dave", role="viewer", scope_org_id=1)
        with pytest.raises(users_data.AccountError) as err:
            users_data.create_user(s, username="DAVE", display_name="Dave", role="viewer", scope_org_id=1)
    assert err.value.code == "username_taken"


def test_throttle_window_lockout_and_expiry(org_db):
    with session_for(org_db) as s:
        users_data.create_user(
            s, username="erin", display_name="Erin", role="viewer", scope_org_id=1, password="Right-Password-1"
        )
    for i in range(POLICY.max_account_failures):
        with session_for(org_db) as s:
            result = login_data.authenticate(
                s, "erin", "wrong", "10.0.0.1", now=T0 + dt.timedelta(minutes=i), policy=POLICY
            )
            assert result.status == "invalid"
    last_failure = T0 + dt.timedelta(minutes=POLICY.max_account_failures - 1)
    with session_for(org_db) as s:
        locked = login_data.authenticate(
            s, "erin", "Right-Password-1", "10.0.0.2", now=last_failure + dt.timedelta(minutes=1), policy=POLICY
        )
    assert locked.status == "locked" and locked.locked_until == last_failure + POLICY.lockout
    with session_for(org_db) as s:
        ok = login_data.authenticate(
            s,
            "erin",
            "Right-Password-1",
            "10.0.0.2",
            now=last_failure + POLICY.lockout + dt.timedelta(seconds=1),
            policy=POLICY,
        )
    assert ok.status == "ok" and ok.account.username == "erin"
    # A success resets the account's counter: one more failure does not lock again.
    with session_for(org_db) as s:
        again = login_data.authenticate(
            s, "erin", "wrong", "10.0.0.2", now=last_failure + POLICY.lockout + dt.timedelta(minutes=1), policy=POLICY
        )
    assert again.status == "invalid" and again.locked_until is None


def test_failures_spread_beyond_the_window_do_not_lock(org_db):
    with session_for(org_db) as s:
        users_data.create_user(
            s, username="frank", display_name="F", role="viewer", scope_org_id=1, password="Right-Password-1"
        )
    for i in range(POLICY.max_account_failures + 2):
        with session_for(org_db) as s:
            login_data.authenticate(
                s, "frank", "wrong", "10.0.0.1", now=T0 + i * dt.timedelta(minutes=8), policy=POLICY
            )
    with session_for(org_db) as s:
        result = login_data.authenticate(
            s,
            "frank",
            "Right-Password-1",
            "10.0.0.1",
            now=T0 + (POLICY.max_account_failures + 2) * dt.timedelta(minutes=8),
            policy=POLICY,
        )
    assert result.status == "ok"


def test_unknown_users_are_throttled_like_real_ones(org_db):
    for i in range(POLICY.max_account_failures):
        with session_for(org_db) as s:
            assert (
                login_data.authenticate(
                    s, "ghost", "x", "10.0.0.1", now=T0 + dt.timedelta(seconds=i), policy=POLICY
                ).status
                == "invalid"
            )
    with session_for(org_db) as s:
        assert (
            login_data.authenticate(s, "ghost", "x", "10.0.0.3", now=T0 + dt.timedelta(minutes=1), policy=POLICY).status
            == "locked"
        )


def test_last_admin_and_self_protection(org_db):
    with session_for(org_db) as s:
        admin = users_data.create_user(s, username="root", display_name="R", role="admin", scope_org_id=1)
        other = users_data.create_user(s, username="root2", display_name="R2", role="admin", scope_org_id=1)
        with pytest.raises(users_data.AccountError, match="themselves"):
            users_data.update_user(s, admin.id, active=False, acting_user_id=admin.id)
        users_data.update_user(s, other.id, active=False, acting_user_id=admin.id)
        with pytest.raises(users_data.AccountError) as err:
            users_data.update_user(s, admin.id, role="leader", acting_user_id=None)
        assert err.value.code == "last_admin"
        with pytest.raises(users_data.AccountError) as err:
            users_data.update_user(s, admin.id, role="wall")
        assert err.value.code == "wall_role_fixed"


def test_changes_bump_the_session_epoch(org_db):
    with session_for(org_db) as s:
        user = users_data.create_user(
            s, username="gina", display_name="G", role="viewer", scope_org_id=1, password="Right-Password-1"
        )
        epoch = user.session_epoch
        assert users_data.load_account(s, user.id, epoch) is not None
        assert users_data.update_user(s, user.id, display_name="Gina") == {"display_name": ["G", "Gina"]}
        assert user.session_epoch == epoch  # a new display name does not end sessions
        users_data.update_user(s, user.id, scope_org_id=3)
        assert users_data.load_account(s, user.id, epoch) is None
        account = users_data.load_account(s, user.id, user.session_epoch)
        assert account.scope_org_id == 3 and account.permissions == frozenset({"view"})


def test_device_tokens_only_for_wall_accounts_and_stored_as_digest(org_db):
    with session_for(org_db) as s:
        wall = users_data.create_user(s, username="screen1", display_name="S", role="wall", scope_org_id=2)
        viewer = users_data.create_user(s, username="harry", display_name="H", role="viewer", scope_org_id=2)
        with pytest.raises(users_data.AccountError) as err:
            tokens_data.issue_device_token(s, user_id=viewer.id, name="x", created_by="t")
        assert err.value.code == "not_wall_account"
        with pytest.raises(users_data.AccountError) as err:
            tokens_data.issue_device_token(s, user_id=wall.id, name="x", created_by="t", within_path="/1/5/")
        assert err.value.code == "out_of_scope"
        row, token = tokens_data.issue_device_token(s, user_id=wall.id, name="大厅", created_by="t", now=T0)
        assert row.token_sha256 == tokens_data.token_digest(token) and len(token) > 40
        account, last_seen = tokens_data.load_device_account(s, token)
        assert account.role == "wall" and account.device_token_id == row.id and last_seen is None
        assert account.permissions == frozenset({"view", "wall"})
        assert tokens_data.load_device_account(s, token + "x") == (None, None)
        tokens_data.revoke_device_token(s, row.id, now=T0)
        assert tokens_data.load_device_account(s, token) == (None, None)
        listed = tokens_data.list_device_tokens(s)
        assert [(d["name"], d["active"]) for d in listed] == [("大厅", False)]
        assert tokens_data.list_device_tokens(s, within_path="/1/5/") == []


def test_account_functions_the_web_and_the_commands_use(org_db):
    """What callbacks and ``security/`` ask of ``data.users`` and ``data.device_tokens`` instead of
    reading the ORM themselves."""
    with session_for(org_db) as s:
        ivan = users_data.create_user(
            s, username="ivan", display_name="I", role="viewer", scope_org_id=3, password="Right-Password-1"
        )
        admin = users_data.create_user(s, username="boss", display_name="B", role="admin", scope_org_id=1)
        assert users_data.username_of(s, ivan.id) == "ivan" and users_data.username_of(s, 10**6) is None
        assert users_data.check_current_password(s, ivan.id, "Right-Password-1")
        assert not users_data.check_current_password(s, ivan.id, "Wrong-Password-1")
        assert not users_data.check_current_password(s, 10**6, "Right-Password-1")
        # toggling disables an active user, enables a disabled one, within the administrator's scope
        assert users_data.toggle_active(s, ivan.id, within_path="/1/", acting_user_id=admin.id) == {
            "active": [True, False]
        }
        assert users_data.toggle_active(s, ivan.id, within_path="/1/", acting_user_id=admin.id) == {
            "active": [False, True]
        }
        with pytest.raises(users_data.AccountError) as err:
            users_data.toggle_active(s, ivan.id, within_path="/1/6/")
        assert err.value.code == "out_of_scope"
        with pytest.raises(users_data.AccountError) as err:
            users_data.toggle_active(s, admin.id, acting_user_id=admin.id)
        assert err.value.code == "not_yourself"
        # set-up commands reset role, scope and department and enable the account
        departments = users_data.department_ids(s)
        assert departments and all(isinstance(i, int) for i in departments.values())
        code, dept = next(iter(departments.items()))
        users_data.update_user(s, ivan.id, active=False)
        users_data.reset_account(s, ivan.id, role="operator", scope_org_id=2, department_id=dept)
        assert (ivan.role_code, ivan.scope_org_id, ivan.active, ivan.department_id) == ("operator", 2, True, dept)
        # every token of a wall account still in force is revoked at once
        wall = users_data.create_user(s, username="screen9", display_name="S", role="wall", scope_org_id=2)
        for name in ("a", "b"):
            tokens_data.issue_device_token(s, user_id=wall.id, name=name, created_by="t", now=T0)
        assert tokens_data.revoke_device_tokens_of(s, wall.id, now=T0) == 2
        assert tokens_data.revoke_device_tokens_of(s, wall.id, now=T0) == 0
        assert [d["active"] for d in tokens_data.list_device_tokens(s)] == [False, False]


def test_default_scope_nodes_and_the_province_of_an_empty_tree(org_db, tmp_path):
    from data.db import dispose_engine
    from data.migrate import upgrade
    from data.org_tree import create_province, default_scope_nodes

    with session_for(org_db) as s:
        assert default_scope_nodes(s) == {"root": 1, "city": 2, "county": 3}  # the first of each, in sort order
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    upgrade(empty)
    with session_for(empty) as s:
        assert default_scope_nodes(s) is None
        root = create_province(s, "测试省")
        assert default_scope_nodes(s) == {"root": root, "city": root, "county": root}
        assert s.execute(select(OrgNode.path, OrgNode.depth)).one() == (f"/{root}/", 0)
    dispose_engine(empty)


def test_audit_write_and_filters(org_db):
    with session_for(org_db) as s:
        write_audit(s, "alice", "login", "alice", {"role": "admin"}, "10.0.0.1", ts=T0)
        write_audit(
            s,
            "bob_x",
            "login_failed",
            "bob_x",
            {"reason": "invalid"},
            "10.0.0.2",
            "failed",
            ts=T0 + dt.timedelta(hours=1),
        )
        write_audit(
            s, "alice", "rule_change", "rule 7", {"when": T0, "levels": (1, 2)}, None, ts=T0 + dt.timedelta(days=1)
        )
    with session_scope(get_engine(org_db)) as s:
        assert [r["action"] for r in fetch_audit(s)] == ["rule_change", "login_failed", "login"]
        assert [r["actor"] for r in fetch_audit(s, actor="ALI")] == ["alice", "alice"]
        assert [r["actor"] for r in fetch_audit(s, actor="b_")] == ["bob_x"]  # "_" is literal, not a wildcard
        assert [r["action"] for r in fetch_audit(s, outcome="failed")] == ["login_failed"]
        assert [r["action"] for r in fetch_audit(s, start=T0, end=T0 + dt.timedelta(hours=2))] == [
            "login_failed",
            "login",
        ]
        assert fetch_audit(s, action="rule_change")[0]["detail"] == {"when": T0.isoformat(), "levels": [1, 2]}


# --- commands ----------------------------------------------------------------------------------


def test_create_admin_command(org_db, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", org_db)
    assert manage.main(["create-admin", "chief", "--display-name", "局长"]) == 0
    out = capsys.readouterr().out
    password = out.split("one-time password:")[1].split()[0]
    with session_scope(get_engine(org_db)) as s:
        user = users_data.get_user_by_username(s, "chief")
        assert user.role_code == "admin" and user.scope_org_id == 1 and user.must_change_password
        assert users_data.verify_password(user.password_hash, password)
        assert s.scalars(select(AuditLog.action).where(AuditLog.target == "chief")).all() == ["admin_create"]
    assert manage.main(["create-admin", "chief"]) == 1  # exists already
    monkeypatch.setattr("sys.stdin", io.StringIO("Chosen-Password-9\n"))
    assert manage.main(["create-admin", "deputy", "--password-stdin"]) == 0
    with session_scope(get_engine(org_db)) as s:
        deputy = users_data.get_user_by_username(s, "deputy")
        assert users_data.verify_password(deputy.password_hash, "Chosen-Password-9") and not deputy.must_change_password


def test_create_admin_on_an_empty_tree(sqlite_url):
    cfg = load_config(database_url=sqlite_url)
    with pytest.raises(SetupError, match="organisation tree is empty"):
        create_admin(cfg, username="first")
    user, generated = create_admin(cfg, username="first", create_root="某省")
    assert generated
    with session_scope(get_engine(sqlite_url)) as s:
        root = s.get(OrgNode, user.scope_org_id)
        assert root.parent_id is None and root.path == f"/{root.id}/"


def test_demo_accounts_get_fresh_random_passwords_at_each_start(org_db):
    cfg = load_config(database_url=org_db, demo_mode=True)
    first = ensure_demo_accounts(cfg)
    second = ensure_demo_accounts(cfg)
    assert [(u, r) for u, r, _ in first] == [(a.username, a.role) for a in DEMO_ACCOUNTS]
    for (_, _, secret1), (_, _, secret2) in zip(first, second):
        assert secret1 != secret2
    with session_scope(get_engine(org_db)) as s:
        users = {u.username: u for u in s.scalars(select(User))}
        assert users["admin"].scope_org_id == 1 and users["leader"].scope_org_id == 1
        assert users["viewer"].scope_org_id == 2 and users["county"].scope_org_id == 3
        assert users["wall"].password_hash is None
        for username, role, secret in second:
            if role != "wall":
                assert users_data.verify_password(users[username].password_hash, secret)
        # Only the latest demo wall token is valid.
        active = s.scalars(select(DeviceToken).where(DeviceToken.revoked_at.is_(None))).all()
        assert len(active) == 1
        assert tokens_data.load_device_account(s, first[-1][2].split("token=")[1]) == (None, None)
        assert tokens_data.load_device_account(s, second[-1][2].split("token=")[1])[0].role == "wall"
    with pytest.raises(SetupError):
        ensure_demo_accounts(load_config(database_url=org_db, demo_mode=False))
