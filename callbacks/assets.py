"""The assets page's live data: KPI tiles, the chart and the status line, re-read from the
roll-ups on the page's interval."""

from __future__ import annotations

from dash import Input, Output, State, callback

from components import ids
from components.figures import make_asset_status_figure
from components.kpi import build_kpi_tiles
from data.queries import fetch_asset_kpis, fetch_asset_status_by_child

from ._common import as_of_of, render_page

PAGE = "assets"


def fetch_assets_page(conn, scope, org_id):
    kpis = fetch_asset_kpis(conn, scope, org_id)
    return kpis, fetch_asset_status_by_child(conn, scope, org_id, as_of=as_of_of(kpis))


@callback(
    Output(ids.kpi_row(PAGE), "children"),
    Output(ids.chart(PAGE), "figure"),
    Output(ids.status(PAGE), "children"),
    Input(ids.interval(PAGE), "n_intervals"),
    State(ids.org_store(PAGE), "data"),
    State(ids.THEME_STORE, "data"),
)
def update_assets_page(n_intervals, org, theme):
    return render_page(PAGE, n_intervals=n_intervals, org=org, theme=theme, fetch=fetch_assets_page,
                       build_kpis=lambda kpis, lang: build_kpi_tiles(kpis, lang=lang), make_figure=make_asset_status_figure)
