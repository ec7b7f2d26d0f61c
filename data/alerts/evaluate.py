"""Evaluation of rules: preview, 90-day backtest, and the automatic part of the alert lifecycle.

``evaluate_rules(conn, *, now)`` runs, for each enabled rule, ONE set-based statement: the rule's
indicator (``indicators.indicator_query``) for every entity in its scope, keeping only the entities
that breach the warning level or already have an open alert of the rule. Then, in bulk:

* a breach without an open alert opens one: ``firing`` at once when ``for_seconds`` is 0, else
  ``pending``;
* a pending alert becomes ``firing`` once ``for_seconds`` have passed since it opened while its
  value has not recovered;
* an open alert whose figure recovers past the recovery level is ``resolved`` by ``system``
  (a pending one is resolved without ever having fired). Between the recovery and the warning
  level nothing changes (hysteresis): a value hovering at the level neither flaps nor re-opens;
* the severity follows the value while the alert is open (warning ↔ critical), with an event;
* an open alert whose entity is no longer evaluated (removed, out of the rule's scope) is resolved;
  an entity without data keeps its alert as it is; a disabled rule's open alerts are resolved.

Every transition writes an ``alert_event`` (from, to, actor ``system``, note, value); every alert
records the rule version, value, threshold and ``detail`` (window, comparison, level, figure,
reference, as_of). The database's partial unique index keeps one open alert per rule × entity.

The as-of day of roll-up windows is the data's own latest day for the rule's domain
(``data.queries.period``), so a demo whose data end on its as-of day evaluates correctly; clock
figures (source and meter silence) use ``now``.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from contextlib import contextmanager

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data.models.alert import OPEN_ALERT_STATES, Alert, AlertEvent, AlertRule
from data.queries.period import ANCHOR_METRICS
from data.queries.rollup_read import fetch_data_span
from data.scope import root_node

from .indicators import finish_frame, indicator_query
from .rules import RuleSpec, load_rule
from .windows import figure, figure_sql

SYSTEM = "system"


def data_as_of(conn: Connection, domain: str, now: dt.datetime, cache: dict | None = None) -> dt.date:
    """The latest day of the domain's roll-ups at the province root (the local day of ``now``
    when there are none yet)."""
    if cache is not None and domain in cache:
        return cache[domain]
    root = root_node(conn)
    last = None
    if root is not None:
        last = fetch_data_span(conn, root.id, ANCHOR_METRICS.get(domain) or None)[1]
    as_of = last or now.date()
    if cache is not None:
        cache[domain] = as_of
    return as_of


def _breach(spec: RuleSpec, fig: float, level: float | None) -> bool:
    if level is None or fig is None or math.isnan(fig):
        return False
    return fig < level if spec.comparison == "below" else fig > level


def _recovered(spec: RuleSpec, fig: float) -> bool:
    if fig is None or math.isnan(fig):
        return False
    recovery = spec.effective_recovery
    return fig >= recovery if spec.comparison == "below" else fig <= recovery


def severity_of(spec: RuleSpec, fig: float) -> str | None:
    """``critical``, ``warning`` or None (no breach)."""
    if _breach(spec, fig, spec.critical_level):
        return "critical"
    if _breach(spec, fig, spec.warning_level):
        return "warning"
    return None


def _candidates(
    conn: Connection, spec: RuleSpec, *, as_of: dt.date, now: dt.datetime, rule_id: int | None
) -> pd.DataFrame:
    """Entities breaching the warning level, plus those with an open alert of ``rule_id``."""
    sql, q, _ = indicator_query(
        conn,
        spec.metric_id,
        spec.entity_kind,
        scope_org_id=spec.scope_org_id,
        scope_filter=spec.scope_filter,
        window=spec.window,
        as_of=as_of,
        now=now,
        comparison=spec.comparison,
    )
    op = "<" if spec.comparison == "below" else ">"
    where = f"{figure_sql(spec.comparison)} {op} {q.bind(float(spec.warning_level))}"
    if rule_id is not None:
        where += (
            f" OR entity_id IN (SELECT entity_id FROM alert WHERE rule_id = {q.bind(rule_id)} "
            f"AND entity_kind = {q.bind(spec.entity_kind)} AND state != 'resolved')"
        )
    wrapped = f"SELECT * FROM ({sql}) ind WHERE {where}"
    result = conn.execute(q.statement(wrapped), q.used(wrapped))
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    frame = finish_frame(conn, frame, spec.entity_kind, spec.scope_org_id)
    frame["figure"] = [figure(spec.comparison, v, r) for v, r in zip(frame["value"], frame["reference"])]
    frame["level"] = [severity_of(spec, f) for f in frame["figure"]]
    frame["threshold"] = [
        spec.critical_level if lv == "critical" else spec.warning_level if lv else math.nan for lv in frame["level"]
    ]
    return frame


def preview(conn: Connection, spec: RuleSpec, *, now: dt.datetime) -> pd.DataFrame:
    """The entities the rule would be alerting on now: ``INDICATOR_COLUMNS`` plus ``figure`` (the
    compared figure), ``level`` (warning | critical) and ``threshold``; most severe first."""
    as_of = data_as_of(conn, spec.metric_id.split(".")[0], now)
    frame = _candidates(conn, spec, as_of=as_of, now=now, rule_id=None)
    frame = frame[frame["level"].notna()].copy()
    frame["as_of"] = as_of
    frame["rank"] = frame["level"].map({"critical": 0, "warning": 1})
    return frame.sort_values(["rank", "entity_code"]).drop(columns="rank").reset_index(drop=True)


def _value(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _detail(spec: RuleSpec, row, as_of: dt.date) -> dict:
    return {
        "window": spec.window,
        "comparison": spec.comparison,
        "level": row.level,
        "figure": _value(row.figure),
        "reference": _value(row.reference),
        "as_of": as_of.isoformat(),
    }


def evaluate_rule(conn: Connection, rule_id: int, *, now: dt.datetime, as_of_cache: dict | None = None) -> dict:
    """One rule's evaluation and lifecycle step; returns counts of what changed."""
    rule = conn.execute(sa.select(AlertRule.__table__).where(AlertRule.id == rule_id)).one()
    spec = load_rule(conn, rule_id)
    counts = {"opened": 0, "fired": 0, "resolved": 0, "severity": 0}
    open_rows = conn.execute(
        sa.select(Alert.id, Alert.entity_id, Alert.state, Alert.severity, Alert.opened_at).where(
            Alert.rule_id == rule_id, Alert.state.in_(OPEN_ALERT_STATES)
        )
    ).all()
    events: list[dict] = []
    updates: list[dict] = []

    def close(alert, note: str, value=None) -> None:
        updates.append({"aid": alert.id, "state": "resolved", "resolved_at": now, "last_evaluated_at": now})
        events.append(_event(alert.id, now, alert.state, "resolved", note, value))
        counts["resolved"] += 1

    if not spec.enabled:
        for alert in open_rows:
            close(alert, "rule disabled")
        _apply(conn, updates, events)
        return counts
    as_of = data_as_of(conn, spec.metric_id.split(".")[0], now, as_of_cache)
    frame = _candidates(conn, spec, as_of=as_of, now=now, rule_id=rule_id)
    by_entity = {int(r.entity_id): r for r in frame.itertuples(index=False)}
    open_by_entity = {int(a.entity_id): a for a in open_rows}
    for entity_id, alert in open_by_entity.items():
        row = by_entity.get(entity_id)
        if row is None:
            close(alert, "entity no longer evaluated")
            continue
        value = _value(row.value)
        change = {"aid": alert.id, "last_evaluated_at": now}
        if _breaching(row.level):
            change.update(value=value, threshold=row.threshold, detail=_detail(spec, row, as_of))
            if row.level != alert.severity:
                change["severity"] = row.level
                events.append(
                    _event(alert.id, now, alert.state, alert.state, f"severity {alert.severity} → {row.level}", value)
                )
                counts["severity"] += 1
            if alert.state == "pending" and (now - _aware(alert.opened_at)).total_seconds() >= rule.for_seconds:
                change.update(state="firing", fired_at=now)
                events.append(_event(alert.id, now, "pending", "firing", None, value))
                counts["fired"] += 1
            updates.append(change)
        elif _recovered(spec, row.figure):
            note = "breach ended before it lasted long enough" if alert.state == "pending" else "recovered"
            close(alert, note, value)
        else:  # between the recovery and the warning level: hysteresis, nothing changes
            if value is not None:
                change["value"] = value
            updates.append(change)
    new = [r for e, r in by_entity.items() if e not in open_by_entity and _breaching(r.level)]
    if new:
        state = "firing" if rule.for_seconds == 0 else "pending"
        rows = [
            {
                "rule_id": rule_id,
                "rule_version": rule.version,
                "entity_kind": spec.entity_kind,
                "entity_id": int(r.entity_id),
                "org_id": int(r.org_id),
                "department_id": rule.department_id,
                "state": state,
                "severity": r.level,
                "value": _value(r.value),
                "threshold": float(r.threshold),
                "detail": _detail(spec, r, as_of),
                "opened_at": now,
                "fired_at": now if state == "firing" else None,
                "last_evaluated_at": now,
                "notified": False,
            }
            for r in new
        ]
        ids = conn.execute(
            sa.insert(Alert).returning(Alert.id, Alert.entity_id, sort_by_parameter_order=True), rows
        ).all()
        for (alert_id, _), r in zip(ids, new, strict=True):
            events.append(_event(alert_id, now, None, state, None, _value(r.value)))
        counts["opened"] += len(new)
        counts["fired"] += len(new) if state == "firing" else 0
    _apply(conn, updates, events)
    return counts


def _breaching(level) -> bool:
    """Whether a candidate's level is a breach: ``warning`` or ``critical``. A frame that went
    through pandas may hold NaN instead of None for "no breach"; neither opens or moves an alert."""
    return isinstance(level, str)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _event(alert_id, ts, from_state, to_state, note, value) -> dict:
    return {
        "alert_id": alert_id,
        "ts": ts,
        "from_state": from_state,
        "to_state": to_state,
        "actor": SYSTEM,
        "note": note,
        "value": value,
    }


_UPDATE_COLUMNS = ("state", "severity", "value", "threshold", "detail", "fired_at", "resolved_at", "last_evaluated_at")


def _apply(conn: Connection, updates: list[dict], events: list[dict]) -> None:
    # Group by the set of columns changed: one executemany per shape.
    shapes: dict[tuple, list[dict]] = {}
    for change in updates:
        shapes.setdefault(tuple(sorted(k for k in change if k != "aid")), []).append(change)
    for columns, rows in shapes.items():
        statement = (
            sa.update(Alert.__table__)
            .where(Alert.__table__.c.id == sa.bindparam("aid"), Alert.__table__.c.state != "resolved")
            .values({c: sa.bindparam(c) for c in columns if c in _UPDATE_COLUMNS})
        )
        conn.execute(statement, rows)
    if events:
        conn.execute(sa.insert(AlertEvent), events)


@contextmanager
def _without_jit(conn: Connection):
    """PostgreSQL's JIT off while the rules run, then the session's own setting back: the planner's
    cost estimates of the per-entity index seeks pass ``jit_above_cost``, and compiling a statement
    (15–20 ms) costs more than it saves on statements that take 10–100 ms."""
    if conn.dialect.name != "postgresql":
        yield
        return
    before = conn.exec_driver_sql("SELECT current_setting('jit')").scalar_one()
    conn.exec_driver_sql("SELECT set_config('jit', 'off', false)")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"SELECT set_config('jit', '{'on' if before == 'on' else 'off'}', false)")


def evaluate_rules(
    conn: Connection,
    *,
    now: dt.datetime,
    rule_ids=None,
    domains: tuple[str, ...] | None = None,
    timings: dict[str, float] | None = None,
) -> dict:
    """Evaluate every rule (or ``rule_ids``, or the rules of ``domains``) on ``conn`` (no commit).

    Returns ``{"rules": n, "opened": …, "fired": …, "resolved": …, "severity": …, "seconds": …}``;
    ``timings``, when given, receives each rule's seconds by rule code (the benchmark's notes).
    """
    started = time.perf_counter()
    query = sa.select(AlertRule.id, AlertRule.code, AlertRule.metric_id).order_by(AlertRule.id)
    if rule_ids is not None:
        query = query.where(AlertRule.id.in_(list(rule_ids)))
    rules = conn.execute(query).all()
    if domains is not None:
        rules = [r for r in rules if r.metric_id.split(".")[0] in domains]
    summary = {"rules": len(rules), "opened": 0, "fired": 0, "resolved": 0, "severity": 0}
    cache: dict = {}
    with _without_jit(conn):
        for rule in rules:
            rule_started = time.perf_counter()
            for key, value in evaluate_rule(conn, rule.id, now=now, as_of_cache=cache).items():
                summary[key] += value
            if timings is not None:
                timings[rule.code] = time.perf_counter() - rule_started
    summary["seconds"] = round(time.perf_counter() - started, 3)
    return summary


from .backtest import backtest  # noqa: E402  (re-exported: the rule form calls both from here)

__all__ = ["backtest", "data_as_of", "evaluate_rule", "evaluate_rules", "preview", "severity_of"]
