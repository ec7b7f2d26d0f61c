"""Builders of the reference-data page (参考数据): two tabs, asset categories' depreciation and
the office-space standard's limits, each a read-only grid showing who changed a row and when,
and (for editors) a row form whose change is reviewed and confirmed before it is saved.

Pure functions of plain values handed in by ``callbacks/admin_reference.py``; every text comes
from the message catalog, user values are grid cells or component children (text, never HTML).
The page reuses the rule editor's form styles (``assets/admin_rules.css``).
"""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from components.admin import build_page
from presentation.format import format_time, is_missing
from presentation.i18n import t

# --- component ids ---------------------------------------------------------------------------------
TABS = "admin-ref-tabs"
REFRESH = "admin-ref-refresh"
MESSAGE = "admin-ref-message"
STATUS = "admin-ref-status"
POLL = "admin-ref-poll"
CAT_GRID = "admin-ref-category-grid"
CAT_ID = "admin-ref-category-id"
CAT_HEADING = "admin-ref-category-heading"
CAT_METHOD = "admin-ref-method"
CAT_LIFE = "admin-ref-life"
CAT_RESIDUAL = "admin-ref-residual"
CAT_REVIEW = "admin-ref-category-review"
CAT_PENDING = "admin-ref-category-pending"
CAT_CONFIRM_BOX = "admin-ref-category-confirm-box"
CAT_CONFIRM = "admin-ref-category-confirm"
CAT_CANCEL = "admin-ref-category-cancel"
STD_GRID = "admin-ref-standard-grid"
STD_ID = "admin-ref-standard-id"
STD_HEADING = "admin-ref-standard-heading"
STD_LIMIT = "admin-ref-limit"
STD_SOURCE = "admin-ref-source"
STD_REVIEW = "admin-ref-standard-review"
STD_PENDING = "admin-ref-standard-pending"
STD_CONFIRM_BOX = "admin-ref-standard-confirm-box"
STD_CONFIRM = "admin-ref-standard-confirm"
STD_CANCEL = "admin-ref-standard-cancel"

CATEGORY_FIELDS = ("depreciation_method", "useful_life_years", "residual_pct")
STANDARD_FIELDS = ("limit_m2", "source")
FIELDS = CATEGORY_FIELDS + STANDARD_FIELDS
METHODS = ("straight_line", "double_declining", "none")  # data.depreciation.METHODS, in its order
POLL_MS = 5000


def problem_slot(field: str) -> str:
    return f"admin-ref-problem-{field.replace('_', '-')}"


# --- texts -------------------------------------------------------------------------------------------


def method_label(method: str | None, lang: str) -> str:
    return t(f"refadmin.method.{method}", lang) if method in METHODS else str(method or "")


def level_label(level: str | None, lang: str) -> str:
    return t(f"refadmin.level.{level}", lang) if level in ("central", "province", "city", "county") else str(level)


def number_text(value) -> str:
    if is_missing(value):
        return ""
    return f"{float(value):g}"


def field_value_text(field: str, value, lang: str) -> str:
    """A stored value as the confirmation shows it (a rate as a percentage)."""
    if field == "depreciation_method":
        return method_label(value, lang)
    if field == "residual_rate":
        return f"{number_text(float(value) * 100.0)} %"
    if field == "useful_life_years":
        return f"{number_text(value)} {t('reference_admin.unit.years', lang)}"
    if field == "limit_m2":
        return f"{number_text(value)} m²"
    return str(value)


FIELD_OF_COLUMN = {"residual_rate": "residual_pct"}


def change_lines(changes: dict, lang: str) -> list[str]:
    """``{field: [old, new]}`` as lines "使用年限（年）：10 年 → 8 年"."""
    return [
        t(
            "refadmin.confirm.change",
            lang,
            field=t(f"refadmin.field.{FIELD_OF_COLUMN.get(name, name)}", lang),
            old=field_value_text(name, old, lang),
            new=field_value_text(name, new, lang),
        )
        for name, (old, new) in changes.items()
    ]


# --- grids -------------------------------------------------------------------------------------------


def _who(row: dict, lang: str) -> dict:
    return {
        "updated_by": row.get("updated_by") or t("refadmin.default", lang),
        "updated_at": format_time(row.get("updated_at")),
    }


def category_rows(rows: list[dict], lang: str) -> list[dict]:
    return [
        {
            "id": r["id"],
            "code": r["code"],
            "name": r["name_zh"] if lang == "zh" else r["name_en"],
            "parent": r.get("parent_code") or "",
            "method": method_label(r["depreciation_method"], lang),
            "life": r["useful_life_years"],
            "residual": r["residual_pct"],
            "assets": r["asset_count"],
            **_who(r, lang),
        }
        for r in rows
    ]


def standard_rows(rows: list[dict], lang: str) -> list[dict]:
    return [
        {
            "id": r["id"],
            "level": level_label(r["admin_level"], lang),
            "rank": r["rank_zh"] if lang == "zh" else r["rank_en"],
            "limit": r["limit_m2"],
            "source": r["source"],
            **_who(r, lang),
        }
        for r in rows
    ]


def _columns(fields: tuple[tuple[str, str, bool], ...], lang: str) -> list[dict]:
    out = []
    for field, key, numeric in fields:
        col = {"field": field, "headerName": t(key, lang)}
        if numeric:
            col["type"] = "rightAligned"
        out.append(col)
    return out


CATEGORY_COLUMNS = (
    ("code", "refadmin.col.code", False),
    ("name", "refadmin.col.name", False),
    ("parent", "refadmin.col.parent", False),
    ("method", "refadmin.col.method", False),
    ("life", "refadmin.col.life", True),
    ("residual", "refadmin.col.residual", True),
    ("assets", "refadmin.col.assets", True),
    ("updated_by", "refadmin.col.updated_by", False),
    ("updated_at", "refadmin.col.updated_at", False),
)
STANDARD_COLUMNS = (
    ("level", "refadmin.col.level", False),
    ("rank", "refadmin.col.rank", False),
    ("limit", "refadmin.col.limit", True),
    ("source", "refadmin.col.source", False),
    ("updated_by", "refadmin.col.updated_by", False),
    ("updated_at", "refadmin.col.updated_at", False),
)


def _grid(grid_id: str, columns, lang: str, *, selectable: bool) -> dag.AgGrid:
    options = {
        "localeText": {"noRowsToShow": t("refadmin.no_rows", lang), "loadingOoo": t("admin.loading", lang)},
        "animateRows": False,
    }
    if selectable:  # read-only users select nothing, so no callback refuses them for a click
        options["rowSelection"] = {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}
    return dag.AgGrid(
        id=grid_id,
        rowData=[],
        columnDefs=_columns(columns, lang),
        getRowId="params.data.id + ''",
        defaultColDef={"sortable": True, "resizable": True, "filter": False},
        dashGridOptions=options,
        columnSize="responsiveSizeToFit",
        style={"height": "360px", "width": "100%"},
        className="ag-theme-quartz aocc-grid",
    )


# --- forms -------------------------------------------------------------------------------------------


def build_problems(texts: list[str]) -> list:
    return [html.Div(text, className="aocc-rules-problem") for text in texts]


def _field(field: str, lang: str, control) -> html.Div:
    return html.Div(
        [
            html.Label(t(f"refadmin.field.{field}", lang), className="aocc-rules-label", htmlFor=control.id),
            html.Div(control, className="aocc-rules-control"),
            html.Div(id=problem_slot(field), className="aocc-rules-problems", role="alert"),
        ],
        className="aocc-rules-field",
        **{"data-field": field},
    )


def _button(label: str, component_id: str, kind: str = "primary", **kwargs) -> html.Button:
    return html.Button(
        label, id=component_id, n_clicks=0, className=f"btn btn-{kind} btn-sm aocc-admin-button", **kwargs
    )


def method_options(lang: str) -> list[dict]:
    return [{"label": method_label(m, lang), "value": m} for m in METHODS]


def build_confirmation(lines: list[str], affects: str, lang: str, *, confirm_id: str, cancel_id: str) -> html.Div:
    """What a confirmed save will change and what it recomputes, with the confirm button."""
    return html.Div(
        [
            html.Strong(t("refadmin.confirm.title", lang)),
            html.Ul([html.Li(line) for line in lines]),
            html.P(affects, className="aocc-rules-hint"),
            html.Div(
                [
                    _button(t("refadmin.confirm", lang), confirm_id),
                    _button(t("refadmin.cancel", lang), cancel_id, "secondary"),
                ]
            ),
        ],
        className="aocc-admin-message aocc-ref-confirm",
        style={"display": "block"},  # the message row lays its children side by side; a list reads down
        role="status",
    )


def build_hidden_confirmation(*, confirm_id: str, cancel_id: str) -> html.Div:
    """No change awaits confirmation: the buttons stay in the layout (callbacks name them), hidden."""
    return html.Div(
        [_button("", confirm_id, hidden=True), _button("", cancel_id, "secondary", hidden=True)],
        hidden=True,
    )


def _form(
    lang: str, *, heading_id, pick_key, fields, review_id, box_id, confirm_id, cancel_id, editable
) -> html.Section:
    return html.Section(
        [
            html.H2(t(pick_key, lang), id=heading_id, className="aocc-card__title"),
            html.Div(fields, className="aocc-rules-fields"),
            _button(t("refadmin.review", lang), review_id),
            html.Div(build_hidden_confirmation(confirm_id=confirm_id, cancel_id=cancel_id), id=box_id),
        ],
        className="aocc-card aocc-rules-form",
        hidden=not editable,
    )


# Number inputs carry no min/max/step: a browser withholds a value outside them (the form would
# keep the old one without a word), and the server's bilingual message must say what is wrong.


def _category_form(lang: str, editable: bool) -> html.Section:
    from components.shell import dropdown_labels

    fields = [
        _field(
            "depreciation_method",
            lang,
            dcc.Dropdown(id=CAT_METHOD, options=method_options(lang), clearable=False, labels=dropdown_labels(lang)),
        ),
        _field(
            "useful_life_years",
            lang,
            dcc.Input(id=CAT_LIFE, type="number", step="any", debounce=True, className="aocc-rules-number"),
        ),
        _field(
            "residual_pct",
            lang,
            dcc.Input(id=CAT_RESIDUAL, type="number", step="any", debounce=True, className="aocc-rules-number"),
        ),
    ]
    return _form(
        lang,
        heading_id=CAT_HEADING,
        pick_key="refadmin.form.pick_category",
        fields=fields,
        review_id=CAT_REVIEW,
        box_id=CAT_CONFIRM_BOX,
        confirm_id=CAT_CONFIRM,
        cancel_id=CAT_CANCEL,
        editable=editable,
    )


def _standard_form(lang: str, editable: bool) -> html.Section:
    fields = [
        _field(
            "limit_m2",
            lang,
            dcc.Input(id=STD_LIMIT, type="number", step="any", debounce=True, className="aocc-rules-number"),
        ),
        _field(
            "source",
            lang,
            dcc.Input(id=STD_SOURCE, type="text", maxLength=255, autoComplete="off", className="aocc-rules-text"),
        ),
    ]
    return _form(
        lang,
        heading_id=STD_HEADING,
        pick_key="refadmin.form.pick_standard",
        fields=fields,
        review_id=STD_REVIEW,
        box_id=STD_CONFIRM_BOX,
        confirm_id=STD_CONFIRM,
        cancel_id=STD_CANCEL,
        editable=editable,
    )


def _tab(label_key: str, value: str, lang: str, grid, form) -> dcc.Tab:
    return dcc.Tab(
        label=t(label_key, lang),
        value=value,
        children=[html.Section(grid, className="aocc-card aocc-admin-table"), form],
    )


def build_reference_page(lang: str, *, editable: bool) -> html.Div:
    """The page; ``editable`` shows the forms (the callbacks check the permission again)."""
    return build_page(
        t("refadmin.heading", lang),
        t("refadmin.intro", lang),
        dcc.Store(id=REFRESH, data=0),
        dcc.Store(id=CAT_ID, data=None),
        dcc.Store(id=STD_ID, data=None),
        dcc.Store(id=CAT_PENDING, data=None),
        dcc.Store(id=STD_PENDING, data=None),
        dcc.Interval(id=POLL, interval=POLL_MS, disabled=True),
        html.Div(id=STATUS, className="aocc-rules-hint", **{"aria-live": "polite"}),
        html.P(t("refadmin.read_only", lang), className="aocc-rules-hint", hidden=editable),
        html.Div(id=MESSAGE, className="aocc-admin-message-slot", **{"aria-live": "polite"}),
        dcc.Tabs(
            id=TABS,
            value="categories",
            children=[
                _tab(
                    "refadmin.tab.categories",
                    "categories",
                    lang,
                    _grid(CAT_GRID, CATEGORY_COLUMNS, lang, selectable=editable),
                    _category_form(lang, editable),
                ),
                _tab(
                    "refadmin.tab.standards",
                    "standards",
                    lang,
                    _grid(STD_GRID, STANDARD_COLUMNS, lang, selectable=editable),
                    _standard_form(lang, editable),
                ),
            ],
        ),
    )
