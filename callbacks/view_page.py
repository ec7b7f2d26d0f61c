"""The callbacks of every declared page (``views.registry``): one set renders any page for any
org node, building or vehicle and period.

* the KPI tiles and the status line (one request per page);
* each panel, one request each, so panels arrive as they are ready: a graph's figure, a grid's
  rows, or the node's open alerts, with the panel's freshness line;
* navigation: a click on a chart's unit or a grid's row, the drill chooser, the period bar and
  the indicator all set the URL's query (``views.state``), and Dash Pages renders the view it
  names, so the back button and a copied link give the same view.

Every request resolves the view once within the user's scope (``views.render.resolve_page_view``)
and fails visibly: a refused view says so, a failure is logged and shown as one (on a refresh the
last good contents stay), and a view without data says "暂无数据".
"""

from __future__ import annotations

import datetime as dt
import logging

import dash
from dash import ALL, MATCH, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.alert_panel import build_alerts_panel, build_ticker
from components.alerts import TICKER
from components.kpi import build_kpi_tiles, build_overview_groups
from components.shell import DOMAIN_PAGES, PAGE_PATHS, build_status_error, build_status_line
from components.states import build_empty, build_error
from data.db import read_connection
from data.queries.alerts import PANEL_LIMIT, fetch_firing_alerts
from data.scope import OrgNotFound, OutOfScope
from presentation.figures.common import make_message_figure
from presentation.i18n import t
from presentation.theme import chart_font_size
from security import require_permission
from security.context import current_engine, current_language, current_scope
from views.registry import get_page
from views.render import drill_of_row_id, page_localizer, page_request, page_tiles, render_panel, resolve_page_view
from views.spec import parse_drill_target
from views.state import drilled, view_search, with_period

from ._common import local_now

log = logging.getLogger("aocc.callbacks")


def _output_id(index: int = 0) -> dict:
    """The concrete id of the output this request is for; a hand-made request that names a
    pattern instead of a component is not answered."""
    output = ctx.outputs_list[index]["id"]
    if not all(isinstance(value, str) for value in output.values()):
        raise PreventUpdate
    return output


def _fresh_line(view, lang: str) -> str:
    if view.as_of is None:
        return t("view.panel.no_data_yet", lang)
    return t("view.panel.as_of", lang, day=view.as_of.isoformat())


def update_view_tiles(n_intervals, query):
    """The page's KPI tiles for its view, and its status line (as of, refreshed at)."""
    page = get_page(_output_id()["page"])
    lang = current_language()
    now = local_now()
    try:
        with read_connection(current_engine()) as conn:
            view = resolve_page_view(conn, current_scope(), page, query)
            tiles = page_tiles(conn, view, page)
        children = _tiles(page, view, tiles, lang)
    except (OutOfScope, PermissionError):
        return [build_error(lang, message_key="state.out_of_scope")], []
    except OrgNotFound:
        return [build_empty(lang)], build_status_line(None, now, lang=lang)
    except Exception:  # noqa: BLE001 - logged with its traceback and shown as a failure
        log.exception("page %s: reading the tiles failed (%r)", page.key, query)
        status = build_status_error(now, lang=lang)
        return (no_update, status) if n_intervals else ([build_error(lang)], status)
    return children, build_status_line(view.as_of, now, lang=lang)


def _domain_hrefs(org_id: int) -> dict[str, str]:
    """Each domain page's link for the unit shown (the overview's tile groups link there)."""
    return {domain: dash.get_relative_path(PAGE_PATHS[key]) + f"?org={org_id}" for domain, key in DOMAIN_PAGES.items()}


def _tiles(page, view, tiles, lang: str) -> list:
    spec = page.tiles.get(view.entity_kind)
    if spec is not None and spec.layout == "groups":
        return build_overview_groups(tiles, lang=lang, hrefs=_domain_hrefs(view.org_id))
    children = build_kpi_tiles(tiles, lang=lang)
    if spec is not None and spec.wall:
        # The wall (dark theme) hides the tiles it does not show (aocc_view.css): one row fits.
        for tile in children:
            if getattr(tile, "data-metric-id", None) not in (None, *spec.wall):
                tile.className = f"{tile.className} aocc-kpi--offwall"
    return children


@require_permission("view")
def update_view_ticker(n_intervals, query):
    """The wall's ticker: the newest firing alerts of the unit shown, critical first (the theme
    shows it on the wall only)."""
    page = get_page("overview")
    lang = current_language()
    try:
        with read_connection(current_engine()) as conn:
            view = resolve_page_view(conn, current_scope(), page, query)
            alerts = fetch_firing_alerts(conn, view.scope, org_id=view.org_id, limit=PANEL_LIMIT)
        return build_ticker(alerts, lang=lang)
    except (OutOfScope, PermissionError, OrgNotFound):
        return []
    except Exception:  # noqa: BLE001 - logged; a refresh keeps the last good line
        log.exception("page %s: reading the ticker's alerts failed (%r)", page.key, query)
        return no_update if n_intervals else []


def _panel_failure(kind: str, exc_kind: str, lang: str, theme, font_size, n_intervals):
    message_key = {"refused": "state.out_of_scope", "empty": "state.empty", "error": "state.error"}[exc_kind]
    if exc_kind == "error" and n_intervals:
        return no_update, t("state.error", lang)
    if kind == "graph":
        body = make_message_figure(t(message_key, lang), theme=theme, font_size=font_size)
    elif kind == "grid":
        body = []
    else:
        body = [build_error(lang, message_key=message_key)] if exc_kind != "empty" else [build_empty(lang)]
    return body, t(message_key, lang)


def _render(kind: str, n_intervals, query, theme, viewport):
    """``(body, freshness line)`` of the panel this request is for."""
    output = _output_id()
    page = get_page(output["page"])
    lang = current_language()
    font_size = chart_font_size(theme, (viewport or {}).get("width"))
    try:
        with read_connection(current_engine()) as conn:
            view = resolve_page_view(conn, current_scope(), page, query)
            panel = page.panel(output["panel"])
            rendered = render_panel(
                conn, view, panel, lang=lang, theme=theme, font_size=font_size, localize=page_localizer(page)
            )
        if kind == "graph":
            body = rendered.figure
        elif kind == "grid":
            body = rendered.records
        else:
            body = build_alerts_panel(rendered.frame, lang=lang)
    except (OutOfScope, PermissionError):
        return _panel_failure(kind, "refused", lang, theme, font_size, n_intervals)
    except OrgNotFound:
        return _panel_failure(kind, "empty", lang, theme, font_size, n_intervals)
    except Exception:  # noqa: BLE001 - logged with its traceback and shown as a failure
        log.exception("page %s: panel %s failed (%r)", output["page"], output["panel"], query)
        return _panel_failure(kind, "error", lang, theme, font_size, n_intervals)
    return body, _fresh_line(view, lang)


def update_panel_graph(n_intervals, query, theme, viewport=None):
    """A graph panel's figure and freshness line."""
    return _render("graph", n_intervals, query, theme, viewport)


def update_panel_grid(n_intervals, query, theme, viewport=None):
    """A grid panel's rows (``views.render.grid_records``) and freshness line."""
    return _render("grid", n_intervals, query, theme, viewport)


def update_panel_list(n_intervals, query, theme, viewport=None):
    """A list panel (the node's open alerts) and its freshness line."""
    return _render("alerts", n_intervals, query, theme, viewport)


def _day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def update_view_url(drills, clicks, cells, kinds, ends, starts, range_ends, compares, metrics, queries):
    """The URL's query after a navigation: a drill (chooser, chart point, grid row), a period,
    comparison or indicator change. Anything that names no target leaves the URL alone."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict):
        return no_update
    page_key = trigger.get("page")
    if not isinstance(page_key, str):  # a hand-made request naming a pattern, not a component
        return no_update
    try:
        page = get_page(page_key)
    except KeyError:
        return no_update
    query = next((q for q, s in zip(queries, ctx.states_list[0]) if s["id"]["page"] == page_key), None) or {}
    try:
        request = page_request(page, query)
    except OutOfScope:
        return no_update
    value = ctx.triggered[0]["value"] if ctx.triggered else None
    kind = trigger.get("type")
    if kind in (ids.VIEW_DRILL, ids.PANEL_GRAPH, ids.PANEL_GRID):
        if kind == ids.PANEL_GRAPH:
            points = (value or {}).get("points") or [{}]
            value = points[0].get("customdata")
        elif kind == ids.PANEL_GRID:
            row_id = value.get("rowId") if isinstance(value, dict) else None
            value = drill_of_row_id(row_id)
        target = parse_drill_target(value)
        if target is None:
            return no_update
        return view_search(drilled(request, *target))
    if kind == ids.PERIOD_KIND:
        return view_search(with_period(request, period=value))
    if kind == ids.PERIOD_END:
        end = _day(value)
        return no_update if end is None else view_search(with_period(request, end=end))
    if kind == ids.PERIOD_RANGE:
        start = _day(ctx.triggered[0]["value"]) if ctx.triggered[0]["prop_id"].endswith(".start_date") else None
        end = _day(ctx.triggered[0]["value"]) if ctx.triggered[0]["prop_id"].endswith(".end_date") else None
        if start is None and end is None:
            return no_update
        return view_search(with_period(request, start=start, end=end))
    if kind == ids.PERIOD_COMPARE:
        return view_search(with_period(request, compare=value))
    if kind == ids.INDICATOR:
        return view_search(with_period(request, metric=value))
    return no_update


def register(app: Dash) -> None:
    """Register the declared pages' callbacks on ``app``."""
    app.callback(
        Output(ids.view_tiles(MATCH), "children"),
        Output(ids.view_status(MATCH), "children"),
        Input(ids.view_interval(MATCH), "n_intervals"),
        State(ids.view_store(MATCH), "data"),
    )(update_view_tiles)
    for kind, update, prop in (
        ("graph", update_panel_graph, "figure"),
        ("grid", update_panel_grid, "rowData"),
        ("alerts", update_panel_list, "children"),
    ):
        component = {"graph": ids.panel_graph, "grid": ids.panel_grid, "alerts": ids.panel_list}[kind]
        app.callback(
            Output(component(MATCH, MATCH), prop),
            Output(ids.panel_fresh(MATCH, MATCH, kind), "children"),
            Input(ids.view_interval(MATCH), "n_intervals"),
            State(ids.view_store(MATCH), "data"),
            State(ids.THEME_STORE, "data"),
            State(ids.VIEWPORT_STORE, "data"),
        )(update)
    app.callback(
        Output(TICKER, "children"),
        Input(ids.view_interval("overview"), "n_intervals"),
        State(ids.view_store("overview"), "data"),
    )(update_view_ticker)
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.view_drill(ALL), "value"),
        Input(ids.panel_graph(ALL, ALL), "clickData"),
        Input(ids.panel_grid(ALL, ALL), "cellClicked"),
        Input(ids.period_kind(ALL), "value"),
        Input(ids.period_end(ALL), "date"),
        Input(ids.period_range(ALL), "start_date"),
        Input(ids.period_range(ALL), "end_date"),
        Input(ids.period_compare(ALL), "value"),
        Input(ids.indicator(ALL), "value"),
        State(ids.view_store(ALL), "data"),
        prevent_initial_call=True,
    )(update_view_url)
