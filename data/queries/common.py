"""What every page query shares: reporting periods, roll-up reads, the org tree and reference data.

Reads touch only the roll-up tables and small dimension tables (``org_node``, ``building``,
``calendar_day``, reference data); no function here scans raw facts. Every function takes an
open ``Connection``, binds its parameters and never commits.

Periods are anchored on *as of*: the latest day present in the roll-ups (the demo's ``as_of``,
or the last day a loader delivered), not the wall clock, so a wall screen over a database that
stopped receiving data shows that data's day and a test over a fixed demo gets fixed numbers.

* ``mtd``  month to date: first day of the as-of month .. as of
* ``ytd``  year to date: 1 January .. as of
* ``l12m`` the last twelve months, rolling: the day after as-of-minus-one-year .. as of
* ``now``  a state measure's value at the end of the as-of month (or the latest month before it)

A ``_py`` suffix (``mtd_py``, ``ytd_py``) is the same window one year earlier, for year on year.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Date, String, bindparam, func, select, union_all
from sqlalchemy.engine import Connection

from data import reference
from data.catalog import METRICS, get_metric
from data.models import Building, CalendarDay, EnergyCoefficient, EnergyQuota, OrgNode, PlanTarget, RollupDaily, RollupMonthly
from data.scope import Scope, resolve_org

# The daily flow metrics whose latest day says how current a domain is.
ANCHOR_METRICS: dict[str, tuple[str, ...]] = {
    "energy": ("energy.electricity_kwh",),
    "vehicle": ("vehicle.trips", "vehicle.km"),
    "asset": (),  # redeployments are sparse: the latest day of any flow says how current the data is
    "housing": (),
}
ALL_DAILY_METRICS: tuple[str, ...] = tuple(m.id for m in METRICS if m.kind == "flow")
STORED_METRICS: list[str] = [m.id for m in METRICS if m.kind in ("flow", "state")]

#: Columns of every ``fetch_*_kpis`` frame (one row per KPI tile, in display order).
KPI_COLUMNS = ["metric_id", "period", "value", "unit", "reference", "reference_kind", "as_of", "org_id"]
# reference_kind: "yoy"      reference is the same period one year earlier
#                 "quota"    reference is an approved maximum (fleet quota, energy quota 约束值)
#                 "baseline" reference is a national baseline the value should stay under
#                 "of_total" reference is the whole the value is a part of (value / reference is a share)
#                 ""         no reference

NAN = float("nan")


# --- dates --------------------------------------------------------------------------------

def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(day, 1) - dt.timedelta(days=1)


def shift_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Periods:
    """The reporting windows anchored on ``as_of`` (inclusive date ranges).

    ``first_day`` is where the roll-ups begin: a window starting before it is only partly
    covered, and a comparison with it (last year's figure, a twelve-month intensity) would
    mislead, so ``covers`` says no and the queries leave that figure out.
    """

    as_of: dt.date
    first_day: dt.date | None = None

    def covers(self, name_or_start) -> bool:
        """Whether the window (by name, or a start date) lies within the data."""
        start = self.window(name_or_start)[0] if isinstance(name_or_start, str) else name_or_start
        return self.first_day is None or start >= self.first_day

    def if_covered(self, name_or_start, value: float) -> float:
        """``value`` when the window lies within the data, else NaN."""
        return value if self.covers(name_or_start) else NAN

    @property
    def month(self) -> dt.date:
        return month_start(self.as_of)

    def window(self, name: str) -> tuple[dt.date, dt.date]:
        base, _, prior = name.partition("_")
        if base == "mtd":
            start = month_start(self.as_of)
        elif base == "ytd":
            start = self.as_of.replace(month=1, day=1)
        elif base == "l12m":
            start = shift_years(self.as_of, -1) + dt.timedelta(days=1)
        else:
            raise ValueError(f"unknown period {name!r}")
        if prior == "py":
            return shift_years(start, -1), shift_years(self.as_of, -1)
        if prior:
            raise ValueError(f"unknown period {name!r}")
        return start, self.as_of

    def windows(self, *names: str) -> dict[str, tuple[dt.date, dt.date]]:
        return {name: self.window(name) for name in names}


def _split_window(start: dt.date, end: dt.date):
    """``[start, end]`` as (first full month, last full month or None) and the partial day ranges."""
    first_full = start if start.day == 1 else add_months(start, 1)
    last_full = month_start(end) if end == month_end(end) else add_months(end, -1)
    if first_full > last_full:
        return None, [(start, end)]
    partial = []
    if start < first_full:
        partial.append((start, first_full - dt.timedelta(days=1)))
    if end > month_end(last_full):
        partial.append((add_months(last_full, 1), end))
    return (first_full, last_full), partial


# --- as of and the span of the data ---------------------------------------------------------

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
        table.c.metric_id.in_(bindparam("metric_ids", expanding=True)), table.c.entity_kind == "org",
        table.c.entity_id == bindparam("org_id"))
    for name, table, period in (("daily", RollupDaily.__table__, RollupDaily.__table__.c.day),
                                ("monthly", RollupMonthly.__table__, RollupMonthly.__table__.c.month))
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


def fetch_as_of(conn: Connection, org_id: int, metric_ids: tuple[str, ...] | None = None) -> dt.date | None:
    """The latest day present in the roll-ups for ``org_id`` (see ``fetch_data_span``)."""
    return fetch_data_span(conn, org_id, metric_ids)[1]


def domain_periods(conn: Connection, scope: Scope, domain: str | None, as_of: dt.date | None = None) -> "Periods | None":
    """The reporting periods of a domain page: as of ``as_of`` if given, else the latest day of
    the domain's anchor metrics (all flows when it has none) at the scope root; ``first_day`` is
    where those roll-ups begin. None when the roll-ups hold nothing."""
    anchors = ANCHOR_METRICS.get(domain, ()) if domain else ()
    first, last = fetch_data_span(conn, scope.org_id, anchors or None)
    if last is None and as_of is None:
        return None
    return Periods(as_of or last, first_day=first)


# --- roll-up reads ----------------------------------------------------------------------------
# Statements are built once per shape with bound parameters (building a SQLAlchemy statement
# costs more than running it on an indexed roll-up), and results are folded into dicts rather
# than DataFrames on the hot path; the DataFrame readers below wrap them for other callers.

_MONTHLY = RollupMonthly.__table__
_DAILY = RollupDaily.__table__


def _flow_part(table, period_column, index: int):
    c = table.c
    return (
        select(bindparam(f"w{index}", type_=String(16)).label("window"), c.entity_id, c.metric_id,
               func.sum(c.value).label("value"))
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
    parts = [_flow_part(_MONTHLY, _MONTHLY.c.month, i) if kind == "m" else _flow_part(_DAILY, _DAILY.c.day, i)
             for i, kind in enumerate(shape)]
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
    return pd.DataFrame([(w, e, m, v) for (w, e, m), v in sums.items()], columns=["window", "entity_id", "metric_id", "value"])


def monthly_rows(conn: Connection, metric_ids, entity_ids, first_month: dt.date, last_month: dt.date, *,
                 entity_kind: str = "org") -> list[tuple[int, str, dt.date, float]]:
    """Monthly roll-up rows ``(entity_id, metric_id, month, value)``, oldest first."""
    if not metric_ids or not entity_ids:
        return []
    params = {"metric_ids": list(metric_ids), "entity_ids": [int(e) for e in entity_ids], "entity_kind": entity_kind,
              "first": first_month, "last": last_month}
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


def state_values(conn: Connection, metric_ids, entity_ids, as_of: dt.date, *, entity_kind: str = "org",
                 lookback_months: int = 12) -> dict[tuple[int, str], tuple[dt.date, float]]:
    """State measures at ``as_of``: ``{(entity_id, metric_id): (month, value)}`` with each metric's
    value for the as-of month, or the latest month before it within ``lookback_months`` (a
    source that missed a month still shows its last value)."""
    current = month_start(as_of)
    # The as-of month first: every node with entities of the domain has a row there, so the
    # look-back (a year of rows per node and metric) is read only for what that month lacks.
    latest: dict[tuple[int, str], tuple[dt.date, float]] = {
        (entity_id, metric_id): (month, value)
        for entity_id, metric_id, month, value in monthly_rows(conn, metric_ids, entity_ids, current, current,
                                                                entity_kind=entity_kind)}
    missing = {(int(e), m) for e in entity_ids for m in metric_ids} - latest.keys()
    if missing and lookback_months > 0:
        for entity_id, metric_id, month, value in monthly_rows(
                conn, sorted({m for _, m in missing}), sorted({e for e, _ in missing}),
                add_months(as_of, -lookback_months), add_months(current, -1), entity_kind=entity_kind):
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
    return pd.DataFrame([(e, m, month, v) for (e, m), (month, v) in latest.items()],
                        columns=["entity_id", "metric_id", "month", "value"])


def pivot_values(frame: pd.DataFrame, key: str = "window") -> dict:
    """``{(key value, metric_id): value}`` for a single-entity frame from the readers above."""
    return {(row[key], row["metric_id"]): float(row["value"]) for row in frame_records(frame)}


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """The rows of a small frame as dicts (``DataFrame.to_dict("records")`` costs about a
    millisecond a call, which adds up on a callback that must answer in tens of them)."""
    columns = list(frame.columns)
    return [dict(zip(columns, values)) for values in zip(*(frame[column].tolist() for column in columns))]


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float:
    """``numerator / denominator × scale``, NaN when either is missing or the denominator is 0."""
    if pd.isna(numerator) or pd.isna(denominator) or denominator == 0:
        return NAN
    return numerator / denominator * scale


def kpi_frame(rows: list[dict], as_of: dt.date | None, org_id: int) -> pd.DataFrame:
    """A frame with ``KPI_COLUMNS`` from tile rows (``metric_id``, ``period``, ``value`` …); ``unit``
    defaults to the metric's catalog unit."""
    records = [
        {"reference": NAN, "reference_kind": "", "unit": get_metric(row["metric_id"]).unit, **row,
         "as_of": as_of, "org_id": org_id}
        for row in rows
    ]
    columns = {column: [record[column] for record in records] for column in KPI_COLUMNS}
    columns["value"] = [float(v) for v in columns["value"]]
    columns["reference"] = [float(v) for v in columns["reference"]]
    return pd.DataFrame(columns, columns=KPI_COLUMNS)


def empty_kpis() -> pd.DataFrame:
    return pd.DataFrame(columns=KPI_COLUMNS)


# --- the org tree ---------------------------------------------------------------------------

ORG_COLUMNS = ["org_id", "parent_id", "level", "admin_level", "name_zh", "name_en", "path", "depth"]


def _org_select():
    return select(OrgNode.id, OrgNode.parent_id, OrgNode.level, OrgNode.admin_level, OrgNode.name_zh,
                  OrgNode.name_en, OrgNode.path, OrgNode.depth)


def fetch_org(conn: Connection, scope: Scope, org_id: int | None) -> dict:
    """The node a page shows (the scope root when ``org_id`` is None) as a dict of ``ORG_COLUMNS``.

    Raises:
        OutOfScope: ``org_id`` is outside the scope or does not exist.
    """
    resolved = resolve_org(conn, scope, org_id)
    row = conn.execute(_org_select().where(OrgNode.id == resolved)).one()
    return dict(zip(ORG_COLUMNS, row))


def fetch_breadcrumb(conn: Connection, scope: Scope, org_id: int | None) -> pd.DataFrame:
    """The path from the scope's root down to the node, root first.

    Returns:
        DataFrame with ``ORG_COLUMNS``; nodes above the scope root are left out.
    """
    node = fetch_org(conn, scope, org_id)
    ids = [int(part) for part in node["path"].strip("/").split("/") if part]
    rows = conn.execute(_org_select().where(OrgNode.id.in_(ids))).all()
    frame = pd.DataFrame(rows, columns=ORG_COLUMNS)
    frame = frame[frame["path"].map(scope.contains)]
    return frame.sort_values("depth").reset_index(drop=True)


def fetch_children(conn: Connection, scope: Scope, org_id: int | None) -> pd.DataFrame:
    """The node's direct children, in their sort order.

    Returns:
        DataFrame with ``ORG_COLUMNS`` plus ``sort_order``.
    """
    node_id = resolve_org(conn, scope, org_id)
    rows = conn.execute(
        _org_select().add_columns(OrgNode.sort_order).where(OrgNode.parent_id == node_id).order_by(OrgNode.sort_order, OrgNode.id)
    ).all()
    return pd.DataFrame(rows, columns=ORG_COLUMNS + ["sort_order"])


_BUILDINGS_UNDER = (
    select(func.sum(Building.floor_area_m2), func.sum(Building.heated_area_m2), func.sum(Building.occupants))
    .join(OrgNode, Building.org_id == OrgNode.id)
    .where(OrgNode.path.like(bindparam("pattern")))
)
_PEOPLE_UNDER = select(func.sum(OrgNode.headcount), func.sum(OrgNode.energy_users)).where(OrgNode.path.like(bindparam("pattern")))
DIMENSION_COLUMNS = ["org_id", "floor_area_m2", "heated_area_m2", "building_occupants", "headcount", "energy_users"]


def subtree_dimensions(conn: Connection, node: dict) -> dict[str, float]:
    """For one node (a row of ``fetch_org``): the floor area, heated area and occupants of the
    buildings in its subtree, and the staff and energy users (用能人数) of its subtree's nodes;
    0 where nothing is recorded. PostgreSQL sums integers as numeric: every value is a float."""
    params = {"pattern": node["path"] + "%"}
    floor, heated, occupants = conn.execute(_BUILDINGS_UNDER, params).one()
    headcount, energy_users = conn.execute(_PEOPLE_UNDER, params).one()
    values = (floor, heated, occupants, headcount, energy_users)
    return {"org_id": node["org_id"], **{column: float(value or 0) for column, value in zip(DIMENSION_COLUMNS[1:], values)}}


def fetch_subtree_dimensions(conn: Connection, nodes: list[dict]) -> pd.DataFrame:
    """``subtree_dimensions`` of each node.

    Args:
        nodes: dicts with ``org_id`` and ``path`` (rows of ``fetch_org``/``fetch_children``).

    Returns:
        DataFrame with columns ``org_id``, ``floor_area_m2``, ``heated_area_m2``,
        ``building_occupants``, ``headcount``, ``energy_users`` (floats).
    """
    return pd.DataFrame([subtree_dimensions(conn, node) for node in nodes], columns=DIMENSION_COLUMNS)


# --- calendar and reference data ------------------------------------------------------------

def count_workdays(conn: Connection, start: dt.date, end: dt.date) -> int:
    """Working days in ``[start, end]`` from ``calendar_day``; Monday–Friday where it has no rows."""
    rows = conn.execute(
        select(CalendarDay.day, CalendarDay.is_workday).where(CalendarDay.day.between(start, end))
    ).all()
    known = {day: bool(is_workday) for day, is_workday in rows}
    count, day = 0, start
    while day <= end:
        count += known.get(day, day.weekday() < 5)
        day += dt.timedelta(days=1)
    return count


def fetch_coefficients(conn: Connection) -> dict[str, float]:
    """Energy conversion coefficients as administrators keep them, defaults for codes not stored."""
    values = {code: value for code, value, *_ in reference.ENERGY_COEFFICIENTS}
    values.update({code: float(value) for code, value in conn.execute(select(EnergyCoefficient.code, EnergyCoefficient.value))})
    return values


def fetch_plan_targets(conn: Connection) -> dict[str, float]:
    """Five-year-plan baselines and targets as stored, defaults for codes not stored."""
    values = {code: value for code, value, *_ in reference.PLAN_TARGETS}
    values.update({code: float(value) for code, value in conn.execute(select(PlanTarget.code, PlanTarget.value))})
    return values


_QUOTAS = select(EnergyQuota.basis, EnergyQuota.limit_value).where(
    EnergyQuota.org_id == bindparam("org_id"), EnergyQuota.year == bindparam("year"))


def fetch_energy_quotas(conn: Connection, org_id: int, year: int) -> dict[str, float]:
    """The node's annual energy quota limits (约束值) by basis (``per_m2``, ``per_person``, ``total``)."""
    return {basis: float(limit) for basis, limit in conn.execute(_QUOTAS, {"org_id": org_id, "year": year})}


__all__ = [
    "ANCHOR_METRICS", "KPI_COLUMNS", "ORG_COLUMNS", "Periods", "add_months", "count_workdays", "domain_periods",
    "empty_kpis", "fetch_as_of", "frame_records", "fetch_breadcrumb", "fetch_children", "fetch_coefficients", "fetch_data_span",
    "fetch_energy_quotas", "fetch_monthly", "fetch_org", "fetch_plan_targets", "fetch_states", "fetch_subtree_dimensions",
    "flow_sums", "kpi_frame", "month_end", "month_start", "monthly_rows", "org_states", "pivot_values", "ratio",
    "shift_years", "state_values", "subtree_dimensions", "sum_flows", "window_values",
]
