"""The unit profile page (/profile), declared in ``views/profile.py``: one unit's four domains side
by side (tiles grouped by domain, its rank among its peers, its open alerts, one panel per domain).

The URL holds the view (``?org=``, ``period``, ``end``, ``start``, ``cmp``; see
``views/state.py``); ``callbacks/view_page.py`` fills the panels.
"""

from __future__ import annotations

import dash

from pages._layout import view_layout
from presentation.i18n import DEFAULT_LANGUAGE, t
from security.context import current_language
from views.profile import PROFILE_PAGE

dash.register_page(
    __name__,
    path=PROFILE_PAGE.path,
    name=t("nav.profile", DEFAULT_LANGUAGE),
    title=lambda **_: t("page.profile.title", current_language()),
    nav_key="nav.profile",
    nav_order=55,  # after 住房 (50), before the alert center (60)
    required_permission="view",
    org_scoped=True,
)


def layout(**query):
    return view_layout("profile", query)
