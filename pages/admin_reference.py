"""Administration: reference data (参考数据) — each asset category's depreciation method, useful
life and residual rate, and the office-space standard's per-rank limits, with who changed each
row and when.

Anyone who may view the asset and housing pages (``view``) may read the values those pages are
judged by; only holders of ``manage_reference`` with a province-wide scope see the forms, and
every callback behind the page checks the permission (and the scope) again on the server.
"""

import dash

from components.admin import build_forbidden
from components.admin_reference import build_reference_page
from presentation.i18n import t
from security.context import current_language
from security.guard import collecting_callback_ids, may_render_page

REQUIRED_PERMISSION = "view"


def _title(**_kwargs) -> str:
    return t("page.admin_reference.title", current_language())


dash.register_page(
    __name__,
    path="/admin/reference",
    name=t("nav.admin_reference", "zh"),
    title=_title,
    nav_key="nav.admin_reference",
    nav_order=914,
    required_permission=REQUIRED_PERMISSION,
)


def layout(**_kwargs):
    from callbacks.admin_reference import may_edit  # the page shows forms only to editors

    lang = current_language()
    if not may_render_page(REQUIRED_PERMISSION):
        return build_forbidden(lang)
    return build_reference_page(lang, editable=collecting_callback_ids() or may_edit())
