"""The assets page's live data: KPI tiles, the chart and the status line, re-read from the
roll-ups on the page's interval."""

from __future__ import annotations

from dash import Dash

from data.queries import fetch_asset_kpis, fetch_asset_status_by_child
from presentation.figures import make_asset_status_figure

from ._common import as_of_of, domain_page_update, register_page_callback

PAGE = "assets"


def fetch_assets_page(conn, scope, org_id):
    kpis = fetch_asset_kpis(conn, scope, org_id)
    return kpis, fetch_asset_status_by_child(conn, scope, org_id, as_of=as_of_of(kpis))


update_assets_page = domain_page_update(PAGE, fetch=fetch_assets_page, make_figure=make_asset_status_figure)


def register(app: Dash) -> None:
    register_page_callback(app, PAGE, update_assets_page)
