"""Builders of the data page (数据中心): sources with freshness, batches, the quarantine browser
and its correction form, scheduler job runs, and provenance.

Pure functions of DataFrames and plain values (the columns of ``data.queries.ingest``). Every
value that came from a file — names, raw cells, file names, messages — is passed as a text
child or an input's value, so ``<script>`` in a department's export is shown as text, never
run. Texts come from the message catalog; reasons and issues are rendered from their codes.
"""

from __future__ import annotations

import csv
import io
import string

import pandas as pd
from dash import dcc, html

from components.shell import dropdown_labels
from data.catalog import METRICS_BY_ID
from data.import_formats import FACTS
from data.text_safety import neutralize_formula
from presentation.format import format_time
from presentation.i18n import CATALOG, t

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
Q_SELECT = "data-q-select"  # pattern: {"type": Q_SELECT, "row": id}
Q_FIELD = "data-q-field"  # pattern: {"type": Q_FIELD, "column": header}

PAGE_PATH = "/data"


def q_select(row_id) -> dict:
    return {"type": Q_SELECT, "row": row_id}


def q_field(column) -> dict:
    return {"type": Q_FIELD, "column": column}


# --- text helpers ------------------------------------------------------------------------------


class _Params(dict):
    def __missing__(self, key):
        return "?"


def _param_text(value, lang: str) -> str:
    if isinstance(value, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(str(v) for v in value) or "—"
    if value is None:
        return "—"
    return str(value)


def format_message(key: str, params: dict | None, lang: str) -> str:
    """The catalog text for ``key`` with ``params``; a missing parameter shows as "?" (a stored
    reason from an older version must still render)."""
    zh, en = CATALOG[key]
    template = zh if lang == "zh" else en
    values = _Params({k: _param_text(v, lang) for k, v in (params or {}).items()})
    return string.Formatter().vformat(template, (), values)


def format_reason(code: str, params: dict | None, lang: str) -> str:
    key = f"data.reason.{code}"
    if key not in CATALOG:
        return code
    return format_message(key, params, lang)


def format_issue(issue: dict, lang: str) -> str:
    """A file-level issue (``{"code", "params", "line"?, "column"?}``) as a sentence with its place."""
    code = issue.get("code", "")
    key = f"data.issue.{code}"
    text = (
        format_message(key, issue.get("params"), lang)
        if key in CATALOG
        else format_reason(code, issue.get("params"), lang)
    )
    where = format_where(issue.get("line"), issue.get("column"), lang)
    return f"{where}：{text}" if where and lang == "zh" else (f"{where}: {text}" if where else text)


def format_where(line, column, lang: str) -> str:
    if line is None or (isinstance(line, float) and pd.isna(line)):
        return ""
    if column:
        return t("data.batch.line_column_col", lang, line=int(line), column=column)
    return t("data.batch.line_column", lang, line=int(line))


def format_duration(seconds, lang: str) -> str:
    if seconds is None or pd.isna(seconds):
        return "—"
    seconds = float(seconds)
    if seconds < 90:
        return t("data.duration.seconds", lang, n=round(seconds, 1) if seconds < 10 else int(seconds))
    if seconds < 90 * 60:
        return t("data.duration.minutes", lang, n=int(seconds // 60))
    if seconds < 48 * 3600:
        return t("data.duration.hours", lang, n=int(seconds // 3600))
    return t("data.duration.days", lang, n=int(seconds // 86400))


def fact_name(fact: str | None, lang: str) -> str:
    key = f"data.fact.{fact}"
    return t(key, lang) if key in CATALOG else t("data.fact.unknown", lang)


def _label(prefix: str, value, lang: str) -> str:
    key = f"{prefix}.{value}"
    return t(key, lang) if key in CATALOG else str(value)


def job_name(job_id: str, lang: str) -> str:
    if job_id.startswith("source:"):
        return t("data.job.name.source", lang, code=job_id.split(":", 1)[1])
    return _label("data.job.name", job_id, lang)


# --- tables ------------------------------------------------------------------------------------


def _table(headers: list[str], rows: list[list], *, class_name: str = "") -> html.Table:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
            html.Tbody([html.Tr([c if isinstance(c, html.Td) else html.Td(c) for c in row]) for row in rows]),
        ],
        className=f"aocc-table {class_name}".strip(),
    )


def _badge(text: str, kind: str) -> html.Span:
    return html.Span(text, className=f"aocc-badge aocc-badge--{kind}", **{"data-kind": kind})


def _none(lang: str) -> html.Div:
    return html.Div(t("data.none", lang), className="aocc-state aocc-state--empty", **{"data-state": "empty"})


def _counts(read, accepted, duplicate, rejected) -> str:
    def n(v):
        return "—" if v is None or pd.isna(v) else f"{int(v):,d}"

    return f"{n(read)} / {n(accepted)} / {n(duplicate)} / {n(rejected)}"


FRESHNESS_KIND = {"fresh": "ok", "stale": "warning", "never": "muted", "disabled": "muted"}
STATUS_KIND = {"applied": "ok", "unchanged": "muted", "failed": "error", "running": "info"}
OUTCOME_KIND = {"ok": "ok", "failed": "error", "running": "info", "skipped": "muted"}


def build_sources_table(sources: pd.DataFrame, *, lang: str) -> html.Div | html.Table:
    """Columns of ``data.queries.ingest.fetch_sources``."""
    if sources is None or sources.empty:
        return _none(lang)
    name_col = "name_zh" if lang == "zh" else "name_en"
    rows = []
    for r in sources.to_dict("records"):
        age = r.get("age_seconds")
        last = format_time(r.get("last_success_at"))
        if last and age is not None and not pd.isna(age):
            last = (
                f"{last}（{t('data.age', lang, age=format_duration(age, lang))}）"
                if lang == "zh"
                else f"{last} ({t('data.age', lang, age=format_duration(age, lang))})"
            )
        batch = r.get("last_batch_id")
        batch_cell = "—"
        if batch is not None and not pd.isna(batch):
            status = r.get("last_batch_status")
            batch_cell = html.Span(
                [f"#{int(batch)} ", _badge(_label("data.batch.status", status, lang), STATUS_KIND.get(status, "muted"))]
            )
        rows.append(
            [
                html.Span([html.Strong(r[name_col]), html.Br(), html.Code(r["code"])]),
                _label("data.kind", r["kind"], lang),
                _label("data.domain", r["domain"], lang),
                _badge(_label("data.freshness", r["freshness"], lang), FRESHNESS_KIND.get(r["freshness"], "muted")),
                last or "—",
                format_duration(r.get("interval_seconds"), lang),
                batch_cell,
                _counts(
                    r.get("last_rows_read"),
                    r.get("last_rows_accepted"),
                    r.get("last_rows_duplicate"),
                    r.get("last_rows_rejected"),
                ),
                f"{int(r.get('open_quarantine') or 0):,d}",
            ]
        )
    headers = [
        t(k, lang)
        for k in (
            "data.col.source",
            "data.col.kind",
            "data.col.domain",
            "data.col.freshness",
            "data.col.last_success",
            "data.col.interval",
            "data.col.last_batch",
            "data.col.counts",
            "data.col.open_quarantine",
        )
    ]
    return _table(headers, rows, class_name="aocc-table--sources")


def build_leader_line(lease: dict | None, *, lang: str) -> html.Span:
    if not lease or not lease.get("alive"):
        return _badge(t("data.scheduler.no_leader", lang), "warning")
    return html.Span(
        t("data.scheduler.leader", lang, holder=lease["holder"], until=format_time(lease["expires_at"])),
        className="aocc-data__leader",
    )


def build_batches_table(batches: pd.DataFrame, *, lang: str) -> html.Div | html.Table:
    """Columns of ``data.queries.ingest.fetch_batches``; file-level issues (with file, line and
    column) are listed under each batch."""
    if batches is None or batches.empty:
        return _none(lang)
    rows = []
    for r in batches.to_dict("records"):
        source = r.get("source_name_zh" if lang == "zh" else "source_name_en")
        origin = [html.Span(r.get("file_name") or "")]
        if isinstance(source, str) and source:
            origin += [html.Br(), html.Small(source)]
        notes = [format_issue(i, lang) for i in (r.get("issues") or []) if i.get("code") not in ("encoding_detected",)]
        if r.get("error") and not any(i.get("code") == "batch_error" for i in (r.get("issues") or [])):
            notes.append(t("data.issue.batch_error", lang, error=r["error"]))
        span = ""
        if r.get("data_from") is not None and not pd.isna(r.get("data_from")):
            span = f"{format_time(r['data_from'])} – {format_time(r['data_to'])}"
        rows.append(
            [
                f"#{int(r['batch_id'])}",
                fact_name(r.get("fact"), lang),
                html.Span(origin),
                _badge(_label("data.batch.status", r["status"], lang), STATUS_KIND.get(r["status"], "muted")),
                format_time(r.get("started_at")),
                f"{int(r['rows_read']):,d}",
                f"{int(r['rows_accepted']):,d}",
                f"{int(r['rows_duplicate']):,d}",
                f"{int(r['rows_rejected']):,d}",
                span,
                html.Ul([html.Li(n) for n in notes], className="aocc-data__issues") if notes else "",
            ]
        )
    headers = [
        t(k, lang)
        for k in (
            "data.col.batch",
            "data.col.fact",
            "data.col.file",
            "data.col.status",
            "data.col.started",
            "data.col.read",
            "data.col.accepted",
            "data.col.duplicate",
            "data.col.rejected",
            "data.col.data_span",
            "data.col.issues",
        )
    ]
    return _table(headers, rows, class_name="aocc-table--batches")


def build_raw_cells(raw: dict) -> html.Dl:
    """The raw row, header → value, as text."""
    items = []
    for key, value in (raw or {}).items():
        items += [html.Dt(str(key)), html.Dd(str(value) if value not in (None, "") else "∅")]
    return html.Dl(items, className="aocc-data__raw")


def build_quarantine_table(rows: pd.DataFrame, *, total: int, lang: str, can_manage: bool, show_raw: bool) -> list:
    """Columns of ``data.queries.ingest.fetch_quarantine``; with ``can_manage`` each open row has
    a button that opens the correction form."""
    if rows is None or rows.empty:
        return [_none(lang)]
    body = []
    for r in rows.to_dict("records"):
        where = [
            html.Span(r.get("source_name") or ""),
            html.Br(),
            html.Small(format_where(r.get("line_no"), r.get("column_name"), lang)),
        ]
        resolved = _label("data.quarantine.status", r["status"], lang)
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
        _table(headers, body, class_name="aocc-table--quarantine"),
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


def build_jobs_table(runs: pd.DataFrame, *, lang: str) -> html.Div | html.Table:
    """Columns of ``data.queries.ingest.fetch_job_runs``."""
    if runs is None or runs.empty:
        return _none(lang)
    rows = []
    for r in runs.to_dict("records"):
        message = r.get("message") or ""
        first_line = message.splitlines()[0] if message else ""
        rows.append(
            [
                html.Span([job_name(r["job_id"], lang), html.Br(), html.Code(r["job_id"])]),
                format_time(r.get("scheduled_for")),
                format_time(r.get("started_at")),
                format_duration(r.get("duration_seconds"), lang),
                _badge(_label("data.job.outcome", r["outcome"], lang), OUTCOME_KIND.get(r["outcome"], "muted")),
                html.Span(first_line, title=message) if message else "",
                r.get("host") or "",
            ]
        )
    headers = [
        t(k, lang)
        for k in (
            "data.col.job",
            "data.col.scheduled_for",
            "data.col.started",
            "data.col.duration",
            "data.col.outcome",
            "data.col.message",
            "data.col.host",
        )
    ]
    return _table(headers, rows, class_name="aocc-table--jobs")


def build_provenance(
    provenance: pd.DataFrame | None, *, metric_id: str | None, org_name: str | None, lang: str
) -> list:
    """Columns of ``data.queries.ingest.fetch_provenance``."""
    if not metric_id:
        return [html.P(t("data.provenance.pick", lang), className="aocc-data__hint")]
    metric = METRICS_BY_ID.get(metric_id)
    if metric is None:
        return [
            html.P(
                t("data.provenance.unknown_metric", lang, metric=metric_id), className="aocc-state aocc-state--error"
            )
        ]
    heading = html.P(
        t("data.provenance.for", lang, metric=metric.name(lang), org=org_name or ""), className="aocc-data__hint"
    )
    if provenance is None or provenance.empty:
        return [heading, html.P(t("data.provenance.no_batches", lang), className="aocc-state aocc-state--empty")]
    rows = []
    for r in provenance.to_dict("records"):
        month = r["month"]
        source = r.get("source_name_zh" if lang == "zh" else "source_name_en")
        rows.append(
            [
                month.strftime("%Y-%m") if hasattr(month, "strftime") else str(month)[:7],
                f"#{int(r['batch_id'])}",
                fact_name(r.get("fact"), lang),
                html.Span([r.get("file_name") or "", html.Br(), html.Small(source if isinstance(source, str) else "")]),
                ("、" if lang == "zh" else ", ").join(
                    METRICS_BY_ID[m].name(lang) for m in (r.get("metrics") or []) if m in METRICS_BY_ID
                ),
                f"{int(r['rows']):,d}",
                _badge(_label("data.batch.status", r.get("status"), lang), STATUS_KIND.get(r.get("status"), "muted"))
                if isinstance(r.get("status"), str)
                else "—",
                format_time(r.get("started_at")),
            ]
        )
    headers = [
        t(k, lang)
        for k in (
            "data.col.month",
            "data.col.batch",
            "data.col.fact",
            "data.col.file",
            "data.col.metrics",
            "data.col.rows",
            "data.col.status",
            "data.col.started",
        )
    ]
    return [heading, _table(headers, rows, class_name="aocc-table--provenance")]


def provenance_href(metric_id: str, org_id=None) -> str:
    """The data page's provenance view for a KPI tile's metric (and org)."""
    query = f"?metric={metric_id}"
    if org_id not in (None, ""):
        query += f"&org={org_id}"
    return PAGE_PATH + query + "#provenance"


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
