"""The alerts page's callbacks: the filtered list, MTTA/MTTR, the detail of the chosen alert, and
the four actions (acknowledge, assign, note, resolve).

Reading needs ``view``; every action needs ``manage_alerts``, checked here on the server
(``require_permission``) whatever the page showed. The alert an action applies to is the one
named in the clicked button's pattern-matching id: ``data.alerts.lifecycle`` checks it against
the user's data scope, and a request naming an alert outside it (or no alert at all) is refused
with 403 and an audit row, like a missing permission. The rules of each transition and their
messages are ``data.alerts.lifecycle``'s. A failed read is logged and shown as a failure.
"""

from __future__ import annotations

import datetime as dt
import logging

from dash import ALL, Dash, Input, Output, State, ctx, no_update

import components.alerts as ui
from components.shell import build_status_error, build_status_line
from components.states import build_error
from data import users as users_data
from data.alerts import lifecycle
from data.alerts.lifecycle import AlertActionError
from data.db import session_scope, write_session
from data.queries.alerts import (
    fetch_alert_detail,
    fetch_alerts,
    fetch_assignees,
    fetch_departments,
    fetch_response_times,
)
from data.scope import NotInScope, OutOfScope
from presentation.i18n import t
from security import require_permission
from security.context import current_engine, current_language, current_scope, current_user_info, has_permission
from security.guard import refuse

from ._common import local_now

log = logging.getLogger("aocc.callbacks.alerts")

UTC = dt.UTC
LIST_LIMIT = 500
#: The org filter offers the scope's node and the levels below it down to counties (depth 2);
#: agencies are reached through the domain pages' drill-down or ``?org=``.
ORG_FILTER_MAX_DEPTH = 2


def _since(period) -> dt.datetime | None:
    days = ui.PERIOD_DAYS.get(period or ui.DEFAULT_PERIOD, ui.PERIOD_DAYS[ui.DEFAULT_PERIOD])
    return None if days is None else dt.datetime.now(UTC) - dt.timedelta(days=days)


@require_permission("view")
def update_alert_filter_options(_query_alert):
    """The department and org filters' choices (the org tree of the user's scope)."""
    lang = current_language()
    try:
        scope = current_scope()
        engine = current_engine()
        with engine.connect() as conn:
            departments = fetch_departments(conn)
        depth = scope.org_path.strip("/").count("/")
        with session_scope(engine) as session:
            orgs = users_data.list_org_choices(
                session, within_path=scope.org_path, max_depth=max(depth, ORG_FILTER_MAX_DEPTH)
            )
    except (NotInScope, PermissionError):
        return [], []
    return ui.department_options(departments, lang=lang), ui.org_filter_options(orgs, lang=lang)


@require_permission("view")
def update_alerts_list(n_intervals, severities, domains, departments, states, org, period, _changed):
    """The grid's rows, the count, the status line and MTTA/MTTR by department for the filters."""
    lang = current_language()
    now = local_now()
    since = _since(period)
    try:
        scope = current_scope()
        org_id = int(org) if org not in (None, "") else None
        with current_engine().connect() as conn:
            alerts = fetch_alerts(
                conn,
                scope,
                org_id=org_id,
                severities=severities,
                domains=domains,
                department_ids=departments,
                states=states,
                since=since,
                limit=LIST_LIMIT,
            )
            response = fetch_response_times(conn, scope, org_id=org_id, since=since)
    except (NotInScope, PermissionError, ValueError):  # a node outside the scope, or not an id
        refused = build_error(lang, message_key="state.out_of_scope")
        return [], "", [refused], refused
    except Exception:  # noqa: BLE001 - logged with its traceback and shown as a failure, never as "no alerts"
        log.exception("alerts page: reading the alerts failed")
        status = build_status_error(now, lang=lang)
        if n_intervals:  # a refresh: keep the last good rows on screen
            return no_update, no_update, status, no_update
        return [], "", status, build_error(lang)
    count = t("alerts.count", lang, n=len(alerts))
    if len(alerts) >= LIST_LIMIT:
        count = t("alerts.count_limited", lang, n=LIST_LIMIT)
    return (
        ui.alert_rows(alerts, lang=lang),
        count,
        build_status_line(None, now, lang=lang),
        ui.build_response_table(response, lang=lang),
    )


def _chosen_alert(selected_rows, query_alert):
    if ctx.triggered_id == ui.GRID or selected_rows:
        rows = selected_rows or []
        return rows[0].get("alert_id") if rows else None
    return query_alert


@require_permission("view")
def update_alert_detail(selected_rows, query_alert, _changed):
    """The chosen alert's detail; for holders of ``manage_alerts`` the actions its state allows
    and the people it can be assigned to."""
    lang = current_language()
    alert_id = _chosen_alert(selected_rows, query_alert)
    hidden = (ui.build_alert_detail_placeholder(lang), True, [], [], None)
    if alert_id in (None, ""):
        return hidden
    can_manage = has_permission("manage_alerts")
    try:
        scope = current_scope()
        with current_engine().connect() as conn:
            detail = fetch_alert_detail(conn, scope, alert_id)
            assignees = fetch_assignees(conn, scope, alert_id) if detail is not None and can_manage else None
    except (NotInScope, PermissionError):
        return [build_error(lang, message_key="state.out_of_scope")], True, [], [], None
    except Exception:  # noqa: BLE001 - logged with its traceback and shown as a failure
        log.exception("alerts page: reading alert %r failed", alert_id)
        return [build_error(lang)], True, [], [], None
    children = ui.build_alert_detail(detail, lang=lang)
    if detail is None or not can_manage:
        return children, True, [], [], None
    alert = detail["alert"]
    buttons = ui.build_action_buttons(alert["alert_id"], alert["state"], lang=lang)
    options = [
        {"label": f"{r['display_name']} ({r['username']})", "value": int(r["user_id"])}
        for r in assignees.to_dict("records")
    ]
    assignee = int(alert["assignee_id"]) if alert["assignee_id"] is not None else None
    return children, False, buttons, options, assignee


ACTIONS = {
    "acknowledge": lambda conn, alert_id, actor, scope, note, assignee: lifecycle.acknowledge(
        conn, alert_id, actor=actor, scope=scope, note=note
    ),
    "assign": lambda conn, alert_id, actor, scope, note, assignee: lifecycle.assign(
        conn, alert_id, actor=actor, scope=scope, assignee_id=assignee
    ),
    "note": lambda conn, alert_id, actor, scope, note, assignee: lifecycle.add_note(
        conn, alert_id, actor=actor, scope=scope, note=note
    ),
    "resolve": lambda conn, alert_id, actor, scope, note, assignee: lifecycle.resolve(
        conn, alert_id, actor=actor, scope=scope, note=note
    ),
}


@require_permission("manage_alerts")
def act_on_alert(clicks, note, assignee, changed):
    """Acknowledge, assign, note or resolve the alert named by the clicked button's id."""
    triggered = ctx.triggered_id
    if not isinstance(triggered, dict) or not any(clicks or []) or not (ctx.triggered and ctx.triggered[0]["value"]):
        return no_update, no_update, no_update
    lang = current_language()
    action, alert_id = triggered.get("action"), triggered.get("alert")
    if action not in ACTIONS:
        refuse("act_on_alert", "manage_alerts", target=f"alert:{alert_id!r}")
    try:
        with write_session(current_engine()) as session:
            change = ACTIONS[action](
                session.connection(), alert_id, current_user_info().username, current_scope(), note, assignee
            )
    except (OutOfScope, NotInScope):
        # only a hand-made request names an alert the page never showed: refused and audited
        log.warning("alerts page: %s on alert %r refused: outside the scope", action, alert_id)
        refuse(f"act_on_alert:{action}", "manage_alerts", target=f"alert:{alert_id!r}")
    except AlertActionError as exc:
        params = dict(exc.params)
        if "state" in params:
            params["state"] = ui.state_label(params["state"], lang)
        return ui.build_message(t(f"alerts.error.{exc.code}", lang, **params), ok=False), no_update, no_update
    except Exception:  # noqa: BLE001 - logged with its traceback and shown as a failure
        log.exception("alerts page: %s on alert %r failed", action, alert_id)
        return ui.build_message(t("alerts.error.failed", lang), ok=False), no_update, no_update
    message = ui.build_message(t(f"alerts.done.{action}", lang, id=change.alert_id), ok=True)
    return message, (changed or 0) + 1, ""


def register(app: Dash) -> None:
    """Register this page's callbacks on ``app``."""
    app.callback(
        Output(ui.F_DEPARTMENT, "options"),
        Output(ui.F_ORG, "options"),
        Input(ui.QUERY_ALERT, "data"),
    )(update_alert_filter_options)
    app.callback(
        Output(ui.GRID, "rowData"),
        Output(ui.COUNT, "children"),
        Output(ui.STATUS, "children"),
        Output(ui.RESPONSE, "children"),
        Input(ui.INTERVAL, "n_intervals"),
        Input(ui.F_SEVERITY, "value"),
        Input(ui.F_DOMAIN, "value"),
        Input(ui.F_DEPARTMENT, "value"),
        Input(ui.F_STATE, "value"),
        Input(ui.F_ORG, "value"),
        Input(ui.F_PERIOD, "value"),
        Input(ui.CHANGED, "data"),
    )(update_alerts_list)
    app.callback(
        Output(ui.DETAIL, "children"),
        Output(ui.ACTIONS, "hidden"),
        Output(ui.BUTTONS, "children"),
        Output(ui.ASSIGNEE, "options"),
        Output(ui.ASSIGNEE, "value"),
        Input(ui.GRID, "selectedRows"),
        Input(ui.QUERY_ALERT, "data"),
        Input(ui.CHANGED, "data"),
    )(update_alert_detail)
    app.callback(
        Output(ui.MESSAGE, "children"),
        Output(ui.CHANGED, "data"),
        Output(ui.NOTE, "value"),
        Input(ui.alert_action(ALL, ALL), "n_clicks"),
        State(ui.NOTE, "value"),
        State(ui.ASSIGNEE, "value"),
        State(ui.CHANGED, "data"),
        prevent_initial_call=True,
    )(act_on_alert)
