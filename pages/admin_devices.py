"""Administration: administrators issue, list and revoke wall-display device tokens.

Shown only to holders of ``manage_devices``; the navigation hides it from others and the page
refuses them, and every callback behind it checks the permission again on the server.
"""

import dash

from components.admin import build_devices_page, build_forbidden
from presentation.i18n import t
from security.context import current_language
from security.guard import may_render_page

REQUIRED_PERMISSION = "manage_devices"


def _title(**_kwargs) -> str:
    return t("page.admin_devices.title", current_language())


dash.register_page(
    __name__,
    path="/admin/devices",
    name=t("nav.admin_devices", "zh"),
    title=_title,
    nav_key="nav.admin_devices",
    nav_order=920,
    required_permission=REQUIRED_PERMISSION,
)


def layout(**_kwargs):
    lang = current_language()
    if not may_render_page(REQUIRED_PERMISSION):
        return build_forbidden(lang)
    return build_devices_page(lang)
