"""The asset page's lists and one asset's panels as declarations, for ``views/assets.py`` to
place: the asset register of a unit, audits overdue, assets without a custodian, the register
cross-check (多源校核), redeployment matching (调剂匹配); at an asset, its tiles, its life and its
book value.

Grids show coded values (status, event, audit result, discrepancy kind, match level) in the
reader's language: ``localize_asset_frame(frame, lang)`` adds the label columns the grids
declare. The panels' queries call it in the default language; a page that sets
``extra["localize"] = localize_asset_frame`` has the renderer redo it in the reader's (the codes
stay in the frame). Names of units, buildings and categories are ``*_zh`` columns, which the grid
shows from their ``*_en`` twins in English.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy.engine import Connection

from data.queries.asset_checks import fetch_asset_crosscheck, fetch_redeploy_matches
from data.queries.asset_lists import (
    ASSET_TILE_METRICS,
    fetch_asset_life,
    fetch_asset_list,
    fetch_asset_tiles,
    fetch_audit_overdue,
    fetch_book_value_curve,
    fetch_no_custodian,
)
from data.queries.view import ViewContext
from presentation.figures.asset_life import make_book_value_figure

from .labels import code_label, localized_fetch, with_code_labels
from .spec import GridColumn, PanelSpec, TileSpec

#: The org levels whose assets are listed one by one: a county holds a few thousand assets, a
#: city tens of thousands; above a county the page's charts compare units instead.
LIST_LEVELS = ("county", "agency")
#: Redeployment matching reads only the idle and warehoused assets of the requested categories:
#: a city's few hundred answer in well under 50 ms; a province's ~5,000 took 89 ms on a loaded
#: machine (100k-asset synthetic register, SQLite), so the province sees its cities' lists.
MATCH_LEVELS = ("city", "county", "agency")

#: column holding a code -> (label column, message key prefix)
_CODED = {
    "status": ("status_label", "asset_lists.status."),
    "from_status": ("from_status_label", "asset_lists.status."),
    "to_status": ("to_status_label", "asset_lists.status."),
    "event": ("event_label", "asset_lists.event."),
    "result": ("result_label", "asset_lists.result."),
    "kind": ("kind_label", "asset_lists.discrepancy."),
    "match_level": ("match_label", "asset_lists.match_level."),
}


def _says(status, org_zh, org_en, result, lang: str):
    """What one side of a discrepancy says: a unit's name, an audit's result, or a status."""
    org = org_zh if lang == "zh" else org_en
    if isinstance(org, str) and org:
        return org
    if isinstance(result, str) and result:
        return code_label("asset_lists.result.", result, lang)
    return code_label("asset_lists.status.", status, lang)


def localize_asset_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with label columns for its coded values in ``lang`` (``status_label``,
    ``event_label``, ``result_label``, ``kind_label``, ``match_label`` …) and, for a cross-check
    frame, ``register_says`` and ``source_says``. A new frame; the codes stay."""
    if frame is None or frame.empty:
        return frame
    out = with_code_labels(frame, _CODED, lang)
    if "register_status" in out.columns:
        out["register_says"] = [
            _says(s, zh, en, None, lang)
            for s, zh, en in zip(out["register_status"], out["register_org_name_zh"], out["register_org_name_en"])
        ]
        out["source_says"] = [
            _says(s, zh, en, r, lang)
            for s, zh, en, r in zip(
                out["source_status"], out["source_org_name_zh"], out["source_org_name_en"], out["source_result"]
            )
        ]
    return out


def _localized(fetch: Callable[[Connection, ViewContext], pd.DataFrame]):
    return localized_fetch(fetch, localize_asset_frame)


def _col(field: str, key: str, kind: str = "text", decimals: int = 0, unit: str | None = None, **kw) -> GridColumn:
    return GridColumn(field, f"asset_lists.col.{key}", kind, decimals, unit, **kw)


_CODE = _col("code", "code", pinned=True, width=140)
_NAME = _col("name_zh", "name")
_CATEGORY = _col("category_name_zh", "category")
_ORG = _col("org_name_zh", "org")
_STATUS = _col("status_label", "status")
_NET = _col("net_value_yuan", "net_value", "number", 2, "元")

LIST_COLUMNS = (
    _CODE,
    _NAME,
    _CATEGORY,
    _ORG,
    _STATUS,
    _col("building_name_zh", "building"),
    _col("custodian_name", "custodian", "personal"),
    _col("acquired_on", "acquired_on", "date"),
    _col("original_value_yuan", "original_value", "number", 2, "元"),
    _NET,
    _col("last_audit_on", "last_audit", "date"),
)
AUDIT_OVERDUE_COLUMNS = (
    _CODE,
    _NAME,
    _ORG,
    _STATUS,
    _col("custodian_name", "custodian", "personal"),
    _col("last_audit_on", "last_audit", "date"),
    _col("days_since_audit", "days_since_audit", "number", 0, "天"),
    _NET,
)
NO_CUSTODIAN_COLUMNS = (
    _CODE,
    _NAME,
    _ORG,
    _col("building_name_zh", "building"),
    _col("acquired_on", "acquired_on", "date"),
    _NET,
)
LIFE_COLUMNS = (
    _col("day", "day", "date", pinned=True, width=120),
    _col("time_local", "time", width=80),
    _col("event_label", "event"),
    _col("from_org_name_zh", "from_org"),
    _col("to_org_name_zh", "to_org"),
    _col("from_status_label", "from_status"),
    _col("to_status_label", "to_status"),
    _col("result_label", "result"),
    _col("value_saved_yuan", "value_saved", "number", 2, "元"),
    _col("note", "note"),
)
CROSSCHECK_COLUMNS = (
    _CODE,
    _NAME,
    _ORG,
    _col("kind_label", "discrepancy"),
    _col("register_says", "register_says"),
    _col("source_says", "source_says"),
    _col("day", "day", "date"),
)
MATCH_COLUMNS = (
    _CODE,
    _NAME,
    _CATEGORY,
    _col("org_name_zh", "holder"),
    _STATUS,
    _NET,
    _col("request_org_name_zh", "request_org"),
    _col("request_category_name_zh", "request_category"),
    _col("requested_on", "requested_on", "date"),
    _col("quantity", "quantity", "number"),
    _col("match_label", "match_level"),
)


def _grid(key: str, fetch, columns, *, width: int = 2, show_at=("org",), org_levels=LIST_LEVELS, drills="asset"):
    return PanelSpec(
        key=key,
        title_key=f"asset_lists.{key}.title",
        hint_key=f"asset_lists.{key}.hint",
        kind="grid",
        fetch=_localized(fetch),
        columns=columns,
        show_at=show_at,
        org_levels=org_levels if "org" in show_at else None,
        width=width,
        drills=drills,
    )


ASSET_LIST_PANEL = _grid("list", fetch_asset_list, LIST_COLUMNS)
AUDIT_OVERDUE_PANEL = _grid("audit_overdue", fetch_audit_overdue, AUDIT_OVERDUE_COLUMNS, width=1)
NO_CUSTODIAN_PANEL = _grid("no_custodian", fetch_no_custodian, NO_CUSTODIAN_COLUMNS, width=1)
CROSSCHECK_PANEL = _grid("crosscheck", fetch_asset_crosscheck, CROSSCHECK_COLUMNS)
REDEPLOY_MATCH_PANEL = _grid("redeploy", fetch_redeploy_matches, MATCH_COLUMNS, org_levels=MATCH_LEVELS)
ASSET_LIFE_PANEL = _grid("life", fetch_asset_life, LIFE_COLUMNS, show_at=("asset",), drills=None)
ASSET_BOOK_VALUE_PANEL = PanelSpec(
    key="book_value",
    title_key="asset_lists.book_value.title",
    hint_key="asset_lists.book_value.hint",
    kind="graph",
    fetch=fetch_book_value_curve,
    build=make_book_value_figure,
    show_at=("asset",),
    width=2,
)
#: One asset's tiles (``data.queries.asset_lists.fetch_asset_tiles``); the days-in-status tile's
#: metric follows the asset's status (``STATUS_DAYS_METRICS``), ``asset.days_in_use`` declared.
ASSET_TILES = TileSpec(ASSET_TILE_METRICS, fetch_asset_tiles)

#: In reading order: what the page shows at a unit, then at an asset.
ASSET_LIST_PANELS = (
    ASSET_LIST_PANEL,
    CROSSCHECK_PANEL,
    REDEPLOY_MATCH_PANEL,
    AUDIT_OVERDUE_PANEL,
    NO_CUSTODIAN_PANEL,
    ASSET_LIFE_PANEL,
    ASSET_BOOK_VALUE_PANEL,
)

__all__ = [
    "ASSET_BOOK_VALUE_PANEL",
    "ASSET_LIFE_PANEL",
    "ASSET_LIST_PANEL",
    "ASSET_LIST_PANELS",
    "ASSET_TILES",
    "AUDIT_OVERDUE_PANEL",
    "CROSSCHECK_PANEL",
    "LIST_LEVELS",
    "NO_CUSTODIAN_PANEL",
    "REDEPLOY_MATCH_PANEL",
    "localize_asset_frame",
]
