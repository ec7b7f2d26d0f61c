"""Asset KPI reads: the unit's asset figures as KPI rows (the overview's asset tiles).

Asset measures are states (the month-end value in ``rollup_monthly``), except redeployments
(调剂) and the money they saved, which are flows summed year to date.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Connection

from data.alerts.kpi_rules import with_kpi_status
from data.scope import Scope

from .kpi import NAN, empty_kpis, kpi_frame, ratio
from .org import fetch_org
from .period import Periods, domain_periods
from .rollup_read import org_states, window_values

STATES = (
    "asset.count",
    "asset.original_value_yuan",
    "asset.net_value_yuan",
    "asset.idle_count",
    "asset.warehouse_count",
)


def fetch_asset_kpis(
    conn: Connection, scope: Scope, org_id: int | None = None, *, as_of: dt.date | None = None
) -> pd.DataFrame:
    """The asset KPI rows of the node (the scope root when ``org_id`` is None); the overview reads
    the same rows through ``asset_kpis``.

    Rows, in display order (columns ``KPI_COLUMNS``):

    * ``asset.count`` now, 件
    * ``asset.original_value_yuan`` now, 元
    * ``asset.net_value_yuan`` now, 元; reference: the original value (``of_total``)
    * ``asset.idle_rate`` now, %
    * ``asset.warehouse_count`` now, 件
    * ``asset.redeploy_saved_yuan`` ytd, 元; yoy

    Raises:
        OrgNotFound: ``org_id`` (or the scope root) does not exist.
        OutOfScope: ``org_id`` is outside ``scope``.
    """
    node = fetch_org(conn, scope, org_id)
    return with_kpi_status(conn, asset_kpis(conn, node, domain_periods(conn, scope, "asset", as_of)))


def asset_kpis(conn: Connection, node: dict, periods: Periods | None) -> pd.DataFrame:
    """``fetch_asset_kpis`` for a node already resolved within the scope (a row of ``fetch_org``)
    and the domain's periods; the overview calls it to resolve the node once for all domains."""
    if periods is None:
        return empty_kpis()
    as_of = periods.as_of
    org = node["org_id"]
    states = org_states(conn, STATES, org, as_of)
    flows = window_values(conn, ["asset.redeploy_saved_yuan"], org, periods.windows("ytd", "ytd_py"))

    def state(metric: str) -> float:
        return states.get(metric, NAN)

    rows = [
        {"metric_id": "asset.count", "period": "now", "value": state("asset.count")},
        {"metric_id": "asset.original_value_yuan", "period": "now", "value": state("asset.original_value_yuan")},
        {
            "metric_id": "asset.net_value_yuan",
            "period": "now",
            "value": state("asset.net_value_yuan"),
            "reference": state("asset.original_value_yuan"),
            "reference_kind": "of_total",
        },
        {
            "metric_id": "asset.idle_rate",
            "period": "now",
            "value": ratio(state("asset.idle_count"), state("asset.count"), 100.0),
        },
        {"metric_id": "asset.warehouse_count", "period": "now", "value": state("asset.warehouse_count")},
        # Redeployments are rare: a window inside the data without any is 0, not missing.
        {
            "metric_id": "asset.redeploy_saved_yuan",
            "period": "ytd",
            "value": periods.if_covered("ytd", flows.get(("ytd", "asset.redeploy_saved_yuan"), 0.0)),
            "reference": periods.if_covered("ytd_py", flows.get(("ytd_py", "asset.redeploy_saved_yuan"), 0.0)),
            "reference_kind": "yoy",
        },
    ]
    return kpi_frame(rows, as_of, org)
