"""Comparisons any declared page draws for any indicator: the monthly trend of one entity with
the same months a year earlier, the ranking of the units one level down (标杆管理), a unit's
place among its siblings, and the peer matrix (every unit one level down × twelve months).

An indicator is a catalog metric: a stored ``flow`` (summed over a window), a stored ``state``
(its value at the window's end), or a ``derived`` metric with an entry in ``DERIVATIONS``
(a function of stored base metrics and the editable conversion coefficients). Derivations
work on numpy arrays, so one formula serves a single value, a month series and a whole matrix.

"One level down" is the node's child org nodes; a node without any (an agency) shows its
leaf entities instead, of the kind the caller names (``leaf="building"`` for energy,
``"vehicle"`` for vehicles). A building or vehicle view ranks among its agency's leaves.

Reads touch the roll-ups and small dimension tables only, bind their parameters, never commit,
and return an empty frame with the documented columns when there is nothing to show.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.engine import Connection

from data.calendar import add_months, month_end, month_start, shift_years
from data.catalog import get_metric
from data.models import Building, OrgNode, RollupMonthly, Vehicle

from .reference import fetch_coefficients
from .rollup_read import flow_sums, monthly_rows, state_values
from .view import ViewContext

NAN = float("nan")
LEAF_KINDS = ("building", "vehicle")

TREND_COLUMNS = ["month", "value", "value_prev_year", "yoy_pct", "is_partial"]
RANKING_COLUMNS = [
    "entity_kind",
    "entity_id",
    "drill",
    "name_zh",
    "name_en",
    "value",
    "value_compare",
    "change_pct",
    "rank",
    "is_current",
]
MATRIX_COLUMNS = ["entity_kind", "entity_id", "drill", "name_zh", "name_en", "month", "value"]


# --- derived metrics ----------------------------------------------------------------------------


def _nansum(parts) -> np.ndarray:
    """The sum of the parts present; NaN where none is (an unknown total is not zero)."""
    stacked = np.asarray(parts, dtype=float)
    present = ~np.isnan(stacked)
    return np.where(present.any(axis=0), np.where(present, stacked, 0.0).sum(axis=0), NAN)


def ratio_array(numerator, denominator, scale: float = 1.0) -> np.ndarray:
    """``numerator / denominator × scale`` element-wise, NaN where the denominator is 0 or missing."""
    numerator, denominator = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator != 0, numerator / np.where(denominator != 0, denominator, 1.0) * scale, NAN)


@dataclass(frozen=True)
class Derivation:
    """A derived metric: ``compute(values, coefficients)`` from its ``bases``' values (numpy
    arrays of one shape, NaN where a base has no roll-up row) and the conversion coefficients."""

    bases: tuple[str, ...]
    compute: Callable[[Mapping[str, np.ndarray], Mapping[str, float]], np.ndarray]
    needs_coefficients: bool = False


def _total_kgce(v, c):
    return _nansum(
        [
            v["energy.electricity_kwh"] * c["electricity_kgce_per_kwh"],
            v["energy.gas_m3"] * c["gas_kgce_per_m3"],
            v["energy.heat_gj"] * c["heat_kgce_per_gj"],
            # The fuel roll-up has no petrol/diesel split: petrol, as data.queries.energy does.
            v["vehicle.fuel_l"] * c["petrol_kgce_per_l"],
        ]
    )


def _co2_t(v, c):
    return _nansum(
        [
            v["energy.electricity_kwh"] * (c["grid_tco2_per_mwh"] / 1000.0),
            v["energy.gas_m3"] * c["gas_tco2_per_m3"],
            v["vehicle.fuel_l"] * c["petrol_tco2_per_l"],
        ]
    )


DERIVATIONS: dict[str, Derivation] = {
    "energy.total_kgce": Derivation(
        ("energy.electricity_kwh", "energy.gas_m3", "energy.heat_gj", "vehicle.fuel_l"), _total_kgce, True
    ),
    "energy.co2_t": Derivation(("energy.electricity_kwh", "energy.gas_m3", "vehicle.fuel_l"), _co2_t, True),
    "energy.night_share": Derivation(
        ("energy.night_electricity_kwh", "energy.electricity_kwh"),
        lambda v, c: ratio_array(v["energy.night_electricity_kwh"], v["energy.electricity_kwh"], 100.0),
    ),
    "vehicle.cost_per_km": Derivation(
        ("vehicle.energy_cost_yuan", "vehicle.maintenance_cost_yuan", "vehicle.km"),
        lambda v, c: ratio_array(
            _nansum([v["vehicle.energy_cost_yuan"], v["vehicle.maintenance_cost_yuan"]]), v["vehicle.km"], 100.0
        ),
    ),
    "vehicle.nev_share": Derivation(
        ("vehicle.nev_fleet", "vehicle.fleet"),
        lambda v, c: ratio_array(v["vehicle.nev_fleet"], v["vehicle.fleet"], 100.0),
    ),
}


def metric_bases(metric_id: str) -> tuple[str, ...]:
    """The stored metrics ``metric_id`` is read from (itself, for a stored one).

    Raises:
        KeyError: an unknown metric, or a derived one without a derivation here.
    """
    derivation = DERIVATIONS.get(metric_id)
    if derivation is not None:
        return derivation.bases
    metric = get_metric(metric_id)
    if metric.kind not in ("flow", "state"):
        raise KeyError(f"derived metric {metric_id!r} has no derivation in data.queries.compare")
    return (metric_id,)


def _coefficients_for(conn: Connection, metric_id: str) -> Mapping[str, float]:
    derivation = DERIVATIONS.get(metric_id)
    return fetch_coefficients(conn) if derivation is not None and derivation.needs_coefficients else {}


def combine(metric_id: str, values: Mapping[str, np.ndarray], coefficients: Mapping[str, float]) -> np.ndarray:
    """``metric_id`` from its bases' values (arrays of one shape; a missing base counts as NaN)."""
    derivation = DERIVATIONS.get(metric_id)
    if derivation is None:
        return np.asarray(values[metric_id], dtype=float)
    shape = np.shape(next(iter(values.values()))) if values else ()
    complete = {base: values.get(base, np.full(shape, NAN)) for base in derivation.bases}
    return np.asarray(derivation.compute(complete, coefficients), dtype=float)


def _split_kinds(bases) -> tuple[list[str], list[str]]:
    flows = [b for b in bases if get_metric(b).kind == "flow"]
    return flows, [b for b in bases if b not in flows]


def window_arrays(
    conn: Connection,
    bases,
    entity_kind: str,
    entity_ids: list[int],
    windows: dict[str, tuple[dt.date, dt.date]],
) -> dict[str, dict[str, np.ndarray]]:
    """Each base metric over each window for each entity: ``{window: {metric: array}}``, the
    arrays aligned with ``entity_ids`` (NaN where no roll-up row exists). Flows are summed over
    the window (one statement for all windows); states take their value at the window's end."""
    flows, states = _split_kinds(bases)
    index = {int(e): i for i, e in enumerate(entity_ids)}
    out = {name: {b: np.full(len(entity_ids), NAN) for b in bases} for name in windows}
    if not entity_ids:
        return out
    for (window, entity_id, metric), value in flow_sums(
        conn, flows, entity_ids, windows, entity_kind=entity_kind
    ).items():
        out[window][metric][index[entity_id]] = value
    for name, (_, end) in windows.items():
        if states:
            for (entity_id, metric), (_, value) in state_values(
                conn, states, entity_ids, end, entity_kind=entity_kind
            ).items():
                out[name][metric][index[entity_id]] = value
    return out


# --- the trend of one entity ----------------------------------------------------------------------


def view_entity(view: ViewContext) -> tuple[str, int]:
    """``(entity_kind, entity_id)`` of the roll-up rows the view's entity has."""
    return view.entity_kind, int(view.entity_id)


def fetch_metric_trend(conn: Connection, view: ViewContext, metric_id: str, *, months: int = 12) -> pd.DataFrame:
    """``metric_id`` monthly for the view's entity (org node, building or vehicle), the ``months``
    months ending with the period's last month, each beside the same month a year earlier.

    When the period ends before its month does (month to date), that month and its prior-year
    twin are both read over the same days (1st .. the period's end) from the daily roll-up, so
    year on year compares like with like; a state takes the month's stored value. A month that
    begins before the data does is NaN rather than shown short.

    Returns:
        DataFrame with ``TREND_COLUMNS``: ``month`` (date, first of month), ``value``,
        ``value_prev_year``, ``yoy_pct`` (NaN where the prior year is missing or 0),
        ``is_partial`` (bool); oldest first. Empty when there is no value at all.
    """
    if not view.has_data:
        return pd.DataFrame(columns=TREND_COLUMNS)
    kind, entity_id = view_entity(view)
    bases = metric_bases(metric_id)
    end = view.period.end
    current = month_start(end)
    first = add_months(current, -(months - 1))
    shown = [add_months(first, i) for i in range(months)]
    before = [add_months(m, -12) for m in shown]
    slots = {month: i for i, month in enumerate(before + shown)}  # distinct: 12-month shift
    values = {b: np.full(len(slots), NAN) for b in bases}
    for _, metric, month, value in monthly_rows(conn, bases, [entity_id], before[0], current, entity_kind=kind):
        if month in slots:
            values[metric][slots[month]] = value
    partial = end < month_end(current)
    flows, _ = _split_kinds(bases)
    if partial and flows:
        windows = {"cur": (current, end), "prev": (shift_years(current, -1), shift_years(end, -1))}
        for b in flows:  # a month without days read is no month
            values[b][slots[current]] = values[b][slots[before[-1]]] = NAN
        for (window, _, metric), value in flow_sums(conn, flows, [entity_id], windows, entity_kind=kind).items():
            values[metric][slots[current] if window == "cur" else slots[before[-1]]] = value
    series = combine(metric_id, values, _coefficients_for(conn, metric_id))
    covered = np.array([view.covers(month) for month in before + shown])
    series = np.where(covered, series, NAN)
    prev, value = series[:months], series[months:]
    if np.isnan(series).all():
        return pd.DataFrame(columns=TREND_COLUMNS)
    return pd.DataFrame(
        {
            "month": shown,
            "value": value,
            "value_prev_year": prev,
            "yoy_pct": ratio_array(value - prev, np.abs(prev), 100.0),
            "is_partial": [month == current and partial for month in shown],
        },
        columns=TREND_COLUMNS,
    )


# --- units one level down ---------------------------------------------------------------------

_ORG = OrgNode.__table__
_BUILDING = Building.__table__
_VEHICLE = Vehicle.__table__
_MONTHLY = RollupMonthly.__table__


def _unit_table(kind: str):
    """``(table, parent column, name_zh, name_en, order)`` of the units of ``kind`` under a node."""
    if kind == "org":
        return _ORG, _ORG.c.parent_id, _ORG.c.name_zh, _ORG.c.name_en, (_ORG.c.sort_order, _ORG.c.id)
    if kind == "building":
        return _BUILDING, _BUILDING.c.org_id, _BUILDING.c.name_zh, _BUILDING.c.name_en, (_BUILDING.c.code,)
    if kind == "vehicle":
        return _VEHICLE, _VEHICLE.c.org_id, _VEHICLE.c.plate, _VEHICLE.c.plate, (_VEHICLE.c.plate,)
    raise ValueError(f"unknown unit kind {kind!r}")


@functools.lru_cache(maxsize=8)
def _units_statement(kind: str):
    table, parent, name_zh, name_en, order = _unit_table(kind)
    # A unit retired before the period has nothing to compare in it.
    alive = or_(table.c.retired_on.is_(None), table.c.retired_on >= bindparam("since", type_=_ORG.c.retired_on.type))
    return select(table.c.id, name_zh, name_en).where(parent == bindparam("parent"), alive).order_by(*order)


def _units(conn: Connection, kind: str, parent: int, since: dt.date) -> list[tuple[int, str, str]]:
    return [tuple(row) for row in conn.execute(_units_statement(kind), {"parent": parent, "since": since})]


def _units_below(conn: Connection, view: ViewContext, leaf: str | None, since: dt.date):
    """``(kind, [(id, name_zh, name_en)])`` one level below the view: child org nodes, or the
    node's leaves when it has none (and always for a building or vehicle view)."""
    if view.entity_kind == "org":
        children = _units(conn, "org", view.org_id, since)
        if children or leaf is None:
            return "org", children
        kind = leaf
    else:
        kind = view.entity_kind
    return kind, _units(conn, kind, view.org_id, since)


def _check_leaf(leaf: str | None) -> None:
    if leaf is not None and leaf not in LEAF_KINDS:
        raise ValueError(f"unknown leaf kind {leaf!r}")


def _ranked(
    conn: Connection,
    view: ViewContext,
    metric_id: str,
    kind: str,
    units: list[tuple[int, str, str]],
    current: tuple[str, int] | None,
) -> pd.DataFrame:
    ids = [int(u[0]) for u in units]
    windows = period_windows(view)
    compared = "cmp" in windows
    bases = metric_bases(metric_id)
    arrays = window_arrays(conn, bases, kind, ids, windows)
    coefficients = _coefficients_for(conn, metric_id)
    value = combine(metric_id, arrays["cur"], coefficients)
    if np.isnan(value).all():
        return pd.DataFrame(columns=RANKING_COLUMNS)
    compare = combine(metric_id, arrays["cmp"], coefficients) if compared else np.full(len(ids), NAN)
    frame = pd.DataFrame(
        {
            "entity_kind": kind,
            "entity_id": ids,
            "drill": [f"{kind}:{i}" for i in ids],
            "name_zh": [u[1] for u in units],
            "name_en": [u[2] for u in units],
            "value": value,
            "value_compare": compare,
            "change_pct": ratio_array(value - compare, np.abs(compare), 100.0),
            "is_current": [current == (kind, i) for i in ids],
        }
    )
    # Rank 1 is the largest value; units without a value come last, unranked.
    frame = frame.sort_values("value", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    frame["rank"] = frame["value"].rank(ascending=False, method="min").astype("Int64")
    return frame[RANKING_COLUMNS]


def fetch_child_ranking(
    conn: Connection, view: ViewContext, metric_id: str, *, leaf: str | None = "building"
) -> pd.DataFrame:
    """The units one level below the view's node ranked by ``metric_id`` over ``view.period``.

    Args:
        leaf: the entity kind listed under a node without child org nodes (``building``,
            ``vehicle``; None: nothing). A building or vehicle view lists its agency's
            buildings or vehicles, itself marked ``is_current``.

    Returns:
        DataFrame with ``RANKING_COLUMNS``, largest value first: ``drill`` is the unit's drill
        target; ``value_compare`` is over ``view.compare_period`` (NaN when the data does not
        reach back that far); ``change_pct`` the change in %; ``rank`` 1 = largest (<NA> for a
        unit without a value). Empty when no unit has a value.
    """
    _check_leaf(leaf)
    if not view.has_data:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    kind, units = _units_below(conn, view, leaf, view.period.start)
    if not units:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    return _ranked(conn, view, metric_id, kind, units, view_entity(view))


def fetch_peer_position(conn: Connection, view: ViewContext, metric_id: str) -> dict | None:
    """The view's entity among its siblings (标杆管理) over ``view.period``:
    ``{"rank": int | None, "count": int, "value": float}``, ``count`` being the siblings with a
    value (the entity included) and ``rank`` 1 the largest. An org node's siblings are its
    parent's children; a building's or vehicle's, its agency's buildings or vehicles.

    None at the scope's root (its siblings lie outside what the user may see) and without data.
    """
    if not view.has_data:
        return None
    if view.entity_kind == "org":
        if view.node["parent_id"] is None or view.org_id == view.scope.org_id:
            return None
        kind, units = "org", _units(conn, "org", int(view.node["parent_id"]), view.period.start)
    else:
        kind, units = view.entity_kind, _units(conn, view.entity_kind, view.org_id, view.period.start)
    if not any(int(u[0]) == view.entity_id for u in units):
        return None  # retired before the period
    ranked = _ranked(conn, view, metric_id, kind, units, view_entity(view))
    if ranked.empty:
        return {"rank": None, "count": 0, "value": NAN}
    row = ranked[ranked["is_current"]].iloc[0]
    rank = None if pd.isna(row["rank"]) else int(row["rank"])
    return {"rank": rank, "count": int(ranked["value"].notna().sum()), "value": float(row["value"])}


# --- the peer matrix --------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _matrix_statement(kind: str, metric_count: int):
    """Every unit of ``kind`` under ``:parent`` with its monthly rows of the metrics ``:m0`` ..
    in ``:first`` .. ``:last``: one statement, names included; a unit without rows comes once
    with NULLs (a left join), so the matrix has a row for every unit."""
    table, parent, name_zh, name_en, order = _unit_table(kind)
    m = _MONTHLY.c
    metrics = [bindparam(f"m{i}", type_=m.metric_id.type) for i in range(metric_count)]
    metric_match = m.metric_id == metrics[0] if metric_count == 1 else m.metric_id.in_(metrics)
    on = and_(
        metric_match,
        m.entity_kind == kind,
        m.entity_id == table.c.id,
        m.month.between(bindparam("first", type_=m.month.type), bindparam("last", type_=m.month.type)),
    )
    alive = or_(table.c.retired_on.is_(None), table.c.retired_on >= bindparam("first", type_=m.month.type))
    return (
        select(table.c.id, name_zh, name_en, m.metric_id, m.month, m.value)
        .select_from(table.outerjoin(_MONTHLY, on))
        .where(parent == bindparam("parent"), alive)
        .order_by(*order, m.month)
    )


def _matrix_rows(conn: Connection, kind: str, parent: int, bases, first: dt.date, last: dt.date):
    params = {f"m{i}": b for i, b in enumerate(bases)}
    params.update(parent=parent, first=first, last=last)
    return conn.execute(_matrix_statement(kind, len(bases)), params).all()


def fetch_peer_matrix(
    conn: Connection, view: ViewContext, metric_id: str, *, months: int = 12, leaf: str | None = "building"
) -> pd.DataFrame:
    """Every unit one level below the view's node × the ``months`` months ending with the
    period's month: the peer comparison, in one statement (two for a node without child org
    nodes, whose leaves are listed instead; one more for a derivation's coefficients).

    Months are the monthly roll-up as stored: the as-of month is month to date. A derived
    metric is computed per cell from its bases.

    Returns:
        DataFrame with ``MATRIX_COLUMNS``, unit by unit in the tree's order, each unit's
        ``months`` months oldest first (``month`` a date, first of month; ``value`` NaN where
        the roll-up has no row): ``units × months`` rows. Empty when no cell has a value.
    """
    _check_leaf(leaf)
    if not view.has_data:
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    last = month_start(view.period.end)
    first = add_months(last, -(months - 1))
    bases = metric_bases(metric_id)
    if view.entity_kind == "org":
        kind = "org"
        rows = _matrix_rows(conn, kind, view.org_id, bases, first, last)
        if not rows and leaf is not None:
            kind = leaf
            rows = _matrix_rows(conn, kind, view.org_id, bases, first, last)
    else:
        kind = view.entity_kind
        rows = _matrix_rows(conn, kind, view.org_id, bases, first, last)
    if not rows:
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    month_index = {add_months(first, i): i for i in range(months)}
    unit_index: dict[int, int] = {}
    names: list[tuple[int, str, str]] = []
    cells: list[tuple[int, str, int, float]] = []
    for unit_id, name_zh, name_en, metric, month, value in rows:
        i = unit_index.get(unit_id)
        if i is None:
            i = unit_index[unit_id] = len(names)
            names.append((unit_id, name_zh, name_en))
        if value is not None and month is not None:
            j = month_index.get(month if isinstance(month, dt.date) else month.date())
            if j is not None:
                cells.append((i, metric, j, value))
    values = {b: np.full((len(names), months), NAN) for b in bases}
    for i, metric, j, value in cells:
        values[metric][i, j] = value
    grid = combine(metric_id, values, _coefficients_for(conn, metric_id))
    covered = np.array([view.covers(m) for m in month_index])
    grid = np.where(covered[None, :], grid, NAN)
    if np.isnan(grid).all():
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    ids = np.array([n[0] for n in names], dtype=np.int64)
    count = len(names)
    return pd.DataFrame(
        {
            "entity_kind": kind,
            "entity_id": np.repeat(ids, months),
            "drill": np.repeat(np.array([f"{kind}:{i}" for i in ids], dtype=object), months),
            "name_zh": np.repeat(np.array([n[1] for n in names], dtype=object), months),
            "name_en": np.repeat(np.array([n[2] for n in names], dtype=object), months),
            "month": list(month_index) * count,
            "value": grid.reshape(-1),
        },
        columns=MATRIX_COLUMNS,
    )


def period_windows(view: ViewContext) -> dict[str, tuple[dt.date, dt.date]]:
    """The view's period (``cur``) and, where the data reaches back that far, its comparison (``cmp``)."""
    windows = {"cur": (view.period.start, view.period.end)}
    if view.compare_period is not None and view.covers(view.compare_period.start):
        windows["cmp"] = (view.compare_period.start, view.compare_period.end)
    return windows


__all__ = [
    "DERIVATIONS",
    "MATRIX_COLUMNS",
    "RANKING_COLUMNS",
    "TREND_COLUMNS",
    "Derivation",
    "combine",
    "fetch_child_ranking",
    "fetch_metric_trend",
    "fetch_peer_matrix",
    "fetch_peer_position",
    "metric_bases",
    "period_windows",
    "ratio_array",
    "view_entity",
    "window_arrays",
]
