"""The shell's callbacks: language and theme switches, the viewport's size, and navigation
links that keep the current unit.

The URL holds the state: the navigation carries ``?org=<id>`` to the other org-scoped pages, so
a leader moving between domains keeps looking at the same unit (each declared page's own
breadcrumb and drill chooser live in ``callbacks.view_page``).
"""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx

from components import ids
from components.shell import nav_links_state


def update_nav_links(pathname, search, nav):
    """Mark the current page's entry and carry ``?org=`` to the other org-scoped pages."""
    keys = [output["id"]["key"] for output in ctx.outputs_list[0]]
    return nav_links_state(keys, nav or {}, pathname, search)


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
