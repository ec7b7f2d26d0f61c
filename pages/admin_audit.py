"""Administration: administrators read the audit trail, filtered by action, user, dates and outcome.

Shown only to holders of ``view_audit``; the navigation hides it from others and the page
refuses them, and every callback behind it checks the permission again on the server.
"""

import dash

from components.admin import build_audit_page, build_forbidden
from presentation.i18n import t
from security.context import current_language
from security.guard import may_render_page

REQUIRED_PERMISSION = "view_audit"


def _title(**_kwargs) -> str:
    return t("page.admin_audit.title", current_language())


dash.register_page(
    __name__,
    path="/admin/audit",
    name=t("nav.admin_audit", "zh"),
    title=_title,
    nav_key="nav.admin_audit",
    nav_order=930,
    required_permission=REQUIRED_PERMISSION,
)


def layout(**_kwargs):
    lang = current_language()
    if not may_render_page(REQUIRED_PERMISSION):
        return build_forbidden(lang)
    return build_audit_page(lang)
