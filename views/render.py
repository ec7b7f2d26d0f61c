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
from collections.abc import Mapping
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


def panels_for(page: PageSpec, view: ViewContext) -> tuple[PanelSpec, ...]:
    """The panels ``page`` shows for ``view``'s entity (an org node at its level, a building, a vehicle)."""
    return page.panels_at(view.entity_kind, view.node.get("level"))


def panel_frame(conn: Connection, view: ViewContext, panel: PanelSpec) -> pd.DataFrame:
    """The panel's rows for ``view`` (empty when the domain has no data yet)."""
    if not view.has_data:
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


def grid_records(frame: pd.DataFrame, columns: tuple[GridColumn, ...]) -> list[dict]:
    """A grid panel's rows as the grid takes them: only the declared columns (a query's other
    columns never reach the browser), plus ``_drill`` (the row's drill target, where it has one)
    and ``_row_id`` (stable within the result, so an export can name exactly the rows shown)."""
    if frame is None or frame.empty:
        return []
    fields = [c.field for c in columns]
    by_field = {c.field: c for c in columns}
    present = [f for f in fields if f in frame.columns]
    drills = frame[DRILL].tolist() if DRILL in frame.columns else [None] * len(frame)
    records = []
    for index, values in enumerate(zip(*(frame[f].tolist() for f in present))):
        row = {f: _cell(v, by_field[f]) for f, v in zip(present, values)}
        row[ROW_ID] = str(index)
        if drills[index]:
            row[DRILL] = drills[index]
        records.append(row)
    return records


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


def page_tiles(conn: Connection, view: ViewContext, page: PageSpec) -> pd.DataFrame:
    """The KPI frame of the tiles ``page`` declares for ``view``'s entity kind (empty without data)."""
    tiles = page.tiles.get(view.entity_kind)
    if tiles is None or not view.has_data:
        return pd.DataFrame()
    return tiles.fetch(conn, view)


def render_panel(
    conn: Connection, view: ViewContext, panel: PanelSpec, *, lang: str, theme: str, font_size=None
) -> RenderedPanel:
    """One panel read and drawn for ``view``."""
    frame = panel_frame(conn, view, panel)
    rendered = RenderedPanel(panel, frame)
    if panel.kind == "graph":
        rendered.figure = panel_figure(frame, view, panel, lang=lang, theme=theme, font_size=font_size)
    elif panel.kind == "grid":
        rendered.records = grid_records(frame, panel.columns)
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
) -> RenderedPage:
    """A whole declared page for ``query`` (the URL's values: org, period, indicator …): its tiles
    and every panel it shows there, read and drawn — what the wall and the snapshot render.

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
    "grid_records",
    "page_request",
    "page_tiles",
    "panel_figure",
    "panel_frame",
    "panels_for",
    "render_page",
    "render_panel",
    "resolve_page_view",
]
