"""Component ids, defined once. Repeated widgets get pattern-matching dict ids so callbacks can
address them with ``MATCH``/``ALL`` instead of ids glued together from strings.

A page widget's id is ``{"type": <widget>, "page": <page key>}``; call the function with a page
key for the concrete id and without one for the ``ALL`` pattern.
"""

from __future__ import annotations

from dash import ALL

# --- the shell (one each) ------------------------------------------------------------------------
URL = "aocc-url"
LANG_STORE = "aocc-lang"
THEME_STORE = "aocc-theme"
NAV_STORE = "aocc-nav"
VIEWPORT_STORE = "aocc-viewport"  # {"width", "height"} of the browser window, in CSS pixels
LANG_SWITCH = "aocc-lang-switch"
LOGOUT_LINK = "aocc-logout"
THEME_SWITCH = "aocc-theme-switch"

# --- page widgets ------------------------------------------------------------------------------------
ORG_STORE = "aocc-org"  # the org id a page shows (the KPI tiles' provenance links follow it)
NAV_LINK = "aocc-nav-link"
KPI_TILE = "aocc-kpi-tile"
KPI_SOURCE = "aocc-kpi-source"


def _page_id(kind: str, page) -> dict:
    return {"type": kind, "page": page}


def org_store(page=ALL) -> dict:
    return _page_id(ORG_STORE, page)


def nav_link(key=ALL) -> dict:
    """A navigation entry; ``key`` is the page's ``nav_key``."""
    return {"type": NAV_LINK, "key": key}


def kpi_tile(metric_id=ALL) -> dict:
    """A KPI tile, by the catalog id of its metric (unique within a page)."""
    return {"type": KPI_TILE, "metric": metric_id}


def kpi_source(metric_id=ALL) -> dict:
    """The tile's "sources" link: provenance attaches here by metric id."""
    return {"type": KPI_SOURCE, "metric": metric_id}


# --- declared pages (views/): panels and the period bar -----------------------------------------------
VIEW_STORE = "aocc-view"  # the page's view request (the URL's query values), one per page
PANEL_GRAPH = "aocc-panel-graph"
PANEL_GRID = "aocc-panel-grid"
PANEL_LIST = "aocc-panel-list"  # a panel drawn as components (the node's open alerts)
PANEL_FRESH = "aocc-panel-fresh"  # "数据截至 …" under a panel's title
PANEL_EXPORT = "aocc-panel-export"
PANEL_DOWNLOAD = "aocc-panel-download"
PERIOD_KIND = "aocc-period-kind"
PERIOD_RANGE = "aocc-period-range"
PERIOD_COMPARE = "aocc-period-compare"
INDICATOR = "aocc-indicator"


def view_store(page=ALL) -> dict:
    return _page_id(VIEW_STORE, page)


def _panel_id(kind: str, page, panel) -> dict:
    return {"type": kind, "page": page, "panel": panel}


def panel_graph(page=ALL, panel=ALL) -> dict:
    return _panel_id(PANEL_GRAPH, page, panel)


def panel_grid(page=ALL, panel=ALL) -> dict:
    return _panel_id(PANEL_GRID, page, panel)


def panel_list(page=ALL, panel=ALL) -> dict:
    return _panel_id(PANEL_LIST, page, panel)


def panel_fresh(page=ALL, panel=ALL, kind=ALL) -> dict:
    """A panel's freshness line; ``kind`` is the panel's kind (``graph``, ``grid``, ``alerts``), so
    the callback of each kind of panel owns its own lines."""
    return {"type": PANEL_FRESH, "page": page, "panel": panel, "kind": kind}


def panel_download(page=ALL, panel=ALL) -> dict:
    return _panel_id(PANEL_DOWNLOAD, page, panel)


def panel_export(page=ALL, panel=ALL, file_format=ALL) -> dict:
    """An export button of a grid panel; ``file_format`` is ``csv`` or ``xlsx``."""
    return {"type": PANEL_EXPORT, "page": page, "panel": panel, "format": file_format}


def period_kind(page=ALL) -> dict:
    return _page_id(PERIOD_KIND, page)


def period_range(page=ALL) -> dict:
    return _page_id(PERIOD_RANGE, page)


def period_compare(page=ALL) -> dict:
    return _page_id(PERIOD_COMPARE, page)


def indicator(page=ALL) -> dict:
    return _page_id(INDICATOR, page)


VIEW_TILES = "aocc-view-tiles"
VIEW_STATUS = "aocc-view-status"
VIEW_INTERVAL = "aocc-view-interval"
VIEW_DRILL = "aocc-view-drill"


def view_tiles(page=ALL) -> dict:
    """The KPI row of a declared page."""
    return _page_id(VIEW_TILES, page)


def view_status(page=ALL) -> dict:
    return _page_id(VIEW_STATUS, page)


def view_interval(page=ALL) -> dict:
    return _page_id(VIEW_INTERVAL, page)


def view_drill(page=ALL) -> dict:
    """A declared page's drill-down chooser (children, buildings or vehicles)."""
    return _page_id(VIEW_DRILL, page)


PERIOD_END = "aocc-period-end"


def period_end(page=ALL) -> dict:
    """The last day of a day/week/month/year period (a custom period uses ``period_range``)."""
    return _page_id(PERIOD_END, page)
