"""Notifications page: channels (add, edit, disable, test), silences (create, end early), mute
timings (add, delete) and the delivery log.

Every callback checks ``manage_rules`` on the server; the data functions check the scope again:
channels and mute timings are province-wide and need an administrator of the whole tree, a
silence must lie inside the administrator's subtree, and the log shows alerts inside it. Every
change is audited, never with a webhook URL or a password in the detail.
"""

from __future__ import annotations

import datetime as dt

from dash import Dash, Input, Output, State, ctx, no_update

import components.admin_notifications as ui
from components.admin import build_error, build_message, org_options
from data import users as users_data
from data.alerts import channels as channels_data
from data.alerts import silences as silences_data
from data.alerts.notify import send_test
from data.audit import write_audit
from data.calendar import calendar_for
from data.db import read_connection, session_scope, write_session
from data.queries.notifications import notification_log
from presentation.i18n import t
from presentation.notification_text import render_notification
from security import require_permission
from security.context import (
    current_address,
    current_config,
    current_engine,
    current_language,
    current_scope,
    current_user_info,
)

LOG_LIMIT = 1000
Refused = silences_data.NotificationSettingError


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _refusal(exc: Refused, lang: str):
    return build_error(t(f"notify.error.{exc.code}", lang, **exc.params))


def _audit_refusal(action: str, exc: Refused) -> None:
    with write_session(current_engine()) as session:
        write_audit(
            session, current_user_info().username, action, None, {"refused": exc.code}, current_address(), "failed"
        )


def _selected_id(rows) -> int | None:
    if not rows or not isinstance(rows, list) or not isinstance(rows[0], dict):
        return None
    try:
        return int(rows[0]["id"])
    except (KeyError, TypeError, ValueError):
        return None


def _local_instant(value: str | None) -> dt.datetime | None:
    """``YYYY-MM-DD HH:MM`` in the configured zone as a UTC instant; None for empty."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        naive = dt.datetime.strptime(text.replace("T", " "), "%Y-%m-%d %H:%M")
    except ValueError as exc:
        raise Refused("bad_datetime", value=text[:20]) from exc
    return calendar_for(current_config().timezone).to_utc(naive)


@require_permission("manage_rules")
def update_notification_settings(_channels, _silences, _mutes):
    """The three lists and the forms' choices, within the administrator's scope."""
    lang = current_language()
    scope = current_scope()
    with session_scope(current_engine()) as session:
        conn = session.connection()
        channels = channels_data.list_channels(conn)
        departments = channels_data.list_departments(conn)
        silences = silences_data.list_silences(conn, now=utcnow(), within_path=scope.org_path)
        mutes = silences_data.list_mute_timings(conn)
        rules = silences_data.list_rule_choices(conn)
        orgs = users_data.list_org_choices(session, within_path=scope.org_path)
    department_options = ui.department_options(departments, lang)
    rule_options = ui.rule_options(rules, lang)
    return (
        ui.channel_rows(channels, lang),
        ui.silence_rows(silences, lang),
        ui.mute_rows(mutes, lang),
        department_options,
        department_options,
        rule_options,
        rule_options,
        org_options(orgs, lang),
    )


@require_permission("manage_rules")
def update_channels(_add, _save, _toggle, _test, department_id, kind, name, target, selected_rows, refresh):
    lang = current_language()
    actor = current_user_info()
    within = current_scope().org_path
    action = ctx.triggered_id
    channel_id = _selected_id(selected_rows)
    audit_action = "notify_channel_test" if action == ui.CHANNEL_TEST else "notify_channel_update"
    try:
        if action == ui.CHANNEL_TEST:
            return _test_channel(channel_id, within, lang), no_update
        with write_session(current_engine()) as session:
            conn = session.connection()
            if action == ui.CHANNEL_ADD:
                audit_action = "notify_channel_create"
                new_id = channels_data.create_channel(
                    conn,
                    department_id=department_id,
                    kind=kind,
                    name=name,
                    target=target,
                    created_by=actor.username,
                    now=utcnow(),
                    within_path=within,
                )
                detail = {"channel_id": new_id, "department_id": department_id, "kind": kind, "name": name}
                write_audit(session, actor.username, audit_action, name, detail, current_address())
                return build_message(t("notify.channels.added", lang, name=name.strip())), (refresh or 0) + 1
            if channel_id is None:
                return build_error(t("notify.select_channel", lang)), no_update
            if action == ui.CHANNEL_SAVE:
                channels_data.update_channel(
                    conn, channel_id, name=name, target=target, department_id=department_id, within_path=within
                )
                row = channels_data.get_channel(conn, channel_id)
                detail = {"channel_id": channel_id, "name": row.name, "target_changed": bool((target or "").strip())}
                write_audit(session, actor.username, audit_action, row.name, detail, current_address())
                return build_message(t("notify.channels.saved", lang, name=row.name)), (refresh or 0) + 1
            if action == ui.CHANNEL_TOGGLE:
                enabled = not channels_data.get_channel(conn, channel_id).enabled
                channels_data.update_channel(conn, channel_id, enabled=enabled, within_path=within)
                row = channels_data.get_channel(conn, channel_id)
                detail = {"channel_id": channel_id, "enabled": enabled}
                write_audit(session, actor.username, audit_action, row.name, detail, current_address())
                key = "notify.channels.now_enabled" if enabled else "notify.channels.now_disabled"
                return build_message(t(key, lang, name=row.name)), (refresh or 0) + 1
    except Refused as exc:
        _audit_refusal(audit_action, exc)
        return _refusal(exc, lang), no_update
    return no_update, no_update


def _test_channel(channel_id: int | None, within: str, lang: str):
    if channel_id is None:
        return build_error(t("notify.select_channel", lang))
    engine = current_engine()
    with read_connection(engine) as conn:
        silences_data.require_whole_tree(conn, within)
        name = channels_data.get_channel(conn, channel_id).name
    outcome = send_test(engine, channel_id, now=utcnow(), config=current_config(), render=render_notification)
    with write_session(engine) as session:
        detail = {"channel_id": channel_id, "response_code": outcome.response_code}
        write_audit(
            session,
            current_user_info().username,
            "notify_channel_test",
            name,
            detail,
            current_address(),
            "ok" if outcome.ok else "failed",
            note=outcome.error,
        )
    if outcome.ok:
        return build_message(t("notify.channels.test_sent", lang, name=name))
    return build_error(t("notify.channels.test_failed", lang, name=name, error=outcome.error or ""))


@require_permission("manage_rules")
def update_silences(_create, _end, rule_id, scope_org_id, starts, until, reason, selected_rows, refresh):
    lang = current_language()
    actor = current_user_info()
    scope = current_scope()
    action = ctx.triggered_id
    audit_action = "silence_create" if action == ui.SILENCE_CREATE else "silence_end"
    try:
        if action == ui.SILENCE_CREATE:
            starts_at, ends_at = _local_instant(starts), _local_instant(until)
            with write_session(current_engine()) as session:
                silence_id = silences_data.create_silence(
                    session.connection(),
                    rule_id=rule_id,
                    scope_org_id=scope_org_id if scope_org_id is not None else scope.org_id,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    reason=reason,
                    created_by=actor.username,
                    now=utcnow(),
                    within_path=scope.org_path,
                )
                detail = {
                    "silence_id": silence_id,
                    "rule_id": rule_id,
                    "scope_org_id": scope_org_id if scope_org_id is not None else scope.org_id,
                    "until": ends_at.isoformat(),
                }
                write_audit(session, actor.username, audit_action, f"silence {silence_id}", detail, current_address())
            return build_message(t("notify.silences.created", lang, id=silence_id)), (refresh or 0) + 1
        if action == ui.SILENCE_END:
            silence_id = _selected_id(selected_rows)
            if silence_id is None:
                return build_error(t("notify.select_silence", lang)), no_update
            with write_session(current_engine()) as session:
                silences_data.end_silence(session.connection(), silence_id, now=utcnow(), within_path=scope.org_path)
                write_audit(
                    session,
                    actor.username,
                    audit_action,
                    f"silence {silence_id}",
                    {"silence_id": silence_id},
                    current_address(),
                )
            return build_message(t("notify.silences.ended", lang, id=silence_id)), (refresh or 0) + 1
    except Refused as exc:
        _audit_refusal(audit_action, exc)
        return _refusal(exc, lang), no_update
    return no_update, no_update


@require_permission("manage_rules")
def update_mute_timings(_add, _delete, name, hours_from, hours_to, weekdays, days, rule_ids, selected_rows, refresh):
    lang = current_language()
    actor = current_user_info()
    within = current_scope().org_path
    action = ctx.triggered_id
    audit_action = "mute_timing_create" if action == ui.MUTE_ADD else "mute_timing_delete"
    try:
        with write_session(current_engine()) as session:
            conn = session.connection()
            if action == ui.MUTE_ADD:
                hours = [[hours_from, hours_to]] if (hours_from or hours_to) else []
                days = set(days or [])
                mute_id = silences_data.create_mute_timing(
                    conn,
                    name=name,
                    hours=hours,
                    weekdays=weekdays or [],
                    holidays="holidays" in days,
                    rest_days="rest_days" in days,
                    rule_ids=rule_ids or [],
                    within_path=within,
                )
                detail = {"mute_timing_id": mute_id, "hours": hours, "weekdays": weekdays or [], "days": sorted(days)}
                write_audit(session, actor.username, audit_action, name, detail, current_address())
                return build_message(t("notify.mutes.added", lang, name=name.strip())), (refresh or 0) + 1
            if action == ui.MUTE_DELETE:
                mute_id = _selected_id(selected_rows)
                if mute_id is None:
                    return build_error(t("notify.select_mute", lang)), no_update
                removed = silences_data.delete_mute_timing(conn, mute_id, within_path=within)
                write_audit(
                    session, actor.username, audit_action, removed, {"mute_timing_id": mute_id}, current_address()
                )
                return build_message(t("notify.mutes.deleted", lang, name=removed)), (refresh or 0) + 1
    except Refused as exc:
        _audit_refusal(audit_action, exc)
        return _refusal(exc, lang), no_update
    return no_update, no_update


@require_permission("manage_rules")
def update_delivery_log(_refresh, status, department_id, alert_id):
    lang = current_language()
    try:
        alert_id = int(alert_id) if alert_id not in (None, "") else None
        department_id = int(department_id) if department_id not in (None, "") else None
    except (TypeError, ValueError):
        alert_id = department_id = None
    status = status if status in ui.LOG_STATUSES else None
    with read_connection(current_engine()) as conn:
        log = notification_log(
            conn, current_scope(), alert_id=alert_id, department_id=department_id, status=status, limit=LOG_LIMIT
        )
    return ui.log_rows(log, lang), t("notify.log.count", lang, count=len(log))


def register(app: Dash) -> None:
    """Register this page's callbacks on ``app``."""
    app.callback(
        Output(ui.CHANNEL_GRID, "rowData"),
        Output(ui.SILENCE_GRID, "rowData"),
        Output(ui.MUTE_GRID, "rowData"),
        Output(ui.CHANNEL_DEPARTMENT, "options"),
        Output(ui.LOG_DEPARTMENT, "options"),
        Output(ui.SILENCE_RULE, "options"),
        Output(ui.MUTE_RULES, "options"),
        Output(ui.SILENCE_SCOPE, "options"),
        Input(ui.CHANNEL_REFRESH, "data"),
        Input(ui.SILENCE_REFRESH, "data"),
        Input(ui.MUTE_REFRESH, "data"),
    )(update_notification_settings)
    app.callback(
        Output(ui.CHANNEL_MESSAGE, "children"),
        Output(ui.CHANNEL_REFRESH, "data"),
        Input(ui.CHANNEL_ADD, "n_clicks"),
        Input(ui.CHANNEL_SAVE, "n_clicks"),
        Input(ui.CHANNEL_TOGGLE, "n_clicks"),
        Input(ui.CHANNEL_TEST, "n_clicks"),
        State(ui.CHANNEL_DEPARTMENT, "value"),
        State(ui.CHANNEL_KIND, "value"),
        State(ui.CHANNEL_NAME, "value"),
        State(ui.CHANNEL_TARGET, "value"),
        State(ui.CHANNEL_GRID, "selectedRows"),
        State(ui.CHANNEL_REFRESH, "data"),
        prevent_initial_call=True,
    )(update_channels)
    app.callback(
        Output(ui.SILENCE_MESSAGE, "children"),
        Output(ui.SILENCE_REFRESH, "data"),
        Input(ui.SILENCE_CREATE, "n_clicks"),
        Input(ui.SILENCE_END, "n_clicks"),
        State(ui.SILENCE_RULE, "value"),
        State(ui.SILENCE_SCOPE, "value"),
        State(ui.SILENCE_FROM, "value"),
        State(ui.SILENCE_UNTIL, "value"),
        State(ui.SILENCE_REASON, "value"),
        State(ui.SILENCE_GRID, "selectedRows"),
        State(ui.SILENCE_REFRESH, "data"),
        prevent_initial_call=True,
    )(update_silences)
    app.callback(
        Output(ui.MUTE_MESSAGE, "children"),
        Output(ui.MUTE_REFRESH, "data"),
        Input(ui.MUTE_ADD, "n_clicks"),
        Input(ui.MUTE_DELETE, "n_clicks"),
        State(ui.MUTE_NAME, "value"),
        State(ui.MUTE_FROM, "value"),
        State(ui.MUTE_TO, "value"),
        State(ui.MUTE_WEEKDAYS, "value"),
        State(ui.MUTE_DAYS, "value"),
        State(ui.MUTE_RULES, "value"),
        State(ui.MUTE_GRID, "selectedRows"),
        State(ui.MUTE_REFRESH, "data"),
        prevent_initial_call=True,
    )(update_mute_timings)
    app.callback(
        Output(ui.LOG_GRID, "rowData"),
        Output(ui.LOG_COUNT, "children"),
        Input(ui.CHANNEL_REFRESH, "data"),
        Input(ui.LOG_STATUS, "value"),
        Input(ui.LOG_DEPARTMENT, "value"),
        Input(ui.LOG_ALERT, "value"),
    )(update_delivery_log)
