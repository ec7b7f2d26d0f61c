"""The overview (运行总览), declared: two headline tiles per domain, grouped, each group linking
to its domain's page for the same unit; the monthly electricity against last year; the unit's
open alerts of every domain; and, on the wall, the ticker of firing alerts.

It has no period bar: its tiles keep each domain's own windows (month and year to date, the
last twelve months), the same figures as the domain pages' tiles.
"""

from __future__ import annotations

from data.catalog import get_metric
from data.queries.compare import fetch_metric_trend
from data.queries.overview import HEADLINES, fetch_overview_kpis
from presentation.figures.compare import make_metric_trend_figure

from .panels import open_alerts_panel
from .spec import PageSpec, PanelSpec, TileSpec

TREND_METRIC = "energy.electricity_kwh"


def fetch_overview_tiles(conn, view):
    """``data.queries.overview.fetch_overview_kpis`` for the view's unit (``domain`` column included)."""
    return fetch_overview_kpis(conn, view.scope, view.org_id)


def fetch_electricity_trend(conn, view):
    return fetch_metric_trend(conn, view, TREND_METRIC)


def trend_options(view) -> dict:
    return {"metric_id": TREND_METRIC, "unit": get_metric(TREND_METRIC).unit}


OVERVIEW_PAGE = PageSpec(
    key="overview",
    domain="overview",  # no domain of its own: its as-of day is the latest of any flow
    path="/",
    tiles={
        "org": TileSpec(
            metrics=tuple(metric for _, _, metrics in HEADLINES for metric in metrics),
            fetch=fetch_overview_tiles,
            layout="groups",
        )
    },
    panels=(
        PanelSpec(
            key="trend",
            wall=True,
            title_key="chart.energy_trend",
            kind="graph",
            fetch=fetch_electricity_trend,
            build=make_metric_trend_figure,
            options=trend_options,
        ),
        open_alerts_panel(),
    ),
    leaf=None,
    periods=False,
    extra={"ticker": True},
)

__all__ = ["OVERVIEW_PAGE"]
