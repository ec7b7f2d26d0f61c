"""The housing page (/housing), declared in ``views/housing.py``: office space (办公用房) per person
by rank against the standard's limits, over-standard offices and units with the excess area,
vacant rooms; turnover housing (周转住房) occupancy, waiting list and waiting time, leases
expiring in 30/60/90 days, overstaying, arrears; the staff-list and lease cross-checks; drill
province → … → agency → building → office room or turnover unit → its occupants or tenants
(masked where the role requires).

The URL holds the view (``?org=``/``?building=``/``?room=``/``?dwelling=``, ``period``, ``end``,
``start``, ``cmp``; see ``views/state.py``); ``callbacks/view_page.py`` fills the panels.
"""

from __future__ import annotations

import dash

from components.shell import PAGE_PATHS
from pages._layout import view_layout
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


def layout(**query):
    return view_layout("housing", query)
