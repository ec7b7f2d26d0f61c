"""Accounts made by commands rather than by an administrator: the first administrator
(``manage.py create-admin``) and the demo's one-account-per-role set (``make run``).

No password is ever fixed in the repository: the demo's are generated at every start (the
stored hashes are replaced, which also ends the previous run's sessions) and printed once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from config import Config
from data import device_tokens as tokens_data
from data import users as users_data
from data.audit import write_audit
from data.db import get_engine, write_session
from data.org_tree import create_province, default_scope_nodes
from data.seed import seed_reference

log = logging.getLogger("aocc.security")

DEMO_WALL_DEVICE = "演示大屏 demo wall"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    scope: str  # "root" | "city" | "county"
    department: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("admin", "演示管理员", "admin", "root"),
    DemoAccount("leader", "演示领导", "leader", "root"),
    DemoAccount("operator", "演示业务处室", "operator", "root", "energy"),
    DemoAccount("viewer", "演示查看者（市）", "viewer", "city"),
    DemoAccount("county", "演示查看者（县）", "viewer", "county"),
    DemoAccount("wall", "演示大屏", "wall", "root"),
)


class SetupError(RuntimeError):
    """A command could not do what it was asked; the message says what to do instead."""


def ensure_demo_accounts(cfg: Config) -> list[tuple[str, str, str]]:
    """Create (or reset) one demo account per role with a fresh random password.

    Returns ``(username, role, secret)`` per account, where the wall account's secret is its
    device login path ``/wall/login?token=…`` (earlier demo tokens are revoked). Returns an
    empty list, and logs why, when the database holds no organisation tree yet.
    """
    if not cfg.demo_mode:
        raise SetupError("demo accounts exist only in demo mode (AOCC_DEMO=1)")
    engine = get_engine(cfg.database_url)
    out: list[tuple[str, str, str]] = []
    with write_session(engine) as session:
        seed_reference(session)
        nodes = default_scope_nodes(session)
        if nodes is None:
            log.warning("no organisation tree: demo accounts not created")
            return []
        departments = users_data.department_ids(session)
        now = dt.datetime.now(dt.UTC)
        for spec in DEMO_ACCOUNTS:
            user = users_data.get_user_by_username(session, spec.username)
            scope_id = nodes[spec.scope]
            if user is None:
                user = users_data.create_user(
                    session,
                    username=spec.username,
                    display_name=spec.display_name,
                    role=spec.role,
                    scope_org_id=scope_id,
                    now=now,
                )
                write_audit(session, "system", "user_create", spec.username, {"role": spec.role, "demo": True})
            users_data.reset_account(
                session,
                user.id,
                role=spec.role,
                scope_org_id=scope_id,
                department_id=departments.get(spec.department) if spec.department else None,
            )
            if spec.role == "wall":
                tokens_data.revoke_device_tokens_of(session, user.id, now=now)
                _, token = tokens_data.issue_device_token(
                    session, user_id=user.id, name=DEMO_WALL_DEVICE, created_by="system", now=now
                )
                out.append((spec.username, spec.role, f"/wall/login?token={token}"))
            else:
                password = users_data.generate_password()
                users_data.set_password(session, user.id, password, must_change=False)
                out.append((spec.username, spec.role, password))
        write_audit(
            session, "system", "password_reset", "demo accounts", {"accounts": [a.username for a in DEMO_ACCOUNTS]}
        )
    return out


def create_admin(
    cfg: Config,
    *,
    username: str,
    display_name: str | None = None,
    password: str | None = None,
    create_root: str | None = None,
) -> tuple[users_data.User, str | None]:
    """Create an administrator scoped to the province (the org tree's root).

    ``password`` None generates one, returned for printing once (the user must change it at
    first login). ``create_root`` names a province node to create when the tree is empty.
    """
    engine = get_engine(cfg.database_url)
    generated = None
    with write_session(engine) as session:
        seed_reference(session)
        nodes = default_scope_nodes(session)
        if nodes is None:
            if not create_root:
                raise SetupError(
                    "the organisation tree is empty: load it first, or pass --create-root NAME "
                    "to create the province node the administrator is scoped to"
                )
            nodes = {"root": create_province(session, create_root)}
        if users_data.get_user_by_username(session, username) is not None:
            raise SetupError(f"user {username!r} already exists; reset its password from the administration page")
        if password is None:
            generated = password = users_data.generate_password()
        try:
            user = users_data.create_user(
                session,
                username=username,
                display_name=display_name or username,
                role="admin",
                scope_org_id=nodes["root"],
                password=password,
                must_change_password=generated is not None,
            )
        except users_data.AccountError as exc:
            raise SetupError(str(exc)) from exc
        write_audit(session, "system", "admin_create", user.username, {"role": "admin"})
    return user, generated
