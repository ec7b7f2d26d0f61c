"""The housing page (/housing): office area and area per person, over-standard and vacant offices,
turnover-housing occupancy, waiting list, expiring leases; area per person by unit within / over the
standard.

Takes ``?org=<org node id>`` (default: the user's scope root); the figures come from
``callbacks/housing.py`` and refresh on the page's interval.
"""

from __future__ import annotations

import dash

from components.shell import PAGE_PATHS
from pages._layout import domain_layout
from presentation.i18n import DEFAULT_LANGUAGE, t
from security.context import current_language

dash.register_page(
    __name__,
    path=PAGE_PATHS["housing"],
    name=t("nav.housing", DEFAULT_LANGUAGE),
    title=lambda **_: t("page.housing.title", current_language()),
    nav_key="nav.housing",
    nav_order=50,
    required_permission="view",
    org_scoped=True,
)


def layout(org=None, **_query):
    return domain_layout("housing", org=org, chart_title_key="chart.office_area")
