"""The energy page's live data: KPI tiles, the chart and the status line, re-read from the
roll-ups on the page's interval."""

from __future__ import annotations

from dash import Dash

from data.queries import fetch_energy_kpis, fetch_energy_trend
from presentation.figures import make_energy_trend_figure

from ._common import as_of_of, domain_page_update, register_page_callback

PAGE = "energy"


def fetch_energy_page(conn, scope, org_id):
    kpis = fetch_energy_kpis(conn, scope, org_id)
    return kpis, fetch_energy_trend(conn, scope, org_id, as_of=as_of_of(kpis))


update_energy_page = domain_page_update(PAGE, fetch=fetch_energy_page, make_figure=make_energy_trend_figure)


def register(app: Dash) -> None:
    register_page_callback(app, PAGE, update_energy_page)
