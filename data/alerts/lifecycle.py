"""What people do to an alert: acknowledge, assign, add a note, resolve by hand.

Each action works on an open ``Connection`` inside the caller's unit of work (it never commits),
checks the alert's org against the actor's ``Scope`` first, then that the action is allowed in
the alert's state, and records an ``alert_event`` (who, when, from, to, note).

* An alert outside the scope and an alert that does not exist are refused alike with
  ``OutOfScope``: the refusal does not tell which ids exist elsewhere in the province.
* A refused action raises ``AlertActionError`` whose ``code`` is a message-catalog key suffix
  (``alerts.error.<code>``), so the page can say what went wrong in the reader's language.
* State changes are compare-and-set (``WHERE state = <the state read>``): when the evaluation
  resolves an alert while an operator acknowledges it, one of them wins and the other is told.

Allowed actions by state:

=============  =========  =========  ============  ========
action         pending    firing     acknowledged  resolved
=============  =========  =========  ============  ========
acknowledge    no         yes        no            no
assign         yes        yes        yes           no
add_note       yes        yes        yes           yes
resolve        yes        yes        yes           no
=============  =========  =========  ============  ========

An assignment and a note are events whose state does not change (``from_state == to_state``);
an assignment's note is ``assign:<user id>`` (``ASSIGN_NOTE_PREFIX``), read back by
``data.queries.alerts`` as "assigned to <name>".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, insert, literal, select, update
from sqlalchemy.engine import Connection

from data.models import OrgNode, RolePermission, User
from data.models.alert import Alert, AlertEvent
from data.models.base import utcnow
from data.scope import OutOfScope, Scope

MAX_NOTE_LENGTH = 2000
ASSIGN_NOTE_PREFIX = "assign:"
#: The permission an assignee's role must hold: someone who cannot act on alerts cannot own one.
ASSIGNEE_PERMISSION = "manage_alerts"

ACKNOWLEDGEABLE = ("firing",)
ASSIGNABLE = ("pending", "firing", "acknowledged")
RESOLVABLE = ("pending", "firing", "acknowledged")


class AlertActionError(ValueError):
    """A refused action on an alert in the scope. ``code`` is a catalog key suffix
    (``alerts.error.<code>``); ``params`` fill its placeholders."""

    def __init__(self, code: str, **params):
        super().__init__(f"{code} {params}" if params else code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class AlertChange:
    """The outcome of an action: the alert, its state before and after, and the event written."""

    alert_id: int
    from_state: str
    to_state: str
    event_id: int


def _load_in_scope(conn: Connection, alert_id, scope: Scope):
    """The alert's ``(id, state, org path, assignee_id)``; ``OutOfScope`` when it is outside the
    scope, does not exist, or the id is not an id at all."""
    try:
        alert_id = int(alert_id)
    except (TypeError, ValueError) as exc:
        raise OutOfScope(f"alert {alert_id!r} is outside the scope") from exc
    row = conn.execute(
        select(Alert.id, Alert.state, OrgNode.path, Alert.assignee_id)
        .join(OrgNode, OrgNode.id == Alert.org_id)
        .where(Alert.id == alert_id)
    ).first()
    if row is None or not scope.contains(row.path):
        raise OutOfScope(f"alert {alert_id} is outside the scope")
    return row


def _clean_note(note: str | None, *, required: bool) -> str | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE_LENGTH:
        raise AlertActionError("note_too_long", limit=MAX_NOTE_LENGTH, length=len(text))
    if not text:
        if required:
            raise AlertActionError("note_required")
        return None
    return text


def _event(conn: Connection, alert_id: int, *, now, from_state, to_state, actor, note) -> int:
    return conn.execute(
        insert(AlertEvent)
        .values(alert_id=alert_id, ts=now, from_state=from_state, to_state=to_state, actor=actor, note=note)
        .returning(AlertEvent.id)
    ).scalar_one()


def _transition(conn: Connection, row, *, to_state: str, values: dict, actor: str, note, now) -> AlertChange:
    """Move the alert from the state read to ``to_state`` unless someone moved it meanwhile."""
    result = conn.execute(
        update(Alert).where(Alert.id == row.id, Alert.state == row.state).values(state=to_state, **values)
    )
    if result.rowcount != 1:
        raise AlertActionError("state_changed")
    event_id = _event(conn, row.id, now=now, from_state=row.state, to_state=to_state, actor=actor, note=note)
    return AlertChange(row.id, row.state, to_state, event_id)


def acknowledge(
    conn: Connection, alert_id, *, actor: str, scope: Scope, note: str | None = None, now: dt.datetime | None = None
) -> AlertChange:
    """firing → acknowledged: someone owns it now. ``note`` is optional."""
    row = _load_in_scope(conn, alert_id, scope)
    text = _clean_note(note, required=False)
    if row.state not in ACKNOWLEDGEABLE:
        raise AlertActionError("cannot_acknowledge", state=row.state)
    now = now or utcnow()
    return _transition(
        conn, row, to_state="acknowledged", values={"acknowledged_at": now}, actor=actor, note=text, now=now
    )


def resolve(
    conn: Connection, alert_id, *, actor: str, scope: Scope, note: str, now: dt.datetime | None = None
) -> AlertChange:
    """Resolve by hand (pending, firing or acknowledged → resolved); a note saying why is required."""
    row = _load_in_scope(conn, alert_id, scope)
    text = _clean_note(note, required=True)
    if row.state not in RESOLVABLE:
        raise AlertActionError("cannot_resolve", state=row.state)
    now = now or utcnow()
    return _transition(conn, row, to_state="resolved", values={"resolved_at": now}, actor=actor, note=text, now=now)


def add_note(
    conn: Connection, alert_id, *, actor: str, scope: Scope, note: str, now: dt.datetime | None = None
) -> AlertChange:
    """A note on the alert's history, in any state (a resolved alert can still be explained)."""
    row = _load_in_scope(conn, alert_id, scope)
    text = _clean_note(note, required=True)
    now = now or utcnow()
    event_id = _event(conn, row.id, now=now, from_state=row.state, to_state=row.state, actor=actor, note=text)
    return AlertChange(row.id, row.state, row.state, event_id)


def assignable_users_query(org_path: str):
    """Active users whose role may act on alerts and whose scope covers the node at ``org_path``
    (their scope's path is a prefix of it): ``(id, username, display_name, scope path)``.
    The caller adds its own filters and order.
    """
    return (
        select(User.id, User.username, User.display_name, OrgNode.path)
        .join(OrgNode, OrgNode.id == User.scope_org_id)
        .join(
            RolePermission,
            and_(RolePermission.role_code == User.role_code, RolePermission.permission == ASSIGNEE_PERMISSION),
        )
        .where(User.active.is_(True), literal(org_path).like(OrgNode.path.concat("%")))
    )


def assign(
    conn: Connection, alert_id, *, actor: str, scope: Scope, assignee_id, now: dt.datetime | None = None
) -> AlertChange:
    """Give an open alert to a person: an active user who may act on alerts and whose data scope
    covers the alert's org. The state does not change; the event records the assignment."""
    row = _load_in_scope(conn, alert_id, scope)
    if row.state not in ASSIGNABLE:
        raise AlertActionError("cannot_assign", state=row.state)
    try:
        assignee_id = int(assignee_id)
    except (TypeError, ValueError) as exc:
        raise AlertActionError("bad_assignee") from exc
    candidate = conn.execute(assignable_users_query(row.path).where(User.id == assignee_id)).first()
    if candidate is None:
        raise AlertActionError("bad_assignee")
    now = now or utcnow()
    result = conn.execute(
        update(Alert).where(Alert.id == row.id, Alert.state == row.state).values(assignee_id=assignee_id)
    )
    if result.rowcount != 1:
        raise AlertActionError("state_changed")
    note = f"{ASSIGN_NOTE_PREFIX}{assignee_id}"
    event_id = _event(conn, row.id, now=now, from_state=row.state, to_state=row.state, actor=actor, note=note)
    return AlertChange(row.id, row.state, row.state, event_id)


__all__ = [
    "ASSIGN_NOTE_PREFIX",
    "MAX_NOTE_LENGTH",
    "AlertActionError",
    "AlertChange",
    "acknowledge",
    "add_note",
    "assign",
    "assignable_users_query",
    "resolve",
]
