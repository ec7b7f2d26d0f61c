"""What holds an alert's notifications back: one-off silences and recurring mute timings.

A silenced or muted alert is still opened, evaluated and recorded by the engine; only its
notifications are held (``data.alerts.notify`` records the attempt as ``silenced`` or ``muted``
and sends nothing).

* A **silence** matches one rule or every rule, within an org subtree or the whole tree, from
  ``starts_at`` until ``ends_at`` (UTC instants), with a reason and its author. Ending it early
  moves ``ends_at`` to now.
* A **mute timing** recurs, in local time of the configured zone (``data.calendar``). Its spec::

      {"hours": [["22:00", "07:00"]], "weekdays": [5, 6], "holidays": true, "rest_days": false}

  is active when *any* part matches: the local time of day lies in one of the ``hours`` ranges
  (a range whose end is before its start crosses midnight), the weekday (0 = Monday) is listed,
  ``holidays`` and the local day is a public holiday in ``calendar_day``, or ``rest_days`` and the
  day is not a working day there (weekends and holidays, make-up working days 调休 excepted).
  ``rule_ids`` empty means every rule.

Functions take the caller's ``Connection`` and never commit. Refused inputs raise
``NotificationSettingError`` whose ``code`` is a catalog key suffix (``notify.error.<code>``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from data.calendar import Calendar
from data.models import CalendarDay, OrgNode
from data.models.alert import AlertRule, MuteTiming, Silence

REASON_MAX = 500
NAME_MAX = 64
SILENCE_MAX_DAYS = 90
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class NotificationSettingError(ValueError):
    """A refused channel, silence or mute timing; ``code`` names the catalog message
    (``notify.error.<code>``), ``params`` fill its placeholders."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def org_path(conn: Connection, org_id: int) -> str | None:
    return conn.execute(select(OrgNode.path).where(OrgNode.id == org_id)).scalar_one_or_none()


def root_path(conn: Connection) -> str | None:
    return conn.execute(select(OrgNode.path).where(OrgNode.parent_id.is_(None)).order_by(OrgNode.id)).scalar()


def require_whole_tree(conn: Connection, within_path: str | None) -> None:
    """Channels and mute timings are province-wide: only an administrator of the whole tree
    (``within_path`` None or the root's path) may change them."""
    if within_path is not None and within_path != root_path(conn):
        raise NotificationSettingError("whole_tree_only")


def _check_rules(conn: Connection, rule_ids) -> list[int]:
    ids = sorted({int(r) for r in rule_ids or ()})
    if ids:
        found = set(conn.execute(select(AlertRule.id).where(AlertRule.id.in_(ids))).scalars())
        missing = [r for r in ids if r not in found]
        if missing:
            raise NotificationSettingError("unknown_rule", rule=missing[0])
    return ids


def list_rule_choices(conn: Connection) -> list[dict]:
    """id, code, name_zh, name_en, enabled of every rule, for the silence and mute-timing forms."""
    stmt = select(AlertRule.id, AlertRule.code, AlertRule.name_zh, AlertRule.name_en, AlertRule.enabled)
    return [dict(r._mapping) for r in conn.execute(stmt.order_by(AlertRule.code))]


# --- one-off silences -------------------------------------------------------------------------


def create_silence(
    conn: Connection,
    *,
    rule_id: int | None,
    scope_org_id: int | None,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    reason: str | None,
    created_by: str,
    now: dt.datetime,
    within_path: str | None = None,
) -> int:
    """Store a silence and return its id. ``starts_at`` None means now; ``within_path`` is the
    author's scope: the silence's subtree must lie inside it (None: the whole tree)."""
    reason = (reason or "").strip()
    if not reason:
        raise NotificationSettingError("reason_required")
    if len(reason) > REASON_MAX:
        raise NotificationSettingError("reason_too_long", limit=REASON_MAX)
    if ends_at is None:
        raise NotificationSettingError("until_required")
    now = _utc(now)
    starts_at = _utc(starts_at) if starts_at is not None else now
    ends_at = _utc(ends_at)
    if ends_at <= starts_at:
        raise NotificationSettingError("until_before_from")
    if ends_at <= now:
        raise NotificationSettingError("until_in_past")
    if ends_at - starts_at > dt.timedelta(days=SILENCE_MAX_DAYS):
        raise NotificationSettingError("silence_too_long", days=SILENCE_MAX_DAYS)
    if rule_id is not None:
        _check_rules(conn, [rule_id])
    if scope_org_id is None:
        if within_path is not None and within_path != root_path(conn):
            raise NotificationSettingError("scope_required")
    else:
        path = org_path(conn, int(scope_org_id))
        if path is None or (within_path is not None and not path.startswith(within_path)):
            raise NotificationSettingError("out_of_scope")
    return conn.execute(
        insert(Silence)
        .values(
            rule_id=int(rule_id) if rule_id is not None else None,
            scope_org_id=int(scope_org_id) if scope_org_id is not None else None,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            created_by=created_by[:64],
        )
        .returning(Silence.id)
    ).scalar_one()


def _silence_in_scope(conn: Connection, silence_id: int, within_path: str | None):
    row = conn.execute(
        select(Silence.id, Silence.starts_at, Silence.ends_at, OrgNode.path)
        .outerjoin(OrgNode, OrgNode.id == Silence.scope_org_id)
        .where(Silence.id == int(silence_id))
    ).first()
    if row is None:
        raise NotificationSettingError("not_found")
    if within_path is not None:
        path = row.path if row.path is not None else root_path(conn)
        if path is None or not path.startswith(within_path):
            raise NotificationSettingError("not_found")  # does not tell what exists elsewhere
    return row


def end_silence(conn: Connection, silence_id: int, *, now: dt.datetime, within_path: str | None = None) -> None:
    """End a silence now (a silence not yet begun is cancelled: it ends where it starts)."""
    now = _utc(now)
    row = _silence_in_scope(conn, silence_id, within_path)
    if _utc(row.ends_at) <= now:
        raise NotificationSettingError("silence_over")
    ends = max(now, _utc(row.starts_at))
    conn.execute(update(Silence).where(Silence.id == row.id).values(ends_at=ends))


def silence_state(starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> str:
    """``scheduled`` (not begun), ``active`` or ``ended`` at ``now``."""
    now = _utc(now)
    if _utc(ends_at) <= now or ends_at <= starts_at:
        return "ended"
    return "active" if _utc(starts_at) <= now else "scheduled"


def list_silences(
    conn: Connection, *, now: dt.datetime, within_path: str | None = None, limit: int = 500
) -> list[dict]:
    """Silences, newest first: id, rule_id, rule_name_zh/en (None: every rule), scope_org_id,
    scope_name_zh/en (None: whole tree), starts_at, ends_at, reason, created_by, state. With
    ``within_path``, only silences whose subtree lies inside it."""
    scope = aliased(OrgNode)
    stmt = (
        select(
            Silence.id,
            Silence.rule_id,
            AlertRule.name_zh.label("rule_name_zh"),
            AlertRule.name_en.label("rule_name_en"),
            Silence.scope_org_id,
            scope.name_zh.label("scope_name_zh"),
            scope.name_en.label("scope_name_en"),
            scope.path.label("scope_path"),
            Silence.starts_at,
            Silence.ends_at,
            Silence.reason,
            Silence.created_by,
        )
        .outerjoin(AlertRule, AlertRule.id == Silence.rule_id)
        .outerjoin(scope, scope.id == Silence.scope_org_id)
        .order_by(Silence.id.desc())
        .limit(limit)
    )
    root = root_path(conn) if within_path is not None else None
    rows = []
    for r in conn.execute(stmt):
        path = r.scope_path if r.scope_path is not None else root
        if within_path is not None and (path is None or not path.startswith(within_path)):
            continue
        row = dict(r._mapping)
        row.pop("scope_path")
        row["state"] = silence_state(r.starts_at, r.ends_at, now)
        rows.append(row)
    return rows


# --- recurring mute timings -------------------------------------------------------------------


def _minutes(value) -> int:
    """``"22:00"`` (or an hour as an int, the form ``{"hours": [[22, 7]]}``) as minutes of the day."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24:
        return (value % 24) * 60
    match = _HHMM.match(str(value).strip())
    if not match:
        raise NotificationSettingError("bad_time", value=str(value))
    return int(match.group(1)) * 60 + int(match.group(2))


def normalize_spec(*, hours=(), weekdays=(), holidays: bool = False, rest_days: bool = False) -> dict:
    """A validated mute-timing spec: ``hours`` as ``[["HH:MM", "HH:MM"], …]``, weekdays sorted."""
    ranges = []
    for pair in hours or ():
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise NotificationSettingError("bad_time", value=str(pair))
        start, end = _minutes(pair[0]), _minutes(pair[1])
        if start == end:
            raise NotificationSettingError("empty_hours")
        ranges.append([f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"])
    days = sorted({int(d) for d in weekdays or ()})
    if any(d < 0 or d > 6 for d in days):
        raise NotificationSettingError("bad_weekday")
    if len(days) == 7:
        raise NotificationSettingError("every_day")
    if not ranges and not days and not holidays and not rest_days:
        raise NotificationSettingError("empty_mute")
    return {"hours": ranges, "weekdays": days, "holidays": bool(holidays), "rest_days": bool(rest_days)}


def create_mute_timing(
    conn: Connection,
    *,
    name: str | None,
    hours=(),
    weekdays=(),
    holidays: bool = False,
    rest_days: bool = False,
    rule_ids=(),
    within_path: str | None = None,
) -> int:
    require_whole_tree(conn, within_path)
    name = (name or "").strip()
    if not name:
        raise NotificationSettingError("name_required")
    if len(name) > NAME_MAX:
        raise NotificationSettingError("name_too_long", limit=NAME_MAX)
    spec = normalize_spec(hours=hours, weekdays=weekdays, holidays=holidays, rest_days=rest_days)
    rules = _check_rules(conn, rule_ids)
    if conn.execute(select(MuteTiming.id).where(MuteTiming.name == name)).first() is not None:
        raise NotificationSettingError("duplicate_name", name=name)
    return conn.execute(
        insert(MuteTiming).values(name=name, spec=spec, rule_ids=rules).returning(MuteTiming.id)
    ).scalar_one()


def delete_mute_timing(conn: Connection, mute_id: int, *, within_path: str | None = None) -> str:
    """Remove a mute timing; returns its name."""
    require_whole_tree(conn, within_path)
    name = conn.execute(select(MuteTiming.name).where(MuteTiming.id == int(mute_id))).scalar_one_or_none()
    if name is None:
        raise NotificationSettingError("not_found")
    conn.execute(delete(MuteTiming).where(MuteTiming.id == int(mute_id)))
    return name


def list_mute_timings(conn: Connection) -> list[dict]:
    """Mute timings by name: id, name, spec (normalised), rule_ids, rule_names_zh/en."""
    names = {
        r.id: (r.name_zh, r.name_en) for r in conn.execute(select(AlertRule.id, AlertRule.name_zh, AlertRule.name_en))
    }
    out = []
    for r in conn.execute(
        select(MuteTiming.id, MuteTiming.name, MuteTiming.spec, MuteTiming.rule_ids).order_by(MuteTiming.name)
    ):
        rule_ids = [int(x) for x in (r.rule_ids or [])]
        out.append(
            {
                "id": r.id,
                "name": r.name,
                "spec": _read_spec(r.spec),
                "rule_ids": rule_ids,
                "rule_names_zh": [names.get(x, (str(x), str(x)))[0] for x in rule_ids],
                "rule_names_en": [names.get(x, (str(x), str(x)))[1] for x in rule_ids],
            }
        )
    return out


def _read_spec(spec) -> dict:
    """A stored spec, tolerant of the short form ``{"hours": [[22, 7]]}``."""
    spec = spec or {}
    try:
        return normalize_spec(
            hours=spec.get("hours") or (),
            weekdays=spec.get("weekdays") or (),
            holidays=bool(spec.get("holidays")),
            rest_days=bool(spec.get("rest_days")),
        )
    except NotificationSettingError:
        return {"hours": [], "weekdays": [], "holidays": False, "rest_days": False}


def mute_matches(spec: dict, local: dt.datetime, *, holiday: bool, rest_day: bool) -> bool:
    """Whether the (normalised) ``spec`` mutes the local wall-clock time ``local``."""
    minute = local.hour * 60 + local.minute
    for start_text, end_text in spec.get("hours", ()):
        start, end = _minutes(start_text), _minutes(end_text)
        inside = start <= minute < end if start < end else (minute >= start or minute < end)
        if inside:
            return True
    if local.weekday() in spec.get("weekdays", ()):
        return True
    if spec.get("holidays") and holiday:
        return True
    return bool(spec.get("rest_days") and rest_day)


# --- the decision -----------------------------------------------------------------------------


@dataclass
class Holds:
    """Everything that may hold a notification back at one instant, read once per dispatch run."""

    at: dt.datetime
    silences: list = field(default_factory=list)  # (id, rule_id, scope path or None)
    mutes: list = field(default_factory=list)  # (id, spec, rule_ids)
    holiday: bool = False
    rest_day: bool = False
    local: dt.datetime | None = None

    def match(self, rule_id: int, alert_org_path: str | None) -> tuple[str, int] | None:
        for silence_id, silence_rule, scope_path in self.silences:
            if silence_rule is not None and silence_rule != rule_id:
                continue
            if scope_path is not None and not (alert_org_path or "").startswith(scope_path):
                continue
            return ("silence", silence_id)
        for mute_id, spec, rule_ids in self.mutes:
            if rule_ids and rule_id not in rule_ids:
                continue
            if mute_matches(spec, self.local, holiday=self.holiday, rest_day=self.rest_day):
                return ("mute", mute_id)
        return None


def load_holds(conn: Connection, at: dt.datetime, calendar: Calendar) -> Holds:
    """The silences active at ``at`` and every mute timing, with the local day's calendar."""
    at = _utc(at)
    local = calendar.local(at)
    silences = [
        (r.id, r.rule_id, r.path)
        for r in conn.execute(
            select(Silence.id, Silence.rule_id, Silence.scope_org_id, OrgNode.path)
            .outerjoin(OrgNode, OrgNode.id == Silence.scope_org_id)
            .where(Silence.starts_at <= at, Silence.ends_at > at)
            .order_by(Silence.id)
        )
        if r.scope_org_id is None or r.path is not None  # a silence of a removed node holds nothing
    ]
    mutes = [
        (r.id, _read_spec(r.spec), {int(x) for x in (r.rule_ids or [])})
        for r in conn.execute(select(MuteTiming.id, MuteTiming.spec, MuteTiming.rule_ids).order_by(MuteTiming.id))
    ]
    day = conn.execute(
        select(CalendarDay.is_workday, CalendarDay.holiday_zh).where(CalendarDay.day == local.date())
    ).first()
    if day is None:  # a year the calendar does not hold: weekends are the rest days
        holiday, rest_day = False, local.weekday() >= 5
    else:
        holiday, rest_day = (not day.is_workday) and day.holiday_zh is not None, not day.is_workday
    return Holds(at=at, silences=silences, mutes=mutes, holiday=holiday, rest_day=rest_day, local=local)


def silenced_by(
    conn: Connection, alert_row, at: dt.datetime, calendar: Calendar | None = None
) -> tuple[str, int] | None:
    """``("silence", id)`` or ``("mute", id)`` when a notification of ``alert_row`` (anything with
    ``rule_id`` and ``org_id``) is held back at ``at``; None when it may be sent."""
    if calendar is None:
        from data.calendar import configured_calendar

        calendar = configured_calendar()
    path = org_path(conn, int(alert_row.org_id))
    return load_holds(conn, at, calendar).match(int(alert_row.rule_id), path)
