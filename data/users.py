"""Accounts: users, roles, password hashes and the administration of accounts within a scope.

Everything here works on a SQLAlchemy ``Session`` that the caller owns (the caller commits),
so the web app, ``manage.py`` and tests share one implementation. Nothing here knows about
Flask: the request layer (``security/``) passes the client address and the clock in.

Passwords are hashed with Argon2id (argon2-cffi, RFC 9106 low-memory profile). Signing in with
a password and its throttling are in ``data.login``; wall-display device tokens in
``data.device_tokens``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .models import Department, OrgNode, Role, RolePermission, User
from .models.auth import ROLE_CODES
from .models.base import utcnow

_HASHER = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4 (RFC 9106 low-memory profile)
# Verified against when the username is unknown, so that a miss costs as much as a hit.
_DUMMY_HASH = _HASHER.hash("timing-equaliser-" + secrets.token_hex(8))

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{2,63}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


class AccountError(ValueError):
    """A refused account change. ``code`` is a message-catalog key suffix (``access.error.<code>``)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or code)
        self.code = code


@dataclass(frozen=True)
class Account:
    """What one request needs to know about its signed-in user (a plain value, no ORM object)."""

    id: int
    username: str
    display_name: str
    role: str
    permissions: frozenset[str]
    scope_org_id: int
    session_epoch: int
    language: str
    must_change_password: bool
    # Set when the request was authenticated by a wall-display device token.
    device_token_id: int | None = None
    # The scope node's path, read with the account, so a request's scope needs no look-up of
    # its own (None when the node is gone: the scope then says OrgNotFound).
    scope_path: str | None = None


# --- passwords --------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        verify_dummy_password(password)
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with older parameters (re-hashed at the next login)."""
    return _HASHER.check_needs_rehash(password_hash)


def verify_dummy_password(password: str) -> None:
    """Spend one verification on nothing, so that an unknown user costs as much as a known one."""
    try:
        _HASHER.verify(_DUMMY_HASH, password)
    except VerificationError:
        pass


def generate_password(length: int = 16) -> str:
    """A random password with no look-alike characters (shown once, to be typed by a person)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in pw) and any(c.isupper() for c in pw) and any(c.islower() for c in pw):
            return pw


def check_password_strength(password: str, *, username: str = "") -> None:
    """Raise ``AccountError('weak_password')`` for a password too short or equal to the username."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("weak_password", f"passwords have at most {MAX_PASSWORD_LENGTH} characters")
    if len(password) < MIN_PASSWORD_LENGTH or (username and password.lower() == username.lower()):
        raise AccountError("weak_password", f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    if len(set(password)) < 4:
        raise AccountError("weak_password", "password too repetitive")


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


# --- loading accounts -------------------------------------------------------------------------


def role_permissions(session: Session, role: str) -> frozenset[str]:
    return frozenset(session.scalars(select(RolePermission.permission).where(RolePermission.role_code == role)))


def account_of(session: Session, user: User, device_token_id: int | None = None) -> Account:
    return Account(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role_code,
        permissions=role_permissions(session, user.role_code),
        scope_org_id=user.scope_org_id,
        session_epoch=user.session_epoch,
        language=user.language or "zh",
        must_change_password=bool(user.must_change_password),
        device_token_id=device_token_id,
        scope_path=session.scalar(select(OrgNode.path).where(OrgNode.id == user.scope_org_id)),
    )


def load_account(session: Session, user_id: int, session_epoch: int) -> Account | None:
    """The account of a signed-in session, or None when the user was disabled, deleted, or had
    their sessions ended (password reset, disable, logout bump ``session_epoch``)."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_epoch != session_epoch or user.role_code == "wall":
        return None
    return account_of(session, user)


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == normalize_username(username))).first()


def username_of(session: Session, user_id: int) -> str | None:
    """The username of ``user_id``, or None when there is no such user."""
    return session.scalar(select(User.username).where(User.id == user_id))


def check_current_password(session: Session, user_id: int, password: str) -> bool:
    """Whether ``password`` is the user's current one (False for an unknown or password-less user)."""
    user = session.get(User, user_id)
    if user is None:
        verify_dummy_password(password)
        return False
    return verify_password(user.password_hash, password)


# --- user administration ----------------------------------------------------------------------


def _check_role(role: str) -> None:
    if role not in ROLE_CODES:
        raise AccountError("unknown_role", f"unknown role {role!r}")


def _org_path(session: Session, org_id: int) -> str:
    path = session.scalar(select(OrgNode.path).where(OrgNode.id == org_id))
    if path is None:
        raise AccountError("unknown_org", f"org node {org_id} does not exist")
    return path


def _check_in_scope(session: Session, org_id: int, within_path: str | None) -> None:
    path = _org_path(session, org_id)
    if within_path is not None and not path.startswith(within_path):
        raise AccountError("out_of_scope", f"org node {org_id} is outside the administrator's scope")


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    scope_org_id: int,
    password: str | None = None,
    within_path: str | None = None,
    language: str = "zh",
    must_change_password: bool = False,
    now: dt.datetime | None = None,
) -> User:
    """Create an account. ``password`` None leaves it without one (wall accounts log in by token).

    ``within_path`` is the creating administrator's scope: the new user's scope must lie inside it.
    """
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise AccountError("bad_username", "usernames are 3-64 characters: a-z, 0-9, '_', '.', '-'")
    _check_role(role)
    _check_in_scope(session, scope_org_id, within_path)
    if get_user_by_username(session, name) is not None:
        raise AccountError("username_taken", f"user {name!r} exists")
    display_name = (display_name or "").strip() or name
    if password is not None:
        if role == "wall":
            raise AccountError("wall_no_password", "wall-display accounts log in by device token only")
        check_password_strength(password, username=name)
    user = User(
        username=name,
        display_name=display_name[:64],
        role_code=role,
        scope_org_id=scope_org_id,
        password_hash=hash_password(password) if password else None,
        language=language,
        active=True,
        must_change_password=must_change_password,
        failed_logins=0,
        session_epoch=0,
        created_at=now or utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(User).where(User.role_code == "admin", User.active.is_(True))
    )


def user_in_scope(session: Session, user_id: int, within_path: str | None) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AccountError("unknown_user", f"user {user_id} does not exist")
    if within_path is not None:
        _check_in_scope(session, user.scope_org_id, within_path)
    return user


def update_user(
    session: Session,
    user_id: int,
    *,
    role: str | None = None,
    scope_org_id: int | None = None,
    display_name: str | None = None,
    active: bool | None = None,
    within_path: str | None = None,
    acting_user_id: int | None = None,
) -> dict:
    """Change role, scope, display name or active flag. Returns ``{field: [old, new]}`` for the audit.

    Refuses to leave the installation without an active administrator and refuses an
    administrator's change of their own role or active flag (ask another administrator).
    Disabling, a role change or a scope change ends the user's sessions.
    """
    user = user_in_scope(session, user_id, within_path)
    changes: dict = {}
    if role is not None and role != user.role_code:
        _check_role(role)
        if (user.role_code == "wall") != (role == "wall"):
            raise AccountError("wall_role_fixed", "wall-display accounts cannot become personal accounts or back")
        changes["role"] = [user.role_code, role]
    if scope_org_id is not None and scope_org_id != user.scope_org_id:
        _check_in_scope(session, scope_org_id, within_path)
        changes["scope_org_id"] = [user.scope_org_id, scope_org_id]
    if display_name is not None and display_name.strip() and display_name.strip() != user.display_name:
        changes["display_name"] = [user.display_name, display_name.strip()[:64]]
    if active is not None and bool(active) != bool(user.active):
        changes["active"] = [bool(user.active), bool(active)]
    if not changes:
        return changes
    if acting_user_id == user.id and ("role" in changes or changes.get("active") == [True, False]):
        raise AccountError("not_yourself", "administrators cannot demote or disable themselves")
    losing_admin = (
        user.role_code == "admin" and user.active and (("role" in changes) or changes.get("active") == [True, False])
    )
    if losing_admin and _active_admins(session) <= 1:
        raise AccountError("last_admin", "the last active administrator cannot be demoted or disabled")
    if "role" in changes:
        user.role_code = role
    if "scope_org_id" in changes:
        user.scope_org_id = scope_org_id
    if "display_name" in changes:
        user.display_name = changes["display_name"][1]
    if "active" in changes:
        user.active = bool(active)
        if active:
            user.failed_logins = 0
            user.locked_until = None
    if {"role", "scope_org_id", "active"} & changes.keys():
        user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()
    return changes


def toggle_active(
    session: Session, user_id: int, *, within_path: str | None = None, acting_user_id: int | None = None
) -> dict:
    """Disable an active user or enable a disabled one (``update_user``'s rules apply); returns
    ``{"active": [old, new]}`` for the audit."""
    user = user_in_scope(session, user_id, within_path)
    return update_user(session, user_id, active=not user.active, within_path=within_path, acting_user_id=acting_user_id)


def reset_account(
    session: Session, user_id: int, *, role: str, scope_org_id: int, department_id: int | None = None
) -> User:
    """Set an account's role, scope and department and enable it, without the checks of
    ``update_user`` (for commands that set up accounts, such as the demo's)."""
    user = user_in_scope(session, user_id, None)
    _check_role(role)
    user.role_code, user.scope_org_id, user.active, user.department_id = role, scope_org_id, True, department_id
    session.flush()
    return user


def department_ids(session: Session) -> dict[str, int]:
    """Department code -> id."""
    return {code: dept_id for code, dept_id in session.execute(select(Department.code, Department.id))}


def set_password(
    session: Session, user_id: int, password: str, *, must_change: bool = False, within_path: str | None = None
) -> User:
    """Set a new password and end every session of the user."""
    user = user_in_scope(session, user_id, within_path)
    if user.role_code == "wall":
        raise AccountError("wall_no_password", "wall-display accounts log in by device token only")
    check_password_strength(password, username=user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.failed_logins = 0
    user.locked_until = None
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()
    return user


def end_sessions(session: Session, user_id: int) -> None:
    """Invalidate every signed-in session of the user (logout, "sign out everywhere")."""
    session.execute(update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1))


def list_users(session: Session, *, within_path: str | None = None) -> list[dict]:
    """Users whose scope lies inside ``within_path`` (all when None), for the administration grid.

    Columns: id, username, display_name, role, role_name_zh, role_name_en, scope_org_id,
    scope_name_zh, scope_name_en, active, locked_until, last_login_at, created_at.
    """
    stmt = (
        select(User, OrgNode.name_zh, OrgNode.name_en, Role.name_zh, Role.name_en)
        .join(OrgNode, OrgNode.id == User.scope_org_id)
        .join(Role, Role.code == User.role_code)
        .order_by(User.username)
    )
    if within_path is not None:
        stmt = stmt.where(OrgNode.path.like(within_path + "%"))
    rows = []
    for user, org_zh, org_en, role_zh, role_en in session.execute(stmt):
        rows.append(
            {
                "id": user.id,
                "username": user.username,
                "display_name": user.display_name,
                "role": user.role_code,
                "role_name_zh": role_zh,
                "role_name_en": role_en,
                "scope_org_id": user.scope_org_id,
                "scope_name_zh": org_zh,
                "scope_name_en": org_en,
                "active": bool(user.active),
                "locked_until": user.locked_until,
                "last_login_at": user.last_login_at,
                "created_at": user.created_at,
            }
        )
    return rows


def list_org_choices(session: Session, *, within_path: str | None = None, max_depth: int | None = None) -> list[dict]:
    """Org nodes a scope can be set to (id, name_zh, name_en, level, depth, path), tree order."""
    stmt = select(OrgNode.id, OrgNode.name_zh, OrgNode.name_en, OrgNode.level, OrgNode.depth, OrgNode.path)
    if within_path is not None:
        stmt = stmt.where(OrgNode.path.like(within_path + "%"))
    if max_depth is not None:
        stmt = stmt.where(OrgNode.depth <= max_depth)
    return [dict(r._mapping) for r in session.execute(stmt.order_by(OrgNode.path))]
