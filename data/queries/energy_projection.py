"""Year-end projection of an org node's total energy (综合能耗, kgce) against its annual quota tiers
(约束值 limit, 基准值 benchmark, 引导值 guide): "at this pace, exceeds its limit in October by 12 %".

Two layers:

* ``project_year_end`` is pure: the months' actual consumption so far, what is expected of the
  rest of the year, and the tiers in → the projected total, a status and the cumulative series.
* ``fetch_energy_projection`` / ``fetch_energy_projection_summary`` read the roll-ups and the
  quota of a node, build the expectation and call it.

**Status.** With ``P`` the projected total and the tiers as totals (kgce):

* ``will_exceed`` when ``P`` > limit (约束值);
* ``at_risk`` when benchmark (基准值) < ``P`` ≤ limit;
* ``on_track`` otherwise (``P`` ≤ benchmark; at or under the guide value is on track too);
* ``no_quota`` when the node has no limit for the year and basis (nothing to compare with);
* ``no_data`` (summary only) when the roll-ups hold no energy for the node this year.

``exceed_month`` is the first month whose cumulative projected total passes the limit, and
``exceed_pct`` is ``(P − limit) / limit`` (negative: the headroom left under the limit).

**The expectation of the remaining months** (the baseline used here). For the rest of the as-of
month and each later month: the same days of the previous year, from the roll-ups, scaled by the
trend — this year's year-to-date over last year's same year-to-date (1 January to the as-of day
one year earlier; when the roll-ups begin after last 1 January, both from the first day that
both years cover). Taking last year's own months keeps the calendar's shape (heating season,
summer cooling, the Spring Festival and National Day weeks) and the trend carries this year's
level (fewer staff, a retrofitted building, a colder winter so far). It is an org-level,
calendar-aware baseline; it does not model the weather. A per-building, weather- and calendar-
aware regression baseline is built separately (``data/baseline/``): ``project_year_end`` takes
``expected_by_month`` as an input so that such a baseline can replace this one without touching
the projection. Where there is no trend (the data is younger than a year, or last year's
comparable days used nothing) or a month of last year is missing, the month is projected at this
year's pace instead: the year-to-date daily average × the month's days.

Total energy is computed as on the energy page (``data.queries.energy.total_kgce``: electricity,
gas, heat and the official vehicles' fuel at the editable coefficients). Quotas per m² and per
person are converted to totals with the subtree's floor area and energy users (用能人数)
(``data.queries.org.subtree_dimensions``). Reads roll-ups, reference data and the quota only;
every function takes an open ``Connection`` and never commits.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from data.calendar import add_months, days_in_month, month_end, month_start, shift_years
from data.models import EnergyQuota

from .energy import ELECTRICITY, FUEL, GAS, HEAT, total_kgce
from .org import subtree_dimensions
from .reference import fetch_coefficients
from .rollup_read import fetch_data_span, monthly_rows, window_values

KGCE_METRICS = (ELECTRICITY, GAS, HEAT, FUEL)
STATUSES = ("on_track", "at_risk", "will_exceed", "no_quota")
TIERS = ("limit", "benchmark", "guide")
QUOTA_BASES = ("total", "per_m2", "per_person")
# What a per-unit quota is multiplied by to give a total (a key of ``subtree_dimensions``).
BASIS_DIMENSION = {"per_m2": "floor_area_m2", "per_person": "energy_users"}
PROJECTION_COLUMNS = [
    "month",
    "actual_kgce",
    "expected_kgce",
    "cumulative_kgce",
    "limit_kgce",
    "benchmark_kgce",
    "guide_kgce",
    "is_projected",
]

_QUOTA = select(EnergyQuota.basis, EnergyQuota.limit_value, EnergyQuota.benchmark_value, EnergyQuota.guide_value).where(
    EnergyQuota.org_id == bindparam("org_id"), EnergyQuota.year == bindparam("year")
)


@dataclass(frozen=True)
class ProjectedMonth:
    """One month of the projection: what was used (None: no data, or a month still to come), what
    is expected of it (None: nothing more, the month is over), their sum and the running total."""

    month: dt.date
    actual: float | None
    expected: float | None
    value: float
    cumulative: float
    is_projected: bool


@dataclass(frozen=True)
class Projection:
    """The year-end projection of ``project_year_end``; see the module docstring for the status."""

    year: int
    as_of: dt.date
    projected_total: float
    status: str
    exceed_month: dt.date | None
    exceed_pct: float | None
    limit: float | None
    benchmark: float | None
    guide: float | None
    months: tuple[ProjectedMonth, ...]


def _number(value) -> float | None:
    """``value`` as a float; None for None and NaN."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def project_year_end(
    year: int,
    as_of: dt.date,
    ytd_by_month: dict[dt.date, float],
    expected_by_month: dict[dt.date, float],
    tiers: dict[str, float | None] | None,
) -> Projection:
    """Project the year's total from what has been used and what is expected of the rest.

    Args:
        year: the quota year.
        as_of: the last day with data; clamped to the year (a day after it: the year is over).
        ytd_by_month: kgce used per month (first day of the month → kgce), January to the as-of
            month, the as-of month up to ``as_of``. A missing month counts as 0.
        expected_by_month: kgce still expected per month: for the as-of month the rest of it
            (the days after ``as_of``), for later months the whole month. A month that is still
            to come and has no expectation is projected at the year-to-date pace (daily average
            × its days, or × the days left of the as-of month).
        tiers: ``{"limit", "benchmark", "guide"}`` as annual totals in kgce; None or a missing or
            None limit: the node has no quota (status ``no_quota``).

    Returns:
        A ``Projection`` with one ``ProjectedMonth`` per month of the year, January first.
    """
    first_day, last_day = dt.date(year, 1, 1), dt.date(year, 12, 31)
    as_of = min(max(as_of, first_day - dt.timedelta(days=1)), last_day)
    tiers = tiers or {}
    limit, benchmark, guide = (_number(tiers.get(name)) for name in TIERS)
    elapsed = (as_of - first_day).days + 1
    ytd = sum(v for m, v in ytd_by_month.items() if m.year == year and m <= as_of and _number(v) is not None)
    pace = ytd / elapsed if elapsed > 0 else 0.0
    months: list[ProjectedMonth] = []
    cumulative, exceed_month = 0.0, None
    for index in range(12):
        month = dt.date(year, index + 1, 1)
        actual = _number(ytd_by_month.get(month)) if month <= as_of else None
        if as_of >= month_end(month):
            days_left = 0
        elif as_of >= month:
            days_left = (month_end(month) - as_of).days
        else:
            days_left = days_in_month(month)
        expected = None
        if days_left:
            expected = _number(expected_by_month.get(month))
            if expected is None:
                expected = pace * days_left
        value = (actual or 0.0) + (expected or 0.0)
        cumulative += value
        if exceed_month is None and limit is not None and cumulative > limit:
            exceed_month = month
        months.append(ProjectedMonth(month, actual, expected, value, cumulative, bool(days_left)))
    projected = cumulative
    if limit is None:
        status, exceed_pct = "no_quota", None
    else:
        exceed_pct = (projected - limit) / limit if limit else None
        if projected > limit:
            status = "will_exceed"
        elif benchmark is not None and projected > benchmark:
            status = "at_risk"
        else:
            status = "on_track"
    return Projection(
        year=year,
        as_of=as_of,
        projected_total=projected,
        status=status,
        exceed_month=exceed_month,
        exceed_pct=exceed_pct,
        limit=limit,
        benchmark=benchmark,
        guide=guide,
        months=tuple(months),
    )


# --- the query ---------------------------------------------------------------------------------


def fetch_quota_tiers(conn: Connection, node: dict, year: int, basis: str | None = "total") -> tuple[str, dict] | None:
    """The node's quota tiers for ``year`` as annual totals in kgce: ``(basis, {"limit",
    "benchmark", "guide"})``; None when it has no quota of ``basis`` (of any basis, tried in the
    order of ``QUOTA_BASES``, when ``basis`` is None) or the subtree has no floor area / energy
    users to turn a per-unit quota into a total."""
    if basis is not None and basis not in QUOTA_BASES:
        raise ValueError(f"unknown quota basis {basis!r}")
    stored = {row.basis: row for row in conn.execute(_QUOTA, {"org_id": node["org_id"], "year": year})}
    for candidate in (basis,) if basis is not None else QUOTA_BASES:
        row = stored.get(candidate)
        if row is None:
            continue
        factor = 1.0
        if candidate in BASIS_DIMENSION:
            factor = subtree_dimensions(conn, node)[BASIS_DIMENSION[candidate]]
            if not factor:
                continue
        values = (row.limit_value, row.benchmark_value, row.guide_value)
        return candidate, {name: float(v) * factor if v is not None else None for name, v in zip(TIERS, values)}
    return None


def _kgce(values: dict, window: str, coefficients: dict) -> float | None:
    return _number(total_kgce(values, window, coefficients))


def _inputs(conn: Connection, org_id: int, as_of: dt.date) -> tuple[dict, dict] | None:
    """``(ytd_by_month, expected_by_month)`` of the node for ``as_of``'s year from the roll-ups
    (see the module docstring); None when it holds no energy for the node this year."""
    year = as_of.year
    first, last = fetch_data_span(conn, org_id, KGCE_METRICS)
    if last is None or last < dt.date(year, 1, 1) or first > as_of:
        return None
    current = month_start(as_of)
    as_of_py = shift_years(as_of, -1)
    coefficients = fetch_coefficients(conn)
    # Whole months in one read: this year's before the as-of month, last year's after its twin.
    by_month: dict[dt.date, dict] = {}
    for _, metric, month, value in monthly_rows(
        conn, KGCE_METRICS, [org_id], add_months(current, -11), add_months(current, -1)
    ):
        by_month.setdefault(month, {})[("m", metric)] = value
    month_kgce = {month: _kgce(values, "m", coefficients) for month, values in by_month.items()}
    # The days of the as-of month so far, the rest of its twin last year, and the trend: this
    # year to date against the same days of last year, from the first day both years cover.
    windows = {"cur": (current, as_of)}
    if as_of < month_end(as_of):
        windows["py_rest"] = (as_of_py + dt.timedelta(days=1), month_end(as_of_py))
    trend_from = max(dt.date(year, 1, 1), shift_years(first, 1))
    if trend_from <= as_of:
        windows["trend"] = (trend_from, as_of)
        windows["trend_py"] = (shift_years(trend_from, -1), as_of_py)
    parts = window_values(conn, KGCE_METRICS, org_id, windows)

    ytd_by_month = {m: v for m, v in month_kgce.items() if m.year == year and v is not None}
    current_kgce = _kgce(parts, "cur", coefficients)
    if current_kgce is not None:
        ytd_by_month[current] = current_kgce
    if not ytd_by_month:
        return None

    expected: dict[dt.date, float] = {}
    now, before = (_kgce(parts, w, coefficients) for w in ("trend", "trend_py"))
    if now is not None and before:
        trend = now / before
        rest = _kgce(parts, "py_rest", coefficients)
        if rest is not None:
            expected[current] = rest * trend
        for m in range(as_of.month + 1, 13):
            twin = month_kgce.get(dt.date(year - 1, m, 1))
            if twin is not None:
                expected[dt.date(year, m, 1)] = twin * trend
    return ytd_by_month, expected


def fetch_projection(conn: Connection, node: dict, as_of: dt.date, basis: str | None = None) -> Projection | None:
    """The node's ``Projection`` for ``as_of``'s year (None without energy data this year): what
    ``fetch_energy_projection`` and ``fetch_energy_projection_summary`` present, read once."""
    return _projection(conn, node, as_of, basis)


def _projection(conn: Connection, node: dict, as_of: dt.date, basis: str | None) -> Projection | None:
    inputs = _inputs(conn, node["org_id"], as_of)
    if inputs is None:
        return None
    quota = fetch_quota_tiers(conn, node, as_of.year, basis)
    return project_year_end(as_of.year, as_of, *inputs, quota[1] if quota else None)


def projection_frame(projection: Projection | None) -> pd.DataFrame:
    """A ``Projection`` as the frame of ``fetch_energy_projection`` (empty for None)."""
    if projection is None:
        return pd.DataFrame(columns=PROJECTION_COLUMNS)
    nan = float("nan")
    tiers = [projection.limit, projection.benchmark, projection.guide]
    rows = [
        [
            m.month,
            nan if m.actual is None else m.actual,
            nan if m.expected is None else m.expected,
            m.cumulative,
            *(nan if v is None else v for v in tiers),
            m.is_projected,
        ]
        for m in projection.months
    ]
    frame = pd.DataFrame(rows, columns=PROJECTION_COLUMNS)
    frame["is_projected"] = frame["is_projected"].astype(bool)
    return frame


def fetch_energy_projection(
    conn: Connection, node: dict, as_of: dt.date, *, basis: str | None = "total"
) -> pd.DataFrame:
    """The node's total energy month by month through ``as_of``'s year, projected to the year end.

    Args:
        node: the org node (a row of ``data.queries.org.fetch_org``: ``org_id``, ``path`` …),
            already resolved within the user's scope.
        as_of: the last day of data (the energy domain's as-of day).
        basis: the quota basis whose tiers are shown (``total``, ``per_m2``, ``per_person``; the
            per-unit ones × the subtree's floor area or energy users), or None for the first the
            node has, in that order.

    Returns:
        DataFrame, one row per month of the year (January first): ``month`` (date, first of the
        month), ``actual_kgce`` (used; the as-of month up to ``as_of``; NaN for months to come or
        without data), ``expected_kgce`` (still expected: the rest of the as-of month, the later
        months; NaN for months over), ``cumulative_kgce`` (running total of actual + expected),
        ``limit_kgce``, ``benchmark_kgce``, ``guide_kgce`` (the annual tiers as totals, the same
        on every row; NaN without a quota), ``is_projected`` (bool: the month holds expected
        consumption). Empty when the roll-ups hold no energy for the node this year.
    """
    return projection_frame(_projection(conn, node, as_of, basis))


def projection_summary(projection: Projection | None) -> dict:
    """The summary of ``fetch_energy_projection_summary`` for a ``Projection`` (None: no data)."""
    if projection is None:
        return {
            "status": "no_data",
            "projected_total_kgce": None,
            "limit_kgce": None,
            "benchmark_kgce": None,
            "guide_kgce": None,
            "exceed_month": None,
            "exceed_pct": None,
            "limit_passed": False,
        }
    used = sum(m.actual for m in projection.months if m.actual is not None)
    return {
        "status": projection.status,
        "projected_total_kgce": projection.projected_total,
        "limit_kgce": projection.limit,
        "benchmark_kgce": projection.benchmark,
        "guide_kgce": projection.guide,
        "exceed_month": projection.exceed_month,
        "exceed_pct": projection.exceed_pct,
        "limit_passed": projection.limit is not None and used > projection.limit,
    }


def fetch_energy_projection_summary(
    conn: Connection, node: dict, as_of: dt.date, *, basis: str | None = "total"
) -> dict:
    """The projection of ``fetch_energy_projection`` in a sentence's worth of values.

    Returns:
        dict with ``status`` (``on_track``, ``at_risk``, ``will_exceed``, ``no_quota``, or
        ``no_data`` when the roll-ups hold no energy for the node this year),
        ``projected_total_kgce``, ``limit_kgce``, ``benchmark_kgce``, ``guide_kgce`` (kgce,
        None when unknown), ``exceed_month`` (date, first of the month in which the cumulative
        total passes the limit; None if it does not), ``exceed_pct`` (``(projected − limit) /
        limit`` as a fraction: 0.12 is 12 % over; None without a quota), ``limit_passed`` (bool:
        what has been used already exceeds the limit).
    """
    return projection_summary(_projection(conn, node, as_of, basis))


__all__ = [
    "PROJECTION_COLUMNS",
    "STATUSES",
    "ProjectedMonth",
    "Projection",
    "fetch_energy_projection",
    "fetch_energy_projection_summary",
    "fetch_projection",
    "fetch_quota_tiers",
    "project_year_end",
    "projection_frame",
    "projection_summary",
]
