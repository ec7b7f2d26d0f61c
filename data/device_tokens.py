"""Wall-display device tokens: issue, list, revoke, and the account a presented token stands for.

Tokens are random 256-bit strings; only their SHA-256 is stored, the token itself is shown once.
Works on the caller's ``Session`` (the caller commits).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import DeviceToken, OrgNode, User
from .models.base import utcnow
from .users import Account, AccountError, account_of, user_in_scope

TOKEN_PREFIX = "aocc_wall_"
# A device's ``last_seen_at`` is written at most this often, not on every request.
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=5)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_device_token(
    session: Session,
    *,
    user_id: int,
    name: str,
    created_by: str,
    within_path: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[DeviceToken, str]:
    """A new token for a wall-display account. Returns the row and the token, which is not stored."""
    user = user_in_scope(session, user_id, within_path)
    if user.role_code != "wall":
        raise AccountError("not_wall_account", "device tokens are issued to wall-display accounts only")
    name = (name or "").strip()
    if not name:
        raise AccountError("name_required", "a device needs a name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = DeviceToken(
        name=name[:64],
        token_sha256=token_digest(token),
        user_id=user.id,
        created_by=created_by[:64],
        created_at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    return row, token


def revoke_device_token(
    session: Session, token_id: int, *, within_path: str | None = None, now: dt.datetime | None = None
) -> DeviceToken:
    row = session.get(DeviceToken, token_id)
    if row is None:
        raise AccountError("unknown_token", f"device token {token_id} does not exist")
    user_in_scope(session, row.user_id, within_path)
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
        session.flush()
    return row


def revoke_device_tokens_of(session: Session, user_id: int, *, now: dt.datetime | None = None) -> int:
    """Revoke every token of the user still in force; returns how many."""
    result = session.execute(
        update(DeviceToken)
        .where(DeviceToken.user_id == user_id, DeviceToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    return result.rowcount or 0


def load_device_account(session: Session, token: str) -> tuple[Account | None, dt.datetime | None]:
    """The wall account a device token stands for and when the device was last seen, or
    ``(None, None)`` when the token is unknown, revoked, or its account disabled. Reads only.

    Called on every request of a wall screen, so that revoking a token stops it at its next refresh.
    """
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None, None
    row = session.execute(
        select(DeviceToken, User)
        .join(User, User.id == DeviceToken.user_id)
        .where(DeviceToken.token_sha256 == token_digest(token))
    ).first()
    if row is None:
        return None, None
    device, user = row
    if device.revoked_at is not None or not user.active or user.role_code != "wall":
        return None, None
    return account_of(session, user, device_token_id=device.id), device.last_seen_at


def device_needs_touch(last_seen_at: dt.datetime | None, now: dt.datetime) -> bool:
    return last_seen_at is None or now - last_seen_at > LAST_SEEN_RESOLUTION


def touch_device_token(session: Session, token_id: int, now: dt.datetime) -> None:
    """Record that the device was seen (at most every ``LAST_SEEN_RESOLUTION``)."""
    session.execute(update(DeviceToken).where(DeviceToken.id == token_id).values(last_seen_at=now))


def list_device_tokens(session: Session, *, within_path: str | None = None) -> list[dict]:
    """Issued tokens (never the tokens themselves): id, name, username, display_name, created_by,
    created_at, last_seen_at, revoked_at, active."""
    stmt = (
        select(DeviceToken, User.username, User.display_name)
        .join(User, User.id == DeviceToken.user_id)
        .join(OrgNode, OrgNode.id == User.scope_org_id)
        .order_by(DeviceToken.created_at.desc(), DeviceToken.id.desc())
    )
    if within_path is not None:
        stmt = stmt.where(OrgNode.path.like(within_path + "%"))
    return [
        {
            "id": d.id,
            "name": d.name,
            "username": username,
            "display_name": display,
            "created_by": d.created_by,
            "created_at": d.created_at,
            "last_seen_at": d.last_seen_at,
            "revoked_at": d.revoked_at,
            "active": d.revoked_at is None,
        }
        for d, username, display in session.execute(stmt)
    ]
