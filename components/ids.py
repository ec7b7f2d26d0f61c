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
KPI_ROW = "aocc-kpi-row"
CHART = "aocc-chart"
STATUS = "aocc-status"
INTERVAL = "aocc-interval"
ORG_STORE = "aocc-org"
BREADCRUMB = "aocc-breadcrumb"
ORG_DRILL = "aocc-org-drill"
NAV_LINK = "aocc-nav-link"
KPI_TILE = "aocc-kpi-tile"
KPI_SOURCE = "aocc-kpi-source"


def _page_id(kind: str, page) -> dict:
    return {"type": kind, "page": page}


def kpi_row(page=ALL) -> dict:
    return _page_id(KPI_ROW, page)


def chart(page=ALL) -> dict:
    return _page_id(CHART, page)


def status(page=ALL) -> dict:
    return _page_id(STATUS, page)


def interval(page=ALL) -> dict:
    return _page_id(INTERVAL, page)


def org_store(page=ALL) -> dict:
    return _page_id(ORG_STORE, page)


def breadcrumb(page=ALL) -> dict:
    return _page_id(BREADCRUMB, page)


def org_drill(page=ALL) -> dict:
    return _page_id(ORG_DRILL, page)


def nav_link(key=ALL) -> dict:
    """A navigation entry; ``key`` is the page's ``nav_key``."""
    return {"type": NAV_LINK, "key": key}


def kpi_tile(metric_id=ALL) -> dict:
    """A KPI tile, by the catalog id of its metric (unique within a page)."""
    return {"type": KPI_TILE, "metric": metric_id}


def kpi_source(metric_id=ALL) -> dict:
    """The tile's "sources" link: provenance attaches here by metric id."""
    return {"type": KPI_SOURCE, "metric": metric_id}
