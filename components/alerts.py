"""The alerts page (告警中心), the overview's alerts panel and the wall ticker: ids and builders.

Pure functions of plain values (frames from ``data.queries.alerts``, dicts): no database, no
request. The action buttons are built only when the caller says the user may act
(``can_manage``); the server checks again whatever the page showed. Each button carries the
alert's id in its pattern-matching id (``alert_action(action, alert_id)``), the one place a
client names an alert to act on.
"""

from __future__ import annotations

import dash_ag_grid as dag
import pandas as pd
from dash import ALL, dcc, html

from components.shell import DOMAIN_PAGES, PAGE_PATHS, dropdown_labels
from components.states import build_empty, build_loading
from data.catalog import DOMAINS
from data.frames import frame_records
from presentation.format import format_quantity, format_time, is_missing
from presentation.i18n import has, t
from presentation.ingest_text import format_duration

# --- component ids (the alerts page's own) -------------------------------------------------------
PAGE_PATH = PAGE_PATHS["alerts"]
INTERVAL = "alerts-interval"
STATUS = "alerts-status"
F_SEVERITY = "alerts-f-severity"
F_DOMAIN = "alerts-f-domain"
F_DEPARTMENT = "alerts-f-department"
F_STATE = "alerts-f-state"
F_ORG = "alerts-f-org"
F_PERIOD = "alerts-f-period"
GRID = "alerts-grid"
COUNT = "alerts-count"
DETAIL = "alerts-detail"
ACTIONS = "alerts-actions"
BUTTONS = "alerts-buttons"
NOTE = "alerts-note"
ASSIGNEE = "alerts-assignee"
MESSAGE = "alerts-message"
CHANGED = "alerts-changed"
QUERY_ALERT = "alerts-query-alert"
RESPONSE = "alerts-response"
ACTION = "alerts-action"  # pattern: {"type": ACTION, "action": <name>, "alert": <alert id>}
PANEL = "overview-alerts-panel"
TICKER = "overview-alerts-ticker"

ACTION_NAMES = ("acknowledge", "assign", "note", "resolve")
SEVERITIES = ("critical", "warning")
STATES = ("pending", "firing", "acknowledged", "resolved")
DEFAULT_STATES = ("pending", "firing", "acknowledged")
PERIODS = ("1d", "7d", "30d", "90d", "all")
PERIOD_DAYS = {"1d": 1, "7d": 7, "30d": 30, "90d": 90, "all": None}
DEFAULT_PERIOD = "30d"


def alert_action(action=ALL, alert_id=ALL) -> dict:
    return {"type": ACTION, "action": action, "alert": alert_id}


def alerts_href(alert_id=None) -> str:
    return PAGE_PATH + (f"?alert={int(alert_id)}" if alert_id is not None else "")


# --- labels -------------------------------------------------------------------------------------


def severity_label(code: str, lang: str) -> str:
    return t(f"alerts.severity.{code}", lang) if has(f"alerts.severity.{code}") else str(code)


def state_label(code, lang: str) -> str:
    return t(f"alerts.state.{code}", lang) if code and has(f"alerts.state.{code}") else str(code or "—")


def entity_label(row: dict, lang: str) -> str:
    name = row.get("entity_name_zh" if lang == "zh" else "entity_name_en")
    if not is_missing(name) and name:
        return str(name)
    kind = row.get("entity_kind")
    kind_text = t(f"alerts.kind.{kind}", lang) if has(f"alerts.kind.{kind}") else str(kind)
    return t("alerts.entity_unnamed", lang, kind=kind_text, id=row.get("entity_id"))


def _name(row: dict, prefix: str, lang: str) -> str:
    value = row.get(f"{prefix}_zh" if lang == "zh" else f"{prefix}_en")
    return "" if is_missing(value) else str(value)


def value_text(row: dict, lang: str) -> str:
    """The figure the rule judged against the level it crossed, in the comparison's own terms: a
    change in % for a change rule (``+85% / +80%``), a deviation for a band (``±0.91× / ±0.50×``),
    else the value and the level in the indicator's unit."""
    unit = row.get("unit") or ""
    comparison, figure, threshold = row.get("comparison"), row.get("figure"), row.get("threshold")
    value = row.get("value")
    if comparison in ("change_pct", "change_prev") and not is_missing(figure):
        return f"{_signed_pct(figure)} / {_signed_pct(threshold)}"
    if row.get("window") == "ytd_pace":  # the pace in % of the annual quota (100: on pace)
        return f"{_pct(value)} / {_pct(threshold)}"
    if unit == "%":  # the engine judges shares as fractions (0.35); people read percentages
        value, figure, threshold = (None if is_missing(x) else float(x) * 100 for x in (value, figure, threshold))
    if comparison == "outside" and not is_missing(figure):
        return f"±{format_quantity(figure, unit, lang)} / ±{format_quantity(threshold, unit, lang)}"
    return f"{format_quantity(value, unit, lang)} / {format_quantity(threshold, unit, lang)}"


def _pct(value) -> str:
    return "—" if is_missing(value) else f"{float(value):,.0f}%"


def _signed_pct(value) -> str:
    return "—" if is_missing(value) else f"{float(value):+,.0f}%"


#: (alert entity kind, page) -> the page's URL parameter for that entity
ENTITY_VIEWS = {
    ("building", "energy"): "building",
    ("vehicle", "vehicles"): "vehicle",
    ("asset", "assets"): "asset",
    ("building", "housing"): "building",
    ("room", "housing"): "room",
    ("housing_unit", "housing"): "dwelling",
}


def drill_href(row: dict) -> str:
    """The entity's drill-down view: its domain page for the building or vehicle, or else for the
    alert's unit; a data source's alert goes to the data center."""
    if row.get("entity_kind") == "source":
        return "/data"
    page = DOMAIN_PAGES.get(row.get("domain"), "overview")
    # An alert on an entity its domain page drills to opens that entity there (a building, a
    # vehicle, an asset, an office room, a turnover-housing unit); anything else opens its unit.
    parameter = ENTITY_VIEWS.get((row.get("entity_kind"), page))
    if parameter is not None and row.get("entity_id") is not None:
        return f"{PAGE_PATHS[page]}?{parameter}={int(row['entity_id'])}"
    return f"{PAGE_PATHS[page]}?org={int(row['org_id'])}"


# --- the page -----------------------------------------------------------------------------------


def _filter(label: str, control) -> html.Div:
    return html.Div([html.Span(label, className="aocc-field__label"), control], className="aocc-field")


def _dropdown(component_id, options, value, lang, *, multi: bool, placeholder: str | None = None):
    return dcc.Dropdown(
        id=component_id,
        options=options,
        value=value,
        multi=multi,
        clearable=True,
        searchable=True,
        placeholder=placeholder or t("alerts.filter.all", lang),
        labels=dropdown_labels(lang),
        className="aocc-alerts__dropdown",
    )


def build_alerts_page(*, lang: str, refresh_seconds: int, alert=None, org=None) -> html.Div:
    """The page before its data arrives: filters, the grid, the detail panel with the (hidden)
    action form, MTTA/MTTR, the refresh timer and the stores.

    Args:
        alert: the ``?alert=`` query value (an overview panel link): that alert opens in the detail panel.
        org: the ``?org=`` query value: the org filter's initial node.
    """
    filters = html.Div(
        [
            _filter(
                t("alerts.filter.severity", lang),
                _dropdown(F_SEVERITY, [{"label": severity_label(s, lang), "value": s} for s in SEVERITIES], [], lang,
                          multi=True),
            ),
            _filter(
                t("alerts.filter.domain", lang),
                _dropdown(F_DOMAIN, [{"label": t(f"overview.domain.{d}", lang), "value": d} for d in DOMAINS], [],
                          lang, multi=True),
            ),
            _filter(t("alerts.filter.department", lang), _dropdown(F_DEPARTMENT, [], [], lang, multi=True)),
            _filter(
                t("alerts.filter.state", lang),
                _dropdown(F_STATE, [{"label": state_label(s, lang), "value": s} for s in STATES], list(DEFAULT_STATES),
                          lang, multi=True),
            ),
            _filter(t("alerts.filter.org", lang), _dropdown(F_ORG, [], _int_or_none(org), lang, multi=False)),
            _filter(
                t("alerts.filter.period", lang),
                dcc.Dropdown(
                    id=F_PERIOD, options=[{"label": t(f"alerts.period.{p}", lang), "value": p} for p in PERIODS],
                    value=DEFAULT_PERIOD, clearable=False, searchable=False, labels=dropdown_labels(lang),
                    className="aocc-alerts__dropdown",
                ),
            ),
        ],
        className="aocc-alerts__filters aocc-card",
    )  # fmt: skip
    actions = html.Div(
        [
            html.Label(t("alerts.action.note_label", lang), htmlFor=NOTE, className="aocc-field__label"),
            dcc.Textarea(
                id=NOTE, value="", maxLength=4000, placeholder=t("alerts.action.note_placeholder", lang),
                className="aocc-field__input aocc-alerts__note",
            ),
            html.Div(
                [
                    dcc.Dropdown(
                        id=ASSIGNEE, options=[], value=None, clearable=True,
                        placeholder=t("alerts.action.assignee_placeholder", lang), labels=dropdown_labels(lang),
                        className="aocc-alerts__assignee",
                    ),
                    html.Div(id=BUTTONS, className="aocc-alerts__buttons"),
                ],
                className="aocc-alerts__action-row",
            ),
        ],
        id=ACTIONS,
        hidden=True,
        className="aocc-alerts__actions",
    )  # fmt: skip
    return html.Div(
        [
            dcc.Store(id=CHANGED, data=0),
            dcc.Store(id=QUERY_ALERT, data=_int_or_none(alert)),
            html.Div(
                [
                    html.H1(t("alerts.heading", lang), className="aocc-page__title"),
                    html.Div(id=STATUS, className="aocc-page__status", role="status"),
                ],
                className="aocc-page__head",
            ),
            html.P(t("alerts.intro", lang), className="aocc-data__hint"),
            filters,
            html.Section(
                [html.P(id=COUNT, className="aocc-data__count"), build_alerts_grid(lang)],
                className="aocc-card aocc-alerts__list",
            ),
            html.Section(
                [
                    html.H2(t("alerts.detail.title", lang), className="aocc-card__title"),
                    html.Div(html.P(t("alerts.detail.pick", lang), className="aocc-data__hint"), id=DETAIL),
                    html.Div(id=MESSAGE, className="aocc-data__message", role="status"),
                    actions,
                ],
                className="aocc-card aocc-alerts__detail",
            ),
            html.Section(
                [
                    html.H2(t("alerts.response.title", lang), className="aocc-card__title"),
                    html.P(t("alerts.response.hint", lang), className="aocc-data__hint"),
                    html.Div(build_loading(lang), id=RESPONSE),
                ],
                className="aocc-card aocc-alerts__response",
            ),
            dcc.Interval(id=INTERVAL, interval=max(int(refresh_seconds), 1) * 1000, n_intervals=0),
        ],
        className="aocc-page aocc-page--alerts",
        **{"data-page": "alerts"},
    )


def _int_or_none(value):
    try:
        return int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None


def build_alerts_grid(lang: str) -> dag.AgGrid:
    def col(field, key, **extra):
        return {"field": field, "headerName": t(key, lang), **extra}

    columns = [
        col("entity", "alerts.col.entity", minWidth=160),
        col("rule", "alerts.col.rule", minWidth=140),
        col(
            "severity",
            "alerts.col.severity",
            maxWidth=110,
            cellClassRules={"aocc-sev--critical": "params.data.severity_code === 'critical'"},
        ),
        col("state", "alerts.col.state", maxWidth=120),
        col("value", "alerts.col.value", minWidth=150),
        col("fired", "alerts.col.fired", minWidth=140),
        col("opened", "alerts.col.opened", minWidth=140, hide=True),
        col("org", "alerts.col.org", minWidth=140),
        col("department", "alerts.col.department", maxWidth=140),
        col("assignee", "alerts.col.assignee", maxWidth=140),
    ]
    return dag.AgGrid(
        id=GRID,
        rowData=[],
        columnDefs=columns,
        getRowId="params.data.alert_id + ''",  # a string, as AG Grid wants (a number is cast, with a warning)
        defaultColDef={"sortable": True, "resizable": True, "filter": False},
        dashGridOptions={
            "localeText": {"noRowsToShow": t("alerts.no_rows", lang), "loadingOoo": t("alerts.loading", lang)},
            "animateRows": False,
            "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
        },
        columnSize="responsiveSizeToFit",
        style={"height": "420px", "width": "100%"},
        className="ag-theme-quartz aocc-grid",
    )


def alert_rows(alerts: pd.DataFrame, *, lang: str) -> list[dict]:
    """Grid rows (text in ``lang``) from ``fetch_alerts`` output."""
    rows = []
    for r in frame_records(alerts):
        rows.append(
            {
                "alert_id": str(int(r["alert_id"])),
                "entity": entity_label(r, lang),
                "rule": _name(r, "rule_name", lang),
                "severity": severity_label(r["severity"], lang),
                "severity_code": r["severity"],
                "state": state_label(r["state"], lang),
                "state_code": r["state"],
                "value": value_text(r, lang),
                "fired": format_time(r["fired_at"]),
                "opened": format_time(r["opened_at"]),
                "org": _name(r, "org_name", lang),
                "department": _name(r, "department_name", lang),
                "assignee": "" if is_missing(r["assignee_name"]) else r["assignee_name"],
            }
        )
    return rows


def department_options(departments: pd.DataFrame, *, lang: str) -> list[dict]:
    return [{"label": _name(r, "name", lang), "value": int(r["department_id"])} for r in frame_records(departments)]


def org_filter_options(orgs: list[dict], *, lang: str) -> list[dict]:
    """Org nodes of the scope (``data.users.list_org_choices``), indented by depth."""
    if not orgs:
        return []
    top = min(o["depth"] for o in orgs)
    key = "name_zh" if lang == "zh" else "name_en"
    return [{"label": "\u3000" * (o["depth"] - top) + o[key], "value": o["id"]} for o in orgs]


def build_response_table(frame: pd.DataFrame, *, lang: str):
    """MTTA and MTTR by department (``fetch_response_times`` output), or the empty state."""
    if frame is None or frame.empty:
        return build_empty(lang)
    keys = ("department", "alerts", "acknowledged", "mtta_mean", "mtta_median", "resolved", "mttr_mean", "mttr_median")
    head = html.Thead(html.Tr([html.Th(t(f"alerts.response.{k}", lang)) for k in keys]))
    body = [
        html.Tr(
            [
                html.Td(_name(r, "department_name", lang)),
                html.Td(int(r["alerts"])),
                html.Td(int(r["acknowledged"])),
                html.Td(format_duration(r["mtta_mean_s"], lang)),
                html.Td(format_duration(r["mtta_median_s"], lang)),
                html.Td(int(r["resolved"])),
                html.Td(format_duration(r["mttr_mean_s"], lang)),
                html.Td(format_duration(r["mttr_median_s"], lang)),
            ],
            **{"data-department": r["department_code"]},
        )
        for r in frame_records(frame)
    ]
    return html.Table([head, html.Tbody(body)], className="aocc-table aocc-alerts__response-table")


# --- the detail panel ---------------------------------------------------------------------------


def _badge(text: str, kind: str) -> html.Span:
    return html.Span(text, className=f"aocc-badge aocc-alerts__badge aocc-alerts__badge--{kind}")


def _fact(label: str, value) -> list:
    return [html.Dt(label), html.Dd(value if value not in (None, "") else "—")]


def _field_label(key: str, lang: str) -> str:
    """A rule field's or a detail value's name: from the catalog when it has one, else as stored."""
    return t(f"alerts.field.{key}", lang) if has(f"alerts.field.{key}") else str(key)


def _detail_value(value, lang: str) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return format_quantity(value, "", lang)
    return str(value)


def _event_change(e: dict, lang: str) -> str:
    if e["kind"] == "assign":
        return t("alerts.event.assigned", lang, name=e["assignee_name"] or "—")
    if e["kind"] == "note":
        return t("alerts.event.note", lang)
    if not e["from_state"]:
        return state_label(e["to_state"], lang)
    return f"{state_label(e['from_state'], lang)} → {state_label(e['to_state'], lang)}"


def build_events_table(events: pd.DataFrame, *, lang: str):
    if events is None or events.empty:
        return html.P(t("alerts.event.none", lang), className="aocc-data__hint")
    head = html.Thead(html.Tr([html.Th(t(f"alerts.event.col.{k}", lang)) for k in ("time", "change", "actor", "note")]))
    body = []
    for e in frame_records(events):
        actor = t("alerts.event.system", lang) if e["actor"] in (None, "system") else (e["actor_name"] or e["actor"])
        note = "" if is_missing(e["note"]) else e["note"]
        body.append(
            html.Tr(
                [html.Td(format_time(e["ts"])), html.Td(_event_change(e, lang)), html.Td(actor), html.Td(note)],
                **{"data-kind": e["kind"]},
            )
        )
    return html.Table([head, html.Tbody(body)], className="aocc-table aocc-alerts__events")


def build_alert_detail(detail: dict | None, *, lang: str) -> list:
    """The detail panel for one alert (``fetch_alert_detail`` output), or why there is none."""
    if detail is None:
        return [html.P(t("alerts.detail.gone", lang), className="aocc-data__hint", **{"data-state": "gone"})]
    a, rule = detail["alert"], detail["rule"]
    domain = a.get("domain")
    link_text = (
        t("alerts.detail.source_link", lang)
        if a["entity_kind"] == "source"
        else t("alerts.detail.drill", lang, domain=t(f"overview.domain.{domain}", lang) if domain in DOMAINS else "")
    )
    head = html.Div(
        [
            _badge(severity_label(a["severity"], lang), a["severity"]),
            _badge(state_label(a["state"], lang), a["state"]),
            html.Strong(f"#{int(a['alert_id'])} {_name(a, 'rule_name', lang)} · {entity_label(a, lang)}"),
            dcc.Link(link_text, href=drill_href(a), className="aocc-alerts__drill"),
        ],
        className="aocc-alerts__detail-head",
        **{"data-alert-id": str(int(a["alert_id"]))},
    )
    facts = html.Dl(
        _fact(t("alerts.detail.unit", lang), _name(a, "org_name", lang))
        + _fact(t("alerts.detail.department", lang), _name(a, "department_name", lang))
        + _fact(
            t("alerts.detail.assignee", lang),
            a["assignee_name"] if not is_missing(a["assignee_name"]) else t("alerts.detail.nobody", lang),
        )
        + _fact(t("alerts.col.opened", lang), format_time(a["opened_at"]))
        + _fact(t("alerts.col.fired", lang), format_time(a["fired_at"]))
        + _fact(state_label("acknowledged", lang), format_time(a["acknowledged_at"]))
        + _fact(state_label("resolved", lang), format_time(a["resolved_at"])),
        className="aocc-data__raw aocc-alerts__facts",
    )
    unit = a.get("unit") or ""
    values = _fact(t("alerts.detail.value", lang), format_quantity(a["value"], unit, lang)) + _fact(
        t("alerts.detail.threshold", lang), format_quantity(a["threshold"], unit, lang)
    )
    for key, value in (detail.get("detail") or {}).items():
        values += _fact(_field_label(str(key), lang), _detail_value(value, lang))
    version = t("alerts.detail.rule_version", lang, version=a["rule_version"])
    if rule.get("changed_by"):
        version += " · " + t(
            "alerts.detail.rule_changed", lang, by=rule["changed_by"], at=format_time(rule.get("changed_at"))
        )
    rule_facts = []
    for key in ("comparison", "warning_level", "critical_level", "recovery_level", "window", "for_seconds"):
        if rule.get(key) is not None:
            rule_facts += _fact(_field_label(key, lang), _detail_value(rule[key], lang))
    return [
        head,
        html.Div(
            [
                html.Div([html.H3(t("alerts.detail.values", lang)), html.Dl(values, className="aocc-data__raw")]),
                html.Div([html.H3(version), html.Dl(rule_facts, className="aocc-data__raw")]),
                facts,
            ],
            className="aocc-alerts__detail-grid",
        ),
        html.H3(t("alerts.detail.history", lang)),
        build_events_table(detail.get("events"), lang=lang),
    ]


def allowed_actions(state: str) -> tuple[str, ...]:
    """The actions the page offers in a state (``data.alerts.lifecycle`` decides again on save)."""
    if state == "firing":
        return ACTION_NAMES
    if state in ("pending", "acknowledged"):
        return ("assign", "note", "resolve")
    return ("note",)


def build_action_buttons(alert_id: int, state: str, *, lang: str) -> list:
    """The buttons of the actions allowed in ``state``, each naming the alert in its id."""
    return [
        html.Button(
            t(f"alerts.action.{action}", lang),
            id=alert_action(action, int(alert_id)),
            n_clicks=0,
            className="aocc-button" + (" aocc-button--danger" if action == "resolve" else ""),
        )
        for action in allowed_actions(state)
    ]


def build_message(text: str, *, ok: bool) -> html.Div:
    return html.Div(text, className=f"aocc-admin-message aocc-admin-message-{'ok' if ok else 'error'}", role="status")


def build_alert_detail_placeholder(lang: str) -> list:
    """The detail panel while no alert is chosen."""
    return [html.P(t("alerts.detail.pick", lang), className="aocc-data__hint", **{"data-state": "pick"})]
