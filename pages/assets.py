"""The assets page (/assets), declared in ``views/assets.py``: counts and values by category, unit
and status with depreciation by each category's method, the public property warehouse (公物仓)
and what its redeployments saved, disposals, overdue audits, assets without a custodian, the
register's cross-check and redeployment matching; drill province → … → agency → asset list →
one asset's life.

The URL holds the view (``?org=``/``?asset=``, ``period``, ``end``, ``start``, ``cmp``,
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
    path=PAGE_PATHS["assets"],
    name=t("nav.assets", DEFAULT_LANGUAGE),
    title=lambda **_: t("page.assets.title", current_language()),
    nav_key="nav.assets",
    nav_order=40,
    required_permission="view",
    org_scoped=True,
)


def layout(**query):
    return view_layout("assets", query)
