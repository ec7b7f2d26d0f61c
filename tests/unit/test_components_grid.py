"""The grid panel of a declared page as data: column definitions from the declaration, AG Grid's
menus in Chinese, export buttons only where the panel and the user allow, no code strings."""

from __future__ import annotations

import json

import pytest

from components import ids
from components.grid import (
    DRILL_ROW_CLASS,
    build_grid_panel,
    column_header,
    grid_column_defs,
    grid_locale_text,
)
from presentation.i18n import t
from views.spec import GridColumn, PanelSpec

COLUMNS = (
    GridColumn("name", "grid.export.sheet", pinned=True),
    GridColumn("kwh", "grid.ag.numberFilter", "number", 1, "kWh", width=120),
    GridColumn("cost", "grid.ag.numberFilter", "number", 0, "元"),
    GridColumn("share", "grid.ag.inRange", "percent", 1, "%"),
    GridColumn("day", "grid.ag.dateFilter", "date"),
    GridColumn("at", "grid.ag.dateFilter", "datetime"),
    GridColumn("driver", "grid.ag.textFilter", "personal"),
)


def _panel(**kwargs) -> PanelSpec:
    return PanelSpec(
        key="ranking",
        title_key="grid.export.sheet",
        kind="grid",
        fetch=lambda conn, view: None,
        columns=COLUMNS,
        **kwargs,
    )


def _find(component, predicate):
    found = []

    def walk(node):
        if predicate(node):
            found.append(node)
        children = getattr(node, "children", None)
        for child in children if isinstance(children, (list, tuple)) else [children]:
            if child is not None and not isinstance(child, str):
                walk(child)

    walk(component)
    return found


def _grid(component):
    (grid,) = _find(component, lambda n: type(n).__name__ == "AgGrid")
    return grid


def test_column_defs_headers_alignment_and_formatting():
    defs = {d["field"]: d for d in grid_column_defs(COLUMNS, lang="zh")}
    assert list(defs) == [c.field for c in COLUMNS]
    assert defs["name"]["headerName"] == t("grid.export.sheet", "zh") and defs["name"]["pinned"] == "left"
    assert defs["kwh"]["headerName"] == f"{t('grid.ag.numberFilter', 'zh')} (kWh)"
    assert defs["cost"]["headerName"].endswith("(元)")
    assert defs["share"]["headerName"] == t("grid.ag.inRange", "zh")  # "%" is in the cells
    for field in ("kwh", "cost", "share"):
        assert defs[field]["type"] == "rightAligned"
        assert defs[field]["filter"] == "agNumberColumnFilter"
        assert defs[field]["cellDataType"] == "number"
    assert "d3.format(',.1f')(params.value)" in defs["kwh"]["valueFormatter"]["function"]
    assert "d3.format(',.0f')(params.value)" in defs["cost"]["valueFormatter"]["function"]
    assert "d3.format(',.1%')(params.value)" in defs["share"]["valueFormatter"]["function"]
    assert "* 100" in defs["share"]["filterValueGetter"]["function"]  # filtered as shown
    assert defs["kwh"]["width"] == 120
    assert defs["day"]["cellDataType"] == "dateString" and defs["day"]["filter"] == "agDateColumnFilter"
    assert defs["driver"]["cellDataType"] == "text" and "valueFormatter" not in defs["driver"]
    assert "cellRenderer" not in json.dumps(defs)  # personal text is shown as text, never as markup


def test_english_headers():
    defs = grid_column_defs(COLUMNS, lang="en")
    assert defs[1]["headerName"] == "Number filter (kWh)"
    assert column_header(COLUMNS[2], "en").startswith("Number filter (")  # the unit as the catalog names it


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        grid_column_defs((GridColumn("x", "grid.no_rows", "money"),), lang="zh")


def test_grid_panel_component():
    panel = build_grid_panel("energy", _panel(drills="building"), lang="zh", theme="light")
    grid = _grid(panel)
    assert grid.id == ids.panel_grid("energy", "ranking")
    assert grid.rowData == [] and grid.getRowId == "params.data._row_id"
    assert grid.defaultColDef["sortable"] and grid.defaultColDef["filter"] and grid.defaultColDef["resizable"]
    assert not getattr(grid, "dangerously_allow_code", False)
    assert "dangerously_allow_code" not in grid.to_plotly_json()["props"]
    assert DRILL_ROW_CLASS in grid.rowClassRules
    options = grid.dashGridOptions
    assert options["localeText"]["noRowsToShow"] == "暂无数据"
    assert options["localeText"]["contains"] == "包含" and options["localeText"]["applyFilter"] == "应用"
    assert options["domLayout"] == "autoHeight" and options["pagination"] and options["paginationPageSize"] == 15
    assert "ag-theme-quartz" in grid.className and "aocc-grid--dark" not in grid.className
    buttons = _find(panel, lambda n: type(n).__name__ == "Button")
    assert [b.id for b in buttons] == [ids.panel_export("energy", "ranking", f) for f in ("csv", "xlsx")]
    assert [b.children for b in buttons] == ["导出 CSV", "导出 Excel"]
    (download,) = _find(panel, lambda n: type(n).__name__ == "Download")
    assert download.id == ids.panel_download("energy", "ranking")


def test_dark_theme_and_english_locale():
    grid = _grid(build_grid_panel("energy", _panel(), lang="en", theme="dark"))
    assert "aocc-grid--dark" in grid.className
    assert grid.dashGridOptions["localeText"]["contains"] == "Contains"
    assert grid.dashGridOptions["suppressCellFocus"] is True  # rows that open nothing take no focus


def test_no_export_buttons_without_export_or_permission():
    for panel, can_export in ((_panel(export=False), True), (_panel(), False)):
        component = build_grid_panel("energy", panel, lang="zh", theme="light", can_export=can_export)
        assert not _find(component, lambda n: type(n).__name__ in ("Button", "Download"))
        assert _grid(component).id == ids.panel_grid("energy", "ranking")


def test_locale_text_keys_are_ag_grid_keys():
    zh, en = grid_locale_text("zh"), grid_locale_text("en")
    assert zh.keys() == en.keys()
    assert {"noRowsToShow", "loadingOoo", "filterOoo", "equals", "page", "nextPage"} <= zh.keys()
    assert all(not key.startswith("grid.") for key in zh)


def test_a_graph_panel_is_not_a_grid():
    graph = PanelSpec("trend", "grid.no_rows", "graph", fetch=lambda c, v: None, build=lambda f, **k: None)
    with pytest.raises(ValueError):
        build_grid_panel("energy", graph, lang="zh", theme="light")
