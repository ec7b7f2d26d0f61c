"""Reads for the pages: roll-ups and small dimension tables only, the user's scope applied.

One module per domain (``energy``, ``vehicle``, ``asset``, ``housing``) plus ``overview``, and
what they share: ``period`` (reporting windows, as of), ``rollup_read`` (sums, monthly rows and
states from the roll-ups), ``org`` (the org tree), ``reference`` (coefficients, targets, working
days) and ``kpi`` (the KPI frame, ``frame_records``); ``ingest`` serves the data page. Every
``fetch_*`` takes ``(conn, scope, org_id, ...)``, resolves the node through
``data.scope.resolve_org`` (``OrgNotFound`` for a node that does not exist, ``OutOfScope`` for
one outside the scope; both ``NotInScope``), binds its parameters, never commits, and returns a
pandas DataFrame whose columns its docstring lists.
"""

from .asset import fetch_asset_kpis
from .energy import fetch_energy_kpis, fetch_energy_trend
from .housing import fetch_housing_kpis, fetch_office_area_by_child
from .kpi import KPI_COLUMNS
from .org import fetch_breadcrumb, fetch_children, fetch_org
from .overview import fetch_overview_kpis
from .period import fetch_as_of
from .vehicle import fetch_vehicle_kpis, fetch_vehicle_trend

__all__ = [
    "KPI_COLUMNS",
    "fetch_as_of",
    "fetch_asset_kpis",
    "fetch_breadcrumb",
    "fetch_children",
    "fetch_energy_kpis",
    "fetch_energy_trend",
    "fetch_housing_kpis",
    "fetch_office_area_by_child",
    "fetch_org",
    "fetch_overview_kpis",
    "fetch_vehicle_kpis",
    "fetch_vehicle_trend",
]
