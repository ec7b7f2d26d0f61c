"""The data page's quarantine: the browser of rejected rows, the correction form's contents (one
input per raw column) and the CSV export.

Raw cells are shown as text children or an input's value, never as markup; the CSV neutralises
every cell a spreadsheet would evaluate. The (hidden) form itself is part of the page layout
(``components.data_center``); the select callback fills it from ``build_quarantine_editor``.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
from dash import dcc, html

from components.data_center import q_field, q_select
from components.data_tables import build_none, build_table
from data.text_safety import neutralize_formula, reveal_invisible
from presentation.format import format_time
from presentation.i18n import t
from presentation.ingest_text import catalog_label, fact_name, format_reason, format_where


def build_raw_cells(raw: dict) -> html.Dl:
    """The raw row, header → value, as text; invisible characters (a zero-width space in a
    code that looks valid) are written out as ``⟨U+200B⟩``."""
    items = []
    for key, value in (raw or {}).items():
        items += [html.Dt(str(key)), html.Dd(reveal_invisible(str(value)) if value not in (None, "") else "∅")]
    return html.Dl(items, className="aocc-data__raw")


def build_quarantine_table(rows: pd.DataFrame, *, total: int, lang: str, can_manage: bool, show_raw: bool) -> list:
    """Columns of ``data.queries.ingest.fetch_quarantine``; with ``can_manage`` each open row has
    a button that opens the correction form."""
    if rows is None or rows.empty:
        return [build_none(lang)]
    body = []
    for r in rows.to_dict("records"):
        where = [
            html.Span(r.get("source_name") or ""),
            html.Br(),
            html.Small(format_where(r.get("line_no"), r.get("column_name"), lang)),
        ]
        resolved = catalog_label("data.quarantine.status", r["status"], lang)
        if r.get("resolved_by"):
            resolved = f"{resolved}：{t('data.quarantine.resolved', lang, who=r['resolved_by'], when=format_time(r.get('resolved_at')))}"
        cells = [
            f"{int(r['row_id'])}",
            html.Span([f"#{int(r['batch_id'])} ", fact_name(r.get("fact"), lang)]),
            html.Span(where),
            format_reason(r["reason_code"], r.get("reason_params"), lang),
            build_raw_cells(r.get("raw")) if show_raw else t("data.quarantine.raw_hidden", lang),
            resolved,
        ]
        if can_manage:
            cells.append(
                html.Button(
                    t("data.quarantine.edit", lang),
                    id=q_select(int(r["row_id"])),
                    n_clicks=0,
                    className="aocc-button aocc-button--small",
                )
                if r["status"] == "open"
                else ""
            )
        body.append(cells)
    headers = [
        t(k, lang)
        for k in (
            "data.col.row",
            "data.col.batch",
            "data.col.where",
            "data.col.reason",
            "data.col.raw",
            "data.col.resolved",
        )
    ]
    if can_manage:
        headers.append(t("data.quarantine.select", lang))
    return [
        html.P(t("data.quarantine.count", lang, total=f"{total:,d}", shown=len(rows)), className="aocc-data__count"),
        build_table(headers, body, class_name="aocc-table--quarantine"),
    ]


def build_quarantine_editor(row: dict | None, *, lang: str) -> tuple[str, str, list]:
    """The correction form's heading, reason and inputs (one per raw column) for an open row."""
    if not row:
        return "", "", []
    fields = []
    for column, value in (row.get("raw") or {}).items():
        fields.append(
            html.Label(
                [
                    html.Span(str(column), className="aocc-field__label"),
                    dcc.Input(
                        id=q_field(str(column)),
                        type="text",
                        value="" if value is None else str(value),
                        className="aocc-field__input",
                    ),
                ],
                className="aocc-field",
            )
        )
    heading = t(
        "data.quarantine.edit_heading",
        lang,
        id=row["row_id"],
        source=row.get("source_name") or "",
        line=row.get("line_no") or "?",
    )
    return heading, format_reason(row["reason_code"], row.get("reason_params"), lang), fields


def quarantine_csv(rows: pd.DataFrame, *, lang: str) -> str:
    """The quarantined rows as CSV (UTF-8 with BOM, so Excel reads Chinese): the row's place and
    reason, then each raw column as read. Every text cell a spreadsheet would evaluate
    (``=HYPERLINK(...)``) is neutralised with a leading apostrophe."""
    records = rows.to_dict("records") if rows is not None else []
    raw_columns: list[str] = []
    for r in records:
        for key in r.get("raw") or {}:
            if key not in raw_columns:
                raw_columns.append(key)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    header = [
        t(k, lang)
        for k in (
            "data.col.row",
            "data.col.batch",
            "data.col.fact",
            "data.col.file",
            "data.col.where",
            "data.col.reason",
        )
    ]
    writer.writerow([neutralize_formula(h) for h in header + raw_columns])
    for r in records:
        raw = r.get("raw") or {}
        cells = [
            int(r["row_id"]),
            int(r["batch_id"]),
            fact_name(r.get("fact"), lang),
            r.get("source_name") or "",
            format_where(r.get("line_no"), r.get("column_name"), lang),
            format_reason(r["reason_code"], r.get("reason_params"), lang),
        ]
        cells += [raw.get(c, "") for c in raw_columns]
        writer.writerow([neutralize_formula(v) for v in cells])
    return out.getvalue()
