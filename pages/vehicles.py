"""The vehicles page (/vehicles): fleet against quota, utilization, mileage, cost per 100 km, new-
energy share, trips outside working hours; trips and mileage by month.

Takes ``?org=<org node id>`` (default: the user's scope root); the figures come from
``callbacks/vehicles.py`` and refresh on the page's interval.
"""

from __future__ import annotations

import dash

from components.shell import PAGE_PATHS
from pages._layout import domain_layout
from presentation.i18n import DEFAULT_LANGUAGE, t
from security.context import current_language

dash.register_page(
    __name__,
    path=PAGE_PATHS["vehicles"],
    name=t("nav.vehicles", DEFAULT_LANGUAGE),
    title=lambda **_: t("page.vehicles.title", current_language()),
    nav_key="nav.vehicles",
    nav_order=30,
    required_permission="view",
    org_scoped=True,
)


def layout(org=None, **_query):
    return domain_layout("vehicles", org=org, chart_title_key="chart.vehicle_trend")
