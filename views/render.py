"""Drawing a declared page without Dash: resolve the request once, then read and draw each
panel and the tiles.

The desktop callbacks call ``resolve_page_view`` and ``render_panel`` per panel (one request
each, so the browser fills panels as they arrive); the wall playlists and the weekly snapshot
call ``render_page`` for a whole page × org × period in one go, from a connection and a scope,
with no browser session.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from data.queries.view import ViewContext, ViewRequest, resolve_view
from data.scope import Scope
from presentation.figures.common import make_empty_figure

from .registry import get_page
from .spec import GridColumn, PageSpec, PanelSpec
from .state import parse_view_request

ROW_ID = "_row_id"
DRILL = "_drill"


def page_request(page: PageSpec, query: Mapping | None) -> ViewRequest:
    """The page's ``ViewRequest`` from its URL's query values (``views.state``)."""
    return parse_view_request(query, indicators=page.indicators)


def resolve_page_view(conn: Connection, scope: Scope, page: PageSpec, query: Mapping | None) -> ViewContext:
    """The request of ``page``'s URL resolved within ``scope`` (``data.queries.view.resolve_view``),
    with the page's default indicator when the URL names none.

    Raises:
        OutOfScope, OrgNotFound: as ``resolve_view``.
    """
    view = resolve_view(conn, scope, page.domain, page_request(page, query))
    return view if view.metric else view.with_metric(page.default_metric())


def panels_for(page: PageSpec, view: ViewContext, *, wall: bool = False) -> tuple[PanelSpec, ...]:
    """The panels ``page`` shows for ``view``'s entity (an org node at its level, a building, a
    vehicle); on a wall screen, only its wall panels."""
    return page.panels_at(view.entity_kind, view.node.get("level"), wall=wall)


def panel_frame(conn: Connection, view: ViewContext, panel: PanelSpec) -> pd.DataFrame:
    """The panel's rows for ``view`` (empty when the domain has no data yet; an alerts list is read
    whatever the data, since a stale source is an alert of its own)."""
    if not view.has_data and panel.kind != "alerts":
        return pd.DataFrame()
    return panel.fetch(conn, view)


def panel_figure(frame: pd.DataFrame, view: ViewContext, panel: PanelSpec, *, lang: str, theme: str, font_size=None):
    """A graph panel's figure from its rows (the "暂无数据" figure when there are none)."""
    if frame is None or frame.empty:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    options = dict(panel.options(view)) if panel.options else {}
    return panel.build(frame, lang=lang, theme=theme, font_size=font_size, **options)


def _cell(value: Any, column: GridColumn | None) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _source_column(frame: pd.DataFrame, field: str, lang: str) -> str | None:
    # A name declared as ``name_zh`` is read from ``name_en`` for English readers when the query
    # returns both, so one declaration serves both languages.
    if lang == "en" and field.endswith("_zh") and f"{field[:-3]}_en" in frame.columns:
        return f"{field[:-3]}_en"
    return field if field in frame.columns else None


def grid_records(frame: pd.DataFrame, columns: tuple[GridColumn, ...], *, lang: str = "zh") -> list[dict]:
    """A grid panel's rows as the grid takes them: only the declared columns (a query's other
    columns never reach the browser), plus ``_drill`` (the row's drill target, where it has one)
    and ``_row_id`` (stable within the result, so an export can name exactly the rows shown).
    A ``*_zh`` name column shows its ``*_en`` twin in English."""
    if frame is None or frame.empty:
        return []
    by_field = {c.field: c for c in columns}
    sources = {c.field: _source_column(frame, c.field, lang) for c in columns}
    present = [f for f, source in sources.items() if source is not None]
    drills = frame[DRILL].tolist() if DRILL in frame.columns else [None] * len(frame)
    records = []
    for index, values in enumerate(zip(*(frame[sources[f]].tolist() for f in present))):
        row = {f: _cell(v, by_field[f]) for f, v in zip(present, values)}
        drill = drills[index] if isinstance(drills[index], str) and drills[index] else None
        # The grid's row id carries the drill target, so a click (dash-ag-grid's cellClicked
        # names the row by id only) can drill without the rows being sent back.
        row[ROW_ID] = f"{index}|{drill}" if drill else str(index)
        if drill:
            row[DRILL] = drill
        records.append(row)
    return records


def drill_of_row_id(row_id) -> str | None:
    """The drill target a grid row's id carries (see ``grid_records``), or None."""
    if not isinstance(row_id, str) or "|" not in row_id:
        return None
    return row_id.split("|", 1)[1]


@dataclass
class RenderedPanel:
    spec: PanelSpec
    frame: pd.DataFrame
    figure: Any = None  # graph panels
    records: list[dict] = field(default_factory=list)  # grid panels


@dataclass
class RenderedPage:
    page: PageSpec
    view: ViewContext
    tiles: pd.DataFrame
    panels: list[RenderedPanel]


def page_localizer(page: PageSpec):
    """The page's grid localizer (``extra["localize"]``), or None."""
    return page.extra.get("localize")


def page_tiles(conn: Connection, view: ViewContext, page: PageSpec) -> pd.DataFrame:
    """The KPI frame of the tiles ``page`` declares for ``view``'s entity kind (empty without data)."""
    tiles = page.tiles.get(view.entity_kind)
    if tiles is None or not view.has_data:
        return pd.DataFrame()
    return tiles.fetch(conn, view)


def render_panel(
    conn: Connection,
    view: ViewContext,
    panel: PanelSpec,
    *,
    lang: str,
    theme: str,
    font_size=None,
    localize: Callable[[pd.DataFrame, str], pd.DataFrame] | None = None,
) -> RenderedPanel:
    """One panel read and drawn for ``view``; ``localize(frame, lang)`` (a page's
    ``extra["localize"]``) writes a grid's coded values as labels in the reader's language."""
    frame = panel_frame(conn, view, panel)
    if localize is not None and panel.kind == "grid" and not frame.empty:
        frame = localize(frame, lang)
    rendered = RenderedPanel(panel, frame)
    if panel.kind == "graph":
        rendered.figure = panel_figure(frame, view, panel, lang=lang, theme=theme, font_size=font_size)
    elif panel.kind == "grid":
        rendered.records = grid_records(frame, panel.columns, lang=lang)
    return rendered


def render_page(
    conn: Connection,
    scope: Scope,
    page_key: str,
    query: Mapping | None = None,
    *,
    lang: str = "zh",
    theme: str = "light",
    font_size=None,
    wall: bool = False,
) -> RenderedPage:
    """A whole declared page for ``query`` (the URL's values: org, period, indicator …): its tiles
    and every panel it shows there (its wall panels only, with ``wall``), read and drawn — what
    the wall and the snapshot render.

    Raises:
        KeyError: no page ``page_key`` is declared.
        OutOfScope, OrgNotFound: as ``resolve_view``.
    """
    page = get_page(page_key)
    view = resolve_page_view(conn, scope, page, query)
    panels = [
        render_panel(conn, view, panel, lang=lang, theme=theme, font_size=font_size) for panel in panels_for(page, view)
    ]
    return RenderedPage(page, view, page_tiles(conn, view, page), panels)


__all__ = [
    "DRILL",
    "ROW_ID",
    "RenderedPage",
    "RenderedPanel",
    "drill_of_row_id",
    "grid_records",
    "page_localizer",
    "page_request",
    "page_tiles",
    "panel_figure",
    "panel_frame",
    "panels_for",
    "render_page",
    "render_panel",
    "resolve_page_view",
]
