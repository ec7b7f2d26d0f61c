"""The housing page's turnover-housing (周转住房) panels and its cross-checks, declared for
``views/housing.py`` to place: leases expiring within 30/60/90 days (a roll-up figure at any level
and the list at county and agency level), tenants overstaying, rent arrears, the waiting list and
waiting times, occupancy by child unit, an agency's or building's dwellings, one dwelling's tiles
and tenant history, and the two cross-checks (人员核对: office occupants against the staff lists;
租住核对: housing status against leases).

Grids show coded values (status, problems, lease state) in the reader's language:
``localize_housing_lists_frame(frame, lang)`` adds the label columns the grids declare; each
panel's query calls it in the default language, and the page can pass it as (part of) its
``extra["localize"]`` to redo it in the reader's.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy.engine import Connection

from data.queries.housing_checks import (
    DWELLING_TILE_METRICS,
    fetch_dwelling_tiles,
    fetch_lease_crosscheck,
    fetch_staff_crosscheck,
    fetch_tenant_history,
)
from data.queries.housing_lists import (
    fetch_arrears,
    fetch_dwellings,
    fetch_lease_expiry,
    fetch_leases_expiring,
    fetch_occupancy_by_child,
    fetch_overstaying,
    fetch_waiting_list,
    fetch_waiting_time,
)
from data.queries.view import ViewContext
from presentation.figures.housing_lists import make_lease_expiry_figure, make_waiting_time_figure
from presentation.i18n import t

from .labels import localized_fetch, with_code_labels
from .panels import make_ranking_with_position_figure
from .spec import GridColumn, PanelSpec, TileSpec

#: The org levels whose leases, tenants and rooms are listed one by one (a province holds 20,000
#: dwellings and 76,000 office occupancies: there the figures compare units).
LIST_LEVELS = ("county", "agency")

# --- labels in the reader's language -------------------------------------------------------------

#: column holding a code -> (label column, message key prefix)
_CODED = {
    "status": ("status_label", "housing_lists.status."),
    "lease_state": ("lease_state_label", "housing_lists.lease_state."),
}
#: column holding space-separated codes -> (label column, message key prefix)
_CODE_LISTS = {"problems": ("problems_label", "housing_lists.problem.")}


def localize_housing_lists_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with label columns for its coded values in ``lang`` (``status_label``,
    ``lease_state_label``, ``problems_label`` joining the problems with 、 or commas,
    ``window_label``). A new frame; the codes stay."""
    if frame is None or frame.empty:
        return frame
    out = with_code_labels(frame, _CODED, lang, code_lists=_CODE_LISTS)
    if "window_days" in out.columns:
        out["window_label"] = [t("housing_lists.expiry.within", lang, days=int(d)) for d in out["window_days"]]
    return out


def _localized(fetch: Callable[[Connection, ViewContext], pd.DataFrame]):
    return localized_fetch(fetch, localize_housing_lists_frame)


# --- grid columns --------------------------------------------------------------------------------


def _col(field: str, key: str, kind: str = "text", decimals: int = 0, unit: str | None = None, **kw) -> GridColumn:
    return GridColumn(field, f"housing_lists.col.{key}", kind, decimals, unit, **kw)


_UNIT_CODE = _col("unit_code", "unit_code", pinned=True, width=130)
_BUILDING = _col("building_name_zh", "building")
_OWNER = _col("org_name_zh", "owner")
_TENANT = _col("tenant_name", "tenant", "personal")
_TENANT_ORG = _col("tenant_org_name_zh", "tenant_org")
_RENT = _col("monthly_rent_yuan", "rent", "number", 0, "元")
_ENDS = _col("ends_on", "ends_on", "date")

EXPIRING_GRID = (
    _UNIT_CODE,
    _BUILDING,
    _TENANT,
    _TENANT_ORG,
    _ENDS,
    _col("days_left", "days_left", "number", unit="天"),
    _col("window_label", "window"),
    _RENT,
)
OVERSTAYING_GRID = (
    _UNIT_CODE,
    _BUILDING,
    _TENANT,
    _TENANT_ORG,
    _ENDS,
    _col("days_over", "days_over", "number", unit="天"),
    _RENT,
    _col("arrears_yuan", "arrears", "number", 2, "元"),
)
ARREARS_GRID = (
    _UNIT_CODE,
    _BUILDING,
    _TENANT,
    _TENANT_ORG,
    _col("arrears_yuan", "arrears", "number", 2, "元"),
    _col("arrears_months", "arrears_months", "number", 1),
    _RENT,
    _ENDS,
)
WAITING_GRID = (
    _col("applicant_name", "applicant", "personal", pinned=True),
    _col("org_name_zh", "applicant_org"),
    _col("applied_on", "applied_on", "date"),
    _col("days_waiting", "days_waiting", "number", unit="天"),
)
DWELLINGS_GRID = (
    _UNIT_CODE,
    _BUILDING,
    _OWNER,
    _col("area_m2", "area", "number", 1, "m²"),
    _col("rooms", "rooms", "number"),
    _RENT,
    _col("status_label", "status"),
    _TENANT,
    _col("lease_ends_on", "lease_ends_on", "date"),
)
TENANT_HISTORY_GRID = (
    _col("tenant_name", "tenant", "personal", pinned=True),
    _TENANT_ORG,
    _col("starts_on", "starts_on", "date"),
    _ENDS,
    _col("moved_out_on", "moved_out_on", "date"),
    _col("lease_state_label", "lease_state"),
    _RENT,
    _col("arrears_yuan", "arrears", "number", 2, "元"),
    _col("overstay_days", "overstay_days", "number", unit="天"),
)
STAFF_CHECK_GRID = (
    _col("person_name", "person", "personal", pinned=True),
    _col("staff_no", "staff_no"),
    _col("room_no", "room"),
    _BUILDING,
    _col("org_name_zh", "room_org"),
    _col("staff_org_name_zh", "staff_org"),
    _col("left_on", "left_on", "date"),
    _col("problems_label", "problems"),
)
LEASE_CHECK_GRID = (
    _UNIT_CODE,
    _BUILDING,
    _OWNER,
    _col("status_label", "status"),
    _TENANT,
    _TENANT_ORG,
    _col("starts_on", "starts_on", "date"),
    _ENDS,
    _col("problems_label", "problems"),
)


def _grid(
    key: str,
    fetch,
    columns,
    *,
    show_at=("org",),
    width: int = 2,
    drills: str | None = "dwelling",
    org_levels: tuple[str, ...] | None = LIST_LEVELS,
) -> PanelSpec:
    return PanelSpec(
        key=key,
        title_key=f"housing_lists.{key}.title",
        hint_key=f"housing_lists.{key}.hint",
        kind="grid",
        fetch=_localized(fetch),
        columns=columns,
        show_at=show_at,
        org_levels=org_levels,
        width=width,
        drills=drills,
    )


def _occupancy_options(view: ViewContext) -> dict:
    return {"unit": "%", "metric_id": "housing.occupancy_rate"}


# --- the panels ----------------------------------------------------------------------------------

LEASE_EXPIRY_PANEL = PanelSpec(
    key="lease_expiry",
    title_key="housing_lists.lease_expiry.title",
    hint_key="housing_lists.lease_expiry.hint",
    kind="graph",
    fetch=fetch_lease_expiry,
    build=make_lease_expiry_figure,
    wall=True,
)
LEASES_EXPIRING_PANEL = _grid("leases_expiring", fetch_leases_expiring, EXPIRING_GRID, show_at=("org", "building"))
OVERSTAYING_PANEL = _grid("overstaying", fetch_overstaying, OVERSTAYING_GRID, show_at=("org", "building"), width=1)
ARREARS_PANEL = _grid("arrears", fetch_arrears, ARREARS_GRID, show_at=("org", "building"), width=1)
WAITING_PANEL = _grid("waiting", fetch_waiting_list, WAITING_GRID, width=1, drills=None)
WAITING_TIME_PANEL = PanelSpec(
    key="waiting_time",
    title_key="housing_lists.waiting_time.title",
    hint_key="housing_lists.waiting_time.hint",
    kind="graph",
    fetch=fetch_waiting_time,
    build=make_waiting_time_figure,
    org_levels=LIST_LEVELS,  # read from the applications themselves, not a roll-up
)
OCCUPANCY_PANEL = PanelSpec(
    key="occupancy",
    title_key="housing_lists.occupancy.title",
    hint_key="housing_lists.occupancy.hint",
    kind="graph",
    fetch=fetch_occupancy_by_child,
    build=make_ranking_with_position_figure,
    options=_occupancy_options,
    drills="org",
    wall=True,
    # Units one level down: an agency has none (its own rate is a tile).
    org_levels=("province", "city", "county"),
)
DWELLINGS_PANEL = _grid("dwellings", fetch_dwellings, DWELLINGS_GRID, show_at=("org", "building"))
DWELLING_TILES = TileSpec(DWELLING_TILE_METRICS, fetch_dwelling_tiles)
TENANT_HISTORY_PANEL = _grid(
    "tenant_history", fetch_tenant_history, TENANT_HISTORY_GRID, show_at=("dwelling",), drills=None, org_levels=None
)
STAFF_CROSSCHECK_PANEL = _grid(
    "staff_crosscheck", fetch_staff_crosscheck, STAFF_CHECK_GRID, show_at=("org", "building", "room"), drills="room"
)
LEASE_CROSSCHECK_PANEL = _grid(
    "lease_crosscheck", fetch_lease_crosscheck, LEASE_CHECK_GRID, show_at=("org", "building", "dwelling")
)

#: Every panel of this module, in a reading order the page may follow.
HOUSING_LIST_PANELS = (
    LEASE_EXPIRY_PANEL,
    OCCUPANCY_PANEL,
    LEASES_EXPIRING_PANEL,
    OVERSTAYING_PANEL,
    ARREARS_PANEL,
    WAITING_TIME_PANEL,
    WAITING_PANEL,
    DWELLINGS_PANEL,
    TENANT_HISTORY_PANEL,
    STAFF_CROSSCHECK_PANEL,
    LEASE_CROSSCHECK_PANEL,
)

__all__ = [
    "ARREARS_PANEL",
    "DWELLINGS_PANEL",
    "DWELLING_TILES",
    "HOUSING_LIST_PANELS",
    "LEASES_EXPIRING_PANEL",
    "LEASE_CROSSCHECK_PANEL",
    "LEASE_EXPIRY_PANEL",
    "LIST_LEVELS",
    "OCCUPANCY_PANEL",
    "OVERSTAYING_PANEL",
    "STAFF_CROSSCHECK_PANEL",
    "TENANT_HISTORY_PANEL",
    "WAITING_PANEL",
    "WAITING_TIME_PANEL",
    "localize_housing_lists_frame",
]
