"""Tables of the data page (数据中心): sources with freshness, the scheduler's leader, batches
with their file-level issues, scheduler job runs, and provenance; and the table, badge and
"nothing here" blocks the quarantine browser shares.

Pure functions of DataFrames and plain values (the columns of ``data.queries.ingest``). Every
value that came from a file is passed as a text child, so ``<script>`` in a department's export is
shown as text, never run.
"""

from __future__ import annotations

import pandas as pd
from dash import html

from data.catalog import METRICS_BY_ID
from presentation.format import format_time
from presentation.i18n import t
from presentation.ingest_text import catalog_label, fact_name, format_duration, format_issue, job_name


def build_table(headers: list[str], rows: list[list], *, class_name: str = "") -> html.Table:
    """A plain table; cells are text children (or ready ``html.Td``s)."""
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
            html.Tbody([html.Tr([c if isinstance(c, html.Td) else html.Td(c) for c in row]) for row in rows]),
        ],
        className=f"aocc-table {class_name}".strip(),
    )


def _badge(text: str, kind: str) -> html.Span:
    return html.Span(text, className=f"aocc-badge aocc-badge--{kind}", **{"data-kind": kind})


def build_none(lang: str) -> html.Div:
    """What a table of the data page shows when it has no rows."""
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
        return build_none(lang)
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
                [
                    f"#{int(batch)} ",
                    _badge(catalog_label("data.batch.status", status, lang), STATUS_KIND.get(status, "muted")),
                ]
            )
        rows.append(
            [
                html.Span([html.Strong(r[name_col]), html.Br(), html.Code(r["code"])]),
                catalog_label("data.kind", r["kind"], lang),
                catalog_label("data.domain", r["domain"], lang),
                _badge(
                    catalog_label("data.freshness", r["freshness"], lang), FRESHNESS_KIND.get(r["freshness"], "muted")
                ),
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
    return build_table(headers, rows, class_name="aocc-table--sources")


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
        return build_none(lang)
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
                _badge(catalog_label("data.batch.status", r["status"], lang), STATUS_KIND.get(r["status"], "muted")),
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
    return build_table(headers, rows, class_name="aocc-table--batches")


def build_jobs_table(runs: pd.DataFrame, *, lang: str) -> html.Div | html.Table:
    """Columns of ``data.queries.ingest.fetch_job_runs``."""
    if runs is None or runs.empty:
        return build_none(lang)
    rows = []
    for r in runs.to_dict("records"):
        message = r.get("message")
        message = message if isinstance(message, str) else ""  # a run still going has none (NaN in the frame)
        first_line = message.splitlines()[0] if message else ""
        rows.append(
            [
                html.Span([job_name(r["job_id"], lang), html.Br(), html.Code(r["job_id"])]),
                format_time(r.get("scheduled_for")),
                format_time(r.get("started_at")),
                format_duration(r.get("duration_seconds"), lang),
                _badge(catalog_label("data.job.outcome", r["outcome"], lang), OUTCOME_KIND.get(r["outcome"], "muted")),
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
    return build_table(headers, rows, class_name="aocc-table--jobs")


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
                _badge(
                    catalog_label("data.batch.status", r.get("status"), lang), STATUS_KIND.get(r.get("status"), "muted")
                )
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
    return [heading, build_table(headers, rows, class_name="aocc-table--provenance")]
