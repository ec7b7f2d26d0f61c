"""The assets page (/assets): asset count, original and net value, idle rate, warehouse stock, money
saved by redeployment; each unit's assets by status.

Takes ``?org=<org node id>`` (default: the user's scope root); the figures come from
``callbacks/assets.py`` and refresh on the page's interval.
"""

from __future__ import annotations

import dash

from components.shell import PAGE_PATHS
from pages._layout import domain_layout
from presentation.i18n import DEFAULT_LANGUAGE, t
from security.context import current_language

dash.register_page(
    __name__,
    path=PAGE_PATHS["assets"],
    name=t("nav.assets", DEFAULT_LANGUAGE),
    title=lambda **_: t("page.assets.title", current_language()),
    nav_key="nav.assets",
    nav_order=40,
    required_permission="view",
    org_scoped=True,
)


def layout(org=None, **_query):
    return domain_layout("assets", org=org, chart_title_key="chart.asset_status")
