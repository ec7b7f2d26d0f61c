"""Administration: alert notifications — each department's channels (e-mail, work-chat robots),
one-off silences, recurring mute timings, and the delivery log of every attempt.

Shown only to holders of ``manage_rules``; the navigation hides it from others and the page
refuses them, and every callback behind it checks the permission (and the scope) again on the
server.
"""

import dash

from components.admin import build_forbidden
from components.admin_notifications import build_notifications_page
from presentation.i18n import t
from security.context import current_language
from security.guard import may_render_page

REQUIRED_PERMISSION = "manage_rules"


def _title(**_kwargs) -> str:
    return t("page.admin_notifications.title", current_language())


dash.register_page(
    __name__,
    path="/admin/notifications",
    name=t("nav.admin_notifications", "zh"),
    title=_title,
    nav_key="nav.admin_notifications",
    nav_order=915,
    required_permission=REQUIRED_PERMISSION,
)


def layout(**_kwargs):
    lang = current_language()
    if not may_render_page(REQUIRED_PERMISSION):
        return build_forbidden(lang)
    return build_notifications_page(lang)
