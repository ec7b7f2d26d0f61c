"""The app shell served for every request, and the frame the domain pages share.

``serve_app_shell`` is ``app.layout``: it gathers the request's language, theme (cookie
``aocc_theme``), user and the navigation entries (every registered page with a ``nav_key`` the
user has the permission for) and hands them to ``components.shell.build_app_shell``. Dash also
calls it once outside any request, to validate callbacks: then it returns the same shell for
nobody.
"""

from __future__ import annotations

import dash
import flask

from components.shell import THEME_COOKIE, build_app_shell, build_page, collect_nav_items
from presentation.theme import normalize_theme
from security.context import current_config, current_language, current_user_info, has_permission


def current_theme() -> str:
    """The theme cookie; without one, ``dark`` for a wall display (大屏) and ``light`` for everyone else."""
    if flask.has_request_context():
        cookie = flask.request.cookies.get(THEME_COOKIE)
        if cookie:
            return normalize_theme(cookie)
        user = current_user_info()
        if user.role == "wall" or getattr(user, "is_device", False):
            return "dark"
    return normalize_theme(None)


def serve_app_shell():
    lang = current_language()
    user = current_user_info()
    nav_items = collect_nav_items(dash.page_registry, lang=lang, allowed=has_permission)
    user_name = user.display_name if user.permissions else None
    return build_app_shell(
        dash.page_container,
        lang=lang,
        theme=current_theme(),
        user_name=user_name,
        nav_items=nav_items,
        can_sign_out=not getattr(user, "is_device", False),
    )


def domain_layout(page: str, *, org=None, chart_title_key: str, aside=None, footer=None):
    """A domain page's layout for the request: the page frame in the user's language, refreshed
    at the configured interval; ``org`` is the ``?org=`` value as given; ``aside`` and ``footer``
    are extra sections beside the chart and at the bottom (see ``build_page``)."""
    refresh = current_config().refresh_interval_seconds if flask.has_app_context() else 60
    return build_page(
        page,
        lang=current_language(),
        org=org,
        refresh_seconds=refresh,
        chart_title_key=chart_title_key,
        theme=current_theme(),
        aside=aside,
        footer=footer,
    )
