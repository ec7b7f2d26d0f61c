"""The overview page (/): landing page: headline tiles of all four domains, the monthly electricity
trend, the newest firing alerts (critical first) and, on the wall, a ticker of them.

Takes ``?org=<org node id>`` (default: the user's scope root); the figures come from
``callbacks/overview.py`` and refresh on the page's interval.
"""

from __future__ import annotations

import dash

from components.alert_panel import build_alerts_panel_frame, build_ticker_frame
from components.shell import PAGE_PATHS
from components.states import build_loading
from pages._layout import domain_layout
from presentation.i18n import DEFAULT_LANGUAGE, t
from security.context import current_language

dash.register_page(
    __name__,
    path=PAGE_PATHS["overview"],
    name=t("nav.overview", DEFAULT_LANGUAGE),
    title=lambda **_: t("page.overview.title", current_language()),
    nav_key="nav.overview",
    nav_order=10,
    required_permission="view",
    org_scoped=True,
)


def layout(org=None, **_query):
    lang = current_language()
    return domain_layout(
        "overview",
        org=org,
        chart_title_key="chart.energy_trend",
        aside=[build_alerts_panel_frame(lang, loading=build_loading(lang))],
        footer=[build_ticker_frame(lang)],
    )
