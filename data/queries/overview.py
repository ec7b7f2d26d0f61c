"""Overview page reads: the headline KPI tiles of all four domains for one org node.

The overview shows two headline tiles per domain, computed here exactly as each domain's KPI
query computes them (``energy_kpis``, ``vehicle_kpis``, ``asset_kpis``, ``housing_kpis``) so a
figure on the overview is always the same number as on its domain page, but only those figures:
the node is resolved once, each set of anchor metrics is looked up once, the flows of every
domain are summed in one statement and the state measures of a month read together.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Connection

from data.alerts.kpi_rules import with_kpi_status
from data.calendar import month_start
from data.catalog import get_metric
from data.scope import Scope

from .asset import asset_kpis
from .energy import ELECTRICITY, energy_kpis, total_kgce
from .housing import STATES as _HOUSING_STATES
from .housing import housing_kpis
from .kpi import KPI_COLUMNS, NAN, ratio
from .org import fetch_org
from .period import ANCHOR_METRICS, Periods, domain_periods
from .reference import count_workdays, fetch_coefficients
from .rollup_read import flow_sums, state_values
from .vehicle import vehicle_kpis

#: (domain, its page's KPI function, the metric ids of its headline tiles), in display order.
HEADLINES = (
    ("energy", energy_kpis, ("energy.total_kgce", "energy.electricity_kwh")),
    ("vehicle", vehicle_kpis, ("vehicle.fleet", "vehicle.utilization")),
    ("asset", asset_kpis, ("asset.original_value_yuan", "asset.idle_rate")),
    ("housing", housing_kpis, ("housing.area_per_person", "housing.occupancy_rate")),
)

_ENERGY_FLOWS = (ELECTRICITY, "energy.gas_m3", "energy.heat_gj", "vehicle.fuel_l")  # total_kgce's parts
_VEHICLE_FLOWS = ("vehicle.used_vehicle_days",)
_STATES = {
    "vehicle": ("vehicle.fleet", "vehicle.quota"),
    "asset": ("asset.count", "asset.original_value_yuan", "asset.idle_count"),
    # all of them: the housing page has no tiles when none of its states has a value
    "housing": tuple(_HOUSING_STATES),
}


def _energy_rows(values: dict, periods: Periods, coefficients: dict) -> list[dict]:
    def kgce_in(window: str) -> float:
        return periods.if_covered(window, total_kgce(values, window, coefficients))

    def value(window: str) -> float:
        return periods.if_covered(window, values.get((window, ELECTRICITY), NAN))

    return [
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
            "value": value("mtd"),
            "reference": value("mtd_py"),
            "reference_kind": "yoy",
        },
    ]


def _vehicle_rows(values: dict, states: dict, periods: Periods, workdays: int) -> list[dict]:
    fleet = states.get("vehicle.fleet", NAN)
    used = periods.if_covered("mtd", values.get(("mtd", "vehicle.used_vehicle_days"), NAN))
    return [
        {
            "metric_id": "vehicle.fleet",
            "period": "now",
            "value": fleet,
            "reference": states.get("vehicle.quota", NAN),
            "reference_kind": "quota",
        },
        {"metric_id": "vehicle.utilization", "period": "mtd", "value": ratio(used, fleet * workdays, 100.0)},
    ]


def _asset_rows(states: dict) -> list[dict]:
    return [
        {
            "metric_id": "asset.original_value_yuan",
            "period": "now",
            "value": states.get("asset.original_value_yuan", NAN),
        },
        {
            "metric_id": "asset.idle_rate",
            "period": "now",
            "value": ratio(states.get("asset.idle_count", NAN), states.get("asset.count", NAN), 100.0),
        },
    ]


def _housing_rows(states: dict) -> list[dict]:
    if not states:
        return []

    def state(metric: str) -> float:
        return states.get(metric, NAN)

    return [
        {
            "metric_id": "housing.area_per_person",
            "period": "now",
            "value": ratio(state("housing.office_area_m2"), state("housing.office_occupants")),
        },
        {
            "metric_id": "housing.occupancy_rate",
            "period": "now",
            "value": ratio(state("housing.occupied_units"), state("housing.units"), 100.0),
        },
    ]


def fetch_overview_kpis(
    conn: Connection, scope: Scope, org_id: int | None = None, *, as_of: dt.date | None = None
) -> pd.DataFrame:
    """Two headline tiles per domain for the node (the scope root when ``org_id`` is None).

    Each domain is as of its own latest day unless ``as_of`` is given.

    Returns:
        DataFrame with ``KPI_COLUMNS`` plus ``domain`` and ``status`` (``data.kpi_status``); a domain
        without data has no rows.

    Raises:
        OrgNotFound: ``org_id`` (or the scope root) does not exist.
        OutOfScope: ``org_id`` is outside ``scope``.
    """
    node = fetch_org(conn, scope, org_id)
    org = node["org_id"]
    periods_by_anchors: dict = {}  # domains with the same anchor metrics share one look-up
    periods: dict[str, Periods | None] = {}
    for domain, *_ in HEADLINES:
        anchors = ANCHOR_METRICS.get(domain, ())
        if anchors not in periods_by_anchors:
            periods_by_anchors[anchors] = domain_periods(conn, scope, domain, as_of)
        periods[domain] = periods_by_anchors[anchors]

    # Flows of energy and vehicles in one statement, each window named after its domain.
    windows, metrics = {}, []
    if periods["energy"] is not None:
        windows.update(
            {f"energy:{w}": r for w, r in periods["energy"].windows("mtd", "mtd_py", "ytd", "ytd_py").items()}
        )
        metrics += _ENERGY_FLOWS
    if periods["vehicle"] is not None:
        windows["vehicle:mtd"] = periods["vehicle"].window("mtd")
        metrics += _VEHICLE_FLOWS
    flows: dict[str, dict] = {"energy": {}, "vehicle": {}}
    for (window, _, metric), value in flow_sums(conn, metrics, [org], windows).items():
        domain, _, name = window.partition(":")
        flows[domain][(name, metric)] = value

    # State measures: one read per as-of month (normally one for all three domains).
    by_month: dict[dt.date, list[str]] = {}
    for domain in _STATES:
        if periods[domain] is not None:
            by_month.setdefault(month_start(periods[domain].as_of), []).append(domain)
    states: dict[str, dict] = {}
    for month, domains in by_month.items():
        wanted = sorted({m for d in domains for m in _STATES[d]})
        read = {m: v for (_, m), (_, v) in state_values(conn, wanted, [org], month).items()}
        for domain in domains:
            states[domain] = {m: read[m] for m in _STATES[domain] if m in read}

    records = []
    for domain, *_ in HEADLINES:
        p = periods[domain]
        if p is None:
            continue
        if domain == "energy":
            rows = _energy_rows(flows["energy"], p, fetch_coefficients(conn))
        elif domain == "vehicle":
            rows = _vehicle_rows(flows["vehicle"], states["vehicle"], p, count_workdays(conn, *p.window("mtd")))
        elif domain == "asset":
            rows = _asset_rows(states["asset"])
        else:
            rows = _housing_rows(states["housing"])
        # as ``kpi_frame`` fills a row
        records += [
            {
                "reference": NAN,
                "reference_kind": "",
                "unit": get_metric(row["metric_id"]).unit,
                **row,
                "as_of": p.as_of,
                "org_id": org,
                "domain": domain,
            }
            for row in rows
        ]
    columns = KPI_COLUMNS + ["domain"]
    data = {column: [record[column] for record in records] for column in columns}
    data["value"] = [float(v) for v in data["value"]]
    data["reference"] = [float(v) for v in data["reference"]]
    return with_kpi_status(conn, pd.DataFrame(data, columns=columns))
