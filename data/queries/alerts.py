"""Reads of alerts for the alerts page (告警中心), the overview panel and the wall ticker.

Every function takes an open ``Connection`` and the user's ``Scope``, binds its parameters,
never commits, and sees only alerts whose org lies in the scope's subtree. Each read is one or
two statements whatever the number of alerts: names of rules, orgs, departments, assignees and
entities come from joins, not from a look-up per row.

Order of a list: open alerts before resolved ones; among open alerts critical before warning;
then the newest (fired, else opened) first.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import String, and_, case, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from data.alerts.lifecycle import ASSIGN_NOTE_PREFIX, assignable_users_query
from data.models import (
    Asset,
    Building,
    DataSource,
    Department,
    HousingUnit,
    Lease,
    MetricDefinition,
    OfficeRoom,
    OrgNode,
    User,
    Vehicle,
)
from data.models.alert import Alert, AlertEvent, AlertRule, AlertRuleVersion
from data.scope import Scope, resolve_org

#: Columns of ``fetch_alerts`` (and of the ``alert`` dict of ``fetch_alert_detail``).
ALERT_COLUMNS = [
    "alert_id",
    "rule_id",
    "rule_code",
    "rule_name_zh",
    "rule_name_en",
    "rule_version",
    "metric_id",
    "domain",
    "unit",
    "entity_kind",
    "entity_id",
    "entity_name_zh",
    "entity_name_en",
    "org_id",
    "org_name_zh",
    "org_name_en",
    "department_id",
    "department_code",
    "department_name_zh",
    "department_name_en",
    "state",
    "severity",
    "value",
    "threshold",
    "opened_at",
    "fired_at",
    "acknowledged_at",
    "resolved_at",
    "assignee_id",
    "assignee_name",
    "comparison",
    "figure",
    "window",
]
EVENT_COLUMNS = [
    "event_id",
    "ts",
    "from_state",
    "to_state",
    "actor",
    "actor_name",
    "kind",
    "note",
    "assignee_name",
    "value",
]
RESPONSE_COLUMNS = [
    "department_id",
    "department_code",
    "department_name_zh",
    "department_name_en",
    "alerts",
    "acknowledged",
    "mtta_mean_s",
    "mtta_median_s",
    "resolved",
    "mttr_mean_s",
    "mttr_median_s",
]
ASSIGNEE_COLUMNS = ["user_id", "username", "display_name"]
SEVERITIES = ("critical", "warning")
DEFAULT_LIMIT = 500
PANEL_LIMIT = 8


# The entity's name, per kind: (select of id, name_zh, name_en) for the ids of one kind. Looked up
# after the alerts are chosen, for those rows only: one outer join per kind in the alerts'
# statement cost PostgreSQL ~15 ms of planning on every panel refresh.
_ROOM_BUILDING = aliased(Building)
_LEASE_UNIT = aliased(HousingUnit)
_ENTITY_NAMES = {
    "building": select(Building.id, Building.name_zh, Building.name_en),
    "vehicle": select(Vehicle.id, Vehicle.plate, Vehicle.plate),
    "asset": select(Asset.id, Asset.name_zh, func.coalesce(Asset.name_en, Asset.name_zh)),
    "room": select(
        OfficeRoom.id,
        _ROOM_BUILDING.name_zh.concat(" ").concat(OfficeRoom.room_no),
        _ROOM_BUILDING.name_en.concat(" ").concat(OfficeRoom.room_no),
    ).join(_ROOM_BUILDING, _ROOM_BUILDING.id == OfficeRoom.building_id),
    "housing_unit": select(HousingUnit.id, HousingUnit.code, HousingUnit.code),
    "lease": select(Lease.id, _LEASE_UNIT.code, _LEASE_UNIT.code).join(_LEASE_UNIT, _LEASE_UNIT.id == Lease.unit_id),
    "source": select(DataSource.id, DataSource.name_zh, DataSource.name_en),
    "org": select(OrgNode.id, OrgNode.name_zh, OrgNode.name_en),
}
_NAME_AT = 11  # the positions of name_zh and name_en in ``_alert_select``'s rows


def _entity_name_map(conn: Connection, rows) -> dict[tuple[str, int], tuple[str, str]]:
    """``{(kind, id): (name_zh, name_en)}`` for the entities of ``rows``, one statement per kind."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        kind, entity_id = row[9], row[10]
        if kind in _ENTITY_NAMES and entity_id is not None:
            wanted.setdefault(kind, set()).add(int(entity_id))
    names = {}
    for kind, ids in wanted.items():
        stmt = _ENTITY_NAMES[kind]
        id_column = stmt.selected_columns[0]
        for entity_id, zh, en in conn.execute(stmt.where(id_column.in_(sorted(ids)))).all():
            names[(kind, int(entity_id))] = (zh, en)
    return names


def _named(conn: Connection, rows) -> list[list]:
    """``rows`` of ``_alert_select`` with their entity names filled in."""
    names = _entity_name_map(conn, rows)
    named = []
    for row in rows:
        values = list(row)
        zh, en = names.get((row[9], int(row[10]) if row[10] is not None else None), (None, None))
        values[_NAME_AT], values[_NAME_AT + 1] = zh, en
        named.append(values)
    return named


@functools.lru_cache(maxsize=1)
def _alert_select():
    """Every alert with the names the page shows (``ALERT_COLUMNS``), before scope and filters;
    the entity's names are placeholders that ``_named`` fills for the rows chosen."""
    assignee = aliased(User)
    name_zh, name_en = literal(None, String).label("entity_name_zh"), literal(None, String).label("entity_name_en")
    stmt = (
        select(
            Alert.id,
            Alert.rule_id,
            AlertRule.code,
            AlertRule.name_zh,
            AlertRule.name_en,
            Alert.rule_version,
            AlertRule.metric_id,
            MetricDefinition.domain,
            MetricDefinition.unit,
            Alert.entity_kind,
            Alert.entity_id,
            name_zh,
            name_en,
            Alert.org_id,
            OrgNode.name_zh,
            OrgNode.name_en,
            Alert.department_id,
            Department.code,
            Department.name_zh,
            Department.name_en,
            Alert.state,
            Alert.severity,
            Alert.value,
            Alert.threshold,
            Alert.opened_at,
            Alert.fired_at,
            Alert.acknowledged_at,
            Alert.resolved_at,
            Alert.assignee_id,
            assignee.display_name,
            Alert.detail,
        )
        .select_from(Alert)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .join(MetricDefinition, MetricDefinition.id == AlertRule.metric_id)
        .join(OrgNode, OrgNode.id == Alert.org_id)
        .join(Department, Department.id == Alert.department_id)
        .outerjoin(assignee, assignee.id == Alert.assignee_id)
    )
    return stmt


def _scoped(stmt, conn: Connection, scope: Scope, org_id: int | None):
    """Alerts of the subtree of ``org_id`` (the scope root when None); ``OutOfScope`` outside."""
    node_id = resolve_org(conn, scope, org_id)
    path = (
        scope.org_path
        if node_id == scope.org_id
        else conn.execute(select(OrgNode.path).where(OrgNode.id == node_id)).scalar_one()
    )
    return stmt.where(OrgNode.path.like(path + "%"))


def _as_list(value) -> list | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str | int):
        return [value]
    return list(value)


def _ordered(stmt):
    is_open = Alert.state != "resolved"
    return stmt.order_by(
        case((is_open, 0), else_=1),
        case((and_(is_open, Alert.severity == "critical"), 0), else_=1),
        func.coalesce(Alert.fired_at, Alert.opened_at).desc(),
        Alert.id.desc(),
    )


def fetch_alerts(
    conn: Connection,
    scope: Scope,
    *,
    org_id: int | None = None,
    severities: Iterable[str] | str | None = None,
    domains: Iterable[str] | str | None = None,
    department_ids: Iterable[int] | int | None = None,
    states: Iterable[str] | str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    entity: tuple[str, int] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> pd.DataFrame:
    """The alerts of the scope (of ``org_id``'s subtree when given) that pass the filters.

    A filter left ``None`` (or empty) does not filter. ``domains`` are catalog domains (via the
    rule's metric); ``since``/``until`` bound when the alert opened (UTC, ``until`` exclusive);
    ``entity`` (kind, id) keeps one building's, vehicle's … alerts.

    Returns:
        DataFrame with ``ALERT_COLUMNS``, open before resolved, critical first among open, newest
        first; at most ``limit`` rows.

    Raises:
        OrgNotFound, OutOfScope: ``org_id`` does not exist, or lies outside the scope.
    """
    stmt = _scoped(_alert_select(), conn, scope, org_id)
    if (values := _as_list(severities)) is not None:
        stmt = stmt.where(Alert.severity.in_(values))
    if (values := _as_list(domains)) is not None:
        stmt = stmt.where(MetricDefinition.domain.in_(values))
    if (values := _as_list(department_ids)) is not None:
        stmt = stmt.where(Alert.department_id.in_([int(v) for v in values]))
    if (values := _as_list(states)) is not None:
        stmt = stmt.where(Alert.state.in_(values))
    if since is not None:
        stmt = stmt.where(Alert.opened_at >= since)
    if until is not None:
        stmt = stmt.where(Alert.opened_at < until)
    if entity is not None:
        stmt = stmt.where(Alert.entity_kind == entity[0], Alert.entity_id == int(entity[1]))
    rows = _named(conn, conn.execute(_ordered(stmt).limit(int(limit))).all())
    return pd.DataFrame([_alert_row(r) for r in rows], columns=ALERT_COLUMNS)


def _alert_row(row) -> tuple:
    """A row of ``_alert_select`` as ``ALERT_COLUMNS``: its last column, the alert's detail, gives
    the comparison, the compared figure (a change in %, a deviation) and the window the value is
    judged by."""
    detail = row[-1]
    if isinstance(detail, str):
        detail = json.loads(detail)
    detail = detail or {}
    return (*row[:-1], detail.get("comparison"), detail.get("figure"), detail.get("window"))


def fetch_firing_alerts(conn: Connection, scope: Scope, *, org_id: int | None = None, limit: int = PANEL_LIMIT):
    """The newest firing alerts for the overview panel and the wall ticker: critical first, then
    the most recently fired. Same columns as ``fetch_alerts``."""
    return fetch_alerts(conn, scope, org_id=org_id, states=("firing",), limit=limit)


def fetch_alert_detail(conn: Connection, scope: Scope, alert_id) -> dict | None:
    """One alert with everything the detail panel shows, or None when it is not in the scope (or
    does not exist: the two are not told apart).

    Returns:
        ``{"alert": dict of ALERT_COLUMNS, "detail": the values that fired it (the alert's detail
        JSON), "rule": the rule's definition at the alert's version (``alert_rule_version``; the
        current rule's fields when that version was not recorded), "events": DataFrame with
        EVENT_COLUMNS, oldest first}``.
    """
    try:
        alert_id = int(alert_id)
    except (TypeError, ValueError):
        return None
    stmt = _alert_select().add_columns(Alert.detail, OrgNode.path).where(Alert.id == alert_id)
    row = conn.execute(stmt).first()
    if row is None or not scope.contains(row[-1]):
        return None
    row = _named(conn, [row])[0]
    alert = dict(zip(ALERT_COLUMNS, _alert_row(row[: len(ALERT_COLUMNS) - 2])))
    version = conn.execute(
        select(AlertRuleVersion.definition, AlertRuleVersion.changed_at, AlertRuleVersion.changed_by).where(
            AlertRuleVersion.rule_id == alert["rule_id"], AlertRuleVersion.version == alert["rule_version"]
        )
    ).first()
    if version is not None:
        rule = {**(version.definition or {}), "changed_at": version.changed_at, "changed_by": version.changed_by}
    else:
        current = conn.execute(
            select(
                AlertRule.comparison,
                AlertRule.warning_level,
                AlertRule.critical_level,
                AlertRule.recovery_level,
                AlertRule.window,
                AlertRule.for_seconds,
                AlertRule.version,
            ).where(AlertRule.id == alert["rule_id"])
        ).first()
        rule = dict(current._mapping) if current is not None else {}
    return {"alert": alert, "detail": dict(row[-2] or {}), "rule": rule, "events": _events(conn, alert_id)}


def _events(conn: Connection, alert_id: int) -> pd.DataFrame:
    actor = aliased(User)
    rows = conn.execute(
        select(
            AlertEvent.id,
            AlertEvent.ts,
            AlertEvent.from_state,
            AlertEvent.to_state,
            AlertEvent.actor,
            actor.display_name,
            AlertEvent.note,
            AlertEvent.value,
        )
        .outerjoin(actor, actor.username == AlertEvent.actor)
        .where(AlertEvent.alert_id == alert_id)
        .order_by(AlertEvent.ts, AlertEvent.id)
    ).all()
    assigned_ids = {
        int(r.note[len(ASSIGN_NOTE_PREFIX) :])
        for r in rows
        if r.note and r.note.startswith(ASSIGN_NOTE_PREFIX) and r.note[len(ASSIGN_NOTE_PREFIX) :].isdigit()
    }
    names = {}
    if assigned_ids:
        names = dict(conn.execute(select(User.id, User.display_name).where(User.id.in_(assigned_ids))).all())
    records = []
    for r in rows:
        kind, note, assignee = "transition", r.note, None
        if r.from_state == r.to_state:
            kind = "note"
            if r.note and r.note.startswith(ASSIGN_NOTE_PREFIX) and r.note[len(ASSIGN_NOTE_PREFIX) :].isdigit():
                kind, note = "assign", None
                assignee = names.get(int(r.note[len(ASSIGN_NOTE_PREFIX) :]))
        records.append((r.id, r.ts, r.from_state, r.to_state, r.actor, r.display_name, kind, note, assignee, r.value))
    return pd.DataFrame(records, columns=EVENT_COLUMNS)


def fetch_assignees(conn: Connection, scope: Scope, alert_id) -> pd.DataFrame:
    """The people an alert of the scope can be assigned to (active, may act on alerts, scope
    covering the alert's org), by name. Empty when the alert is not in the scope.

    Returns:
        DataFrame with ``ASSIGNEE_COLUMNS``.
    """
    try:
        alert_id = int(alert_id)
    except (TypeError, ValueError):
        return pd.DataFrame(columns=ASSIGNEE_COLUMNS)
    path = conn.execute(
        select(OrgNode.path).join(Alert, Alert.org_id == OrgNode.id).where(Alert.id == alert_id)
    ).scalar_one_or_none()
    if path is None or not scope.contains(path):
        return pd.DataFrame(columns=ASSIGNEE_COLUMNS)
    query = assignable_users_query(path)
    rows = conn.execute(query.with_only_columns(*query.selected_columns[:3]).order_by(User.display_name, User.id))
    return pd.DataFrame(rows.all(), columns=ASSIGNEE_COLUMNS)


def fetch_response_times(
    conn: Connection,
    scope: Scope,
    *,
    org_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> pd.DataFrame:
    """MTTA and MTTR by department over the alerts of the scope that fired in ``[since, until)``.

    Time to acknowledge is ``acknowledged_at − fired_at`` (alerts acknowledged); time to resolve
    is ``resolved_at − fired_at`` (alerts resolved, by hand or on recovery). One statement reads
    the alerts' instants; the means and medians are taken over them here, the same way on
    SQLite and PostgreSQL.

    Returns:
        DataFrame with ``RESPONSE_COLUMNS`` (seconds as floats, NaN where nothing was
        acknowledged or resolved), one row per department with alerts, by department id.

    Raises:
        OrgNotFound, OutOfScope: as ``fetch_alerts``.
    """
    stmt = (
        select(
            Alert.department_id,
            Department.code,
            Department.name_zh,
            Department.name_en,
            Alert.fired_at,
            Alert.acknowledged_at,
            Alert.resolved_at,
        )
        .join(OrgNode, OrgNode.id == Alert.org_id)
        .join(Department, Department.id == Alert.department_id)
        .where(Alert.fired_at.is_not(None))
    )
    stmt = _scoped(stmt, conn, scope, org_id)
    if since is not None:
        stmt = stmt.where(Alert.fired_at >= since)
    if until is not None:
        stmt = stmt.where(Alert.fired_at < until)
    frame = pd.DataFrame(
        conn.execute(stmt).all(),
        columns=["department_id", "department_code", "department_name_zh", "department_name_en", "fired", "ack", "res"],
    )
    if frame.empty:
        return pd.DataFrame(columns=RESPONSE_COLUMNS)
    fired = pd.to_datetime(frame["fired"], utc=True)
    frame["tta"] = (pd.to_datetime(frame["ack"], utc=True) - fired).dt.total_seconds()
    frame["ttr"] = (pd.to_datetime(frame["res"], utc=True) - fired).dt.total_seconds()
    keys = ["department_id", "department_code", "department_name_zh", "department_name_en"]
    grouped = frame.groupby(keys, sort=True)
    out = grouped.agg(
        alerts=("fired", "size"),
        acknowledged=("tta", "count"),
        mtta_mean_s=("tta", "mean"),
        mtta_median_s=("tta", "median"),
        resolved=("ttr", "count"),
        mttr_mean_s=("ttr", "mean"),
        mttr_median_s=("ttr", "median"),
    ).reset_index()
    return out[RESPONSE_COLUMNS]


def fetch_departments(conn: Connection) -> pd.DataFrame:
    """The eight business departments (``department_id``, ``code``, ``name_zh``, ``name_en``), by id."""
    rows = conn.execute(
        select(Department.id, Department.code, Department.name_zh, Department.name_en).order_by(Department.id)
    )
    return pd.DataFrame(rows.all(), columns=["department_id", "code", "name_zh", "name_en"])


__all__ = [
    "ALERT_COLUMNS",
    "ASSIGNEE_COLUMNS",
    "EVENT_COLUMNS",
    "RESPONSE_COLUMNS",
    "fetch_alert_detail",
    "fetch_alerts",
    "fetch_assignees",
    "fetch_departments",
    "fetch_firing_alerts",
    "fetch_response_times",
]
