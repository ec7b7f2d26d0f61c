"""Builders of the notifications page (通知与静默): department channels, one-off silences,
recurring mute timings and the delivery log.

Pure functions of plain values: no database, no request. Channel targets arrive masked (a
webhook URL is a secret; ``data.alerts.channels.mask_target``) and the target field is never
filled from the server: leaving it empty when saving keeps the stored one.
"""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from components.admin import _field, _grid, build_page
from presentation.format import format_time
from presentation.i18n import t

# --- component ids ------------------------------------------------------------------------------
CHANNEL_GRID = "notify-channel-grid"
CHANNEL_DEPARTMENT = "notify-channel-department"
CHANNEL_KIND = "notify-channel-kind"
CHANNEL_NAME = "notify-channel-name"
CHANNEL_TARGET = "notify-channel-target"
CHANNEL_ADD = "notify-channel-add"
CHANNEL_SAVE = "notify-channel-save"
CHANNEL_TOGGLE = "notify-channel-toggle"
CHANNEL_TEST = "notify-channel-test"
CHANNEL_MESSAGE = "notify-channel-message"
CHANNEL_REFRESH = "notify-channel-refresh"
SILENCE_GRID = "notify-silence-grid"
SILENCE_RULE = "notify-silence-rule"
SILENCE_SCOPE = "notify-silence-scope"
SILENCE_FROM = "notify-silence-from"
SILENCE_UNTIL = "notify-silence-until"
SILENCE_REASON = "notify-silence-reason"
SILENCE_CREATE = "notify-silence-create"
SILENCE_END = "notify-silence-end"
SILENCE_MESSAGE = "notify-silence-message"
SILENCE_REFRESH = "notify-silence-refresh"
MUTE_GRID = "notify-mute-grid"
MUTE_NAME = "notify-mute-name"
MUTE_FROM = "notify-mute-from"
MUTE_TO = "notify-mute-to"
MUTE_WEEKDAYS = "notify-mute-weekdays"
MUTE_DAYS = "notify-mute-days"
MUTE_RULES = "notify-mute-rules"
MUTE_ADD = "notify-mute-add"
MUTE_DELETE = "notify-mute-delete"
MUTE_MESSAGE = "notify-mute-message"
MUTE_REFRESH = "notify-mute-refresh"
LOG_GRID = "notify-log-grid"
LOG_STATUS = "notify-log-status"
LOG_DEPARTMENT = "notify-log-department"
LOG_ALERT = "notify-log-alert"
LOG_COUNT = "notify-log-count"

CHANNEL_KINDS = ("email", "webhook")
LOG_STATUSES = ("sent", "failed", "retrying", "sending", "silenced", "muted", "no_channel")
_BUTTON = "btn btn-primary btn-sm aocc-admin-button"


def _name(row: dict, key: str, lang: str) -> str:
    zh, en = row.get(f"{key}_zh"), row.get(f"{key}_en")
    return (zh or en or "") if lang == "zh" else (en or zh or "")


def _button(label: str, button_id: str) -> html.Button:
    return html.Button(label, id=button_id, n_clicks=0, className=_BUTTON)


def _message_slot(slot_id: str) -> html.Div:
    return html.Div(id=slot_id, className="aocc-admin-message-slot", **{"aria-live": "polite"})


def department_options(departments: list[dict], lang: str) -> list[dict]:
    return [{"label": _name(d, "name", lang), "value": d["id"]} for d in departments]


def rule_options(rules: list[dict], lang: str) -> list[dict]:
    return [{"label": _name(r, "name", lang), "value": r["id"]} for r in rules]


# --- channels ---------------------------------------------------------------------------------


def channel_columns(lang: str) -> list[dict]:
    return [
        {"field": "department", "headerName": t("notify.channels.department", lang)},
        {"field": "kind_label", "headerName": t("notify.channels.kind", lang), "maxWidth": 140},
        {"field": "name", "headerName": t("notify.channels.name", lang)},
        {"field": "target", "headerName": t("notify.channels.target", lang), "flex": 2},
        {"field": "format_label", "headerName": t("notify.channels.format", lang)},
        {"field": "status_label", "headerName": t("notify.channels.status", lang), "maxWidth": 110},
        {"field": "created_by", "headerName": t("notify.channels.created_by", lang)},
        {"field": "created_at", "headerName": t("notify.channels.created_at", lang)},
    ]


def channel_rows(channels: list[dict], lang: str) -> list[dict]:
    """Grid rows from ``data.alerts.channels.list_channels`` (targets already masked)."""
    return [
        {
            "id": c["id"],
            "department_id": c["department_id"],
            "department": _name(c, "department_name", lang),
            "kind": c["kind"],
            "kind_label": t(f"notify.kind.{c['kind']}", lang),
            "name": c["name"],
            "target": c["target_masked"],
            "format_label": t(f"notify.format.{c['webhook_format']}", lang) if c.get("webhook_format") else "",
            "enabled": bool(c["enabled"]),
            "status_label": t("notify.channels.enabled" if c["enabled"] else "notify.channels.disabled", lang),
            "created_by": c["created_by"] or "",
            "created_at": format_time(c["created_at"]),
        }
        for c in channels
    ]


def _channel_form(lang: str) -> html.Fieldset:
    return html.Fieldset(
        [
            html.Legend(t("notify.channels.heading", lang)),
            _field(t("notify.channels.department", lang), dcc.Dropdown(id=CHANNEL_DEPARTMENT, options=[])),
            _field(
                t("notify.channels.kind", lang),
                dcc.Dropdown(
                    id=CHANNEL_KIND,
                    options=[{"label": t(f"notify.kind.{k}", lang), "value": k} for k in CHANNEL_KINDS],
                    value="webhook",
                    clearable=False,
                ),
            ),
            _field(
                t("notify.channels.name", lang),
                dcc.Input(id=CHANNEL_NAME, type="text", maxLength=64, autoComplete="off"),
                field_id=CHANNEL_NAME,
            ),
            _field(
                t("notify.channels.target", lang),
                dcc.Input(id=CHANNEL_TARGET, type="text", maxLength=2000, autoComplete="off"),
                field_id=CHANNEL_TARGET,
            ),
            html.P(t("notify.channels.target_hint", lang), className="aocc-admin-hint"),
            html.Div(
                [
                    _button(t("notify.channels.add", lang), CHANNEL_ADD),
                    _button(t("notify.channels.save", lang), CHANNEL_SAVE),
                    _button(t("notify.channels.toggle", lang), CHANNEL_TOGGLE),
                    _button(t("notify.channels.test", lang), CHANNEL_TEST),
                ],
                className="aocc-admin-actions",
            ),
        ],
        className="aocc-card aocc-admin-form",
    )


# --- silences ---------------------------------------------------------------------------------


def silence_columns(lang: str) -> list[dict]:
    return [
        {"field": "id", "headerName": "#", "maxWidth": 80},
        {"field": "rule", "headerName": t("notify.silences.rule", lang)},
        {"field": "scope", "headerName": t("notify.silences.scope", lang)},
        {"field": "starts_at", "headerName": t("notify.silences.from", lang)},
        {"field": "ends_at", "headerName": t("notify.silences.until", lang)},
        {"field": "state_label", "headerName": t("notify.silences.state", lang), "maxWidth": 110},
        {"field": "reason", "headerName": t("notify.silences.reason", lang), "flex": 2},
        {"field": "created_by", "headerName": t("notify.silences.created_by", lang)},
    ]


def silence_rows(silences: list[dict], lang: str) -> list[dict]:
    """Grid rows from ``data.alerts.silences.list_silences``."""
    return [
        {
            "id": s["id"],
            "rule": _name(s, "rule_name", lang) if s["rule_id"] is not None else t("notify.silences.all_rules", lang),
            "scope": _name(s, "scope_name", lang)
            if s["scope_org_id"] is not None
            else t("notify.silences.whole_tree", lang),
            "starts_at": format_time(s["starts_at"]),
            "ends_at": format_time(s["ends_at"]),
            "state": s["state"],
            "state_label": t(f"notify.silences.state.{s['state']}", lang),
            "reason": s["reason"],
            "created_by": s["created_by"],
        }
        for s in silences
    ]


def _silence_form(lang: str) -> html.Fieldset:
    hint = t("notify.silences.time_hint", lang)
    return html.Fieldset(
        [
            html.Legend(t("notify.silences.heading", lang)),
            _field(
                t("notify.silences.rule", lang),
                dcc.Dropdown(id=SILENCE_RULE, options=[], placeholder=t("notify.silences.all_rules", lang)),
            ),
            _field(
                t("notify.silences.scope", lang),
                dcc.Dropdown(id=SILENCE_SCOPE, options=[], placeholder=t("notify.silences.whole_tree", lang)),
            ),
            _field(
                t("notify.silences.from", lang),
                dcc.Input(id=SILENCE_FROM, type="text", placeholder=hint, maxLength=16, autoComplete="off"),
                field_id=SILENCE_FROM,
            ),
            _field(
                t("notify.silences.until", lang),
                dcc.Input(id=SILENCE_UNTIL, type="text", placeholder=hint, maxLength=16, autoComplete="off"),
                field_id=SILENCE_UNTIL,
            ),
            _field(
                t("notify.silences.reason", lang),
                dcc.Textarea(id=SILENCE_REASON, maxLength=500, rows=2),
                field_id=SILENCE_REASON,
            ),
            html.Div(
                [
                    _button(t("notify.silences.create", lang), SILENCE_CREATE),
                    _button(t("notify.silences.end", lang), SILENCE_END),
                ],
                className="aocc-admin-actions",
            ),
        ],
        className="aocc-card aocc-admin-form",
    )


# --- mute timings -----------------------------------------------------------------------------


def weekday_options(lang: str) -> list[dict]:
    return [{"label": t(f"notify.weekday.{d}", lang), "value": d} for d in range(7)]


def describe_spec(spec: dict, lang: str) -> str:
    """``22:00–07:00；周六、周日；法定节假日`` from a normalised spec."""
    parts = [f"{start}–{end}" for start, end in spec.get("hours", ())]
    days = spec.get("weekdays") or []
    if days:
        parts.append(("、" if lang == "zh" else ", ").join(t(f"notify.weekday.{d}", lang) for d in days))
    if spec.get("holidays"):
        parts.append(t("notify.mutes.holidays", lang))
    if spec.get("rest_days"):
        parts.append(t("notify.mutes.rest_days", lang))
    return ("；" if lang == "zh" else "; ").join(parts)


def mute_columns(lang: str) -> list[dict]:
    return [
        {"field": "name", "headerName": t("notify.mutes.name", lang)},
        {"field": "when", "headerName": t("notify.mutes.when", lang), "flex": 2},
        {"field": "rules", "headerName": t("notify.mutes.rules", lang), "flex": 2},
    ]


def mute_rows(mutes: list[dict], lang: str) -> list[dict]:
    """Grid rows from ``data.alerts.silences.list_mute_timings``."""
    key = "rule_names_zh" if lang == "zh" else "rule_names_en"
    return [
        {
            "id": m["id"],
            "name": m["name"],
            "when": describe_spec(m["spec"], lang),
            "rules": ", ".join(m[key]) if m["rule_ids"] else t("notify.silences.all_rules", lang),
        }
        for m in mutes
    ]


def _mute_form(lang: str) -> html.Fieldset:
    return html.Fieldset(
        [
            html.Legend(t("notify.mutes.heading", lang)),
            _field(
                t("notify.mutes.name", lang),
                dcc.Input(id=MUTE_NAME, type="text", maxLength=64, autoComplete="off"),
                field_id=MUTE_NAME,
            ),
            _field(
                t("notify.mutes.hours_from", lang),
                dcc.Input(id=MUTE_FROM, type="text", placeholder="22:00", maxLength=5, autoComplete="off"),
                field_id=MUTE_FROM,
            ),
            _field(
                t("notify.mutes.hours_to", lang),
                dcc.Input(id=MUTE_TO, type="text", placeholder="07:00", maxLength=5, autoComplete="off"),
                field_id=MUTE_TO,
            ),
            _field(
                t("notify.mutes.weekdays", lang),
                dcc.Checklist(id=MUTE_WEEKDAYS, options=weekday_options(lang), value=[], inline=True),
            ),
            _field(
                t("notify.mutes.days", lang),
                dcc.Checklist(
                    id=MUTE_DAYS,
                    options=[
                        {"label": t("notify.mutes.holidays", lang), "value": "holidays"},
                        {"label": t("notify.mutes.rest_days", lang), "value": "rest_days"},
                    ],
                    value=[],
                ),
            ),
            _field(t("notify.mutes.rules", lang), dcc.Dropdown(id=MUTE_RULES, options=[], multi=True)),
            html.Div(
                [_button(t("notify.mutes.add", lang), MUTE_ADD), _button(t("notify.mutes.delete", lang), MUTE_DELETE)],
                className="aocc-admin-actions",
            ),
        ],
        className="aocc-card aocc-admin-form",
    )


# --- delivery log -----------------------------------------------------------------------------


def log_columns(lang: str) -> list[dict]:
    return [
        {"field": "at", "headerName": t("notify.log.at", lang), "maxWidth": 170},
        {"field": "alert_id", "headerName": t("notify.log.alert", lang), "maxWidth": 110},
        {"field": "event_label", "headerName": t("notify.log.event", lang), "maxWidth": 100},
        {"field": "rule", "headerName": t("notify.log.rule", lang)},
        {"field": "department", "headerName": t("notify.log.department", lang)},
        {"field": "channel", "headerName": t("notify.log.channel", lang)},
        {"field": "attempt", "headerName": t("notify.log.attempt", lang), "maxWidth": 90},
        {"field": "status_label", "headerName": t("notify.log.status", lang)},
        {"field": "response_code", "headerName": t("notify.log.response_code", lang), "maxWidth": 110},
        {"field": "next_attempt_at", "headerName": t("notify.log.next_attempt", lang)},
        {"field": "error", "headerName": t("notify.log.error", lang), "flex": 2},
    ]


def log_rows(log: pd.DataFrame, lang: str) -> list[dict]:
    """Grid rows from ``data.queries.notifications.notification_log``."""
    rows = []
    for r in log.to_dict("records"):
        code = r["response_code"]
        rows.append(
            {
                "id": int(r["id"]),
                "at": format_time(r["at"]),
                "alert_id": int(r["alert_id"]),
                "event_label": t(f"notify.event.{r['event']}", lang)
                if r["event"] in ("firing", "resolved")
                else r["event"],
                "rule": _name(r, "rule_name", lang),
                "department": _name(r, "department_name", lang),
                "channel": r["channel_name"] if isinstance(r["channel_name"], str) else "",
                "attempt": int(r["attempt"]),
                "status": r["status"],
                "status_label": t(f"notify.status.{r['status']}", lang) if r["status"] in LOG_STATUSES else r["status"],
                "response_code": "" if code is None or pd.isna(code) else str(int(code)),
                "next_attempt_at": format_time(r["next_attempt_at"]) if r["status"] == "retrying" else "",
                "error": r["error"] if isinstance(r["error"], str) else "",
            }
        )
    return rows


def _log_filters(lang: str) -> html.Div:
    return html.Div(
        [
            _field(
                t("notify.log.status", lang),
                dcc.Dropdown(
                    id=LOG_STATUS,
                    options=[{"label": t(f"notify.status.{s}", lang), "value": s} for s in LOG_STATUSES],
                    placeholder=t("admin.all", lang),
                ),
            ),
            _field(
                t("notify.log.department", lang),
                dcc.Dropdown(id=LOG_DEPARTMENT, options=[], placeholder=t("admin.all", lang)),
            ),
            _field(
                t("notify.log.alert", lang),
                dcc.Input(id=LOG_ALERT, type="number", min=1, step=1, debounce=True),
                field_id=LOG_ALERT,
            ),
        ],
        className="aocc-card aocc-admin-filters",
    )


def build_notifications_page(lang: str) -> html.Div:
    def section(heading_key: str, *children) -> html.Section:
        return html.Section([html.H2(t(heading_key, lang), className="aocc-admin-section"), *children])

    return build_page(
        t("notify.heading", lang),
        t("notify.intro", lang),
        dcc.Store(id=CHANNEL_REFRESH, data=0),
        dcc.Store(id=SILENCE_REFRESH, data=0),
        dcc.Store(id=MUTE_REFRESH, data=0),
        section(
            "notify.channels.heading",
            _message_slot(CHANNEL_MESSAGE),
            html.Div([_channel_form(lang)], className="aocc-admin-forms"),
            html.Div(
                _grid(CHANNEL_GRID, channel_columns(lang), lang, selectable=True, height="280px"),
                className="aocc-card aocc-admin-table",
            ),
        ),
        section(
            "notify.silences.heading",
            _message_slot(SILENCE_MESSAGE),
            html.Div([_silence_form(lang)], className="aocc-admin-forms"),
            html.Div(
                _grid(SILENCE_GRID, silence_columns(lang), lang, selectable=True, height="280px"),
                className="aocc-card aocc-admin-table",
            ),
        ),
        section(
            "notify.mutes.heading",
            _message_slot(MUTE_MESSAGE),
            html.Div([_mute_form(lang)], className="aocc-admin-forms"),
            html.Div(
                _grid(MUTE_GRID, mute_columns(lang), lang, selectable=True, height="240px"),
                className="aocc-card aocc-admin-table",
            ),
        ),
        section(
            "notify.log.heading",
            _log_filters(lang),
            html.Div(id=LOG_COUNT, className="aocc-admin-count"),
            html.Div(
                _grid(LOG_GRID, log_columns(lang), lang, selectable=False, height="420px"),
                className="aocc-card aocc-admin-table",
            ),
        ),
    )
