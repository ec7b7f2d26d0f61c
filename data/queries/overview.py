"""Overview page reads: the headline KPI tiles of all four domains for one org node.

The overview reuses each domain's KPI query and keeps two headline tiles per domain, so a
figure on the overview is always the same number as on its domain page.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Connection

from data.alerts.kpi_rules import with_kpi_status
from data.frames import frame_records
from data.scope import Scope

from .asset import asset_kpis
from .energy import energy_kpis
from .housing import housing_kpis
from .kpi import KPI_COLUMNS
from .org import fetch_org
from .period import ANCHOR_METRICS, domain_periods
from .vehicle import vehicle_kpis

#: (domain, KPI function, the metric ids of its headline tiles), in display order.
HEADLINES = (
    ("energy", energy_kpis, ("energy.total_kgce", "energy.electricity_kwh")),
    ("vehicle", vehicle_kpis, ("vehicle.fleet", "vehicle.utilization")),
    ("asset", asset_kpis, ("asset.original_value_yuan", "asset.idle_rate")),
    ("housing", housing_kpis, ("housing.area_per_person", "housing.occupancy_rate")),
)


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
    columns = KPI_COLUMNS + ["domain"]
    records = []
    periods_by_anchors = {}  # domains with the same anchor metrics share one look-up
    for domain, kpis, metric_ids in HEADLINES:
        anchors = ANCHOR_METRICS.get(domain, ())
        if anchors not in periods_by_anchors:
            periods_by_anchors[anchors] = domain_periods(conn, scope, domain, as_of)
        rows = {row["metric_id"]: row for row in frame_records(kpis(conn, node, periods_by_anchors[anchors]))}
        records += [{**rows[metric_id], "domain": domain} for metric_id in metric_ids if metric_id in rows]
    frame = pd.DataFrame({column: [record[column] for record in records] for column in columns}, columns=columns)
    return with_kpi_status(conn, frame)
