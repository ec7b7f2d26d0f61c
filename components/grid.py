"""The table of a declared page's grid panel (dash-ag-grid), and its export buttons.

A grid panel (``views.spec.PanelSpec(kind="grid")``) is drawn from its columns: this module
turns ``GridColumn``s into AG Grid column definitions and builds the grid with its CSV / XLSX
buttons and download; the page's callback fills ``rowData`` with ``views.render.grid_records``.

Formatting happens in the browser, with the d3-format functions dash-ag-grid ships
(``{"function": "d3.format(...)(params.value)"}``): those strings are parsed by dash-ag-grid's
own expression evaluator, not run as code, so ``dangerously_allow_code`` stays off. Values stay
numbers, so sorting and the number filter work on the values, not on their text. The export
formats the same way on the server (``presentation.export``).

Pure builders: plain values in, components out.
"""

from __future__ import annotations

import re

import dash_ag_grid as dag
from dash import dcc, html

from presentation.format import unit_label
from presentation.i18n import CATALOG, t
from views.spec import GridColumn, PanelSpec

from . import ids

GRID_CLASS = "ag-theme-quartz aocc-grid aocc-grid--panel"
DARK_CLASS = "aocc-grid--dark"
DRILL_ROW_CLASS = "aocc-grid__row--drill"
#: Rows per page: a table of up to this many rows is shown whole (the grid grows to fit);
#: longer ones page.
PAGE_SIZE = 15
PAGE_SIZES = (15, 30, 60, 120)
_AG_PREFIX = "grid.ag."
_TEXT_KINDS = ("text", "personal")
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def grid_locale_text(lang: str, *, no_rows_key: str = "grid.no_rows", loading_key: str = "grid.ag.loadingOoo") -> dict:
    """AG Grid's ``localeText`` in ``lang`` from the catalog (``grid.ag.*``): filter menus,
    pagination, column menus; ``noRowsToShow`` from ``no_rows_key``.

    Other grids can pass their own "nothing here" message (``no_rows_key``).
    """
    texts = {key[len(_AG_PREFIX) :]: t(key, lang) for key in CATALOG if key.startswith(_AG_PREFIX)}
    texts["noRowsToShow"] = t(no_rows_key, lang)
    texts["loadingOoo"] = t(loading_key, lang)
    return texts


def column_header(column: GridColumn, lang: str) -> str:
    """The column's header: its title in ``lang``, and its unit in brackets when it has one
    (a percent column's "%" is in its cells)."""
    title = t(column.title_key, lang)
    if column.unit and not (column.kind == "percent" and column.unit == "%"):
        unit = unit_label(column.unit, lang)
        if unit in title:  # the title already names its unit ("建筑面积（m²）")
            return title
        return f"{title} ({unit})"
    return title


def _d3_formatter(specifier: str) -> dict:
    # A missing value shows empty, not "NaN".
    return {"function": f"params.value == null ? '' : d3.format('{specifier}')(params.value)"}


def number_specifier(column: GridColumn) -> str:
    """The d3-format specifier of a number or percent column (``,.1f``, ``.1%``)."""
    decimals = max(int(column.decimals), 0)
    if column.kind == "percent":
        return f",.{decimals}%"
    return f",.{decimals}f"


def grid_column_def(column: GridColumn, *, lang: str) -> dict:
    """One AG Grid column definition for ``column``."""
    definition: dict = {"field": column.field, "headerName": column_header(column, lang)}
    if column.kind in ("number", "percent"):
        definition.update(
            cellDataType="number",
            type="rightAligned",
            filter="agNumberColumnFilter",
            valueFormatter=_d3_formatter(number_specifier(column)),
        )
        if column.kind == "percent":
            if not _FIELD.fullmatch(column.field):
                raise ValueError(f"column {column.field!r}: a percent column's field must be a plain name")
            # The filter compares what the reader sees (50 for 50 %), not the stored fraction.
            definition["filterValueGetter"] = {
                "function": f"params.data['{column.field}'] == null ? null : params.data['{column.field}'] * 100"
            }
    elif column.kind == "date":
        # ISO "YYYY-MM-DD" strings: AG Grid's dateString type sorts and filters them as dates.
        definition.update(cellDataType="dateString", filter="agDateColumnFilter")
    elif column.kind == "datetime":
        # "YYYY-MM-DD HH:MM" strings sort in time order as text; filtered as text ("2026-11").
        definition.update(cellDataType="text", filter="agTextColumnFilter")
    elif column.kind in _TEXT_KINDS:
        # Personal columns arrive masked by the query for roles that may not see them.
        definition.update(cellDataType="text", filter="agTextColumnFilter")
    else:
        raise ValueError(f"column {column.field}: unknown kind {column.kind!r}")
    if column.width:
        definition["width"] = int(column.width)
    else:
        definition["minWidth"] = 110 if column.kind in ("number", "percent") else 140
        definition["flex"] = 1
    if column.pinned:
        definition["pinned"] = "left"
    return definition


def grid_column_defs(columns: tuple[GridColumn, ...], *, lang: str) -> list[dict]:
    """AG Grid column definitions of a grid panel's columns, in order."""
    return [grid_column_def(column, lang=lang) for column in columns]


def build_export_buttons(page_key: str, panel_key: str, *, lang: str) -> html.Div:
    """The CSV and XLSX buttons of a grid panel."""
    return html.Div(
        [
            html.Button(
                t(f"grid.export.{fmt}", lang),
                id=ids.panel_export(page_key, panel_key, fmt),
                title=t(f"grid.export.{fmt}_title", lang),
                n_clicks=0,
                type="button",
                className="btn btn-outline-secondary btn-sm aocc-grid__export",
                **{"data-format": fmt},
            )
            for fmt in ("csv", "xlsx")
        ],
        className="aocc-grid__exports",
    )


def build_grid(page_key: str, panel: PanelSpec, *, lang: str, theme: str) -> dag.AgGrid:
    """The panel's AG Grid, empty until the page's callback sets ``rowData``."""
    class_name = f"{GRID_CLASS} {DARK_CLASS}" if theme == "dark" else GRID_CLASS
    return dag.AgGrid(
        id=ids.panel_grid(page_key, panel.key),
        rowData=[],
        columnDefs=grid_column_defs(panel.columns, lang=lang),
        getRowId="params.data._row_id",
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        rowClassRules={DRILL_ROW_CLASS: "params.data && !!params.data._drill"},
        dashGridOptions={
            "localeText": grid_locale_text(lang),
            "animateRows": False,
            "domLayout": "autoHeight",
            "pagination": True,
            "paginationPageSize": PAGE_SIZE,
            "paginationPageSizeSelector": list(PAGE_SIZES),
            "suppressCellFocus": panel.drills is None,
            "enableCellTextSelection": True,
        },
        style={"width": "100%"},
        className=class_name,
    )


def build_grid_panel(page_key: str, panel: PanelSpec, *, lang: str, theme: str, can_export: bool = True) -> html.Div:
    """A grid panel's body: the export buttons (when the panel exports and the user may), the
    download they fill, and the grid.

    Args:
        page_key: the declared page's key (the ids' ``page``).
        panel: a ``grid`` panel.
        lang: ``zh`` or ``en``: headers, AG Grid's menus and buttons.
        theme: ``light`` or ``dark`` (the wall).
        can_export: the user holds the ``export`` permission (the server checks it again).
    """
    if panel.kind != "grid":
        raise ValueError(f"panel {panel.key} is a {panel.kind} panel, not a grid")
    children = []
    if panel.export and can_export:
        children.append(build_export_buttons(page_key, panel.key, lang=lang))
        children.append(dcc.Download(id=ids.panel_download(page_key, panel.key)))
    children.append(build_grid(page_key, panel, lang=lang, theme=theme))
    return html.Div(children, className="aocc-grid-panel", **{"data-panel": panel.key})


__all__ = [
    "DRILL_ROW_CLASS",
    "PAGE_SIZE",
    "build_export_buttons",
    "build_grid",
    "build_grid_panel",
    "column_header",
    "grid_column_def",
    "grid_column_defs",
    "grid_locale_text",
    "number_specifier",
]
