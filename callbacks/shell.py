"""The shell's callbacks: language and theme switches, navigation links that keep the current
unit, and the org bar (breadcrumb and one-level drill-down) of every domain page.

The URL holds the state: drilling sets ``?org=<id>`` and Dash Pages renders the page for it, so
a leader can share a link to exactly what they see.
"""

from __future__ import annotations

import logging

from dash import ALL, MATCH, ClientsideFunction, Dash, Input, Output, State, ctx, no_update

from components import ids
from components.shell import build_breadcrumb, build_drill_options, nav_links_state
from data.db import read_connection
from data.queries import fetch_breadcrumb, fetch_children
from data.scope import NotInScope
from presentation.i18n import t
from security.context import current_engine, current_language, current_scope

from ._common import parse_org

log = logging.getLogger("aocc.callbacks")


def update_nav_links(pathname, search, nav):
    """Mark the current page's entry and carry ``?org=`` to the other org-scoped pages."""
    keys = [output["id"]["key"] for output in ctx.outputs_list[0]]
    return nav_links_state(keys, nav or {}, pathname, search)


def update_org_from_drill(values):
    """Drilling to a child unit navigates to ``?org=<child>``."""
    chosen = [value for value in values if value is not None]
    if not chosen:
        return no_update
    return f"?org={int(chosen[0])}"


def update_org_bar(org):
    """The breadcrumb from the scope root to the shown unit, and its children to drill into.

    A refused or unknown unit leaves the bar empty (the page's own callback explains why).
    """
    lang = current_language()
    try:
        org_id = parse_org(org)
        scope = current_scope()
        with read_connection(current_engine()) as conn:
            path = fetch_breadcrumb(conn, scope, org_id)
            children = fetch_children(conn, scope, org_id)
    except (PermissionError, NotInScope):  # nobody signed in, or a unit refused or unknown
        return [], [], t("org.no_children", lang), True
    except Exception:  # noqa: BLE001 - logged with its traceback and shown as a failure, never as "no data"
        log.exception("org bar: reading the org tree failed (org %r)", org)
        return [], [], t("state.error", lang), True
    options = build_drill_options(children, lang=lang)
    placeholder = t("org.drill_placeholder" if options else "org.no_children", lang)
    return build_breadcrumb(path, lang=lang), options, placeholder, not options


def register(app: Dash) -> None:
    """Register the shell's callbacks on ``app``."""
    # The language and theme switches run in the browser (assets/aocc_shell.js): they set a cookie and reload.
    app.clientside_callback(
        ClientsideFunction("aocc_shell", "switch_language"),
        Output(ids.LANG_STORE, "data"),
        Input(ids.LANG_SWITCH, "n_clicks"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("aocc_shell", "switch_theme"),
        Output(ids.THEME_STORE, "data"),
        Input(ids.THEME_SWITCH, "n_clicks"),
        State(ids.THEME_STORE, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("aocc_shell", "viewport"), Output(ids.VIEWPORT_STORE, "data"), Input(ids.URL, "pathname")
    )
    app.callback(
        Output(ids.nav_link(ALL), "href"),
        Output(ids.nav_link(ALL), "className"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
        State(ids.NAV_STORE, "data"),
    )(update_nav_links)
    app.callback(
        Output(ids.URL, "search"),
        Input(ids.org_drill(ALL), "value"),
        prevent_initial_call=True,
    )(update_org_from_drill)
    app.callback(
        Output(ids.breadcrumb(MATCH), "children"),
        Output(ids.org_drill(MATCH), "options"),
        Output(ids.org_drill(MATCH), "placeholder"),
        Output(ids.org_drill(MATCH), "disabled"),
        Input(ids.org_store(MATCH), "data"),
    )(update_org_bar)
