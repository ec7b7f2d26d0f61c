"""Builders for the three administration pages (users, wall devices, audit log).

Pure functions of plain values: no database, no request. Every text comes from the message
catalog, user-supplied values are passed as component children or grid cells (rendered as
text, never as HTML), and AG Grid runs with ``dangerously_allow_code`` off.
"""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from presentation.format import format_time
from presentation.i18n import t

# --- component ids (the administration pages' own; shared ids live in components/ids.py) ------
USERS_GRID = "admin-users-grid"
USERS_REFRESH = "admin-users-refresh"
USERS_MESSAGE = "admin-users-message"
USERS_NEW_USERNAME = "admin-users-new-username"
USERS_NEW_DISPLAY = "admin-users-new-display"
USERS_NEW_ROLE = "admin-users-new-role"
USERS_NEW_SCOPE = "admin-users-new-scope"
USERS_CREATE = "admin-users-create"
USERS_SELECTED = "admin-users-selected"
USERS_EDIT_ROLE = "admin-users-edit-role"
USERS_EDIT_SCOPE = "admin-users-edit-scope"
USERS_SAVE = "admin-users-save"
USERS_TOGGLE = "admin-users-toggle"
USERS_RESET = "admin-users-reset"
DEVICES_GRID = "admin-devices-grid"
DEVICES_REFRESH = "admin-devices-refresh"
DEVICES_MESSAGE = "admin-devices-message"
DEVICES_NAME = "admin-devices-name"
DEVICES_ACCOUNT = "admin-devices-account"
DEVICES_ISSUE = "admin-devices-issue"
DEVICES_REVOKE = "admin-devices-revoke"
AUDIT_GRID = "admin-audit-grid"
AUDIT_ACTION = "admin-audit-action"
AUDIT_ACTOR = "admin-audit-actor"
AUDIT_DATES = "admin-audit-dates"
AUDIT_OUTCOME = "admin-audit-outcome"
AUDIT_COUNT = "admin-audit-count"

ROLE_ORDER = ("admin", "leader", "operator", "viewer", "wall")
OUTCOMES = ("ok", "failed", "denied")


def role_options(lang: str) -> list[dict]:
    return [{"label": t(f"role.{code}", lang), "value": code} for code in ROLE_ORDER]


def org_options(orgs: list[dict], lang: str) -> list[dict]:
    """Dropdown options for a data scope, indented by tree depth (``orgs`` from ``data.users.list_org_choices``)."""
    if not orgs:
        return []
    top = min(o["depth"] for o in orgs)
    key = "name_zh" if lang == "zh" else "name_en"
    return [{"label": "\u3000" * (o["depth"] - top) + o[key], "value": o["id"]} for o in orgs]


def _grid(grid_id: str, columns: list[dict], lang: str, *, selectable: bool, height: str = "420px") -> dag.AgGrid:
    options = {
        "localeText": {"noRowsToShow": t("admin.no_rows", lang), "loadingOoo": t("admin.loading", lang)},
        "animateRows": False,
        "suppressCellFocus": not selectable,
    }
    if selectable:
        options["rowSelection"] = {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}
    return dag.AgGrid(
        id=grid_id,
        rowData=[],
        columnDefs=columns,
        getRowId="params.data.id + ''",  # a string, as AG Grid wants (a number is cast, with a warning)
        defaultColDef={"sortable": True, "resizable": True, "filter": False},
        dashGridOptions=options,
        columnSize="responsiveSizeToFit",
        style={"height": height, "width": "100%"},
        className="ag-theme-quartz aocc-grid",
    )


def _has(key: str) -> bool:
    from presentation.i18n import has

    return has(key)


def _field(label: str, control, *, field_id: str | None = None) -> html.Div:
    return html.Div([html.Label(label, htmlFor=field_id), control], className="aocc-admin-field")


def build_page(heading: str, intro: str, *children) -> html.Div:
    return html.Div(
        [
            html.Div(html.H1(heading, className="aocc-page__title"), className="aocc-page__head"),
            html.P(intro, className="aocc-admin-intro"),
            *children,
        ],
        className="aocc-page aocc-admin-page",
    )


def build_forbidden(lang: str) -> html.Div:
    return html.Div(
        html.P(t("access.denied", lang), className="aocc-state aocc-state--error aocc-admin-denied", id="admin-denied"),
        className="aocc-page aocc-admin-page",
    )


def build_message(text: str, *, secret: str | None = None, kind: str = "ok") -> html.Div:
    """A result line; a one-time secret (new password, device URL) shown selectable below it."""
    children = [html.Span(text)]
    if secret:
        children.append(html.Code(secret, className="aocc-admin-secret", id="admin-secret"))
    return html.Div(children, className=f"aocc-admin-message aocc-admin-message-{kind}", role="status")


def build_error(text: str) -> html.Div:
    return build_message(text, kind="error")


# --- users -------------------------------------------------------------------------------------


def user_columns(lang: str) -> list[dict]:
    return [
        {"field": "username", "headerName": t("admin.users.username", lang)},
        {"field": "display_name", "headerName": t("admin.users.display_name", lang)},
        {"field": "role_label", "headerName": t("admin.users.role", lang)},
        {"field": "scope_label", "headerName": t("admin.users.scope", lang)},
        {"field": "status_label", "headerName": t("admin.users.active", lang)},
        {"field": "locked_until", "headerName": t("admin.users.locked_until", lang)},
        {"field": "last_login_at", "headerName": t("admin.users.last_login", lang)},
    ]


def user_rows(users: list[dict], lang: str) -> list[dict]:
    """Grid rows from ``data.users.list_users`` rows."""
    suffix = "zh" if lang == "zh" else "en"
    return [
        {
            "id": u["id"],
            "username": u["username"],
            "display_name": u["display_name"],
            "role": u["role"],
            "role_label": t(f"role.{u['role']}", lang),
            "scope_org_id": u["scope_org_id"],
            "scope_label": u[f"scope_name_{suffix}"],
            "active": u["active"],
            "status_label": t("admin.users.active_yes" if u["active"] else "admin.users.active_no", lang),
            "locked_until": format_time(u["locked_until"]),
            "last_login_at": format_time(u["last_login_at"]),
        }
        for u in users
    ]


def build_users_page(lang: str) -> html.Div:
    create = html.Fieldset(
        [
            html.Legend(t("admin.users.create", lang)),
            _field(
                t("admin.users.username", lang),
                dcc.Input(id=USERS_NEW_USERNAME, type="text", maxLength=64, autoComplete="off"),
                field_id=USERS_NEW_USERNAME,
            ),
            _field(
                t("admin.users.display_name", lang),
                dcc.Input(id=USERS_NEW_DISPLAY, type="text", maxLength=64, autoComplete="off"),
                field_id=USERS_NEW_DISPLAY,
            ),
            _field(
                t("admin.users.role", lang),
                dcc.Dropdown(id=USERS_NEW_ROLE, options=role_options(lang), value="viewer", clearable=False),
            ),
            _field(t("admin.users.scope", lang), dcc.Dropdown(id=USERS_NEW_SCOPE, options=[], clearable=False)),
            html.Button(
                t("admin.users.create_submit", lang),
                id=USERS_CREATE,
                n_clicks=0,
                className="btn btn-primary btn-sm aocc-admin-button",
            ),
        ],
        className="aocc-card aocc-admin-form",
    )
    edit = html.Fieldset(
        [
            html.Legend(t("admin.users.selected", lang)),
            html.Div(t("admin.users.none_selected", lang), id=USERS_SELECTED, className="aocc-admin-selected"),
            _field(
                t("admin.users.role", lang),
                dcc.Dropdown(id=USERS_EDIT_ROLE, options=role_options(lang), clearable=False),
            ),
            _field(t("admin.users.scope", lang), dcc.Dropdown(id=USERS_EDIT_SCOPE, options=[], clearable=False)),
            html.Div(
                [
                    html.Button(
                        t("admin.users.save", lang),
                        id=USERS_SAVE,
                        n_clicks=0,
                        className="btn btn-primary btn-sm aocc-admin-button",
                    ),
                    html.Button(
                        t("admin.users.disable", lang),
                        id=USERS_TOGGLE,
                        n_clicks=0,
                        className="btn btn-primary btn-sm aocc-admin-button",
                    ),
                    html.Button(
                        t("admin.users.reset_password", lang),
                        id=USERS_RESET,
                        n_clicks=0,
                        className="btn btn-primary btn-sm aocc-admin-button",
                    ),
                ],
                className="aocc-admin-actions",
            ),
        ],
        className="aocc-card aocc-admin-form",
    )
    return build_page(
        t("admin.users.heading", lang),
        t("admin.users.intro", lang),
        dcc.Store(id=USERS_REFRESH, data=0),
        html.Div(id=USERS_MESSAGE, className="aocc-admin-message-slot", **{"aria-live": "polite"}),
        html.Div([create, edit], className="aocc-admin-forms"),
        html.Div(_grid(USERS_GRID, user_columns(lang), lang, selectable=True), className="aocc-card aocc-admin-table"),
    )


# --- wall devices ------------------------------------------------------------------------------


def device_columns(lang: str) -> list[dict]:
    return [
        {"field": "name", "headerName": t("admin.devices.name", lang)},
        {"field": "account", "headerName": t("admin.devices.account", lang)},
        {"field": "status_label", "headerName": t("admin.devices.status", lang)},
        {"field": "created_by", "headerName": t("admin.devices.created_by", lang)},
        {"field": "created_at", "headerName": t("admin.devices.created_at", lang)},
        {"field": "last_seen_at", "headerName": t("admin.devices.last_seen", lang)},
        {"field": "revoked_at", "headerName": t("admin.devices.revoked_at", lang)},
    ]


def device_rows(tokens: list[dict], lang: str) -> list[dict]:
    return [
        {
            "id": d["id"],
            "name": d["name"],
            "account": d["username"],
            "active": d["active"],
            "status_label": t("admin.devices.status_active" if d["active"] else "admin.devices.status_revoked", lang),
            "created_by": d["created_by"],
            "created_at": format_time(d["created_at"]),
            "last_seen_at": format_time(d["last_seen_at"]),
            "revoked_at": format_time(d["revoked_at"]),
        }
        for d in tokens
    ]


def build_devices_page(lang: str) -> html.Div:
    issue = html.Fieldset(
        [
            html.Legend(t("admin.devices.issue", lang)),
            _field(
                t("admin.devices.name", lang),
                dcc.Input(id=DEVICES_NAME, type="text", maxLength=64, autoComplete="off"),
                field_id=DEVICES_NAME,
            ),
            _field(t("admin.devices.account", lang), dcc.Dropdown(id=DEVICES_ACCOUNT, options=[], clearable=False)),
            html.Div(
                [
                    html.Button(
                        t("admin.devices.issue_submit", lang),
                        id=DEVICES_ISSUE,
                        n_clicks=0,
                        className="btn btn-primary btn-sm aocc-admin-button",
                    ),
                    html.Button(
                        t("admin.devices.revoke", lang),
                        id=DEVICES_REVOKE,
                        n_clicks=0,
                        className="btn btn-primary btn-sm aocc-admin-button",
                    ),
                ],
                className="aocc-admin-actions",
            ),
        ],
        className="aocc-card aocc-admin-form",
    )
    return build_page(
        t("admin.devices.heading", lang),
        t("admin.devices.intro", lang),
        dcc.Store(id=DEVICES_REFRESH, data=0),
        html.Div(id=DEVICES_MESSAGE, className="aocc-admin-message-slot", **{"aria-live": "polite"}),
        html.Div([issue], className="aocc-admin-forms"),
        html.Div(
            _grid(DEVICES_GRID, device_columns(lang), lang, selectable=True), className="aocc-card aocc-admin-table"
        ),
    )


# --- audit log ---------------------------------------------------------------------------------


def audit_columns(lang: str) -> list[dict]:
    return [
        {"field": "ts", "headerName": t("admin.audit.ts", lang), "maxWidth": 170},
        {"field": "actor", "headerName": t("admin.audit.actor", lang)},
        {"field": "action_label", "headerName": t("admin.audit.action", lang)},
        {"field": "target", "headerName": t("admin.audit.target", lang)},
        {"field": "outcome_label", "headerName": t("admin.audit.outcome", lang), "maxWidth": 110},
        {"field": "address", "headerName": t("admin.audit.address", lang)},
        {"field": "detail", "headerName": t("admin.audit.detail", lang), "flex": 2},
    ]


def action_label(action: str, lang: str) -> str:
    key = f"audit.action.{action}"
    return t(key, lang) if _has(key) else action


def _detail_text(detail: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted((detail or {}).items()))


def audit_rows(entries: list[dict], lang: str) -> list[dict]:
    return [
        {
            "id": e["id"],
            "ts": format_time(e["ts"]),
            "actor": e["actor"] or "",
            "action": e["action"],
            "action_label": action_label(e["action"], lang),
            "target": e["target"] or "",
            "outcome": e["outcome"],
            "outcome_label": t(f"outcome.{e['outcome']}", lang) if e["outcome"] in OUTCOMES else e["outcome"],
            "address": e["address"] or "",
            "detail": _detail_text(e["detail"]),
        }
        for e in entries
    ]


def action_options(actions: list[str], lang: str) -> list[dict]:
    return [{"label": action_label(a, lang), "value": a} for a in actions]


def build_audit_page(lang: str) -> html.Div:
    filters = html.Div(
        [
            _field(
                t("admin.audit.filter_action", lang),
                dcc.Dropdown(id=AUDIT_ACTION, options=[], placeholder=t("admin.all", lang)),
            ),
            _field(
                t("admin.audit.filter_actor", lang),
                dcc.Input(id=AUDIT_ACTOR, type="text", debounce=True, maxLength=64),
                field_id=AUDIT_ACTOR,
            ),
            _field(
                t("admin.audit.filter_dates", lang),
                dcc.DatePickerRange(
                    id=AUDIT_DATES,
                    display_format="YYYY-MM-DD",
                    month_format="YYYY-MM",
                    first_day_of_week=1,
                    clearable=True,
                    start_date_placeholder_text=t("admin.audit.start_date", lang),
                    end_date_placeholder_text=t("admin.audit.end_date", lang),
                ),
            ),
            _field(
                t("admin.audit.filter_outcome", lang),
                dcc.Dropdown(
                    id=AUDIT_OUTCOME,
                    options=[{"label": t(f"outcome.{o}", lang), "value": o} for o in OUTCOMES],
                    placeholder=t("admin.all", lang),
                ),
            ),
        ],
        className="aocc-card aocc-admin-filters",
    )
    return build_page(
        t("admin.audit.heading", lang),
        t("admin.audit.intro", lang),
        filters,
        html.Div(id=AUDIT_COUNT, className="aocc-admin-count"),
        html.Div(
            _grid(AUDIT_GRID, audit_columns(lang), lang, selectable=False, height="560px"),
            className="aocc-card aocc-admin-table",
        ),
    )
