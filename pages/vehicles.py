"""The vehicles page (/vehicles), declared in ``views/vehicles.py``: tiles, panels and drill levels
(province → city → county → agency → vehicle → its trip log).

The URL holds the view (``?org=``/``?vehicle=``, ``period``, ``end``, ``start``, ``cmp``,
``metric``; see ``views/state.py``); ``callbacks/view_page.py`` fills the panels.
"""

from __future__ import annotations

import dash

from components.shell import PAGE_PATHS
from pages._layout import view_layout
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


def layout(**query):
    return view_layout("vehicles", query)
