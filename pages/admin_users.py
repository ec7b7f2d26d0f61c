"""Administration: administrators create accounts, set roles and data scope, disable accounts and reset passwords.

Shown only to holders of ``manage_users``; the navigation hides it from others and the page
refuses them, and every callback behind it checks the permission again on the server.
"""

import dash

from components.admin import build_forbidden, build_users_page
from presentation.i18n import t
from security.context import current_language
from security.guard import may_render_page

REQUIRED_PERMISSION = "manage_users"


def _title(**_kwargs) -> str:
    return t("page.admin_users.title", current_language())


dash.register_page(
    __name__,
    path="/admin/users",
    name=t("nav.admin_users", "zh"),
    title=_title,
    nav_key="nav.admin_users",
    nav_order=910,
    required_permission=REQUIRED_PERMISSION,
)


def layout(**_kwargs):
    lang = current_language()
    if not may_render_page(REQUIRED_PERMISSION):
        return build_forbidden(lang)
    return build_users_page(lang)
