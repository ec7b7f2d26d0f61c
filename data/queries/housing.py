"""Housing KPI reads: office space and turnover housing KPI rows (the overview's housing tiles,
through ``housing_kpis``), and office area per person of each child unit split into the part
within the standard and the part above it (单位画像's office-area chart).

All housing measures are states (the month-end value in ``rollup_monthly``). The area over
the standard (``housing.over_standard_area_m2``) is what the rooms exceed their occupants'
per-rank limits (发改投资〔2014〕2674号) by, so ``area − over`` is the area within the standard.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Connection

from data.alerts.kpi_rules import with_kpi_status
from data.frames import frame_records
from data.scope import Scope

from .kpi import NAN, empty_kpis, kpi_frame, ratio
from .org import fetch_children, fetch_org
from .period import Periods, domain_periods
from .rollup_read import org_states, state_values

STATES = (
    "housing.office_area_m2",
    "housing.office_occupants",
    "housing.over_standard_rooms",
    "housing.over_standard_area_m2",
    "housing.vacant_rooms",
    "housing.units",
    "housing.occupied_units",
    "housing.waiting",
    "housing.expiring_90d",
)


def fetch_housing_kpis(
    conn: Connection, scope: Scope, org_id: int | None = None, *, as_of: dt.date | None = None
) -> pd.DataFrame:
    """The housing page's KPI tiles for the node (the scope root when ``org_id`` is None).

    Rows, in display order (columns ``KPI_COLUMNS``), all ``now``:

    * ``housing.office_area_m2`` m²
    * ``housing.area_per_person`` m²/人
    * ``housing.over_standard_rooms`` 间
    * ``housing.vacant_rooms`` 间
    * ``housing.occupancy_rate`` %
    * ``housing.waiting`` 人
    * ``housing.expiring_90d`` 份; reference: occupied units (``of_total``)

    Raises:
        OrgNotFound: ``org_id`` (or the scope root) does not exist.
        OutOfScope: ``org_id`` is outside ``scope``.
    """
    node = fetch_org(conn, scope, org_id)
    return with_kpi_status(conn, housing_kpis(conn, node, domain_periods(conn, scope, "housing", as_of)))


def housing_kpis(conn: Connection, node: dict, periods: Periods | None) -> pd.DataFrame:
    """``fetch_housing_kpis`` for a node already resolved within the scope (a row of ``fetch_org``)
    and the domain's periods; the overview calls it to resolve the node once for all domains."""
    if periods is None:
        return empty_kpis()
    as_of = periods.as_of
    org = node["org_id"]
    states = org_states(conn, STATES, org, as_of)
    if not states:
        return empty_kpis()

    def state(metric: str) -> float:
        return states.get(metric, NAN)

    rows = [
        {"metric_id": "housing.office_area_m2", "period": "now", "value": state("housing.office_area_m2")},
        {
            "metric_id": "housing.area_per_person",
            "period": "now",
            "value": ratio(state("housing.office_area_m2"), state("housing.office_occupants")),
        },
        {"metric_id": "housing.over_standard_rooms", "period": "now", "value": state("housing.over_standard_rooms")},
        {"metric_id": "housing.vacant_rooms", "period": "now", "value": state("housing.vacant_rooms")},
        {
            "metric_id": "housing.occupancy_rate",
            "period": "now",
            "value": ratio(state("housing.occupied_units"), state("housing.units"), 100.0),
        },
        {"metric_id": "housing.waiting", "period": "now", "value": state("housing.waiting")},
        {
            "metric_id": "housing.expiring_90d",
            "period": "now",
            "value": state("housing.expiring_90d"),
            "reference": state("housing.occupied_units"),
            "reference_kind": "of_total",
        },
    ]
    return kpi_frame(rows, as_of, org)


def fetch_office_area_by_child(
    conn: Connection, scope: Scope, org_id: int | None = None, *, as_of: dt.date | None = None
) -> pd.DataFrame:
    """Office area per person of each child of the node (the node itself when it has none).

    Returns:
        DataFrame with columns ``org_id``, ``name_zh``, ``name_en``, ``office_area_m2``,
        ``occupants``, ``over_standard_area_m2``, ``area_per_person``,
        ``within_standard_per_person``, ``over_standard_per_person`` (floats); children in their
        sort order, those without occupants left out. Empty when there is no data.

    Raises:
        OrgNotFound: ``org_id`` (or the scope root) does not exist.
        OutOfScope: ``org_id`` is outside ``scope``.
    """
    columns = [
        "org_id",
        "name_zh",
        "name_en",
        "office_area_m2",
        "occupants",
        "over_standard_area_m2",
        "area_per_person",
        "within_standard_per_person",
        "over_standard_per_person",
    ]
    node = fetch_org(conn, scope, org_id)
    periods = domain_periods(conn, scope, "housing", as_of)
    if periods is None:
        return pd.DataFrame(columns=columns)
    as_of = periods.as_of
    children = fetch_children(conn, scope, node["org_id"])
    units = frame_records(children) if not children.empty else [node]
    metrics = ("housing.office_area_m2", "housing.office_occupants", "housing.over_standard_area_m2")
    values = {
        key: value for key, (_, value) in state_values(conn, metrics, [u["org_id"] for u in units], as_of).items()
    }
    records = []
    for unit in units:
        area = values.get((unit["org_id"], "housing.office_area_m2"))
        occupants = values.get((unit["org_id"], "housing.office_occupants"))
        if area is None or not occupants:
            continue
        over = min(values.get((unit["org_id"], "housing.over_standard_area_m2"), 0.0), area)
        records.append(
            {
                "org_id": unit["org_id"],
                "name_zh": unit["name_zh"],
                "name_en": unit["name_en"],
                "office_area_m2": area,
                "occupants": occupants,
                "over_standard_area_m2": over,
                "area_per_person": area / occupants,
                "within_standard_per_person": (area - over) / occupants,
                "over_standard_per_person": over / occupants,
            }
        )
    return pd.DataFrame(records, columns=columns)
