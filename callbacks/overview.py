"""The overview's live data: two headline tiles per domain (each group linking to its page for
the same unit), the monthly electricity trend and the status line."""

from __future__ import annotations

import dash
from dash import Dash

from components.kpi import build_overview_groups
from components.shell import DOMAIN_PAGES, PAGE_PATHS
from data.queries import fetch_energy_trend, fetch_overview_kpis
from presentation.figures import make_energy_trend_figure

from ._common import parse_org, register_page_callback, render_page

PAGE = "overview"


def fetch_overview_page(conn, scope, org_id):
    kpis = fetch_overview_kpis(conn, scope, org_id)
    return kpis, fetch_energy_trend(conn, scope, org_id)


def domain_hrefs(org) -> dict[str, str]:
    """Each domain page's link for the unit the overview shows."""
    org_id = parse_org(org)
    query = f"?org={org_id}" if org_id is not None else ""
    return {domain: dash.get_relative_path(PAGE_PATHS[page]) + query for domain, page in DOMAIN_PAGES.items()}


def update_overview_page(n_intervals, org, theme, viewport=None):
    return render_page(
        PAGE,
        n_intervals=n_intervals,
        org=org,
        theme=theme,
        viewport=viewport,
        fetch=fetch_overview_page,
        build_kpis=lambda kpis, lang: build_overview_groups(kpis, lang=lang, hrefs=domain_hrefs(org)),
        make_figure=make_energy_trend_figure,
    )


def register(app: Dash) -> None:
    register_page_callback(app, PAGE, update_overview_page)
