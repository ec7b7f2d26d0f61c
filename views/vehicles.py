"""The vehicle page (公务用车) as a declaration: KPI tiles of a unit or of one vehicle, the trend
and ranking of the chosen indicator, the peer matrix, the fleet against its quota by class, and
the lists an operator works from (vehicles, fuel cross-check, trips to review, maintenance and
insurance due, idle vehicles); at a vehicle, its daily figures and trip log.

Grids show coded values (class, energy type, status, reasons) and the unit's name in the reader's
language: ``localize_vehicle_frame(frame, lang)`` adds the label columns the grids declare; the
panels' queries call it in the default language and ``PAGE.extra["localize"]`` lets the renderer
redo it in the reader's (the raw codes stay in the frame).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy.engine import Connection

from data.alerts.kpi_rules import with_kpi_status
from data.catalog import get_metric
from data.queries.compare import fetch_metric_trend, fetch_peer_matrix
from data.queries.period import period_code, picked_periods
from data.queries.vehicle import vehicle_kpis
from data.queries.vehicle_panels import (
    fetch_fleet_by_class,
    fetch_fuel_crosscheck,
    fetch_idle_vehicles,
    fetch_vehicle_due,
    fetch_vehicle_list,
)
from data.queries.vehicle_trips import (
    VEHICLE_TILE_METRICS,
    fetch_trip_log,
    fetch_trips_flagged,
    fetch_vehicle_daily,
    fetch_vehicle_tiles,
)
from data.queries.view import ViewContext
from presentation.figures.compare import make_metric_trend_figure, make_peer_matrix_figure
from presentation.figures.vehicle_panels import make_fleet_class_figure, make_vehicle_daily_figure

from .labels import localized_fetch, with_code_labels
from .panels import fetch_ranking_with_position, make_ranking_with_position_figure, open_alerts_panel
from .spec import GridColumn, PageSpec, PanelSpec, TileSpec

ORG_TILE_METRICS = (
    "vehicle.fleet",
    "vehicle.utilization",
    "vehicle.km",
    "vehicle.cost_per_km",
    "vehicle.nev_share",
    "vehicle.offhours_trips",
)
INDICATORS = (
    "vehicle.km",
    "vehicle.trips",
    "vehicle.fuel_l",
    "vehicle.charge_kwh",
    "vehicle.energy_cost_yuan",
    "vehicle.maintenance_cost_yuan",
    "vehicle.cost_per_km",
    "vehicle.offhours_trips",
    "vehicle.unrequested_trips",
)

# --- labels in the reader's language -------------------------------------------------------------

#: column holding a code -> (label column, message key prefix)
_CODED = {
    "vehicle_class": ("class_label", "vehicle_page.class."),
    "energy_type": ("energy_label", "vehicle_page.energy."),
    "status": ("status_label", "vehicle_page.status."),
    "kind": ("kind_label", "vehicle_page.kind."),
    "request_status": ("request_label", "vehicle_page.request."),
    "item": ("item_label", "vehicle_page.item."),
    "due_status": ("due_label", "vehicle_page.due."),
}


def localize_vehicle_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with label columns for its coded values in ``lang`` (``class_label`` …,
    ``flags_label`` joining the reasons with 、 or commas) and ``org_name`` from ``org_name_zh`` /
    ``org_name_en``. A new frame; the codes stay."""
    if frame is None or frame.empty:
        return frame
    out = with_code_labels(frame, _CODED, lang, code_lists={"flags": ("flags_label", "vehicle_page.flag.")})
    if "org_name_zh" in out.columns:
        out["org_name"] = out["org_name_zh" if lang == "zh" else "org_name_en"]
    return out


def _localized(fetch: Callable[[Connection, ViewContext], pd.DataFrame]):
    return localized_fetch(fetch, localize_vehicle_frame)


# --- tiles, trend, ranking, peers ----------------------------------------------------------------


def fetch_org_tiles(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The unit's six vehicle KPI tiles (``data.queries.vehicle.vehicle_kpis``) for the period
    picked (its month- and year-to-date windows become the period, their year-earlier twins the
    comparison period, the fleet is counted at the period's end), coloured by the alert rules."""
    if not view.has_data:
        return with_kpi_status(conn, vehicle_kpis(conn, view.node, None))
    frame = vehicle_kpis(conn, view.node, picked_periods(view))
    code = period_code(view)
    frame["period"] = [code if p in ("mtd", "ytd") else p for p in frame["period"]]
    frame["reference_kind"] = [view.compare if k == "yoy" else k for k in frame["reference_kind"]]
    return with_kpi_status(conn, frame)


def _metric(view: ViewContext) -> str:
    return view.metric if view.metric in INDICATORS else INDICATORS[0]


def fetch_trend(conn: Connection, view: ViewContext) -> pd.DataFrame:
    return fetch_metric_trend(conn, view, _metric(view), months=12)


def fetch_ranking(conn: Connection, view: ViewContext) -> pd.DataFrame:
    return fetch_ranking_with_position(conn, view, _metric(view), leaf="vehicle")


def fetch_peers(conn: Connection, view: ViewContext) -> pd.DataFrame:
    return fetch_peer_matrix(conn, view, _metric(view), months=12, leaf="vehicle")


def _metric_options(view: ViewContext) -> dict:
    metric = _metric(view)
    return {"metric_id": metric, "unit": get_metric(metric).unit}


def _unit_options(view: ViewContext) -> dict:
    return {"unit": get_metric(_metric(view)).unit}


def _daily_options(view: ViewContext) -> dict:
    electric = (view.entity or {}).get("energy_type") == "electric"
    return {"energy": "charge" if electric else "fuel"}


# --- grid columns --------------------------------------------------------------------------------


def _col(field: str, key: str, kind: str = "text", decimals: int = 0, unit: str | None = None, **kw) -> GridColumn:
    return GridColumn(field, f"vehicle_page.col.{key}", kind, decimals, unit, **kw)


_PLATE = _col("plate", "plate", pinned=True, width=120)
_ORG = _col("org_name", "org")
_CLASS = _col("class_label", "class")
_ENERGY = _col("energy_label", "energy")

LIST_COLUMNS = (
    _PLATE,
    _ORG,
    _CLASS,
    _ENERGY,
    _col("model", "model"),
    _col("status_label", "status"),
    _col("km", "km", "number", 1, "km"),
    _col("trips", "trips", "number", 0, "次"),
    _col("used_days", "used_days", "number"),
    _col("utilization", "utilization", "percent", 1),
    _col("energy_cost_yuan", "energy_cost", "number", 2, "元"),
    _col("maintenance_cost_yuan", "maintenance_cost", "number", 2, "元"),
    _col("cost_per_100km", "cost_per_100km", "number", 2, "元/百公里"),
    _col("last_trip_on", "last_trip", "date"),
    _col("idle_workdays", "idle_workdays", "number"),
)
CROSSCHECK_COLUMNS = (
    _PLATE,
    _ORG,
    _ENERGY,
    _col("kind_label", "kind"),
    _col("unit", "unit"),
    _col("fills", "fills", "number"),
    _col("quantity", "quantity", "number", 1),
    _col("odometer_km", "odometer_km", "number", 1, "km"),
    _col("trip_km", "trip_km", "number", 1, "km"),
    _col("rated_consumption", "rated", "number", 1),
    _col("expected", "expected", "number", 1),
    _col("ratio", "ratio", "percent", 0),
    _col("excess", "excess", "number", 1),
    _col("excess_cost_yuan", "excess_cost", "number", 2, "元"),
)
FLAGGED_COLUMNS = (
    _col("start_local", "start", "datetime", pinned=True, width=150),
    _PLATE,
    _ORG,
    _col("driver_name", "driver", "personal"),
    _col("km", "km", "number", 1, "km"),
    _col("flags_label", "flags"),
    _col("purpose", "purpose"),
)
DUE_COLUMNS = (
    _PLATE,
    _ORG,
    _CLASS,
    _col("item_label", "item"),
    _col("due_on", "due_on", "date"),
    _col("days_left", "days_left", "number"),
    _col("due_label", "due_status"),
)
IDLE_COLUMNS = (
    _PLATE,
    _ORG,
    _CLASS,
    _ENERGY,
    _col("status_label", "status"),
    _col("last_trip_on", "last_trip", "date"),
    _col("idle_workdays", "idle_workdays", "number"),
    _col("idle_days", "idle_days", "number"),
)
TRIP_LOG_COLUMNS = (
    _col("start_local", "start", "datetime", pinned=True, width=150),
    _col("end_local", "end", "datetime", width=150),
    _col("driver_name", "driver", "personal"),
    _col("km", "km", "number", 1, "km"),
    _col("purpose", "purpose"),
    _col("request_code", "request"),
    _col("request_label", "request_status"),
    _col("flags_label", "flags"),
)


#: The org levels whose vehicles are listed one by one. A province holds 5,000 vehicles and a
#: city hundreds: there the charts compare units, and the lists open one county down.
LIST_LEVELS = ("county", "agency")


def _grid(
    key: str,
    fetch,
    columns,
    *,
    show_at=("org",),
    width: int = 2,
    drills: str | None = "vehicle",
    org_levels: tuple[str, ...] | None = LIST_LEVELS,
) -> PanelSpec:
    return PanelSpec(
        key=key,
        title_key=f"vehicle_page.{key}.title",
        hint_key=f"vehicle_page.{key}.hint",
        kind="grid",
        fetch=_localized(fetch),
        columns=columns,
        show_at=show_at,
        org_levels=org_levels,
        width=width,
        drills=drills,
    )


VEHICLES_PAGE = PageSpec(
    key="vehicles",
    domain="vehicle",
    path="/vehicles",
    tiles={
        "org": TileSpec(ORG_TILE_METRICS, fetch_org_tiles),
        "vehicle": TileSpec(VEHICLE_TILE_METRICS, fetch_vehicle_tiles),
    },
    panels=(
        PanelSpec(
            key="trend",
            wall=True,
            title_key="vehicle_page.trend.title",
            hint_key="vehicle_page.trend.hint",
            kind="graph",
            fetch=fetch_trend,
            build=make_metric_trend_figure,
            options=_metric_options,
            show_at=("org", "vehicle"),
        ),
        PanelSpec(
            key="ranking",
            wall=True,
            title_key="vehicle_page.ranking.title",
            hint_key="vehicle_page.ranking.hint",
            kind="graph",
            fetch=fetch_ranking,
            build=make_ranking_with_position_figure,
            options=_metric_options,
            show_at=("org", "vehicle"),
            drills="org",
        ),
        PanelSpec(
            key="peers",
            title_key="vehicle_page.peers.title",
            hint_key="vehicle_page.peers.hint",
            kind="graph",
            fetch=fetch_peers,
            build=make_peer_matrix_figure,
            options=_unit_options,
            width=2,
            drills="org",
        ),
        PanelSpec(
            key="fleet_class",
            wall=True,
            title_key="vehicle_page.fleet_class.title",
            hint_key="vehicle_page.fleet_class.hint",
            kind="graph",
            fetch=fetch_fleet_by_class,
            build=make_fleet_class_figure,
        ),
        open_alerts_panel(show_at=("org", "vehicle")),
        _grid("list", fetch_vehicle_list, LIST_COLUMNS),
        _grid("crosscheck", fetch_fuel_crosscheck, CROSSCHECK_COLUMNS),
        _grid("flagged", fetch_trips_flagged, FLAGGED_COLUMNS),
        _grid("due", fetch_vehicle_due, DUE_COLUMNS, width=1),
        _grid("idle", fetch_idle_vehicles, IDLE_COLUMNS, width=1),
        PanelSpec(
            key="daily",
            wall=True,
            title_key="vehicle_page.daily.title",
            hint_key="vehicle_page.daily.hint",
            kind="graph",
            fetch=fetch_vehicle_daily,
            build=make_vehicle_daily_figure,
            options=_daily_options,
            show_at=("vehicle",),
            width=2,
        ),
        _grid("trip_log", fetch_trip_log, TRIP_LOG_COLUMNS, show_at=("vehicle",), drills=None),
    ),
    leaf="vehicle",
    indicators=INDICATORS,
    extra={"localize": localize_vehicle_frame},
)

__all__ = ["INDICATORS", "ORG_TILE_METRICS", "VEHICLES_PAGE", "localize_vehicle_frame"]
