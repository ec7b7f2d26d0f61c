"""The energy page (/energy): total energy (tce), electricity, intensity per m² and per person, night
share, CO₂; monthly electricity with year on year.

Takes ``?org=<org node id>`` (default: the user's scope root); the figures come from
``callbacks/energy.py`` and refresh on the page's interval.
"""

from __future__ import annotations

import dash

from components.shell import PAGE_PATHS
from pages._layout import domain_layout
from presentation.i18n import DEFAULT_LANGUAGE, t
from security.context import current_language

dash.register_page(
    __name__,
    path=PAGE_PATHS["energy"],
    name=t("nav.energy", DEFAULT_LANGUAGE),
    title=lambda **_: t("page.energy.title", current_language()),
    nav_key="nav.energy",
    nav_order=20,
    required_permission="view",
    org_scoped=True,
)


def layout(org=None, **_query):
    return domain_layout("energy", org=org, chart_title_key="chart.energy_trend")
