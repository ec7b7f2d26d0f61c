"""The overview page (/): landing page: headline tiles of all four domains and the monthly electricity
trend.

Takes ``?org=<org node id>`` (default: the user's scope root); the figures come from
``callbacks/overview.py`` and refresh on the page's interval.
"""

from __future__ import annotations

import dash

from components.shell import PAGE_PATHS
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
    return domain_layout("overview", org=org, chart_title_key="chart.energy_trend")
