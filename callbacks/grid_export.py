"""CSV and XLSX export of a declared page's grid panel: exactly the rows the table shows,
filtered and sorted as on screen, read again on the server.

The browser's rows are never trusted: the callback re-reads the panel for the same view (the
page's view store: the URL's query values) under the signed-in user's scope, so scope and
masking are the query's, and takes from the grid's ``virtualRowData`` only which rows are shown
(their ``_row_id``) and in what order. A row the server did not produce is ignored, and so is
one whose drill target no longer matches (the data changed since the table was drawn).

Exporting needs the ``export`` permission (leaders, operators, administrators; checked here,
whatever the page showed). A view outside the scope downloads nothing and is logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from dash import ALL, MATCH, Dash, Input, Output, State, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.grid import column_header
from data.catalog import METRICS_BY_ID
from data.db import read_connection
from data.scope import NotInScope
from presentation.export import ExportColumn, table_csv_bytes, table_xlsx_bytes
from presentation.i18n import has, t
from security import require_permission
from security.context import current_engine, current_language, current_scope
from views.registry import get_page
from views.render import DRILL, ROW_ID, page_localizer, panels_for, render_panel, resolve_page_view
from views.spec import PageSpec, PanelSpec

from ._common import local_now

log = logging.getLogger("aocc.callbacks.export")

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_UNSAFE = re.compile(r"[^\w.\-]+")  # \w keeps Chinese characters
_MAX_NAME = 120


class ExportRefused(Exception):
    """The export names a page, panel or view the user may not export."""


def safe_file_name(*parts: str, extension: str) -> str:
    """``能耗监测_单位排名_甲市_2026-11.xlsx``: the parts joined by ``_``, every run of characters
    other than letters (Chinese included), digits, ``.`` and ``-`` replaced by ``_``."""
    stem = "_".join(p for p in (_UNSAFE.sub("_", str(part)).strip("_.") for part in parts) if p)
    return f"{(stem or 'export')[:_MAX_NAME]}.{extension}"


def _drill(row: Mapping) -> str | None:
    # A row without a target may carry None, or NaN from a pandas string column.
    value = row.get(DRILL)
    return value if isinstance(value, str) and value else None


def shown_records(records: Sequence[Mapping], shown: Sequence | None) -> list[Mapping]:
    """The server's ``records`` the browser shows, in the browser's order.

    Args:
        records: the panel's rows as the server produced them (``views.render.grid_records``).
        shown: the grid's ``virtualRowData`` (filtered and sorted as on screen); None when the
            grid never reported it, which means every row in the server's order.
    """
    if shown is None:
        return list(records)
    by_id = {r[ROW_ID]: r for r in records}
    picked: list[Mapping] = []
    seen: set[str] = set()
    ignored = 0
    for row in shown:
        row_id = row.get(ROW_ID) if isinstance(row, Mapping) else None
        record = by_id.get(row_id) if isinstance(row_id, str) else None
        if record is None or row_id in seen or _drill(row) != _drill(record):
            ignored += 1
            continue
        seen.add(row_id)
        picked.append(record)
    if ignored:
        log.warning("export: ignored %d row(s) the server did not produce for this view", ignored)
    return picked


def _text(key: str, lang: str, fallback: str, **params) -> str:
    return t(key, lang, **params) if has(key) else fallback


def _entity_name(view, lang: str) -> str:
    name_key = "name_zh" if lang == "zh" else "name_en"
    node_name = view.node.get(name_key) or view.node.get("name_zh") or ""
    if view.entity is None:
        return node_name
    entity_name = view.entity.get(name_key) or view.entity.get("code") or ""
    return f"{node_name} · {entity_name}" if node_name else entity_name


def _period_label(period) -> str:
    if period is None:
        return ""
    if period.kind == "year":
        return f"{period.start:%Y}"
    if period.kind == "month":
        return f"{period.start:%Y-%m}"
    if period.kind == "day":
        return period.start.isoformat()
    return f"{period.start.isoformat()}_{period.end.isoformat()}"


def export_title_lines(page: PageSpec, panel: PanelSpec, view, *, lang: str, exported_at: str) -> list[str]:
    """The lines above an exported table: page and panel, unit, indicator, period, as-of, export time."""
    heading = _text(f"page.{page.key}.heading", lang, page.key)
    lines = [f"{heading} · {_text(panel.title_key, lang, panel.key)}"]
    lines.append(t("grid.export.unit", lang, name=_entity_name(view, lang)))
    metric = METRICS_BY_ID.get(view.metric) if view.metric else None
    if metric is not None:
        lines.append(t("grid.export.indicator", lang, name=metric.name(lang)))
    if view.period is not None:
        lines.append(
            t("grid.export.period", lang, start=view.period.start.isoformat(), end=view.period.end.isoformat())
        )
    if view.as_of is not None:
        lines.append(t("grid.export.as_of", lang, day=view.as_of.isoformat()))
    lines.append(t("grid.export.exported_at", lang, time=exported_at))
    return lines


def export_columns(panel: PanelSpec, *, lang: str) -> list[ExportColumn]:
    """The panel's columns as exported: headers as the grid shows them."""
    return [ExportColumn(c.field, column_header(c, lang), c.kind, c.decimals) for c in panel.columns]


def build_panel_export(
    page_key: str, panel_key: str, file_format: str, shown: Sequence | None, view_query: Mapping | None, *, lang: str
) -> dict:
    """The ``dcc.Download`` data of one grid panel's export for the signed-in user.

    Raises:
        ExportRefused: no such page or grid panel, the panel does not export, or it is not shown
            for this view.
        NotInScope, PermissionError: the view lies outside the user's scope, or nobody is signed in.
    """
    if file_format not in FORMATS:
        raise ExportRefused(f"unknown format {file_format!r}")
    try:
        page = get_page(str(page_key))
        panel = page.panel(str(panel_key))
    except KeyError as exc:
        raise ExportRefused(f"no panel {panel_key!r} on page {page_key!r}") from exc
    if panel.kind != "grid" or not panel.export:
        raise ExportRefused(f"panel {page_key}/{panel_key} does not export")
    query = view_query if isinstance(view_query, Mapping) else {}
    scope = current_scope()
    with read_connection(current_engine()) as conn:
        view = resolve_page_view(conn, scope, page, query)
        if panel.key not in {p.key for p in panels_for(page, view)}:
            raise ExportRefused(f"panel {page_key}/{panel_key} is not shown for this view")
        records = render_panel(conn, view, panel, lang=lang, theme="light", localize=page_localizer(page)).records
    rows = shown_records(records, shown if isinstance(shown, list) else None)
    columns = export_columns(panel, lang=lang)
    lines = export_title_lines(page, panel, view, lang=lang, exported_at=local_now().strftime("%Y-%m-%d %H:%M"))
    if file_format == "csv":
        content = table_csv_bytes(rows, columns, lang=lang, title_lines=lines)
    else:
        sheet = _text(panel.title_key, lang, t("grid.export.sheet", lang))
        content = table_xlsx_bytes(rows, columns, lang=lang, title_lines=lines, sheet_name=sheet)
    name = safe_file_name(
        _text(f"page.{page.key}.heading", lang, page.key),
        _text(panel.title_key, lang, panel.key),
        _entity_name(view, lang),
        _period_label(view.period),
        extension=file_format,
    )
    log.info("export: %s/%s as %s, %d of %d rows", page.key, panel.key, file_format, len(rows), len(records))
    return dcc.send_bytes(content, name, type=FORMATS[file_format])


@require_permission("export")
def export_panel_table(n_clicks, row_data_shown, view_query):
    """The file of the export button clicked (``ctx.triggered_id["format"]``: csv or xlsx):
    the panel's rows shown in the grid, read again on the server for the page's view."""
    if not any(n_clicks or ()):
        raise PreventUpdate
    trigger: Any = ctx.triggered_id
    if not isinstance(trigger, Mapping):
        raise PreventUpdate
    try:
        return build_panel_export(
            trigger.get("page"),
            trigger.get("panel"),
            trigger.get("format"),
            row_data_shown,
            view_query,
            lang=current_language(),
        )
    except (NotInScope, PermissionError, ExportRefused) as exc:
        log.warning("export refused: %s/%s: %s", trigger.get("page"), trigger.get("panel"), exc)
        return no_update


def register(app: Dash) -> None:
    """Register the export callback of every grid panel on ``app``."""
    app.callback(
        Output(ids.panel_download(MATCH, MATCH), "data"),
        Input(ids.panel_export(MATCH, MATCH, ALL), "n_clicks"),
        State(ids.panel_grid(MATCH, MATCH), "virtualRowData"),
        State(ids.view_store(MATCH), "data"),
        prevent_initial_call=True,
    )(export_panel_table)


__all__ = [
    "ExportRefused",
    "build_panel_export",
    "export_columns",
    "export_panel_table",
    "export_title_lines",
    "register",
    "safe_file_name",
    "shown_records",
]
