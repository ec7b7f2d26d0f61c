"""The energy page's live data: KPI tiles, the chart and the status line, re-read from the
roll-ups on the page's interval."""

from __future__ import annotations

from dash import Dash

from components.kpi import build_kpi_tiles
from data.queries import fetch_energy_kpis, fetch_energy_trend
from presentation.figures import make_energy_trend_figure

from ._common import as_of_of, register_page_callback, render_page

PAGE = "energy"


def fetch_energy_page(conn, scope, org_id):
    kpis = fetch_energy_kpis(conn, scope, org_id)
    return kpis, fetch_energy_trend(conn, scope, org_id, as_of=as_of_of(kpis))


def update_energy_page(n_intervals, org, theme, viewport=None):
    return render_page(
        PAGE,
        n_intervals=n_intervals,
        org=org,
        theme=theme,
        viewport=viewport,
        fetch=fetch_energy_page,
        build_kpis=lambda kpis, lang: build_kpi_tiles(kpis, lang=lang),
        make_figure=make_energy_trend_figure,
    )


def register(app: Dash) -> None:
    register_page_callback(app, PAGE, update_energy_page)
