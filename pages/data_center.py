"""The data page (/data, 数据中心): every source with its freshness and last batch, recent batches
with their file-level messages, the quarantine (browse, correct and re-submit, discard), the
scheduler's job runs, and the provenance of a KPI figure (``?metric=<id>&org=<id>``, linked
from each tile's "来源"). The sections are filled by ``callbacks/data_center.py``.
"""

from __future__ import annotations

import dash
import flask

from components.data_center import PAGE_PATH, build_data_page
from components.states import build_error
from presentation.i18n import DEFAULT_LANGUAGE, t
from security.context import current_config, current_language, has_permission
from security.guard import may_render_page

REQUIRED_PERMISSION = "view"

dash.register_page(
    __name__,
    path=PAGE_PATH,
    name=t("nav.data", DEFAULT_LANGUAGE),
    title=lambda **_: t("page.data.title", current_language()),
    nav_key="nav.data",
    nav_order=800,
    required_permission=REQUIRED_PERMISSION,
)


def layout(metric=None, org=None, **_query):
    lang = current_language()
    if not may_render_page(REQUIRED_PERMISSION):
        return build_error(lang, message_key="data.forbidden")
    refresh = current_config().refresh_interval_seconds if flask.has_app_context() else 60
    return build_data_page(
        lang=lang, metric=metric, org=org, can_manage=has_permission("manage_data"), refresh_seconds=refresh
    )
