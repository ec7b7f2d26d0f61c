"""The housing page (办公用房 / 周转住房) as a declaration: a unit's office-space and
turnover-housing tiles, office space by rank against the standard's per-rank limits, the units
one level down ranked by area over the standard and by area per person, and the lists a leader
works from: the rooms over the standard (with the excess), the vacant rooms, an agency's
buildings, a building's rooms and a room's occupants over time (names masked where the role
requires). Drill: province → … → agency → building → room.

Grids show rank names, room statuses and unit names in the reader's language:
``localize_housing_frame(frame, lang)`` adds the label columns the grids declare.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd
from sqlalchemy.engine import Connection

from data.queries.housing_entity import (
    BUILDING_TILE_METRICS,
    ROOM_TILE_METRICS,
    fetch_building_tiles,
    fetch_room_occupants,
    fetch_room_tiles,
)
from data.queries.housing_panels import (
    ORG_TILE_METRICS,
    fetch_area_per_person_ranking,
    fetch_housing_tiles,
    fetch_office_ranks,
    fetch_over_area_ranking,
)
from data.queries.housing_rooms import (
    fetch_agency_buildings,
    fetch_building_rooms,
    fetch_over_standard_rooms,
    fetch_vacant_rooms,
)
from data.queries.view import ViewContext
from presentation.figures.housing_panels import make_office_rank_figure
from presentation.i18n import t

from .housing_lists import (
    ARREARS_PANEL,
    DWELLING_TILES,
    DWELLINGS_PANEL,
    LEASE_CROSSCHECK_PANEL,
    LEASE_EXPIRY_PANEL,
    LEASES_EXPIRING_PANEL,
    OCCUPANCY_PANEL,
    OVERSTAYING_PANEL,
    STAFF_CROSSCHECK_PANEL,
    TENANT_HISTORY_PANEL,
    WAITING_PANEL,
    WAITING_TIME_PANEL,
    localize_housing_lists_frame,
)
from .labels import localized_fetch
from .panels import make_ranking_with_position_figure, open_alerts_panel
from .spec import GridColumn, PageSpec, PanelSpec, TileSpec

#: The org levels whose rooms are listed one by one: a province holds 33,000 office rooms and a
#: city thousands; there the charts compare units, and the lists open from the county down.
LIST_LEVELS = ("county", "agency")


def localize_housing_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with its label columns in ``lang``: ``org_name``, ``building_name``,
    ``rank_label`` and ``room_status_label`` (the office lists'). A new frame; the codes stay."""
    if frame is None or frame.empty:
        return frame
    out = frame.copy()
    suffix = "zh" if lang == "zh" else "en"
    for base in ("org_name", "building_name"):
        if f"{base}_zh" in out.columns:
            local = out[f"{base}_{suffix}"]
            out[base] = local.where(local.notna() & (local != ""), out[f"{base}_zh"])
    if "rank_zh" in out.columns:
        out["rank_label"] = [
            (zh if lang == "zh" else en) if isinstance(zh, str) else code
            for zh, en, code in zip(out["rank_zh"], out["rank_en"], out["rank_code"])
        ]
    if "room_status" in out.columns:
        out["room_status_label"] = [t(f"housing_page.room_status.{s}", lang) for s in out["room_status"]]
    return out


def localize_housing_page_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A grid of the page in ``lang``: the office lists' labels and the turnover-housing lists'
    (``views.housing_lists.localize_housing_lists_frame``)."""
    if frame is None or frame.empty:
        return frame
    return localize_housing_lists_frame(localize_housing_frame(frame, lang), lang)


def _localized(fetch: Callable[[Connection, ViewContext], pd.DataFrame]):
    return localized_fetch(fetch, localize_housing_frame)


def _col(field: str, key: str, kind: str = "text", decimals: int = 0, unit: str | None = None, **kw) -> GridColumn:
    return GridColumn(field, f"housing_page.col.{key}", kind, decimals, unit, **kw)


_ROOM_NO = _col("room_no", "room", pinned=True, width=100)
_BUILDING = _col("building_name", "building")
_ORG = _col("org_name", "org")
_AREA = _col("area_m2", "area", "number", 1, "m²")

OVER_STANDARD_COLUMNS = (
    _ROOM_NO,
    _BUILDING,
    _ORG,
    _AREA,
    _col("occupants", "occupants", "number", 0, "人"),
    _col("limit_m2", "limit", "number", 0, "m²/人"),
    _col("allowed_m2", "allowed", "number", 1, "m²"),
    _col("over_m2", "over", "number", 1, "m²"),
)
VACANT_COLUMNS = (_ROOM_NO, _BUILDING, _ORG, _AREA, _col("vacant_since", "vacant_since", "date"))
BUILDING_COLUMNS = (
    _col("building_name", "building", pinned=True, width=180),
    _col("building_code", "building_code"),
    _col("office_rooms", "office_rooms", "number", 0, "间"),
    _AREA,
    _col("occupants", "occupants", "number", 0, "人"),
    _col("area_per_person", "area_per_person", "number", 1, "m²/人"),
    _col("over_rooms", "over_rooms", "number", 0, "间"),
    _col("over_m2", "over", "number", 1, "m²"),
    _col("vacant_rooms", "vacant_rooms", "number", 0, "间"),
)
BUILDING_ROOM_COLUMNS = (
    _ROOM_NO,
    _AREA,
    _col("occupants", "occupants", "number", 0, "人"),
    _col("area_per_person", "area_per_person", "number", 1, "m²/人"),
    _col("limit_m2", "limit", "number", 0, "m²/人"),
    _col("allowed_m2", "allowed", "number", 1, "m²"),
    _col("over_m2", "over", "number", 1, "m²"),
    _col("room_status_label", "room_status"),
)
OCCUPANT_COLUMNS = (
    _col("person_name", "person", "personal", pinned=True, width=120),
    _col("staff_no", "staff_no"),
    _col("rank_label", "rank"),
    _col("since", "since", "date"),
    _col("until", "until", "date"),
    _col("limit_m2", "limit", "number", 0, "m²"),
    _col("share_m2", "share", "number", 1, "m²"),
    _col("over_m2", "over", "number", 1, "m²"),
)


def _grid(key: str, fetch, columns, *, show_at=("org",), org_levels=LIST_LEVELS, width=2, drills="room") -> PanelSpec:
    return PanelSpec(
        key=key,
        title_key=f"housing_page.{key}.title",
        hint_key=f"housing_page.{key}.hint",
        kind="grid",
        fetch=_localized(fetch),
        columns=columns,
        show_at=show_at,
        org_levels=org_levels,
        width=width,
        drills=drills,
    )


def _ranking(key: str, fetch, unit: str, metric_id: str) -> PanelSpec:
    return PanelSpec(
        key=key,
        wall=key == "over_ranking",
        title_key=f"housing_page.{key}.title",
        hint_key=f"housing_page.{key}.hint",
        kind="graph",
        fetch=fetch,
        build=make_ranking_with_position_figure,
        options=lambda view: {"unit": unit, "metric_id": metric_id},
        show_at=("org", "building"),
        drills="org",
    )


OFFICE_PANELS: tuple[PanelSpec, ...] = (
    PanelSpec(
        key="office_ranks",
        wall=True,
        title_key="housing_page.office_ranks.title",
        hint_key="housing_page.office_ranks.hint",
        kind="graph",
        fetch=fetch_office_ranks,
        build=make_office_rank_figure,
        show_at=("org", "building"),
    ),
    _ranking("over_ranking", fetch_over_area_ranking, "m²", "housing.over_standard_area_m2"),
    _ranking("per_person_ranking", fetch_area_per_person_ranking, "m²/人", "housing.area_per_person"),
    _grid("over_rooms", fetch_over_standard_rooms, OVER_STANDARD_COLUMNS, show_at=("org", "building")),
    _grid("buildings", fetch_agency_buildings, BUILDING_COLUMNS, org_levels=("agency",), drills="building"),
    _grid(
        "vacant_rooms", fetch_vacant_rooms, VACANT_COLUMNS, show_at=("org", "building"), org_levels=("agency",), width=1
    ),
    _grid("building_rooms", fetch_building_rooms, BUILDING_ROOM_COLUMNS, show_at=("building",)),
    _grid("occupants", fetch_room_occupants, OCCUPANT_COLUMNS, show_at=("room",), drills=None),
)

#: The page in reading order: the office figures, the turnover-housing figures, the open alerts,
#: then the lists an operator works from. The wall shows the tiles and four panels: office space
#: by rank, units by area over the standard, occupancy of turnover housing, the open alerts (the
#: leases expiring are on the wall as a tile; their chart stays on desks).
PANELS: tuple[PanelSpec, ...] = (
    OFFICE_PANELS[0],  # office space by rank
    OFFICE_PANELS[1],  # units by area over the standard
    OFFICE_PANELS[2],  # units by area per person
    OCCUPANCY_PANEL,
    dataclasses.replace(LEASE_EXPIRY_PANEL, wall=False),
    open_alerts_panel(show_at=("org", "building", "room", "dwelling")),
    *OFFICE_PANELS[3:],
    STAFF_CROSSCHECK_PANEL,
    LEASES_EXPIRING_PANEL,
    OVERSTAYING_PANEL,
    ARREARS_PANEL,
    WAITING_TIME_PANEL,
    WAITING_PANEL,
    DWELLINGS_PANEL,
    TENANT_HISTORY_PANEL,
    LEASE_CROSSCHECK_PANEL,
)

#: What the wall reads from across the room: the standard's breaches and the housing queue; the
#: totals (area, occupants, units) and the overstaying count stay on the desks.
WALL_TILE_METRICS = (
    "housing.area_per_person",
    "housing.over_standard_rooms",
    "housing.over_standard_area_m2",
    "housing.vacant_rooms",
    "housing.occupancy_rate",
    "housing.waiting",
    "housing.expiring_90d",
    "housing.arrears_yuan",
)

HOUSING_PAGE = PageSpec(
    key="housing",
    domain="housing",
    path="/housing",
    tiles={
        "org": TileSpec(ORG_TILE_METRICS, fetch_housing_tiles, wall=WALL_TILE_METRICS),
        "building": TileSpec(BUILDING_TILE_METRICS, fetch_building_tiles),
        "room": TileSpec(ROOM_TILE_METRICS, fetch_room_tiles),
        "dwelling": DWELLING_TILES,
    },
    panels=PANELS,
    leaf="building",
    below={"building": ("room", "dwelling")},
    extra={"localize": localize_housing_page_frame},
)

__all__ = [
    "HOUSING_PAGE",
    "LIST_LEVELS",
    "OFFICE_PANELS",
    "PANELS",
    "localize_housing_frame",
    "localize_housing_page_frame",
]
