"""The data page (数据中心): its component ids, the provenance link of a KPI tile, and the layout
the callbacks fill.

The sections' contents are built elsewhere: the texts in ``presentation.ingest_text``, the
sources, batches, jobs and provenance tables in ``components.data_tables``, the quarantine browser,
correction form and CSV export in ``components.quarantine``; the small table of a batch's reading
notes (抄表备注) is built here (``build_reading_notes``).
"""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from components.data_tables import build_none, build_table
from components.shell import dropdown_labels
from data.import_formats import FACTS
from presentation.format import format_time
from presentation.i18n import t
from presentation.ingest_text import fact_name

# --- component ids (the data page's own) --------------------------------------------------------
INTERVAL = "data-interval"
REFRESH = "data-refresh"
TABS = "data-tabs"
SOURCES = "data-sources"
LEADER = "data-leader"
BATCHES = "data-batches"
BATCH_STATUS = "data-batch-status"
QUARANTINE = "data-quarantine"
QUARANTINE_COUNT = "data-quarantine-count"
Q_STATUS = "data-q-status"
Q_FACT = "data-q-fact"
Q_BATCH = "data-q-batch"
Q_EDITOR = "data-q-editor"
Q_EDITOR_HEAD = "data-q-editor-head"
Q_EDITOR_REASON = "data-q-editor-reason"
Q_EDITOR_FIELDS = "data-q-editor-fields"
Q_SELECTED = "data-q-selected"
Q_RESUBMIT = "data-q-resubmit"
Q_DISCARD = "data-q-discard"
Q_NOTE = "data-q-note"
Q_MESSAGE = "data-q-message"
Q_CHANGED = "data-q-changed"
Q_DOWNLOAD = "data-q-download"
Q_DOWNLOAD_BUTTON = "data-q-download-button"
JOBS = "data-jobs"
JOBS_FAILED = "data-jobs-failed"
PROVENANCE = "data-provenance"
PROVENANCE_QUERY = "data-provenance-query"
NOTES = "data-notes"
NOTES_BATCH = "data-notes-batch"
Q_SELECT = "data-q-select"  # pattern: {"type": Q_SELECT, "row": id}
Q_FIELD = "data-q-field"  # pattern: {"type": Q_FIELD, "column": header}

PAGE_PATH = "/data"


def q_select(row_id) -> dict:
    return {"type": Q_SELECT, "row": row_id}


def q_field(column) -> dict:
    return {"type": Q_FIELD, "column": column}


def provenance_href(metric_id: str, org_id=None) -> str:
    """The data page's provenance view for a KPI tile's metric (and org)."""
    query = f"?metric={metric_id}"
    if org_id not in (None, ""):
        query += f"&org={org_id}"
    return PAGE_PATH + query + "#provenance"


def _editor_frame(lang: str) -> html.Div:
    """The (hidden) correction form; the select callback fills and shows it."""
    return html.Div(
        [
            html.H3(id=Q_EDITOR_HEAD),
            html.P(id=Q_EDITOR_REASON, className="aocc-data__reason"),
            html.P(t("data.quarantine.edit_hint", lang), className="aocc-data__hint"),
            html.Div(id=Q_EDITOR_FIELDS, className="aocc-data__fields"),
            html.Div(
                [
                    html.Button(
                        t("data.quarantine.resubmit", lang), id=Q_RESUBMIT, n_clicks=0, className="aocc-button"
                    ),
                    dcc.Input(
                        id=Q_NOTE,
                        type="text",
                        placeholder=t("data.quarantine.discard_note", lang),
                        value="",
                        className="aocc-field__input",
                    ),
                    html.Button(
                        t("data.quarantine.discard", lang),
                        id=Q_DISCARD,
                        n_clicks=0,
                        className="aocc-button aocc-button--danger",
                    ),
                ],
                className="aocc-data__actions",
            ),
        ],
        id=Q_EDITOR,
        hidden=True,
        className="aocc-card aocc-data__editor",
    )


def build_reading_notes(notes: pd.DataFrame | None, *, total: int, batch_id: int | None, lang: str) -> list:
    """The reading notes of a batch (columns of ``data.queries.reading_notes.reading_notes``, the
    reader already masked for a scope without personal data): meter, time, reader, note, every
    value a text child (a note that looks like a formula or markup is shown as written)."""
    if notes is None or notes.empty:
        return [build_none(lang)]
    rows = [
        [
            html.Code(str(r["meter_code"])),
            format_time(r["ts"]),
            "" if r["reader_name"] is None or pd.isna(r["reader_name"]) else str(r["reader_name"]),
            "" if r["note"] is None or pd.isna(r["note"]) else str(r["note"]),
        ]
        for r in notes.to_dict("records")
    ]
    headers = [t(k, lang) for k in ("data.notes.meter", "data.notes.time", "data.notes.reader", "data.notes.note")]
    out = [html.P(t("data.notes.of_batch", lang, batch=batch_id), className="aocc-data__hint")] if batch_id else []
    out.append(build_table(headers, rows, class_name="aocc-table--notes"))
    if total > len(notes):
        out.append(html.P(t("data.notes.more", lang, shown=len(notes), total=total), className="aocc-data__hint"))
    return out


# --- the page ----------------------------------------------------------------------------------


def _section(title_key: str, lang: str, *children, section_id: str | None = None) -> html.Section:
    return html.Section(
        [html.H2(t(title_key, lang), className="aocc-card__title"), *children],
        className="aocc-card aocc-data__section",
        id=section_id or "",
    )


def build_data_page(
    *, lang: str, metric: str | None, org: str | None, can_manage: bool, refresh_seconds: int
) -> html.Div:
    """The data page before its data arrives; the callbacks fill every section."""
    status_options = [{"label": t("data.quarantine.all", lang), "value": "all"}] + [
        {"label": t(f"data.quarantine.status.{s}", lang), "value": s} for s in ("open", "resubmitted", "discarded")
    ]
    fact_options = [{"label": t("data.quarantine.all", lang), "value": "all"}] + [
        {"label": fact_name(f, lang), "value": f} for f in FACTS
    ]
    batch_status = [{"label": t("data.quarantine.all", lang), "value": "all"}] + [
        {"label": t(f"data.batch.status.{s}", lang), "value": s} for s in ("applied", "unchanged", "failed")
    ]
    quarantine_tools = [
        html.Div(
            [
                html.Label(
                    [
                        t("data.quarantine.filter_status", lang),
                        dcc.Dropdown(
                            id=Q_STATUS,
                            options=status_options,
                            value="open",
                            clearable=False,
                            labels=dropdown_labels(lang),
                        ),
                    ],
                    className="aocc-field",
                ),
                html.Label(
                    [
                        t("data.quarantine.filter_fact", lang),
                        dcc.Dropdown(
                            id=Q_FACT, options=fact_options, value="all", clearable=False, labels=dropdown_labels(lang)
                        ),
                    ],
                    className="aocc-field",
                ),
                html.Label(
                    [
                        t("data.quarantine.filter_batch", lang),
                        dcc.Input(id=Q_BATCH, type="number", min=1, value=None, debounce=True),
                    ],
                    className="aocc-field",
                ),
                html.Button(
                    t("data.quarantine.download", lang), id=Q_DOWNLOAD_BUTTON, n_clicks=0, className="aocc-button"
                ),
                dcc.Download(id=Q_DOWNLOAD),
            ],
            className="aocc-data__filters",
        ),
        html.Div(id=Q_MESSAGE, role="status", className="aocc-data__message"),
        html.Div(id=QUARANTINE),
    ]
    # Always in the layout (hidden) so every callback's ids exist; the server checks manage_data.
    quarantine_tools.append(_editor_frame(lang))
    return html.Div(
        [
            dcc.Store(id=PROVENANCE_QUERY, data={"metric": metric, "org": org}),
            dcc.Store(id=Q_SELECTED, data=None),
            dcc.Store(id=Q_CHANGED, data=0),
            html.Div(
                [
                    html.H1(t("page.data.heading", lang), className="aocc-page__title"),
                    html.Div(id=LEADER, className="aocc-page__status", role="status"),
                    html.Button(t("data.refresh", lang), id=REFRESH, n_clicks=0, className="aocc-button"),
                ],
                className="aocc-page__head",
            ),
            html.P(t("page.data.intro", lang), className="aocc-data__hint"),
            _section("data.provenance.heading", lang, html.Div(id=PROVENANCE), section_id="provenance"),
            _section("data.sources.heading", lang, html.Div(id=SOURCES)),
            _section(
                "data.batches.heading",
                lang,
                dcc.Dropdown(
                    id=BATCH_STATUS,
                    options=batch_status,
                    value="all",
                    clearable=False,
                    labels=dropdown_labels(lang),
                    className="aocc-data__filter",
                ),
                html.Div(id=BATCHES),
            ),
            _section(
                "data.notes.heading",
                lang,
                html.P(t("data.notes.hint", lang), className="aocc-data__hint"),
                html.Label(
                    [t("data.notes.batch", lang), dcc.Input(id=NOTES_BATCH, type="number", min=1, debounce=True)],
                    className="aocc-field aocc-data__filter",
                ),
                html.Div(id=NOTES),
                section_id="notes",
            ),
            _section("data.quarantine.heading", lang, *quarantine_tools, section_id="quarantine"),
            _section(
                "data.jobs.heading",
                lang,
                dcc.Checklist(
                    id=JOBS_FAILED, options=[{"label": t("data.jobs.failed_only", lang), "value": "failed"}], value=[]
                ),
                html.Div(id=JOBS),
            ),
            dcc.Interval(id=INTERVAL, interval=max(int(refresh_seconds), 5) * 1000, n_intervals=0),
        ],
        className="aocc-page aocc-page--data",
    )
