"""Administration: alert rules (规则配置) — indicator, scope, comparison, levels, window and
routing of every threshold rule, with a preview of what it would fire on now, a 90-day backtest
and the versions of each rule.

Shown only to holders of ``manage_rules``; the navigation hides it from others and the page
refuses them, and every callback behind it checks the permission (and the scope) again on the
server.
"""

import dash

from components.admin import build_forbidden
from components.admin_rules import build_rules_page
from presentation.i18n import t
from security.context import current_language
from security.guard import may_render_page

REQUIRED_PERMISSION = "manage_rules"


def _title(**_kwargs) -> str:
    return t("page.admin_rules.title", current_language())


dash.register_page(
    __name__,
    path="/admin/rules",
    name=t("nav.admin_rules", "zh"),
    title=_title,
    nav_key="nav.admin_rules",
    nav_order=912,
    required_permission=REQUIRED_PERMISSION,
)


def layout(**_kwargs):
    lang = current_language()
    if not may_render_page(REQUIRED_PERMISSION):
        return build_forbidden(lang)
    return build_rules_page(lang)
