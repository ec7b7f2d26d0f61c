"""Builders of the rule editor (规则配置): the rules grid, the rule form with a problem slot next to
each field, the preview and backtest tables, and the versions list with a compact diff.

Pure functions of plain values (dicts and lists handed in by ``callbacks/admin_rules.py``): no
database, no request, no alert-engine import. Every text comes from the message catalog; user
values are component children or grid cells (text, never HTML).
"""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from components.admin import build_page
from presentation.format import format_quantity, format_time, is_missing
from presentation.i18n import has, t

# --- component ids ---------------------------------------------------------------------------------
GRID = "admin-rules-grid"
REFRESH = "admin-rules-refresh"
RULE_ID = "admin-rules-rule-id"
MESSAGE = "admin-rules-message"
NEW = "admin-rules-new"
HEADING = "admin-rules-form-heading"
CODE = "admin-rules-code"
NAME_ZH = "admin-rules-name-zh"
NAME_EN = "admin-rules-name-en"
METRIC = "admin-rules-metric"
METRIC_HINT = "admin-rules-metric-hint"
KIND = "admin-rules-kind"
SCOPE = "admin-rules-scope"
FILTER_KEY = "admin-rules-filter-key"
FILTER_VALUES = "admin-rules-filter-values"
COMPARISON = "admin-rules-comparison"
WARNING = "admin-rules-warning"
CRITICAL = "admin-rules-critical"
RECOVERY = "admin-rules-recovery"
LEVEL_UNIT = "admin-rules-level-unit"
WINDOW_KIND = "admin-rules-window-kind"
WINDOW_N = "admin-rules-window-n"
FOR_VALUE = "admin-rules-for-value"
FOR_UNIT = "admin-rules-for-unit"
DEPARTMENT = "admin-rules-department"
ENABLED = "admin-rules-enabled"
PREVIEW = "admin-rules-preview"
BACKTEST = "admin-rules-backtest"
SAVE = "admin-rules-save"
TOGGLE = "admin-rules-toggle"
PREVIEW_OUT = "admin-rules-preview-out"
BACKTEST_OUT = "admin-rules-backtest-out"
VERSIONS_OUT = "admin-rules-versions-out"
PREVIEW_PROBLEMS = "admin-rules-preview-problems"
BACKTEST_PROBLEMS = "admin-rules-backtest-problems"
SAVE_PROBLEMS = "admin-rules-save-problems"
SAVED = "admin-rules-saved"

#: The form's fields, in the order the engine validates them; each has a problem slot.
FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "metric_id",
    "entity_kind",
    "scope_org_id",
    "scope_filter",
    "comparison",
    "warning_level",
    "critical_level",
    "recovery_level",
    "window",
    "for_seconds",
    "department_code",
)
COMPARISONS = ("above", "below", "outside", "change_pct", "change_prev")
CHANGE_COMPARISONS = ("change_pct", "change_prev")
WINDOW_KINDS = ("latest", "last_days", "last_hours", "mtd", "ytd_pace")
COUNTED_WINDOWS = ("last_days", "last_hours")
FOR_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}


def problem_slot(field: str) -> str:
    return f"admin-rules-problem-{field.replace('_', '-')}"


# --- options ---------------------------------------------------------------------------------------


def _name(row: dict, lang: str) -> str:
    return row["name_zh"] if lang == "zh" else row["name_en"]


def indicator_options(indicators: list[dict], lang: str) -> list[dict]:
    """``indicators``: ``id, domain, name_zh, name_en, unit, bad_direction`` of the engine's metrics."""
    return [
        {
            "label": t(
                "rules.indicator_option",
                lang,
                domain=t(f"rules.domain.{m['domain']}", lang),
                name=_name(m, lang),
                unit=unit_text(m["unit"], lang),
                direction=t(f"rules.direction.{m['bad_direction']}", lang),
            ),
            "value": m["id"],
        }
        for m in indicators
    ]


def unit_text(unit: str, lang: str) -> str:
    key = f"unit.{unit}"
    return t(key, lang) if unit and has(key) else (unit or "—")


def kind_label(kind: str, lang: str) -> str:
    return t(f"rules.kind.{kind}", lang)


def kind_options(kinds, lang: str) -> list[dict]:
    return [{"label": kind_label(k, lang), "value": k} for k in kinds]


def comparison_options(allowed, lang: str) -> list[dict]:
    return [{"label": t(f"rules.comparison.{c}", lang), "value": c} for c in COMPARISONS if c in allowed]


def window_options(allowed, lang: str) -> list[dict]:
    return [{"label": t(f"rules.window.{w}", lang), "value": w} for w in WINDOW_KINDS if w in allowed]


def filter_key_options(keys, lang: str) -> list[dict]:
    return [{"label": t(f"rules.filter.{k}", lang), "value": k} for k in keys]


def filter_value_label(key: str, value: str, lang: str, names: dict | None = None) -> str:
    if names and value in names:
        return names[value]
    message = f"rules.filter.{key}.{value}"
    return t(message, lang) if has(message) else str(value)


def filter_value_options(key: str | None, values, lang: str, names: dict | None = None) -> list[dict]:
    if not key:
        return []
    return [{"label": filter_value_label(key, v, lang, names), "value": v} for v in values]


def department_options(departments: list[dict], lang: str) -> list[dict]:
    return [{"label": _name(d, lang), "value": d["code"]} for d in departments]


def for_unit_options(lang: str) -> list[dict]:
    return [{"label": t(f"rules.for.{u}", lang), "value": u} for u in FOR_UNITS]


def split_for_seconds(seconds) -> tuple[int, str]:
    """``for_seconds`` as the largest whole unit: 7200 → (2, "hours")."""
    seconds = int(seconds or 0)
    if not seconds:
        return 0, "hours"
    for unit in ("days", "hours"):
        if seconds and seconds % FOR_UNITS[unit] == 0:
            return seconds // FOR_UNITS[unit], unit
    return seconds // 60, "minutes"


# --- describing a rule's values --------------------------------------------------------------------


def window_text(window: str | None, lang: str) -> str:
    kind, _, n = (window or "").partition(":")
    if kind in COUNTED_WINDOWS:
        return t(f"rules.window_n.{kind}", lang, n=n)
    return t(f"rules.window.{kind}", lang) if kind in WINDOW_KINDS else (window or "—")


def for_text(seconds, lang: str) -> str:
    if not seconds:
        return t("rules.for.immediately", lang)
    n, unit = split_for_seconds(seconds)
    return t(f"rules.for_n.{unit}", lang, n=n)


def filter_text(scope_filter: dict | None, lang: str, names: dict | None = None) -> str:
    parts = []
    for key, wanted in (scope_filter or {}).items():
        values = wanted if isinstance(wanted, list | tuple) else [wanted]
        shown = ("、" if lang == "zh" else ", ").join(filter_value_label(key, str(v), lang, names) for v in values)
        parts.append(f"{t(f'rules.filter.{key}', lang) if has(f'rules.filter.{key}') else key}: {shown}")
    return "; ".join(parts)


def scope_text(scope_org_id, scope_filter, lang: str, names: dict) -> str:
    """``names``: ``{"orgs": {id: name}, "filters": {value: label}}``."""
    org = t("rules.scope_all", lang) if scope_org_id is None else names["orgs"].get(scope_org_id, f"#{scope_org_id}")
    extra = filter_text(scope_filter, lang, names.get("filters"))
    return f"{org} · {extra}" if extra else org


def level_text(value) -> str:
    return "—" if is_missing(value) else f"{float(value):g}"


def describe(field: str, value, lang: str, names: dict) -> str:
    """One field of a rule definition as a person reads it (for the versions' diff)."""
    if field in ("warning_level", "critical_level", "recovery_level"):
        return level_text(value)
    if field == "metric_id":
        return names["metrics"].get(value, str(value))
    if field == "entity_kind":
        return kind_label(value, lang) if has(f"rules.kind.{value}") else str(value)
    if field == "comparison":
        return t(f"rules.comparison.{value}", lang) if value in COMPARISONS else str(value)
    if field == "window":
        return window_text(value, lang)
    if field == "for_seconds":
        return for_text(value, lang)
    if field == "department_code":
        return names["departments"].get(value, str(value))
    if field == "scope_org_id":
        return t("rules.scope_all", lang) if value is None else names["orgs"].get(value, f"#{value}")
    if field == "scope_filter":
        return filter_text(value, lang, names.get("filters")) or "—"
    if field == "enabled":
        return t("rules.yes" if value else "rules.no", lang)
    return "—" if value in (None, "") else str(value)


DIFF_FIELDS = (*FIELDS, "enabled")


def diff_lines(before: dict | None, after: dict, lang: str, names: dict) -> list[str]:
    """``字段：旧 → 新`` for each field that changed (version 1: the rule as created)."""
    if before is None:
        return [t("rules.versions.created", lang)]
    lines = []
    for field in DIFF_FIELDS:
        if before.get(field) != after.get(field):
            old, new = describe(field, before.get(field), lang, names), describe(field, after.get(field), lang, names)
            lines.append(t("rules.versions.change", lang, field=t(f"rules.field.{field}", lang), old=old, new=new))
    return lines or [t("rules.versions.no_change", lang)]


# --- the rules grid --------------------------------------------------------------------------------


def rule_columns(lang: str) -> list[dict]:
    cols = ("name", "indicator", "kind", "scope", "comparison", "warning", "critical", "recovery", "window", "for")
    cols += ("department", "enabled", "version", "updated")
    widths = {"warning": 110, "critical": 110, "recovery": 110, "version": 80, "enabled": 80}
    return [
        {"field": c, "headerName": t(f"rules.col.{c}", lang), **({"maxWidth": widths[c]} if c in widths else {})}
        for c in cols
    ]


def rule_rows(rules: list[dict], lang: str, names: dict) -> list[dict]:
    """Grid rows from ``list_rules`` records; ``names`` as for ``describe``."""
    return [
        {
            "id": str(r["id"]),
            "code": r["code"],
            "name": r["name_zh"] if lang == "zh" else r["name_en"],
            "indicator": names["metrics"].get(r["metric_id"], r["metric_id"]),
            "kind": describe("entity_kind", r["entity_kind"], lang, names),
            "scope": scope_text(r["scope_org_id"], r["scope_filter"], lang, names),
            "comparison": describe("comparison", r["comparison"], lang, names),
            "warning": level_text(r["warning_level"]),
            "critical": level_text(r["critical_level"]),
            "recovery": level_text(r["recovery_level"]),
            "window": window_text(r["window"], lang),
            "for": for_text(r["for_seconds"], lang),
            "department": names["departments"].get(r["department_code"], r["department_code"]),
            "enabled": t("rules.yes" if r["enabled"] else "rules.no", lang),
            "version": f"v{int(r['version'])}",
            "updated": f"{r['updated_by'] or ''} {format_time(r['updated_at'])}".strip(),
        }
        for r in rules
    ]


def _grid(lang: str) -> dag.AgGrid:
    return dag.AgGrid(
        id=GRID,
        rowData=[],
        columnDefs=rule_columns(lang),
        getRowId="params.data.id + ''",  # a string, as AG Grid wants (a number is cast, with a warning)
        defaultColDef={"sortable": True, "resizable": True, "filter": False, "tooltipField": None},
        dashGridOptions={
            "localeText": {"noRowsToShow": t("rules.no_rules", lang), "loadingOoo": t("admin.loading", lang)},
            "animateRows": False,
            "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
        },
        columnSize="responsiveSizeToFit",
        style={"height": "300px", "width": "100%"},
        className="ag-theme-quartz aocc-grid",
    )


# --- the form --------------------------------------------------------------------------------------


def build_problems(texts: list[str]) -> list:
    return [html.Div(text, className="aocc-rules-problem") for text in texts]


def _field(field: str, label: str, control, *, hint=None) -> html.Div:
    return html.Div(
        [
            html.Label(label, className="aocc-rules-label"),
            html.Div([control, *([hint] if hint is not None else [])], className="aocc-rules-control"),
            html.Div(id=problem_slot(field), className="aocc-rules-problems", role="alert"),
        ],
        className="aocc-rules-field",
        **{"data-field": field},
    )


def _dropdown(component_id: str, lang: str, **kwargs) -> dcc.Dropdown:
    from components.shell import dropdown_labels

    return dcc.Dropdown(id=component_id, options=[], labels=dropdown_labels(lang), **kwargs)


def _number(component_id: str, **kwargs) -> dcc.Input:
    return dcc.Input(id=component_id, type="number", debounce=True, className="aocc-rules-number", **kwargs)


def _text(component_id: str, **kwargs) -> dcc.Input:
    return dcc.Input(id=component_id, type="text", autoComplete="off", className="aocc-rules-text", **kwargs)


def _button(label: str, component_id: str, kind: str = "primary") -> html.Button:
    return html.Button(label, id=component_id, n_clicks=0, className=f"btn btn-{kind} btn-sm aocc-admin-button")


def build_form(lang: str) -> html.Section:
    levels = [
        _field(name, t(f"rules.field.{name}", lang), _number(cid))
        for name, cid in (("warning_level", WARNING), ("critical_level", CRITICAL), ("recovery_level", RECOVERY))
    ]
    levels[0].children[1].children.append(html.Span(id=LEVEL_UNIT, className="aocc-rules-unit"))
    fields = [
        _field("name_zh", t("rules.field.name_zh", lang), _text(NAME_ZH, maxLength=128)),
        _field("name_en", t("rules.field.name_en", lang), _text(NAME_EN, maxLength=128)),
        _field("code", t("rules.field.code", lang), _text(CODE, maxLength=48, placeholder=t("rules.code_hint", lang))),
        _field(
            "metric_id",
            t("rules.field.metric_id", lang),
            _dropdown(METRIC, lang, clearable=False, searchable=True),
            hint=html.Div(id=METRIC_HINT, className="aocc-rules-hint"),
        ),
        _field("entity_kind", t("rules.field.entity_kind", lang), _dropdown(KIND, lang, clearable=False)),
        _field("scope_org_id", t("rules.field.scope_org_id", lang), _dropdown(SCOPE, lang, searchable=True)),
        _field(
            "scope_filter",
            t("rules.field.scope_filter", lang),
            html.Div(
                [
                    _dropdown(FILTER_KEY, lang, placeholder=t("rules.filter.none", lang)),
                    _dropdown(FILTER_VALUES, lang, multi=True, placeholder=t("rules.filter.values", lang)),
                ],
                className="aocc-rules-pair",
            ),
        ),
        _field("comparison", t("rules.field.comparison", lang), _dropdown(COMPARISON, lang, clearable=False)),
        *levels,
        _field(
            "window",
            t("rules.field.window", lang),
            html.Div(
                [_dropdown(WINDOW_KIND, lang, clearable=False), _number(WINDOW_N, min=0, step=1)],
                className="aocc-rules-pair",
            ),
        ),
        _field(
            "for_seconds",
            t("rules.field.for_seconds", lang),
            html.Div(
                [
                    _number(FOR_VALUE, min=0, step=1),
                    dcc.Dropdown(id=FOR_UNIT, options=for_unit_options(lang), value="hours", clearable=False),
                ],
                className="aocc-rules-pair",
            ),
        ),
        _field("department_code", t("rules.field.department_code", lang), _dropdown(DEPARTMENT, lang, clearable=False)),
        _field(
            "enabled",
            t("rules.field.enabled", lang),
            dcc.Checklist(id=ENABLED, options=[{"label": t("rules.enabled_label", lang), "value": "on"}], value=["on"]),
        ),
    ]
    actions = html.Div(
        [
            _button(t("rules.action.preview", lang), PREVIEW, "outline-primary"),
            _button(t("rules.action.backtest", lang), BACKTEST, "outline-primary"),
            _button(t("rules.action.save", lang), SAVE),
            _button(t("rules.action.toggle", lang), TOGGLE, "outline-secondary"),
        ],
        className="aocc-admin-actions",
    )
    return html.Section(
        [
            html.H2(t("rules.form.new", lang), id=HEADING, className="aocc-card__title"),
            html.Div(fields, className="aocc-rules-fields"),
            actions,
        ],
        className="aocc-card aocc-rules-form",
    )


# --- preview, backtest, versions -------------------------------------------------------------------


def _table(headers: list[str], rows: list[list], *, table_id: str | None = None) -> html.Table:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in headers])),
            html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
        ],
        className="table table-sm aocc-rules-table",
        **({"id": table_id} if table_id else {}),
    )


def _empty(lang: str, key: str) -> html.Div:
    return html.Div(t(key, lang), className="aocc-state aocc-state--empty aocc-rules-empty", **{"data-state": "empty"})


def severity_badge(level: str | None, lang: str):
    if not level:
        return "—"
    return html.Span(t(f"rules.level.{level}", lang), className=f"aocc-rules-level aocc-rules-level--{level}")


def build_preview(rows: list[dict], lang: str, *, unit: str, figure_unit: str, as_of: str | None) -> list:
    """``rows``: ``entity_code, entity_name, org, value, figure, threshold, level`` (most severe first)."""
    if not rows:
        return [_empty(lang, "rules.preview.empty")]
    critical = sum(1 for r in rows if r["level"] == "critical")
    summary = t("rules.preview.summary", lang, n=len(rows), critical=critical, as_of=as_of or "—")
    body = [
        [
            r["entity_code"],
            r["entity_name"],
            r["org"],
            format_quantity(r["value"], unit, lang),
            format_quantity(r["figure"], figure_unit, lang),
            format_quantity(r["threshold"], figure_unit, lang),
            severity_badge(r["level"], lang),
        ]
        for r in rows
    ]
    cols = ("entity_code", "entity", "org", "value", "figure", "threshold", "level")
    return [
        html.P(summary, className="aocc-rules-summary"),
        _table([t(f"rules.preview.col.{c}", lang) for c in cols], body, table_id="admin-rules-preview-table"),
    ]


def build_backtest(rows: list[dict], lang: str, *, figure_unit: str, days: int) -> list:
    """``rows``: ``entity_code, entity_name, org, fired_times, fired_days, max_figure, last_level``."""
    if not rows:
        return [_empty(lang, "rules.backtest.empty")]
    total = t(
        "rules.backtest.total",
        lang,
        days=days,
        entities=len(rows),
        times=sum(int(r["fired_times"]) for r in rows),
        firing_days=sum(int(r["fired_days"]) for r in rows),
    )
    body = [
        [
            r["entity_code"],
            r["entity_name"],
            r["org"],
            str(int(r["fired_times"])),
            t("rules.backtest.days_n", lang, n=int(r["fired_days"])),
            format_quantity(r["max_figure"], figure_unit, lang),
            severity_badge(r["last_level"], lang),
        ]
        for r in rows
    ]
    cols = ("entity_code", "entity", "org", "times", "days", "max", "last")
    return [
        html.P(total, className="aocc-rules-summary", id="admin-rules-backtest-total"),
        _table([t(f"rules.backtest.col.{c}", lang) for c in cols], body, table_id="admin-rules-backtest-table"),
    ]


def build_versions(versions: list[dict], lang: str, names: dict) -> list:
    """``versions``: ``version, changed_at, changed_by, before, after`` (newest first shown)."""
    if not versions:
        return [_empty(lang, "rules.versions.none")]
    body = [
        [
            f"v{int(v['version'])}",
            format_time(v["changed_at"]),
            v["changed_by"] or "",
            html.Ul([html.Li(line) for line in diff_lines(v["before"], v["after"], lang, names)]),
        ]
        for v in sorted(versions, key=lambda v: -int(v["version"]))
    ]
    cols = ("version", "changed_at", "changed_by", "changes")
    return [_table([t(f"rules.versions.col.{c}", lang) for c in cols], body, table_id="admin-rules-versions-table")]


def build_hint(lang: str, key: str) -> html.P:
    """What a result card shows before its button is pressed (and again when another rule opens)."""
    return html.P(t(key, lang), className="aocc-rules-hint")


def _card(title_key: str, lang: str, out_id: str, placeholder_key: str) -> html.Section:
    return html.Section(
        [
            html.H2(t(title_key, lang), className="aocc-card__title"),
            dcc.Loading(
                html.Div(build_hint(lang, placeholder_key), id=out_id),
                type="dot",
                delay_show=150,
            ),
        ],
        className="aocc-card aocc-rules-result",
    )


def build_rules_page(lang: str) -> html.Div:
    return build_page(
        t("rules.heading", lang),
        t("rules.intro", lang),
        dcc.Store(id=REFRESH, data=0),
        dcc.Store(id=RULE_ID, data=None),
        dcc.Store(id=PREVIEW_PROBLEMS),
        dcc.Store(id=BACKTEST_PROBLEMS),
        dcc.Store(id=SAVE_PROBLEMS),
        dcc.Store(id=SAVED),
        html.Div(id=MESSAGE, className="aocc-admin-message-slot", **{"aria-live": "polite"}),
        html.Section(
            [
                html.Div(
                    [html.H2(t("rules.list", lang), className="aocc-card__title"), _button(t("rules.new", lang), NEW)],
                    className="aocc-rules-listhead",
                ),
                _grid(lang),
            ],
            className="aocc-card aocc-admin-table",
        ),
        html.Div(
            [
                build_form(lang),
                html.Div(
                    [
                        _card("rules.preview.title", lang, PREVIEW_OUT, "rules.preview.hint"),
                        _card("rules.backtest.title", lang, BACKTEST_OUT, "rules.backtest.hint"),
                        _card("rules.versions.title", lang, VERSIONS_OUT, "rules.versions.pick"),
                    ],
                    className="aocc-rules-results",
                ),
            ],
            className="aocc-rules-body",
        ),
    )
