"""The energy page's own panels, for an org node or a building (a ``ViewContext``): the energy
mix in standard coal, the hour × weekday profile, intensity against the quota tiers and the
five-year-plan targets, the buildings grid, and a building's KPI tiles.

Conversions use the editable coefficients (``data.queries.reference``) through the derivations
of ``data.queries.compare``, so every panel converts as the tiles and the trend do. Official
vehicles' fuel is counted in an org node's energy (buildings have none). Reads touch the
roll-ups and small dimension tables only and return empty frames with their documented columns
when there is nothing to show.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd
from sqlalchemy import Date, bindparam, func, or_, select
from sqlalchemy.engine import Connection

from data.calendar import month_end, month_start, shift_years
from data.models import Building, CalendarDay, EnergyQuota, OrgNode, RollupDaily, RollupHourlyProfile
from data.models.rollup import PROFILE_HOUR_COLUMNS

from .compare import NAN, combine, metric_bases, period_windows, ratio_array, view_entity, window_arrays
from .org import subtree_dimensions
from .reference import fetch_coefficients, fetch_plan_targets

ELECTRICITY = "energy.electricity_kwh"
WATER = "energy.water_m3"
TOTAL = "energy.total_kgce"
# carrier, metric, unit, coefficient code (kgce per unit)
CARRIERS = (
    ("electricity", ELECTRICITY, "kWh", "electricity_kgce_per_kwh"),
    ("gas", "energy.gas_m3", "m³", "gas_kgce_per_m3"),
    ("heat", "energy.heat_gj", "GJ", "heat_kgce_per_gj"),
    ("vehicle_fuel", "vehicle.fuel_l", "L", "petrol_kgce_per_l"),
)
BREAKDOWN_COLUMNS = ["carrier", "metric_id", "quantity", "unit", "tce", "share", "tce_compare", "change_pct"]
HEATMAP_COLUMNS = ["weekday", "hour", "value"]
INTENSITY_COLUMNS = ["basis", "unit", "value", "limit", "benchmark", "guide", "plan_target"]
BUILDING_COLUMNS = [
    "building_id",
    "code",
    "name_zh",
    "name_en",
    "org_name_zh",
    "org_name_en",
    "floor_area_m2",
    "kwh",
    "kgce_per_m2",
    "change_pct",
    "_drill",
]


def _energy_entity(view) -> tuple[str, int] | None:
    """The roll-up entity of an org or building view; None for anything else or without data."""
    if not view.has_data or view.entity_kind not in ("org", "building"):
        return None
    return view_entity(view)


# --- the energy mix -----------------------------------------------------------------------------


def fetch_energy_breakdown(conn: Connection, view) -> pd.DataFrame:
    """Electricity, natural gas, heat and official-vehicle fuel over ``view.period`` in tonnes of
    standard coal (tce) with their shares of the total, and water apart (m³; not energy).

    Returns:
        DataFrame with ``BREAKDOWN_COLUMNS``, one row per carrier with a value: ``quantity`` in
        its own ``unit``, ``tce``, ``share`` (fraction of the energy total; NaN for water),
        ``tce_compare`` over ``view.compare_period`` (NaN where the data does not reach back)
        and ``change_pct``. Empty when nothing was consumed.
    """
    entity = _energy_entity(view)
    if entity is None:
        return pd.DataFrame(columns=BREAKDOWN_COLUMNS)
    kind, entity_id = entity
    metrics = [metric for _, metric, _, _ in CARRIERS] + [WATER]
    windows = period_windows(view)
    arrays = window_arrays(conn, metrics, kind, [entity_id], windows)
    coefficients = fetch_coefficients(conn)
    rows = []
    for carrier, metric, unit, code in CARRIERS:
        quantity = float(arrays["cur"][metric][0])
        if np.isnan(quantity):
            continue
        previous = float(arrays["cmp"][metric][0]) if "cmp" in arrays else NAN
        tce, tce_compare = quantity * coefficients[code] / 1000.0, previous * coefficients[code] / 1000.0
        rows.append(
            (
                carrier,
                metric,
                quantity,
                unit,
                tce,
                NAN,
                tce_compare,
                float(ratio_array(tce - tce_compare, abs(tce_compare), 100.0)),
            )
        )
    water = float(arrays["cur"][WATER][0])
    if not rows and np.isnan(water):
        return pd.DataFrame(columns=BREAKDOWN_COLUMNS)
    total = sum(row[4] for row in rows)
    rows = [(*row[:5], row[4] / total if total else NAN, *row[6:]) for row in rows]
    if not np.isnan(water):
        previous = float(arrays["cmp"][WATER][0]) if "cmp" in arrays else NAN
        rows.append(
            ("water", WATER, water, "m³", NAN, NAN, NAN, float(ratio_array(water - previous, abs(previous), 100.0)))
        )
    return pd.DataFrame(rows, columns=BREAKDOWN_COLUMNS)


# --- hour × weekday -------------------------------------------------------------------------------

_PROFILE = RollupHourlyProfile.__table__
_PROFILE_SUMS = (
    select(_PROFILE.c.weekday, *[func.sum(_PROFILE.c[h]) for h in PROFILE_HOUR_COLUMNS])
    .where(
        _PROFILE.c.metric_id == ELECTRICITY,
        _PROFILE.c.entity_kind == bindparam("entity_kind"),
        _PROFILE.c.entity_id == bindparam("entity_id"),
        _PROFILE.c.month.between(bindparam("first", type_=Date), bindparam("last", type_=Date)),
    )
    .group_by(_PROFILE.c.weekday)
)


def fetch_energy_heatmap(conn: Connection, view) -> pd.DataFrame:
    """Average electricity per hour of each weekday over the months of ``view.period`` (kWh),
    from the hour × weekday profile: each month × weekday sum divided by the number of such
    weekdays in those months up to the as-of day.

    Returns:
        DataFrame with ``HEATMAP_COLUMNS`` (``weekday`` 0 = Monday, ``hour`` 0..23 local,
        ``value``): 168 rows, weekday by weekday. Empty without profile rows.
    """
    entity = _energy_entity(view)
    if entity is None:
        return pd.DataFrame(columns=HEATMAP_COLUMNS)
    kind, entity_id = entity
    first, last = month_start(view.period.start), month_start(view.period.end)
    params = {"entity_kind": kind, "entity_id": entity_id, "first": first, "last": last}
    rows = conn.execute(_PROFILE_SUMS, params).all()
    if not rows:
        return pd.DataFrame(columns=HEATMAP_COLUMNS)
    end = min(month_end(last), view.as_of or month_end(last))
    days = np.zeros(7)
    span = (end - first).days + 1
    np.add.at(days, [(first + dt.timedelta(days=i)).weekday() for i in range(span)], 1)
    sums = np.full((7, 24), NAN)
    for weekday, *hours in rows:
        sums[int(weekday)] = [float(h) if h is not None else NAN for h in hours]
    with np.errstate(invalid="ignore", divide="ignore"):
        average = np.where(days[:, None] > 0, sums / np.where(days > 0, days, 1.0)[:, None], NAN)
    return pd.DataFrame(
        {"weekday": np.repeat(np.arange(7), 24), "hour": np.tile(np.arange(24), 7), "value": average.reshape(-1)},
        columns=HEATMAP_COLUMNS,
    )


# --- intensity against quotas and plan targets ------------------------------------------------------

_DAILY = RollupDaily.__table__
_HEATING_SUMS = (
    select(_DAILY.c.metric_id, func.sum(_DAILY.c.value))
    .select_from(_DAILY.join(CalendarDay.__table__, CalendarDay.__table__.c.day == _DAILY.c.day))
    .where(
        _DAILY.c.metric_id.in_(bindparam("metric_ids", expanding=True)),
        _DAILY.c.entity_kind == bindparam("entity_kind"),
        _DAILY.c.entity_id == bindparam("entity_id"),
        _DAILY.c.day.between(bindparam("start", type_=Date), bindparam("end", type_=Date)),
        CalendarDay.__table__.c.heating_season.is_(True),
    )
    .group_by(_DAILY.c.metric_id)
)
_QUOTA_TIERS = select(
    EnergyQuota.basis, EnergyQuota.limit_value, EnergyQuota.benchmark_value, EnergyQuota.guide_value
).where(EnergyQuota.org_id == bindparam("org_id"), EnergyQuota.year == bindparam("year"))
_BUILDING_DIMENSIONS = select(Building.floor_area_m2, Building.heated_area_m2, Building.occupants).where(
    Building.id == bindparam("building_id")
)


def _dimensions(conn: Connection, view) -> tuple[float, float, float]:
    """Floor area, heated area and energy users (a building's occupants) of the view's entity."""
    if view.entity_kind == "building":
        floor, heated, occupants = conn.execute(_BUILDING_DIMENSIONS, {"building_id": view.entity_id}).one()
        return float(floor or 0), float(heated or 0), float(occupants or 0)
    dims = subtree_dimensions(conn, view.node)
    return dims["floor_area_m2"], dims["heated_area_m2"], dims["energy_users"]


def last_twelve_months(end: dt.date) -> tuple[dt.date, dt.date]:
    """The rolling year ending ``end`` (the window of the intensity tiles)."""
    return shift_years(end, -1) + dt.timedelta(days=1), end


def fetch_energy_intensity(conn: Connection, view) -> pd.DataFrame:
    """The entity's energy intensity over the twelve months ending with the period (the annual
    quotas' basis) against its unit's quota tiers for that year (约束值 ``limit``, 基准值
    ``benchmark``, 引导值 ``guide``, from ``energy_quota``) and the five-year-plan target (the
    2020 national baseline reduced by the 2025 target, from ``plan_target``).

    Bases: ``per_m2`` (kgce/m² of floor area), ``per_person`` (kgce per energy user; a
    building's occupants), ``per_heated_m2`` (kgce/m² of heated area over the heating-season
    days of the window, ``calendar_day.heating_season``; no tiers). A building is held to its
    unit's quota.

    Returns:
        DataFrame with ``INTENSITY_COLUMNS``, one row per basis (NaN where a figure is missing,
        or the window begins before the data). Empty when there is no value at all.
    """
    entity = _energy_entity(view)
    if entity is None:
        return pd.DataFrame(columns=INTENSITY_COLUMNS)
    kind, entity_id = entity
    start, end = last_twelve_months(view.period.end)
    bases = metric_bases(TOTAL)
    coefficients = fetch_coefficients(conn)
    arrays = window_arrays(conn, bases, kind, [entity_id], {"l12m": (start, end)})
    heating = {b: np.full(1, NAN) for b in bases}
    params = {"metric_ids": list(bases), "entity_kind": kind, "entity_id": entity_id, "start": start, "end": end}
    for metric, value in conn.execute(_HEATING_SUMS, params):
        if value is not None:
            heating[metric][0] = float(value)
    covered = view.covers(start)
    kgce = float(combine(TOTAL, arrays["l12m"], coefficients)[0]) if covered else NAN
    heating_kgce = float(combine(TOTAL, heating, coefficients)[0]) if covered else NAN
    floor, heated, people = _dimensions(conn, view)
    tiers = {
        basis: (float(limit), float(benchmark), float(guide))
        for basis, limit, benchmark, guide in conn.execute(_QUOTA_TIERS, {"org_id": view.org_id, "year": end.year})
    }
    targets = fetch_plan_targets(conn)
    plan = {
        "per_m2": targets["baseline_2020_kgce_per_m2"] * (1 + targets["target_2025_per_m2_pct"] / 100.0),
        "per_person": targets["baseline_2020_kgce_per_person"] * (1 + targets["target_2025_per_person_pct"] / 100.0),
    }
    rows = []
    for basis, unit, value in (
        ("per_m2", "kgce/m²", ratio_array(kgce, floor)),
        ("per_person", "kgce/person", ratio_array(kgce, people)),
        ("per_heated_m2", "kgce/m²", ratio_array(heating_kgce, heated)),
    ):
        limit, benchmark, guide = tiers.get(basis, (NAN, NAN, NAN))
        rows.append((basis, unit, float(value), limit, benchmark, guide, plan.get(basis, NAN)))
    frame = pd.DataFrame(rows, columns=INTENSITY_COLUMNS)
    return frame if frame["value"].notna().any() else pd.DataFrame(columns=INTENSITY_COLUMNS)


# --- the buildings grid ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _buildings_statement():
    org = OrgNode.__table__
    building = Building.__table__
    return (
        select(
            building.c.id,
            building.c.code,
            building.c.name_zh,
            building.c.name_en,
            org.c.name_zh,
            org.c.name_en,
            building.c.floor_area_m2,
        )
        .select_from(building.join(org, org.c.id == building.c.org_id))
        .where(
            org.c.path.like(bindparam("pattern")),
            or_(building.c.retired_on.is_(None), building.c.retired_on >= bindparam("since", type_=Date)),
        )
        .order_by(building.c.code)
    )


def fetch_agency_buildings(conn: Connection, view) -> pd.DataFrame:
    """The buildings under the view's node (its agency's, for a building view) over
    ``view.period``: electricity, energy per floor area, and the electricity's change on the
    comparison period; largest consumer first.

    Returns:
        DataFrame with ``BUILDING_COLUMNS``; ``kgce_per_m2`` is the period's total energy over
        the floor area (not annualised), ``change_pct`` NaN where the comparison is missing,
        ``_drill`` the building's drill target. Empty when the node has no building.
    """
    if not view.has_data or view.entity_kind not in ("org", "building"):
        return pd.DataFrame(columns=BUILDING_COLUMNS)
    rows = conn.execute(_buildings_statement(), {"pattern": view.node["path"] + "%", "since": view.period.start}).all()
    if not rows:
        return pd.DataFrame(columns=BUILDING_COLUMNS)
    frame = pd.DataFrame(rows, columns=BUILDING_COLUMNS[:7])
    ids = [int(i) for i in frame["building_id"]]
    windows = period_windows(view)
    arrays = window_arrays(conn, metric_bases(TOTAL), "building", ids, windows)
    coefficients = fetch_coefficients(conn)
    kwh = arrays["cur"][ELECTRICITY]
    previous = arrays["cmp"][ELECTRICITY] if "cmp" in arrays else np.full(len(ids), NAN)
    frame["floor_area_m2"] = frame["floor_area_m2"].astype(float)
    frame["kwh"] = kwh
    frame["kgce_per_m2"] = ratio_array(combine(TOTAL, arrays["cur"], coefficients), frame["floor_area_m2"].to_numpy())
    frame["change_pct"] = ratio_array(kwh - previous, np.abs(previous), 100.0)
    frame["_drill"] = [f"building:{i}" for i in ids]
    return frame.sort_values("kwh", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


__all__ = [
    "BREAKDOWN_COLUMNS",
    "BUILDING_COLUMNS",
    "HEATMAP_COLUMNS",
    "INTENSITY_COLUMNS",
    "fetch_agency_buildings",
    "fetch_energy_breakdown",
    "fetch_energy_heatmap",
    "fetch_energy_intensity",
    "last_twelve_months",
]
