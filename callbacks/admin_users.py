"""Users page: list, create, change role and scope, disable/enable, reset password.

Every callback checks ``manage_users`` on the server (``require_permission``) and works only
on users inside the administrator's own data scope; every change is audited in the same unit
of work as the change itself.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, no_update

import components.admin as ui
from data import users as users_data
from data.audit import write_audit
from data.db import session_scope, write_session
from presentation.i18n import t
from security import require_permission
from security.context import current_address, current_engine, current_language, current_scope, current_user_info


def _selected_id(selected_rows) -> int | None:
    if selected_rows:
        try:
            return int(selected_rows[0]["id"])
        except (KeyError, TypeError, ValueError):
            return None
    return None


@require_permission("manage_users")
def update_users_grid(_refresh):
    lang = current_language()
    scope = current_scope()
    with session_scope(current_engine()) as session:
        rows = users_data.list_users(session, within_path=scope.org_path)
        orgs = users_data.list_org_choices(session, within_path=scope.org_path)
    options = ui.org_options(orgs, lang)
    return ui.user_rows(rows, lang), options, options, scope.org_id


@require_permission("manage_users")
def update_user_selection(selected_rows):
    lang = current_language()
    if not selected_rows:
        return t("admin.users.none_selected", lang), None, None, t("admin.users.disable", lang)
    row = selected_rows[0]
    toggle = t("admin.users.disable" if row.get("active", True) else "admin.users.enable", lang)
    return (
        f"{row.get('username', '')} · {row.get('display_name', '')}",
        row.get("role"),
        row.get("scope_org_id"),
        toggle,
    )


@require_permission("manage_users")
def update_users(
    _create,
    _save,
    _toggle,
    _reset,
    new_username,
    new_display,
    new_role,
    new_scope,
    selected_rows,
    edit_role,
    edit_scope,
    refresh,
):
    """One callback for the four actions, dispatched on the button that was pressed."""
    lang = current_language()
    action = ctx.triggered_id
    actor = current_user_info()
    within = current_scope().org_path
    address = current_address()
    refresh = (refresh or 0) + 1
    try:
        with write_session(current_engine()) as session:
            if action == ui.USERS_CREATE:
                if not new_username or not new_role or new_scope is None:
                    return ui.build_error(t("access.error.missing_fields", lang)), no_update
                password = None if new_role == "wall" else users_data.generate_password()
                user = users_data.create_user(
                    session,
                    username=new_username,
                    display_name=new_display or "",
                    role=new_role,
                    scope_org_id=int(new_scope),
                    password=password,
                    within_path=within,
                    must_change_password=password is not None,
                )
                write_audit(
                    session,
                    actor.username,
                    "user_create",
                    user.username,
                    {"role": user.role_code, "scope_org_id": user.scope_org_id},
                    address,
                )
                if password is None:
                    return ui.build_message(t("admin.users.created_wall", lang, username=user.username)), refresh
                return ui.build_message(
                    t("admin.users.created", lang, username=user.username), secret=password
                ), refresh

            user_id = _selected_id(selected_rows)
            if user_id is None:
                return ui.build_error(t("access.error.select_user", lang)), no_update
            if action == ui.USERS_SAVE:
                changes = users_data.update_user(
                    session,
                    user_id,
                    role=edit_role,
                    scope_org_id=int(edit_scope) if edit_scope is not None else None,
                    within_path=within,
                    acting_user_id=actor.user_id,
                )
                name = selected_rows[0].get("username", "")
                if not changes:
                    return ui.build_message(t("admin.users.unchanged", lang)), no_update
                write_audit(session, actor.username, "user_update", name, changes, address)
                return ui.build_message(t("admin.users.saved", lang, username=name)), refresh
            if action == ui.USERS_TOGGLE:
                changes = users_data.toggle_active(session, user_id, within_path=within, acting_user_id=actor.user_id)
                name = selected_rows[0].get("username", "")
                write_audit(session, actor.username, "user_update", name, changes, address)
                key = "admin.users.enabled" if changes["active"][1] else "admin.users.disabled"
                return ui.build_message(t(key, lang, username=name)), refresh
            if action == ui.USERS_RESET:
                password = users_data.generate_password()
                user = users_data.set_password(session, user_id, password, must_change=True, within_path=within)
                write_audit(session, actor.username, "password_reset", user.username, {}, address)
                return ui.build_message(
                    t("admin.users.password_reset", lang, username=user.username), secret=password
                ), refresh
    except users_data.AccountError as exc:
        target = new_username if action == ui.USERS_CREATE else (selected_rows or [{}])[0].get("username")
        audit_action = {ui.USERS_CREATE: "user_create", ui.USERS_RESET: "password_reset"}.get(action, "user_update")
        with write_session(current_engine()) as session:
            write_audit(session, actor.username, audit_action, target, {"refused": exc.code}, address, "failed")
        return ui.build_error(t(f"access.error.{exc.code}", lang, min_length=users_data.MIN_PASSWORD_LENGTH)), no_update
    return no_update, no_update


def register(app: Dash) -> None:
    """Register this page's callbacks on ``app``."""
    app.callback(
        Output(ui.USERS_GRID, "rowData"),
        Output(ui.USERS_NEW_SCOPE, "options"),
        Output(ui.USERS_EDIT_SCOPE, "options"),
        Output(ui.USERS_NEW_SCOPE, "value"),
        Input(ui.USERS_REFRESH, "data"),
    )(update_users_grid)
    app.callback(
        Output(ui.USERS_SELECTED, "children"),
        Output(ui.USERS_EDIT_ROLE, "value"),
        Output(ui.USERS_EDIT_SCOPE, "value"),
        Output(ui.USERS_TOGGLE, "children"),
        Input(ui.USERS_GRID, "selectedRows"),
    )(update_user_selection)
    app.callback(
        Output(ui.USERS_MESSAGE, "children"),
        Output(ui.USERS_REFRESH, "data"),
        Input(ui.USERS_CREATE, "n_clicks"),
        Input(ui.USERS_SAVE, "n_clicks"),
        Input(ui.USERS_TOGGLE, "n_clicks"),
        Input(ui.USERS_RESET, "n_clicks"),
        State(ui.USERS_NEW_USERNAME, "value"),
        State(ui.USERS_NEW_DISPLAY, "value"),
        State(ui.USERS_NEW_ROLE, "value"),
        State(ui.USERS_NEW_SCOPE, "value"),
        State(ui.USERS_GRID, "selectedRows"),
        State(ui.USERS_EDIT_ROLE, "value"),
        State(ui.USERS_EDIT_SCOPE, "value"),
        State(ui.USERS_REFRESH, "data"),
        prevent_initial_call=True,
    )(update_users)
