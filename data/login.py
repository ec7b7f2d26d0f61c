"""Signing in with a password: the attempt log, lockout after repeated failures, ``authenticate``.

Throttling counts rows of ``login_attempt`` so that it holds across several app workers. Works on
the caller's ``Session`` (the caller commits, also on failure); the request layer passes the
client address and the clock in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .models import LoginAttempt
from .models.base import utcnow
from .users import (
    MAX_PASSWORD_LENGTH,
    Account,
    account_of,
    get_user_by_username,
    hash_password,
    normalize_username,
    password_needs_rehash,
    verify_dummy_password,
    verify_password,
)

# How long ``login_attempt`` rows are kept; throttling only looks at the last window.
ATTEMPT_RETENTION = dt.timedelta(days=7)


@dataclass(frozen=True)
class ThrottlePolicy:
    """Temporary lockout: ``max_account_failures`` failures for one username, or
    ``max_address_failures`` from one address, within ``window`` lock further attempts for
    ``lockout`` after the last failure."""

    window: dt.timedelta = dt.timedelta(minutes=15)
    max_account_failures: int = 5
    max_address_failures: int = 20
    lockout: dt.timedelta = dt.timedelta(minutes=15)


DEFAULT_POLICY = ThrottlePolicy()


@dataclass(frozen=True)
class AuthResult:
    status: str  # "ok" | "invalid" | "locked" | "disabled"
    account: Account | None = None
    locked_until: dt.datetime | None = None


def locked_until(
    session: Session, username: str, address: str, now: dt.datetime, policy: ThrottlePolicy = DEFAULT_POLICY
) -> dt.datetime | None:
    """When further attempts for this username or from this address are allowed again, or None.

    Failures count from the later of (now - window) and the username's last success, so a
    successful login clears the account's counter; an address's counter only ages out.
    """
    username = normalize_username(username)
    since = now - policy.window - policy.lockout
    last_ok = session.scalar(
        select(func.max(LoginAttempt.ts)).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(True), LoginAttempt.ts >= since
        )
    )
    account_since = max(since, last_ok) if last_ok else since
    candidates = []
    for column, value, limit, start in (
        (LoginAttempt.username, username, policy.max_account_failures, account_since),
        (LoginAttempt.address, address, policy.max_address_failures, since),
    ):
        times = list(
            session.scalars(
                select(LoginAttempt.ts)
                .where(column == value, LoginAttempt.success.is_(False), LoginAttempt.ts > start)
                .order_by(LoginAttempt.ts.desc())
                .limit(limit)
            )
        )
        # Locked while the last ``limit`` failures all fall inside one window and the last is recent.
        if len(times) >= limit and times[0] - times[-1] <= policy.window:
            until = times[0] + policy.lockout
            if until > now:
                candidates.append(until)
    return max(candidates) if candidates else None


def record_attempt(session: Session, username: str, address: str, success: bool, now: dt.datetime) -> None:
    session.add(
        LoginAttempt(username=normalize_username(username)[:64], address=(address or "")[:64], ts=now, success=success)
    )
    session.execute(delete(LoginAttempt).where(LoginAttempt.ts < now - ATTEMPT_RETENTION))


def authenticate(
    session: Session,
    username: str,
    password: str,
    address: str,
    *,
    now: dt.datetime | None = None,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> AuthResult:
    """Check a username and password, recording the attempt. The caller commits (also on failure).

    An unknown username, a wrong password and a password-less account give the same answer
    ("invalid") after the same amount of work; a locked username or address is refused before
    any password is checked, whether the account exists or not.
    """
    now = now or utcnow()
    name = normalize_username(username)
    until = locked_until(session, name, address, now, policy)
    if until is not None:
        return AuthResult("locked", locked_until=until)
    if len(password or "") > MAX_PASSWORD_LENGTH:
        password = ""  # no account has such a password; do not spend hashing time on megabytes
    user = get_user_by_username(session, name) if name else None
    if user is None or user.role_code == "wall" or not verify_password(user.password_hash, password or ""):
        if user is None or user.role_code == "wall":
            verify_dummy_password(password or "")
        record_attempt(session, name or "?", address, False, now)
        if user is not None:
            user.failed_logins = (user.failed_logins or 0) + 1
            until = locked_until(session, name, address, now, policy)
            if until is not None:
                user.locked_until = until
        return AuthResult("invalid", locked_until=until)
    if not user.active:
        record_attempt(session, name, address, False, now)
        return AuthResult("disabled")
    record_attempt(session, name, address, True, now)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return AuthResult("ok", account=account_of(session, user))
