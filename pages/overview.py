"""The overview page (/), declared in ``views/overview.py``: headline tiles of all four domains,
the monthly electricity trend, the unit's open alerts and, on the wall, a ticker of firing ones.

Takes ``?org=<org node id>`` (default: the user's scope root); ``callbacks/view_page.py`` fills
it and refreshes it on the page's interval.
"""

from __future__ import annotations

import dash

from components.shell import PAGE_PATHS
from pages._layout import view_layout
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


def layout(**query):
    return view_layout("overview", query)
