"""The vehicles page's live data: KPI tiles, the chart and the status line, re-read from the
roll-ups on the page's interval."""

from __future__ import annotations

from dash import Dash

from data.queries import fetch_vehicle_kpis, fetch_vehicle_trend
from presentation.figures import make_vehicle_trend_figure

from ._common import as_of_of, domain_page_update, register_page_callback

PAGE = "vehicles"


def fetch_vehicles_page(conn, scope, org_id):
    kpis = fetch_vehicle_kpis(conn, scope, org_id)
    return kpis, fetch_vehicle_trend(conn, scope, org_id, as_of=as_of_of(kpis))


update_vehicles_page = domain_page_update(PAGE, fetch=fetch_vehicles_page, make_figure=make_vehicle_trend_figure)


def register(app: Dash) -> None:
    register_page_callback(app, PAGE, update_vehicles_page)
