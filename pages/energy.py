"""The energy page (/energy), declared in ``views/energy.py``: tiles, panels and drill levels
(province → city → county → agency → building → its hourly load against its baseline).

The URL holds the view (``?org=``/``?building=``, ``period``, ``end``, ``start``, ``cmp``,
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
    path=PAGE_PATHS["energy"],
    name=t("nav.energy", DEFAULT_LANGUAGE),
    title=lambda **_: t("page.energy.title", current_language()),
    nav_key="nav.energy",
    nav_order=20,
    required_permission="view",
    org_scoped=True,
)


def layout(**query):
    return view_layout("energy", query)
