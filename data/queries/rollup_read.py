"""Reads of the roll-up tables: the span of the data, sums of flows over date windows, monthly
rows and state values.

Reads touch only ``rollup_daily`` and ``rollup_monthly``; no function here scans raw facts. Every
function takes an open ``Connection``, binds its parameters and never commits. Statements are
built once per shape (building a SQLAlchemy statement costs more than running it on an indexed
roll-up) and results are folded into dicts on the hot path; the ``fetch_*``/``sum_*`` readers wrap
them as DataFrames for other callers.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
from sqlalchemy import Date, String, bindparam, func, select, union_all
from sqlalchemy.engine import Connection

from data.calendar import add_months, month_end, month_start
from data.catalog import METRICS
from data.models import RollupDaily, RollupMonthly

ALL_DAILY_METRICS: tuple[str, ...] = tuple(m.id for m in METRICS if m.kind == "flow")
STORED_METRICS: list[str] = [m.id for m in METRICS if m.kind in ("flow", "state")]


# --- the span of the data -------------------------------------------------------------------


def _span_part(table, period_column, index: int):
    # One metric at a time: MIN and MAX on a full primary-key prefix are single index seeks,
    # where one aggregate over ``metric_id IN (...)`` reads every row of the node.
    c = table.c
    where = (c.metric_id == bindparam(f"m{index}"), c.entity_kind == "org", c.entity_id == bindparam("org_id"))
    return select(
        select(func.min(period_column)).where(*where).scalar_subquery().label("first"),
        select(func.max(period_column)).where(*where).scalar_subquery().label("last"),
    )


@functools.lru_cache(maxsize=32)
def _span_statement(table_name: str, metric_count: int):
    table = RollupDaily.__table__ if table_name == "daily" else RollupMonthly.__table__
    period = table.c.day if table_name == "daily" else table.c.month
    parts = union_all(*[_span_part(table, period, i) for i in range(metric_count)]).subquery()
    return select(func.min(parts.c.first), func.max(parts.c.last))


_SPAN_IN = {
    name: select(func.min(period), func.max(period)).where(
        table.c.metric_id.in_(bindparam("metric_ids", expanding=True)),
        table.c.entity_kind == "org",
        table.c.entity_id == bindparam("org_id"),
    )
    for name, table, period in (
        ("daily", RollupDaily.__table__, RollupDaily.__table__.c.day),
        ("monthly", RollupMonthly.__table__, RollupMonthly.__table__.c.month),
    )
}


def _span(conn: Connection, table_name: str, metric_ids, org_id: int):
    if conn.dialect.name != "sqlite":
        # PostgreSQL answers the IN-list aggregate from the index quickly, and planning thirty
        # scalar subqueries would cost more than it saves.
        return conn.execute(_SPAN_IN[table_name], {"metric_ids": list(metric_ids), "org_id": org_id}).one()
    params = {f"m{i}": metric for i, metric in enumerate(metric_ids)}
    params["org_id"] = org_id
    return conn.execute(_span_statement(table_name, len(metric_ids)), params).one()


def fetch_data_span(
    conn: Connection, org_id: int, metric_ids: tuple[str, ...] | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day present in ``rollup_daily`` for ``org_id`` (the scope root, normally).

    Falls back to ``rollup_monthly`` (first day of the first month, last day of the last) when no
    daily row exists, as for a domain of state measures only. ``(None, None)`` when the roll-ups
    hold nothing for the node.
    """
    metric_ids = list(metric_ids) if metric_ids else list(ALL_DAILY_METRICS)
    first, last = _span(conn, "daily", metric_ids, org_id)
    if last is not None:
        return first, last
    first, last = _span(conn, "monthly", STORED_METRICS, org_id)
    return (first, month_end(last)) if last is not None else (None, None)


# --- flows and monthly rows -------------------------------------------------------------------

_MONTHLY = RollupMonthly.__table__
_DAILY = RollupDaily.__table__


def _flow_part(table, period_column, index: int):
    c = table.c
    return (
        select(
            bindparam(f"w{index}", type_=String(16)).label("window"),
            c.entity_id,
            c.metric_id,
            func.sum(c.value).label("value"),
        )
        .where(
            c.metric_id.in_(bindparam("metric_ids", expanding=True)),
            c.entity_kind == bindparam("entity_kind"),
            c.entity_id.in_(bindparam("entity_ids", expanding=True)),
            period_column.between(bindparam(f"lo{index}", type_=Date), bindparam(f"hi{index}", type_=Date)),
        )
        .group_by(c.entity_id, c.metric_id)
    )


@functools.lru_cache(maxsize=128)
def _flow_statement(shape: tuple[str, ...]):
    """One UNION ALL over the parts of ``shape`` ("m": whole months, "d": a run of days)."""
    parts = [
        _flow_part(_MONTHLY, _MONTHLY.c.month, i) if kind == "m" else _flow_part(_DAILY, _DAILY.c.day, i)
        for i, kind in enumerate(shape)
    ]
    return union_all(*parts) if len(parts) > 1 else parts[0]


_MONTHLY_ROWS = (
    select(_MONTHLY.c.entity_id, _MONTHLY.c.metric_id, _MONTHLY.c.month, _MONTHLY.c.value)
    .where(
        _MONTHLY.c.metric_id.in_(bindparam("metric_ids", expanding=True)),
        _MONTHLY.c.entity_kind == bindparam("entity_kind"),
        _MONTHLY.c.entity_id.in_(bindparam("entity_ids", expanding=True)),
        _MONTHLY.c.month.between(bindparam("first", type_=Date), bindparam("last", type_=Date)),
    )
    .order_by(_MONTHLY.c.month)
)


def _split_window(start: dt.date, end: dt.date):
    """``[start, end]`` as (first full month, last full month or None) and the partial day ranges."""
    first_full = start if start.day == 1 else add_months(month_start(start), 1)
    last_full = month_start(end) if end == month_end(end) else add_months(month_start(end), -1)
    if first_full > last_full:
        return None, [(start, end)]
    partial = []
    if start < first_full:
        partial.append((start, first_full - dt.timedelta(days=1)))
    if end > month_end(last_full):
        partial.append((add_months(last_full, 1), end))
    return (first_full, last_full), partial


def flow_sums(
    conn: Connection,
    metric_ids,
    entity_ids,
    windows: dict[str, tuple[dt.date, dt.date]],
    *,
    entity_kind: str = "org",
) -> dict[tuple[str, int, str], float]:
    """Sums of flow metrics over date windows, in one round trip:
    ``{(window, entity_id, metric_id): value}``; no key where no roll-up row exists.

    Whole months come from ``rollup_monthly``, the partial months at either end from
    ``rollup_daily``, so a year to date is about a dozen rows per metric and entity.
    """
    if not metric_ids or not entity_ids or not windows:
        return {}
    shape = []
    params = {"metric_ids": list(metric_ids), "entity_ids": [int(e) for e in entity_ids], "entity_kind": entity_kind}
    for name, (start, end) in windows.items():
        full, partial = _split_window(start, end)
        pieces = ([("m", full)] if full is not None else []) + [("d", run) for run in partial]
        for kind, (lo, hi) in pieces:
            i = len(shape)
            shape.append(kind)
            params.update({f"w{i}": name, f"lo{i}": lo, f"hi{i}": hi})
    sums: dict[tuple[str, int, str], float] = {}
    for window, entity_id, metric_id, value in conn.execute(_flow_statement(tuple(shape)), params):
        if value is not None:
            key = (window, entity_id, metric_id)
            sums[key] = sums.get(key, 0.0) + float(value)
    return sums


def window_values(
    conn: Connection, metric_ids, org_id: int, windows: dict[str, tuple[dt.date, dt.date]]
) -> dict[tuple[str, str], float]:
    """``flow_sums`` for one org node: ``{(window, metric_id): value}``."""
    return {(w, m): v for (w, _, m), v in flow_sums(conn, metric_ids, [org_id], windows).items()}


def sum_flows(
    conn: Connection,
    metric_ids: list[str] | tuple[str, ...],
    entity_ids: list[int] | tuple[int, ...],
    windows: dict[str, tuple[dt.date, dt.date]],
    *,
    entity_kind: str = "org",
) -> pd.DataFrame:
    """``flow_sums`` as a frame.

    Returns:
        DataFrame with columns ``window`` (the key of ``windows``), ``entity_id``, ``metric_id``,
        ``value`` (float); a metric without any roll-up row in a window has no row.
    """
    sums = flow_sums(conn, metric_ids, entity_ids, windows, entity_kind=entity_kind)
    return pd.DataFrame(
        [(w, e, m, v) for (w, e, m), v in sums.items()], columns=["window", "entity_id", "metric_id", "value"]
    )


def monthly_rows(
    conn: Connection, metric_ids, entity_ids, first_month: dt.date, last_month: dt.date, *, entity_kind: str = "org"
) -> list[tuple[int, str, dt.date, float]]:
    """Monthly roll-up rows ``(entity_id, metric_id, month, value)``, oldest first."""
    if not metric_ids or not entity_ids:
        return []
    params = {
        "metric_ids": list(metric_ids),
        "entity_ids": [int(e) for e in entity_ids],
        "entity_kind": entity_kind,
        "first": first_month,
        "last": last_month,
    }
    return [(e, m, month, float(v)) for e, m, month, v in conn.execute(_MONTHLY_ROWS, params) if v is not None]


def fetch_monthly(
    conn: Connection,
    metric_ids: list[str] | tuple[str, ...],
    entity_ids: list[int] | tuple[int, ...],
    first_month: dt.date,
    last_month: dt.date,
    *,
    entity_kind: str = "org",
) -> pd.DataFrame:
    """Monthly roll-up rows.

    Returns:
        DataFrame with columns ``entity_id``, ``metric_id``, ``month`` (date), ``value`` (float).
    """
    rows = monthly_rows(conn, metric_ids, entity_ids, first_month, last_month, entity_kind=entity_kind)
    return pd.DataFrame(rows, columns=["entity_id", "metric_id", "month", "value"])


def state_values(
    conn: Connection, metric_ids, entity_ids, as_of: dt.date, *, entity_kind: str = "org", lookback_months: int = 12
) -> dict[tuple[int, str], tuple[dt.date, float]]:
    """State measures at ``as_of``: ``{(entity_id, metric_id): (month, value)}`` with each metric's
    value for the as-of month, or the latest month before it within ``lookback_months`` (a
    source that missed a month still shows its last value)."""
    current = month_start(as_of)
    # The as-of month first: every node with entities of the domain has a row there, so the
    # look-back (a year of rows per node and metric) is read only for what that month lacks.
    latest: dict[tuple[int, str], tuple[dt.date, float]] = {
        (entity_id, metric_id): (month, value)
        for entity_id, metric_id, month, value in monthly_rows(
            conn, metric_ids, entity_ids, current, current, entity_kind=entity_kind
        )
    }
    missing = {(int(e), m) for e in entity_ids for m in metric_ids} - latest.keys()
    if missing and lookback_months > 0:
        for entity_id, metric_id, month, value in monthly_rows(
            conn,
            sorted({m for _, m in missing}),
            sorted({e for e, _ in missing}),
            add_months(current, -lookback_months),
            add_months(current, -1),
            entity_kind=entity_kind,
        ):
            if (entity_id, metric_id) in missing:
                latest[(entity_id, metric_id)] = (month, value)  # rows come oldest first
    return latest


def org_states(conn: Connection, metric_ids, org_id: int, as_of: dt.date) -> dict[str, float]:
    """``state_values`` for one org node: ``{metric_id: value}``."""
    return {m: v for (_, m), (_, v) in state_values(conn, metric_ids, [org_id], as_of).items()}


def fetch_states(
    conn: Connection,
    metric_ids: list[str] | tuple[str, ...],
    entity_ids: list[int] | tuple[int, ...],
    as_of: dt.date,
    *,
    entity_kind: str = "org",
    lookback_months: int = 12,
) -> pd.DataFrame:
    """``state_values`` as a frame.

    Returns:
        DataFrame with columns ``entity_id``, ``metric_id``, ``month``, ``value``: one row per
        entity and metric that has a value.
    """
    latest = state_values(conn, metric_ids, entity_ids, as_of, entity_kind=entity_kind, lookback_months=lookback_months)
    return pd.DataFrame(
        [(e, m, month, v) for (e, m), (month, v) in latest.items()],
        columns=["entity_id", "metric_id", "month", "value"],
    )


__all__ = [
    "ALL_DAILY_METRICS",
    "STORED_METRICS",
    "fetch_data_span",
    "fetch_monthly",
    "fetch_states",
    "flow_sums",
    "monthly_rows",
    "org_states",
    "state_values",
    "sum_flows",
    "window_values",
]
