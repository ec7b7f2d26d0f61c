"""The audit trail: who did what, to what, from where, with which outcome.

``write_audit`` adds one row inside the caller's unit of work, so an audited change and its
audit row commit together (or not at all). Refusals and failed logins are written in a unit of
work of their own by the caller, since the thing they refused never commits.
``detail`` is a small JSON object; never put a password or a token in it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditLog
from .models.base import utcnow

# Actions written by access control; other areas add their own (rule_change, export,
# snapshot_download, threshold_change ...). The audit page lists whatever is in the table.
ACCESS_ACTIONS = (
    "login",
    "login_failed",
    "login_locked",
    "logout",
    "device_login",
    "device_login_failed",
    "password_change",
    "password_reset",
    "user_create",
    "user_update",
    "device_issue",
    "device_revoke",
    "permission_denied",
    "admin_create",
)
OUTCOMES = ("ok", "failed", "denied")
_MAX_TEXT = {"actor": 64, "action": 48, "target": 128, "address": 64, "outcome": 16}


def write_audit(
    session: Session,
    actor: str | None,
    action: str,
    target: str | None = None,
    detail: dict | None = None,
    address: str | None = None,
    outcome: str = "ok",
    *,
    note: str | None = None,
    ts: dt.datetime | None = None,
) -> AuditLog:
    """Add one audit row to ``session`` (the caller commits)."""
    values = {"actor": actor, "action": action, "target": target, "address": address, "outcome": outcome}
    clipped = {k: (v[: _MAX_TEXT[k]] if isinstance(v, str) else v) for k, v in values.items()}
    row = AuditLog(ts=ts or utcnow(), detail=_jsonable(detail or {}), note=note, **clipped)
    session.add(row)
    return row


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def fetch_audit(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    outcome: str | None = None,
    limit: int = 1000,
) -> list[dict]:
    """Audit rows, newest first, filtered; ``start`` inclusive, ``end`` exclusive (UTC).

    Columns: id, ts, actor, action, target, detail (dict), address, outcome, note.
    ``actor`` matches a substring, case-insensitively.
    """
    stmt = select(AuditLog).order_by(AuditLog.ts.desc(), AuditLog.id.desc()).limit(max(1, min(limit, 10000)))
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if actor:
        pattern = "%" + actor.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(AuditLog.actor.ilike(pattern, escape="\\"))
    if start is not None:
        stmt = stmt.where(AuditLog.ts >= start)
    if end is not None:
        stmt = stmt.where(AuditLog.ts < end)
    if outcome:
        stmt = stmt.where(AuditLog.outcome == outcome)
    return [
        {
            "id": r.id,
            "ts": r.ts,
            "actor": r.actor,
            "action": r.action,
            "target": r.target,
            "detail": r.detail or {},
            "address": r.address,
            "outcome": r.outcome,
            "note": r.note,
        }
        for r in session.scalars(stmt)
    ]


def fetch_audit_actions(session: Session) -> list[str]:
    """Every action that occurs in the log, plus the access-control ones, sorted (for the filter)."""
    seen = set(session.scalars(select(AuditLog.action).distinct()))
    return sorted(seen | set(ACCESS_ACTIONS))
