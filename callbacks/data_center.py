"""The data page's callbacks: reads of sources, batches, jobs, quarantine, reading notes and
provenance on the page's interval, and the two quarantine actions (re-submit a corrected row, discard a row).

Reading needs ``view``; the quarantine's raw values and every action need ``manage_data``,
checked here on the server (``require_permission``), whatever the page showed. Quarantined rows
are those of the user's data scope only (``quarantine_in_scope``), for reading and for acting.
Who sees raw values, which corrected fields are sent back and the note a discard needs are the
rules of ``data.quarantine_review``.
A failed read is logged and shown as a failure, never as an empty table.
"""

from __future__ import annotations

import datetime as dt
import logging

from dash import ALL, Dash, Input, Output, State, ctx, dcc, no_update

import components.data_center as ui
import components.data_tables as tables
import components.quarantine as quarantine
from components import ids
from components.states import build_error
from data.calendar import add_months, calendar_for, month_start
from data.catalog import METRICS_BY_ID
from data.errors import DatabaseError
from data.loaders import QuarantineError, discard, resubmit, settings_from_config
from data.quarantine_review import NoteRequired, changed_fields, discard_note, shows_raw_values
from data.queries.ingest import (
    fetch_batches,
    fetch_job_runs,
    fetch_provenance,
    fetch_quarantine,
    fetch_quarantine_row,
    fetch_scheduler_lease,
    fetch_sources,
)
from data.queries.org import fetch_org, org_name
from data.queries.reading_notes import latest_note_batch, reading_notes
from data.scope import NotInScope
from presentation.i18n import t
from presentation.ingest_text import format_issue
from security import require_permission
from security.context import (
    current_config,
    current_engine,
    current_language,
    current_scope,
    current_user_info,
    has_permission,
)

log = logging.getLogger("aocc.callbacks.data")

UTC = dt.UTC
QUARANTINE_LIMIT = 200
NOTES_LIMIT = 200
PROVENANCE_MONTHS = 12


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


def _today() -> dt.date:
    """The local day of the configured zone (a provenance month is a local month)."""
    return calendar_for(current_config().timezone).today(_now())


def _failure(lang: str, exc: Exception):
    log.exception("data page: reading or drawing a panel failed")
    return build_error(lang, detail=t("data.error", lang, error=exc.__class__.__name__))


@require_permission("view")
def update_data_status(_n, _refresh, batch_status, jobs_failed, _changed):
    lang = current_language()
    now = _now()
    try:
        with current_engine().connect() as conn:
            sources = fetch_sources(conn, current_scope(), now=now)
            lease = fetch_scheduler_lease(conn, now=now)
            batches = fetch_batches(conn, limit=50, status=None if batch_status in (None, "all") else batch_status)
            runs = fetch_job_runs(
                conn, outcome="failed" if jobs_failed and "failed" in jobs_failed else None, limit=100
            )
        return (
            tables.build_sources_table(sources, lang=lang),
            tables.build_leader_line(lease, lang=lang),
            tables.build_batches_table(batches, lang=lang),
            tables.build_jobs_table(runs, lang=lang),
        )
    except Exception as exc:  # noqa: BLE001 - reading or drawing failed: logged with its traceback, shown as a failure
        error = _failure(lang, exc)
        return error, "", error, error


def _quarantine_filters(status, fact, batch):
    return {
        "status": None if status in (None, "all") else status,
        "fact": None if fact in (None, "all") else fact,
        "batch_id": int(batch) if batch not in (None, "") else None,
    }


@require_permission("view")
def update_quarantine(_n, _refresh, status, fact, batch, _changed):
    lang = current_language()
    can_manage = has_permission("manage_data")
    show_raw = shows_raw_values(current_user_info().permissions)
    try:
        scope = current_scope()
        with current_engine().connect() as conn:
            rows, total = fetch_quarantine(
                conn, scope, limit=QUARANTINE_LIMIT, include_raw=show_raw, **_quarantine_filters(status, fact, batch)
            )
        return quarantine.build_quarantine_table(rows, total=total, lang=lang, can_manage=can_manage, show_raw=show_raw)
    except Exception as exc:  # noqa: BLE001 - reading or drawing failed: logged with its traceback, shown as a failure
        return _failure(lang, exc)


@require_permission("view")
def update_reading_notes(_n, _refresh, batch):
    """The reading notes (抄表人, 备注) of the batch asked for, or of the latest batch with notes;
    the reader masked unless the user may see personal data."""
    lang = current_language()
    try:
        scope = current_scope()
        with current_engine().connect() as conn:
            batch_id = int(batch) if batch not in (None, "") else latest_note_batch(conn, scope)
            if batch_id is None:
                return ui.build_reading_notes(None, total=0, batch_id=None, lang=lang)
            notes, total = reading_notes(conn, scope, batch_id=batch_id, limit=NOTES_LIMIT)
        return ui.build_reading_notes(notes, total=total, batch_id=batch_id, lang=lang)
    except Exception as exc:  # noqa: BLE001 - reading or drawing failed: logged with its traceback, shown as a failure
        return _failure(lang, exc)


@require_permission("manage_data")
def select_quarantine_row(clicks):
    triggered = ctx.triggered_id
    if not isinstance(triggered, dict) or not any(clicks or []) or not (ctx.triggered and ctx.triggered[0]["value"]):
        return no_update, no_update, no_update, no_update, no_update, no_update
    lang = current_language()
    row_id = int(triggered["row"])
    with current_engine().connect() as conn:
        row = fetch_quarantine_row(conn, current_scope(), row_id, include_raw=True)
    if row is None or row["status"] != "open":
        return None, True, "", "", [], t("data.quarantine.not_open", lang)
    heading, reason, fields = quarantine.build_quarantine_editor(row, lang=lang)
    return row_id, False, heading, reason, fields, ""


@require_permission("manage_data")
def update_quarantine_row(resubmit_clicks, discard_clicks, selected, values, field_ids, note, changed):
    """Re-submit the corrected row, or discard it with a note; both recorded with the user's name."""
    lang = current_language()
    if selected is None or ctx.triggered_id not in (ui.Q_RESUBMIT, ui.Q_DISCARD):
        return no_update, no_update, no_update, no_update
    actor = current_user_info().username
    engine = current_engine()
    now = _now()
    with engine.connect() as conn:
        # a row outside the user's data scope cannot be acted on, whatever id a request names
        original = fetch_quarantine_row(conn, current_scope(), int(selected), include_raw=True)
    if original is None:
        return t("data.quarantine.out_of_scope", lang), (changed or 0) + 1, None, True
    try:
        if ctx.triggered_id == ui.Q_DISCARD:
            discard(engine, int(selected), actor=actor, note=discard_note(note), now=now)
            return t("data.quarantine.discarded", lang, id=selected), (changed or 0) + 1, None, True
        corrected = {f["column"]: v for f, v in zip(field_ids or [], values or [])}
        outcome = resubmit(
            engine,
            int(selected),
            changed_fields(original["raw"], corrected),
            actor=actor,
            now=now,
            settings=settings_from_config(current_config()),
        )
    except NoteRequired:
        return t("data.quarantine.note_required", lang), no_update, no_update, no_update
    except QuarantineError:
        return t("data.quarantine.not_open", lang), (changed or 0) + 1, None, True
    if outcome.ok:
        return t("data.quarantine.resubmitted", lang, batch=outcome.batch.batch_id), (changed or 0) + 1, None, True
    reasons = "; ".join(format_issue(i.as_dict(), lang) for i in outcome.issues)
    return t("data.quarantine.still_invalid", lang, reasons=reasons), no_update, no_update, no_update


@require_permission("manage_data")
def download_quarantine(n_clicks, status, fact, batch):
    if not n_clicks:
        return no_update
    lang = current_language()
    with current_engine().connect() as conn:
        rows, _total = fetch_quarantine(
            conn, current_scope(), limit=1000, include_raw=True, **_quarantine_filters(status, fact, batch)
        )
    stamp = _now().strftime("%Y%m%d-%H%M")
    return dcc.send_string(quarantine.quarantine_csv(rows, lang=lang), f"quarantine-{stamp}.csv")


@require_permission("view")
def update_provenance(query, _refresh):
    lang = current_language()
    query = query or {}
    metric_id = query.get("metric")
    if not metric_id or metric_id not in METRICS_BY_ID:
        return tables.build_provenance(None, metric_id=metric_id, org_name=None, lang=lang)
    try:
        org_id = int(query["org"]) if query.get("org") not in (None, "") else None
    except (TypeError, ValueError):
        return [build_error(lang, message_key="state.out_of_scope")]
    today = _today()
    try:
        scope = current_scope()
        with current_engine().connect() as conn:
            frame = fetch_provenance(
                conn,
                scope,
                metric_id=metric_id,
                org_id=org_id,
                month_from=add_months(month_start(today), -(PROVENANCE_MONTHS - 1)),
                month_to=today,
            )
            name = org_name(fetch_org(conn, scope, org_id), lang)
    except (NotInScope, PermissionError):  # no such unit, one outside the scope, or nobody signed in
        return [build_error(lang, message_key="state.out_of_scope")]
    except DatabaseError as exc:
        return [_failure(lang, exc)]
    return tables.build_provenance(frame, metric_id=metric_id, org_name=name, lang=lang)


def update_kpi_source_links(source_ids, orgs):
    """Point every KPI tile's "来源" link at the data page's provenance view for its metric."""
    org = next((o for o in (orgs or []) if o not in (None, "")), None)
    return [ui.provenance_href(i["metric"], org) for i in (source_ids or [])]


def register(app: Dash) -> None:
    """Register this page's callbacks on ``app``."""
    app.callback(
        Output(ui.SOURCES, "children"),
        Output(ui.LEADER, "children"),
        Output(ui.BATCHES, "children"),
        Output(ui.JOBS, "children"),
        Input(ui.INTERVAL, "n_intervals"),
        Input(ui.REFRESH, "n_clicks"),
        Input(ui.BATCH_STATUS, "value"),
        Input(ui.JOBS_FAILED, "value"),
        Input(ui.Q_CHANGED, "data"),
    )(update_data_status)
    app.callback(
        Output(ui.QUARANTINE, "children"),
        Input(ui.INTERVAL, "n_intervals"),
        Input(ui.REFRESH, "n_clicks"),
        Input(ui.Q_STATUS, "value"),
        Input(ui.Q_FACT, "value"),
        Input(ui.Q_BATCH, "value"),
        Input(ui.Q_CHANGED, "data"),
    )(update_quarantine)
    app.callback(
        Output(ui.NOTES, "children"),
        Input(ui.INTERVAL, "n_intervals"),
        Input(ui.REFRESH, "n_clicks"),
        Input(ui.NOTES_BATCH, "value"),
    )(update_reading_notes)
    app.callback(
        Output(ui.Q_SELECTED, "data"),
        Output(ui.Q_EDITOR, "hidden"),
        Output(ui.Q_EDITOR_HEAD, "children"),
        Output(ui.Q_EDITOR_REASON, "children"),
        Output(ui.Q_EDITOR_FIELDS, "children"),
        Output(ui.Q_MESSAGE, "children"),
        Input(ui.q_select(ALL), "n_clicks"),
        prevent_initial_call=True,
    )(select_quarantine_row)
    app.callback(
        Output(ui.Q_MESSAGE, "children", allow_duplicate=True),
        Output(ui.Q_CHANGED, "data"),
        Output(ui.Q_SELECTED, "data", allow_duplicate=True),
        Output(ui.Q_EDITOR, "hidden", allow_duplicate=True),
        Input(ui.Q_RESUBMIT, "n_clicks"),
        Input(ui.Q_DISCARD, "n_clicks"),
        State(ui.Q_SELECTED, "data"),
        State(ui.q_field(ALL), "value"),
        State(ui.q_field(ALL), "id"),
        State(ui.Q_NOTE, "value"),
        State(ui.Q_CHANGED, "data"),
        prevent_initial_call=True,
    )(update_quarantine_row)
    app.callback(
        Output(ui.Q_DOWNLOAD, "data"),
        Input(ui.Q_DOWNLOAD_BUTTON, "n_clicks"),
        State(ui.Q_STATUS, "value"),
        State(ui.Q_FACT, "value"),
        State(ui.Q_BATCH, "value"),
        prevent_initial_call=True,
    )(download_quarantine)
    app.callback(
        Output(ui.PROVENANCE, "children"),
        Input(ui.PROVENANCE_QUERY, "data"),
        Input(ui.REFRESH, "n_clicks"),
    )(update_provenance)
    app.callback(
        Output(ids.kpi_source(ALL), "href"),
        Input(ids.kpi_source(ALL), "id"),
        Input(ids.org_store(ALL), "data"),
    )(update_kpi_source_links)
