"""Energy KPI reads (the overview's energy tiles, through ``energy_kpis``) and the monthly
electricity trend of an org node's subtree (no page draws it since the energy page became a
declaration; the demo test checks the roll-ups against the raw readings through it).

Total energy (综合能耗) is derived here from the stored base measures and the editable
conversion coefficients: electricity, natural gas and heat of the subtree's buildings plus the
official vehicles' fuel (the fuel roll-up is in litres without the petrol/diesel split, so it is
converted at the petrol coefficient). Intensities divide the rolling twelve months' total by
the floor area of the subtree's buildings and by its energy users (用能人数).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Connection

from data.alerts.kpi_rules import with_kpi_status
from data.calendar import add_months, month_start, shift_years
from data.scope import Scope

from .kpi import NAN, empty_kpis, kpi_frame, ratio
from .org import fetch_org, subtree_dimensions
from .period import Periods, domain_periods
from .reference import fetch_coefficients, fetch_energy_quotas, fetch_plan_targets
from .rollup_read import monthly_rows, window_values

ELECTRICITY = "energy.electricity_kwh"
NIGHT = "energy.night_electricity_kwh"
GAS = "energy.gas_m3"
HEAT = "energy.heat_gj"
FUEL = "vehicle.fuel_l"
ENERGY_FLOWS = (ELECTRICITY, NIGHT, GAS, HEAT, FUEL)


def total_kgce(values: dict, window: str, coefficients: dict[str, float]) -> float:
    """Total energy in kgce for one window of ``{(window, metric_id): value}``; NaN when no measure exists."""
    parts = [
        (ELECTRICITY, "electricity_kgce_per_kwh"),
        (GAS, "gas_kgce_per_m3"),
        (HEAT, "heat_kgce_per_gj"),
        (FUEL, "petrol_kgce_per_l"),
    ]
    present = [(values[(window, metric)], coefficients[code]) for metric, code in parts if (window, metric) in values]
    return sum(v * c for v, c in present) if present else NAN


def co2_t(values: dict, window: str, coefficients: dict[str, float]) -> float:
    """CO₂ in tonnes for one window; NaN when no measure exists."""
    parts = [
        (ELECTRICITY, coefficients["grid_tco2_per_mwh"] / 1000.0),
        (GAS, coefficients["gas_tco2_per_m3"]),
        (FUEL, coefficients["petrol_tco2_per_l"]),
    ]
    present = [values[(window, metric)] * c for metric, c in parts if (window, metric) in values]
    return sum(present) if present else NAN


def fetch_energy_kpis(
    conn: Connection, scope: Scope, org_id: int | None = None, *, as_of: dt.date | None = None
) -> pd.DataFrame:
    """The energy page's KPI tiles for the node (the scope root when ``org_id`` is None).

    Rows, in display order (columns ``KPI_COLUMNS`` of ``data.queries.kpi``):

    * ``energy.total_kgce`` ytd, in tce; reference: the same period last year (yoy)
    * ``energy.electricity_kwh`` mtd, kWh; yoy
    * ``energy.kgce_per_m2`` l12m, kgce/m²; reference: the node's quota limit for the year
      (``quota``) or else the 2020 national baseline (``baseline``)
    * ``energy.kgce_per_person`` l12m, kgce/person; the same references
    * ``energy.night_share`` mtd, %; reference: last year's share in the same days (yoy)
    * ``energy.co2_t`` ytd, tCO₂; yoy

    A figure whose window begins before the roll-ups do (last year's, when the data is younger
    than that; a twelve-month intensity over less than twelve months) is NaN.

    Empty (no rows) when the roll-ups hold no energy data at all.

    Raises:
        OrgNotFound: ``org_id`` (or the scope root) does not exist.
        OutOfScope: ``org_id`` is outside ``scope``.
    """
    node = fetch_org(conn, scope, org_id)
    return with_kpi_status(conn, energy_kpis(conn, node, domain_periods(conn, scope, "energy", as_of)))


def energy_kpis(conn: Connection, node: dict, periods: Periods | None) -> pd.DataFrame:
    """``fetch_energy_kpis`` for a node already resolved within the scope (a row of ``fetch_org``)
    and the domain's periods; the overview calls it to resolve the node once for all domains."""
    if periods is None:
        return empty_kpis()
    as_of = periods.as_of
    org = node["org_id"]
    values = window_values(conn, ENERGY_FLOWS, org, periods.windows("mtd", "mtd_py", "ytd", "ytd_py", "l12m"))
    coefficients = fetch_coefficients(conn)
    targets = fetch_plan_targets(conn)
    dims = subtree_dimensions(conn, node)
    quotas = fetch_energy_quotas(conn, org, as_of.year)

    def value(window: str, metric: str) -> float:
        # A window reaching back before the data began would be an understatement: left out.
        return periods.if_covered(window, values.get((window, metric), NAN))

    def kgce_in(window: str) -> float:
        return periods.if_covered(window, total_kgce(values, window, coefficients))

    def co2_in(window: str) -> float:
        return periods.if_covered(window, co2_t(values, window, coefficients))

    def intensity_reference(basis: str, baseline_code: str) -> tuple[float, str]:
        if basis in quotas:
            return quotas[basis], "quota"
        return targets[baseline_code], "baseline"

    l12m_kgce = kgce_in("l12m")
    per_m2_ref, per_m2_kind = intensity_reference("per_m2", "baseline_2020_kgce_per_m2")
    per_person_ref, per_person_kind = intensity_reference("per_person", "baseline_2020_kgce_per_person")
    rows = [
        {
            "metric_id": "energy.total_kgce",
            "period": "ytd",
            "unit": "tce",
            "value": kgce_in("ytd") / 1000.0,
            "reference": kgce_in("ytd_py") / 1000.0,
            "reference_kind": "yoy",
        },
        {
            "metric_id": ELECTRICITY,
            "period": "mtd",
            "value": value("mtd", ELECTRICITY),
            "reference": value("mtd_py", ELECTRICITY),
            "reference_kind": "yoy",
        },
        {
            "metric_id": "energy.kgce_per_m2",
            "period": "l12m",
            "value": ratio(l12m_kgce, dims["floor_area_m2"]),
            "reference": per_m2_ref,
            "reference_kind": per_m2_kind,
        },
        {
            "metric_id": "energy.kgce_per_person",
            "period": "l12m",
            "value": ratio(l12m_kgce, dims["energy_users"]),
            "reference": per_person_ref,
            "reference_kind": per_person_kind,
        },
        {
            "metric_id": "energy.night_share",
            "period": "mtd",
            "value": ratio(value("mtd", NIGHT), value("mtd", ELECTRICITY), 100.0),
            "reference": ratio(value("mtd_py", NIGHT), value("mtd_py", ELECTRICITY), 100.0),
            "reference_kind": "yoy",
        },
        {
            "metric_id": "energy.co2_t",
            "period": "ytd",
            "value": co2_in("ytd"),
            "reference": co2_in("ytd_py"),
            "reference_kind": "yoy",
        },
    ]
    return kpi_frame(rows, as_of, org)


def fetch_energy_trend(
    conn: Connection, scope: Scope, org_id: int | None = None, *, as_of: dt.date | None = None, months: int = 12
) -> pd.DataFrame:
    """Monthly electricity of the node for the ``months`` months ending with the as-of month,
    each beside the same month one year earlier (so 2 × ``months`` months are read).

    The as-of month is partial: it and its prior-year twin are summed over the same days
    (1st .. as-of day) from the daily roll-up, so year on year compares like with like. A month
    that begins before the roll-ups do is left out (NaN) rather than shown short.

    Returns:
        DataFrame with columns ``month`` (date, first of month), ``electricity_kwh``,
        ``electricity_kwh_prev_year``, ``yoy_pct`` (NaN where the prior year is missing or 0),
        ``is_partial`` (bool); oldest month first. Empty when there is no data.

    Raises:
        OrgNotFound: ``org_id`` (or the scope root) does not exist.
        OutOfScope: ``org_id`` is outside ``scope``.
    """
    columns = ["month", "electricity_kwh", "electricity_kwh_prev_year", "yoy_pct", "is_partial"]
    node = fetch_org(conn, scope, org_id)
    periods = domain_periods(conn, scope, "energy", as_of)
    if periods is None:
        return pd.DataFrame(columns=columns)
    as_of = periods.as_of
    org = node["org_id"]
    current = month_start(as_of)
    first = add_months(current, -(months - 1))
    by_month = {
        month: value
        for _, _, month, value in monthly_rows(
            conn, [ELECTRICITY], [org], add_months(first, -12), add_months(current, -1)
        )
    }
    partial = window_values(
        conn, [ELECTRICITY], org, {"cur": (current, as_of), "prev": (shift_years(current, -1), shift_years(as_of, -1))}
    )
    records = []
    for i in range(months):
        month = add_months(first, i)
        if month == current:
            value, prev = partial.get(("cur", ELECTRICITY), NAN), partial.get(("prev", ELECTRICITY), NAN)
        else:
            value, prev = by_month.get(month, NAN), by_month.get(add_months(month, -12), NAN)
        # A month the data only partly covers is no basis for a comparison.
        value = periods.if_covered(month, value)
        prev = periods.if_covered(add_months(month, -12), prev)
        records.append(
            {
                "month": month,
                "electricity_kwh": value,
                "electricity_kwh_prev_year": prev,
                "yoy_pct": ratio(value - prev, prev, 100.0),
                "is_partial": month == current,
            }
        )
    frame = pd.DataFrame(records, columns=columns)
    if frame[["electricity_kwh", "electricity_kwh_prev_year"]].isna().all().all():
        return pd.DataFrame(columns=columns)
    return frame
