"""Wall devices page: issue a device token (shown once), list tokens, revoke one.

Every callback checks ``manage_devices`` on the server; tokens are issued only to wall-display
accounts inside the administrator's scope; issuing and revoking are audited.
"""

from __future__ import annotations

import flask
from dash import Dash, Input, Output, State, ctx, no_update

import components.admin as ui
from data import device_tokens as tokens_data
from data import users as users_data
from data.audit import write_audit
from data.db import session_scope, write_session
from presentation.i18n import t
from security import require_permission
from security.context import current_address, current_engine, current_language, current_scope, current_user_info


@require_permission("manage_devices")
def update_devices_grid(_refresh):
    lang = current_language()
    within = current_scope().org_path
    with session_scope(current_engine()) as session:
        tokens = tokens_data.list_device_tokens(session, within_path=within)
        walls = [u for u in users_data.list_users(session, within_path=within) if u["role"] == "wall" and u["active"]]
    options = [{"label": f"{u['username']} · {u['display_name']}", "value": u["id"]} for u in walls]
    placeholder = "" if options else t("admin.devices.no_wall_accounts", lang)
    return ui.device_rows(tokens, lang), options, placeholder


@require_permission("manage_devices")
def update_devices(_issue, _revoke, name, account_id, selected_rows, refresh):
    lang = current_language()
    actor = current_user_info()
    within = current_scope().org_path
    address = current_address()
    refresh = (refresh or 0) + 1
    action = ctx.triggered_id
    try:
        with write_session(current_engine()) as session:
            if action == ui.DEVICES_ISSUE:
                if not name or account_id is None:
                    return ui.build_error(t("access.error.missing_fields", lang)), no_update
                row, token = tokens_data.issue_device_token(
                    session, user_id=int(account_id), name=name, created_by=actor.username, within_path=within
                )
                write_audit(
                    session,
                    actor.username,
                    "device_issue",
                    users_data.username_of(session, row.user_id),
                    {"device_token_id": row.id, "name": row.name},
                    address,
                )
                url = flask.request.host_url.rstrip("/") + "/wall/login?token=" + token
                return ui.build_message(t("admin.devices.issued", lang, name=row.name), secret=url), refresh
            if action == ui.DEVICES_REVOKE:
                if not selected_rows:
                    return ui.build_error(t("access.error.select_token", lang)), no_update
                row = tokens_data.revoke_device_token(session, int(selected_rows[0]["id"]), within_path=within)
                write_audit(
                    session,
                    actor.username,
                    "device_revoke",
                    users_data.username_of(session, row.user_id),
                    {"device_token_id": row.id, "name": row.name},
                    address,
                )
                return ui.build_message(t("admin.devices.revoked", lang, name=row.name)), refresh
    except users_data.AccountError as exc:
        with write_session(current_engine()) as session:
            write_audit(
                session,
                actor.username,
                "device_issue" if action == ui.DEVICES_ISSUE else "device_revoke",
                None,
                {"refused": exc.code},
                address,
                "failed",
            )
        return ui.build_error(t(f"access.error.{exc.code}", lang)), no_update
    return no_update, no_update


def register(app: Dash) -> None:
    """Register this page's callbacks on ``app``."""
    app.callback(
        Output(ui.DEVICES_GRID, "rowData"),
        Output(ui.DEVICES_ACCOUNT, "options"),
        Output(ui.DEVICES_ACCOUNT, "placeholder"),
        Input(ui.DEVICES_REFRESH, "data"),
    )(update_devices_grid)
    app.callback(
        Output(ui.DEVICES_MESSAGE, "children"),
        Output(ui.DEVICES_REFRESH, "data"),
        Input(ui.DEVICES_ISSUE, "n_clicks"),
        Input(ui.DEVICES_REVOKE, "n_clicks"),
        State(ui.DEVICES_NAME, "value"),
        State(ui.DEVICES_ACCOUNT, "value"),
        State(ui.DEVICES_GRID, "selectedRows"),
        State(ui.DEVICES_REFRESH, "data"),
        prevent_initial_call=True,
    )(update_devices)
