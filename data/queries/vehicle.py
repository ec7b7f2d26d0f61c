"""Official-vehicle KPI reads (the overview's vehicle tiles, through ``vehicle_kpis``) and trips
and mileage by month (no page draws them since the vehicle page became a declaration; the demo
test checks the roll-ups against the raw trips through it).

Utilization is vehicle-days in use over (fleet × working days) month to date, with working
days from the holiday calendar (调休 included); cost per 100 km adds fuel, charging and
maintenance costs year to date.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Connection

from data.alerts.kpi_rules import with_kpi_status
from data.calendar import add_months, month_start
from data.scope import Scope

from .kpi import NAN, empty_kpis, kpi_frame, ratio
from .org import fetch_org
from .period import Periods, domain_periods
from .reference import count_workdays
from .rollup_read import monthly_rows, org_states, window_values

FLOWS = (
    "vehicle.trips",
    "vehicle.km",
    "vehicle.used_vehicle_days",
    "vehicle.offhours_trips",
    "vehicle.energy_cost_yuan",
    "vehicle.maintenance_cost_yuan",
)
STATES = ("vehicle.fleet", "vehicle.quota", "vehicle.nev_fleet")


def fetch_vehicle_kpis(
    conn: Connection, scope: Scope, org_id: int | None = None, *, as_of: dt.date | None = None
) -> pd.DataFrame:
    """The vehicle page's KPI tiles for the node (the scope root when ``org_id`` is None).

    Rows, in display order (columns ``KPI_COLUMNS``):

    * ``vehicle.fleet`` now, 辆; reference: the approved quota (``quota``)
    * ``vehicle.utilization`` mtd, %; no reference
    * ``vehicle.km`` ytd, km; yoy
    * ``vehicle.cost_per_km`` ytd, 元/百公里; yoy
    * ``vehicle.nev_share`` now, %; no reference
    * ``vehicle.offhours_trips`` mtd, 次; reference: all trips in the month (``of_total``)

    Raises:
        OrgNotFound: ``org_id`` (or the scope root) does not exist.
        OutOfScope: ``org_id`` is outside ``scope``.
    """
    node = fetch_org(conn, scope, org_id)
    return with_kpi_status(conn, vehicle_kpis(conn, node, domain_periods(conn, scope, "vehicle", as_of)))


def vehicle_kpis(conn: Connection, node: dict, periods: Periods | None) -> pd.DataFrame:
    """``fetch_vehicle_kpis`` for a node already resolved within the scope (a row of ``fetch_org``)
    and the domain's periods; the overview calls it to resolve the node once for all domains."""
    if periods is None:
        return empty_kpis()
    as_of = periods.as_of
    org = node["org_id"]
    flows = window_values(conn, FLOWS, org, periods.windows("mtd", "ytd", "ytd_py"))
    states = org_states(conn, STATES, org, as_of)
    workdays = count_workdays(conn, *periods.window("mtd"))

    def flow(window: str, metric: str) -> float:
        return periods.if_covered(window, flows.get((window, metric), NAN))

    def trip_count(window: str, metric: str) -> float:
        # Conditional trip counts are stored only where they are not 0 (data/rollup): a window
        # with trips but no such row had none of them, which is 0, not "no data".
        value = flow(window, metric)
        return 0.0 if pd.isna(value) and not pd.isna(flow(window, "vehicle.trips")) else value

    def cost_per_100km(window: str) -> float:
        costs = [
            flows[(window, m)]
            for m in ("vehicle.energy_cost_yuan", "vehicle.maintenance_cost_yuan")
            if (window, m) in flows
        ]
        return periods.if_covered(window, ratio(sum(costs) if costs else NAN, flow(window, "vehicle.km"), 100.0))

    fleet = states.get("vehicle.fleet", NAN)
    rows = [
        {
            "metric_id": "vehicle.fleet",
            "period": "now",
            "value": fleet,
            "reference": states.get("vehicle.quota", NAN),
            "reference_kind": "quota",
        },
        {
            "metric_id": "vehicle.utilization",
            "period": "mtd",
            "value": ratio(flow("mtd", "vehicle.used_vehicle_days"), fleet * workdays, 100.0),
        },
        {
            "metric_id": "vehicle.km",
            "period": "ytd",
            "value": flow("ytd", "vehicle.km"),
            "reference": flow("ytd_py", "vehicle.km"),
            "reference_kind": "yoy",
        },
        {
            "metric_id": "vehicle.cost_per_km",
            "period": "ytd",
            "value": cost_per_100km("ytd"),
            "reference": cost_per_100km("ytd_py"),
            "reference_kind": "yoy",
        },
        {
            "metric_id": "vehicle.nev_share",
            "period": "now",
            "value": ratio(states.get("vehicle.nev_fleet", NAN), fleet, 100.0),
        },
        {
            "metric_id": "vehicle.offhours_trips",
            "period": "mtd",
            "value": trip_count("mtd", "vehicle.offhours_trips"),
            "reference": flow("mtd", "vehicle.trips"),
            "reference_kind": "of_total",
        },
    ]
    return kpi_frame(rows, as_of, org)


def fetch_vehicle_trend(
    conn: Connection, scope: Scope, org_id: int | None = None, *, as_of: dt.date | None = None, months: int = 12
) -> pd.DataFrame:
    """Trips and mileage of the node by month, the ``months`` months ending with the as-of month.

    Returns:
        DataFrame with columns ``month`` (date), ``trips``, ``km`` (float, NaN where no roll-up),
        ``is_partial`` (the as-of month); oldest first. Empty when there is no data.

    Raises:
        OrgNotFound: ``org_id`` (or the scope root) does not exist.
        OutOfScope: ``org_id`` is outside ``scope``.
    """
    columns = ["month", "trips", "km", "is_partial"]
    node = fetch_org(conn, scope, org_id)
    periods = domain_periods(conn, scope, "vehicle", as_of)
    if periods is None:
        return pd.DataFrame(columns=columns)
    as_of = periods.as_of
    org = node["org_id"]
    current = month_start(as_of)
    first = add_months(current, -(months - 1))
    values = {
        (month, metric): value
        for _, metric, month, value in monthly_rows(
            conn, ["vehicle.trips", "vehicle.km"], [org], first, add_months(current, -1)
        )
    }
    partial = window_values(conn, ["vehicle.trips", "vehicle.km"], org, {"cur": (current, as_of)})
    records = []
    for i in range(months):
        month = add_months(first, i)
        if month == current:
            trips, km = partial.get(("cur", "vehicle.trips"), NAN), partial.get(("cur", "vehicle.km"), NAN)
        else:
            trips, km = values.get((month, "vehicle.trips"), NAN), values.get((month, "vehicle.km"), NAN)
        trips, km = periods.if_covered(month, trips), periods.if_covered(month, km)
        records.append({"month": month, "trips": trips, "km": km, "is_partial": month == current})
    frame = pd.DataFrame(records, columns=columns)
    if frame[["trips", "km"]].isna().all().all():
        return pd.DataFrame(columns=columns)
    return frame
