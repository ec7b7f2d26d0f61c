"""The alerts page (/alerts, 告警中心): filter the alerts of the user's scope by severity, domain,
department, state, unit and time; open one to see the values that fired it, its rule version
and its history, with a link to the entity's page; acknowledge, assign, note and resolve it
(holders of ``manage_alerts`` only, checked again on the server); MTTA and MTTR by department.

Takes ``?alert=<id>`` (the overview panel's links: that alert opens in the detail panel) and
``?org=<org node id>`` (the unit filter's start). Filled by ``callbacks/alerts.py``.
"""

from __future__ import annotations

import dash
import flask

from components.alerts import PAGE_PATH, build_alerts_page
from components.states import build_error
from presentation.i18n import DEFAULT_LANGUAGE, t
from security.context import current_config, current_language
from security.guard import may_render_page

REQUIRED_PERMISSION = "view"

dash.register_page(
    __name__,
    path=PAGE_PATH,
    name=t("nav.alerts", DEFAULT_LANGUAGE),
    title=lambda **_: t("page.alerts.title", current_language()),
    nav_key="nav.alerts",
    nav_order=60,
    required_permission=REQUIRED_PERMISSION,
)


def layout(alert=None, org=None, **_query):
    lang = current_language()
    if not may_render_page(REQUIRED_PERMISSION):
        return build_error(lang, message_key="access.denied")
    refresh = current_config().refresh_interval_seconds if flask.has_app_context() else 60
    return build_alerts_page(lang=lang, refresh_seconds=refresh, alert=alert, org=org)
