"""The asset page (资产管理 and 公物仓) as a declaration: a unit's asset tiles for the period (count,
original and net value, idle rate, warehouse stock, the money redeploying saved and the disposals
against the comparison period, overdue audits, assets without custodian), the warehouse's
redeployments and savings month by month ("how much did redeploying save this year"), the units
one level down ranked by the chosen indicator, assets by category (类) and by unit and status,
disposals by month, and the statistics grids whose exports equal the tiles.

Drill: province → … → agency (chart bars and grid rows open the unit) → the agency's asset list
→ one asset's life. The lists and one asset's panels are the asset-list declarations
(``views.asset_lists``), placed here in reading order.

Grids show unit and category names in the reader's language: ``localize_asset_statistics(frame,
lang)`` adds ``name`` from ``name_zh``/``name_en``; ``PAGE.extra["localize"]`` applies it after
the asset lists' ``localize_asset_frame`` (statuses, events, audit results).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd
from sqlalchemy.engine import Connection

from data.catalog import get_metric
from data.queries.asset_panels import (
    INDICATORS,
    TILE_METRICS,
    fetch_asset_by_category,
    fetch_asset_ranking,
    fetch_asset_tiles,
    fetch_asset_units,
    fetch_disposals,
    fetch_warehouse_flows,
)
from data.queries.view import ViewContext
from presentation.figures.asset_panels import (
    make_asset_category_figure,
    make_asset_units_figure,
    make_disposals_figure,
    make_warehouse_flows_figure,
)

from .asset_lists import (
    ASSET_BOOK_VALUE_PANEL,
    ASSET_LIFE_PANEL,
    ASSET_LIST_PANEL,
    ASSET_TILES,
    AUDIT_OVERDUE_PANEL,
    CROSSCHECK_PANEL,
    NO_CUSTODIAN_PANEL,
    REDEPLOY_MATCH_PANEL,
    localize_asset_frame,
)
from .labels import localized_fetch
from .panels import make_ranking_with_position_figure, open_alerts_panel
from .spec import GridColumn, PageSpec, PanelSpec, TileSpec


def localize_asset_statistics(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with ``name`` in ``lang`` (from ``name_zh``/``name_en``, the Chinese name where
    the English one is missing). A new frame; the other columns stay."""
    if frame is None or frame.empty or "name_zh" not in frame.columns:
        return frame
    out = frame.copy()
    local = out["name_zh" if lang == "zh" else "name_en"]
    out["name"] = local.where(local.notna() & (local != ""), out["name_zh"])
    return out


def _localized(fetch: Callable[[Connection, ViewContext], pd.DataFrame]):
    return localized_fetch(fetch, localize_asset_statistics)


def _ranking_options(view: ViewContext) -> dict:
    metric = view.metric if view.metric in INDICATORS else INDICATORS[0]
    return {"metric_id": metric, "unit": get_metric(metric).unit}


def _col(field: str, key: str, kind: str = "text", decimals: int = 0, unit: str | None = None, **kw) -> GridColumn:
    return GridColumn(field, f"asset_page.col.{key}", kind, decimals, unit, **kw)


_VALUES = (
    _col("original_value_yuan", "original", "number", 2, "元"),
    _col("net_value_yuan", "net", "number", 2, "元"),
    _col("depreciation_yuan", "depreciation", "number", 2, "元"),
)
UNIT_TABLE_COLUMNS = (
    _col("name", "unit", pinned=True, width=180),
    _col("count", "count", "number", 0, "件"),
    _col("in_use", "in_use", "number", 0, "件"),
    _col("idle", "idle", "number", 0, "件"),
    _col("warehouse", "warehouse", "number", 0, "件"),
    # idle_rate is in % already (idle / count × 100), as the tile shows it
    _col("idle_rate", "idle_rate", "number", 1, "%"),
    *_VALUES,
    _col("audit_overdue", "audit_overdue", "number", 0, "件"),
    _col("no_custodian", "no_custodian", "number", 0, "件"),
)
CATEGORY_TABLE_COLUMNS = (
    _col("code", "code", width=100, pinned=True),
    _col("name", "category", width=160),
    _col("count", "count", "number", 0, "件"),
    *_VALUES,
    _col("idle_count", "idle", "number", 0, "件"),
    _col("idle_rate", "idle_rate", "number", 1, "%"),
    _col("warehouse_count", "warehouse", "number", 0, "件"),
)


def _graph(key: str, fetch, build, *, wall: bool = False, width: int = 1, drills: str | None = None, **kw):
    return PanelSpec(
        key=key,
        title_key=f"asset_page.{key}.title",
        hint_key=f"asset_page.{key}.hint",
        kind="graph",
        fetch=fetch,
        build=build,
        wall=wall,
        width=width,
        drills=drills,
        **kw,
    )


def _grid(
    key: str, fetch, columns, *, drills: str | None = None, width: int = 2, org_levels: tuple[str, ...] | None = None
) -> PanelSpec:
    return PanelSpec(
        key=key,
        title_key=f"asset_page.{key}.title",
        hint_key=f"asset_page.{key}.hint",
        kind="grid",
        fetch=_localized(fetch),
        columns=columns,
        width=width,
        drills=drills,
        org_levels=org_levels,
    )


#: Units one level down: an agency has none (its assets are listed instead).
ABOVE_AGENCY = ("province", "city", "county")

#: The statistics panels of an org node, in reading order; the wall shows the first three and
#: the open alerts beside the tiles.
STATISTICS_PANELS = (
    _graph("warehouse", fetch_warehouse_flows, make_warehouse_flows_figure, wall=True),
    _graph(
        "ranking",
        fetch_asset_ranking,
        make_ranking_with_position_figure,
        wall=True,
        drills="org",
        options=_ranking_options,
        org_levels=ABOVE_AGENCY,
    ),
    _graph("category", fetch_asset_by_category, make_asset_category_figure, wall=True),
    _graph("units", fetch_asset_units, make_asset_units_figure, drills="org", org_levels=ABOVE_AGENCY),
    _graph("disposals", fetch_disposals, make_disposals_figure),
    _grid("unit_table", fetch_asset_units, UNIT_TABLE_COLUMNS, drills="org", org_levels=ABOVE_AGENCY),
    _grid("category_table", fetch_asset_by_category, CATEGORY_TABLE_COLUMNS),
)


def localize_asset_page_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Any frame of the page in ``lang``: the asset lists' labels, then the statistics' names."""
    return localize_asset_statistics(localize_asset_frame(frame, lang), lang)


ASSETS_PAGE = PageSpec(
    key="assets",
    domain="asset",
    path="/assets",
    tiles={
        # The wall leaves out the period's disposals: a desk figure, not one read from across the room.
        "org": TileSpec(
            TILE_METRICS, fetch_asset_tiles, wall=tuple(m for m in TILE_METRICS if m != "asset.disposed_count")
        ),
        "asset": ASSET_TILES,
    },
    panels=(
        *STATISTICS_PANELS[:3],
        open_alerts_panel(show_at=("org", "asset")),
        # One asset: its book value by month beside its alerts, then its life below.
        replace(ASSET_BOOK_VALUE_PANEL, width=1),
        *STATISTICS_PANELS[3:],
        REDEPLOY_MATCH_PANEL,  # 调剂匹配: the warehouse's stock against open requests, every level
        ASSET_LIST_PANEL,  # an agency's (or county's) register; a row opens the asset
        AUDIT_OVERDUE_PANEL,
        NO_CUSTODIAN_PANEL,
        CROSSCHECK_PANEL,
        ASSET_LIFE_PANEL,  # one asset: its life
    ),
    leaf="asset",
    indicators=INDICATORS,
    extra={"localize": localize_asset_page_frame},
)

__all__ = [
    "ASSETS_PAGE",
    "CATEGORY_TABLE_COLUMNS",
    "INDICATORS",
    "STATISTICS_PANELS",
    "UNIT_TABLE_COLUMNS",
    "localize_asset_page_frame",
    "localize_asset_statistics",
]
