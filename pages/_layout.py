"""The app shell served for every request, and the frame of the declared pages.

``serve_app_shell`` is ``app.layout``: it gathers the request's language, theme (cookie
``aocc_theme``), user and the navigation entries (every registered page with a ``nav_key`` the
user has the permission for) and hands them to ``components.shell.build_app_shell``. Dash also
calls it once outside any request, to validate callbacks: then it returns the same shell for
nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import dash
import flask

from components.shell import THEME_COOKIE, build_app_shell, collect_nav_items
from components.view_page import build_view_page
from data.db import read_connection
from data.frames import frame_records
from data.queries.view_header import fetch_drill_targets, fetch_view_path
from data.scope import OrgNotFound, OutOfScope
from presentation.i18n import t
from presentation.theme import normalize_theme
from security.context import (
    current_config,
    current_engine,
    current_language,
    current_scope,
    current_user_info,
    has_permission,
)
from security.guard import collecting_callback_ids
from views.registry import get_page
from views.render import page_request, panels_for, resolve_page_view
from views.spec import PageSpec, drill_target
from views.state import QUERY_KEYS, drilled, view_search

log = logging.getLogger("aocc.pages")


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


def view_layout(page_key: str, query: dict):
    """A declared page's layout for the request (``views.registry``): the view is resolved once
    here (entity, period, indicator, within the user's scope), so the frame shows the right
    breadcrumb, drill chooser, period bar and panels; the panels' data arrive from
    ``callbacks.view_page``.

    When Dash collects the ids of every page to validate its callbacks (outside any callback),
    the frame holds every panel of the page and reads nothing.
    A refused, unknown or failing view is shown as such, never as another unit's data.
    """
    page = get_page(page_key)
    lang = current_language()
    theme = current_theme()
    refresh = current_config().refresh_interval_seconds if flask.has_app_context() else 60
    query = {key: str(value) for key, value in (query or {}).items() if key in QUERY_KEYS and value is not None}
    frame = dict(lang=lang, theme=theme, refresh_seconds=refresh, query=query)
    heading = t(f"page.{page.key}.heading", lang)
    if not flask.has_request_context() or collecting_callback_ids():
        return build_view_page(page, panels=page.panels, heading=heading, **frame)
    try:
        with read_connection(current_engine()) as conn:
            view = resolve_page_view(conn, current_scope(), page, query)
            path = fetch_view_path(conn, view)
            targets, total = fetch_drill_targets(conn, view, leaf=page.leaf, below=page.below.get(view.entity_kind, ()))
    except (OutOfScope, PermissionError):
        log.warning("page %s: view %r refused for this user", page_key, query)
        return build_view_page(page, panels=(), heading=heading, message="refused", **frame)
    except OrgNotFound:
        return build_view_page(page, panels=(), heading=heading, message="empty", **frame)
    except Exception:  # noqa: BLE001 - logged with its traceback and shown as a failure
        log.exception("page %s: resolving the view failed (%r)", page_key, query)
        return build_view_page(page, panels=(), heading=heading, message="error", **frame)
    request = page_request(page, query)
    header = view_header(page, view, request, path, targets, total, lang=lang)
    # A wall screen (the dark theme) shows the page's wall panels on one screen; desks get them all.
    panels = panels_for(page, view, wall=theme == "dark")
    return build_view_page(page, panels=panels, can_export=has_permission("export"), **header, **frame)


def view_href(page: PageSpec, request) -> str:
    """The URL of ``page`` for a ``ViewRequest``."""
    return f"{page.path}{view_search(request)}"


def _name(row: Mapping, lang: str) -> str:
    return str(row["name_zh"] if lang == "zh" else row["name_en"])


def view_header(page: PageSpec, view, request, path, targets, total: int, *, lang: str) -> dict:
    """The frame's keyword arguments for ``build_view_page`` from a resolved view: the heading
    with the entity's name, the breadcrumb (each crumb keeps the period and the indicator), the
    drill chooser's options and the period bar's values.

    Args:
        view: the ``ViewContext``; request: its ``ViewRequest``.
        path: ``fetch_view_path`` rows; targets, total: ``fetch_drill_targets``'s result.
    """
    crumbs = [
        {
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "href": view_href(page, drilled(request, "org", row["org_id"])),
        }
        for row in frame_records(path)
    ]
    name = _name(view.node, lang)
    building = (
        view.entity.get("building_id") if view.entity is not None and view.entity_kind in ("room", "dwelling") else None
    )
    if building is not None and view.entity.get("building_name_zh"):
        # A room or a housing unit sits in a building, which has its own view one level up.
        label = (
            t("view.entity.building", lang)
            + " "
            + (
                view.entity["building_name_zh"]
                if lang == "zh"
                else view.entity["building_name_en"] or view.entity["building_name_zh"]
            )
        )
        crumbs.append(
            {"name_zh": label, "name_en": label, "href": view_href(page, drilled(request, "building", building))}
        )
    if view.entity is not None:
        kind = t(f"view.entity.{view.entity_kind}", lang)
        label = f"{kind} {_name(view.entity, lang)}"
        crumbs.append({"name_zh": label, "name_en": label, "href": view_href(page, request)})
        name = f"{name} · {_name(view.entity, lang)}"
    options = [
        {"label": _name(row, lang), "value": drill_target(row["kind"], row["id"])} for row in frame_records(targets)
    ]
    period = None
    if view.period is not None:
        period = {
            "kind": view.period.kind,
            "start": view.period.start,
            "end": view.period.end,
            "compare": view.compare,
            "metric": view.metric,
            "first_day": view.first_day,
            "as_of": view.as_of,
        }
    return {
        "heading": t(f"page.{page.key}.heading", lang),
        "subtitle": name,
        "crumbs": crumbs,
        "drill_options": options,
        "drill_more": max(0, total - len(options)),
        "period": period,
        "org_id": view.org_id,
    }
