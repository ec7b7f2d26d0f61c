"""Messages of the declared asset page (views/assets.py): the titles and hints of its statistics
panels (by category, by unit and status, the ranking, the warehouse and disposals by month), the
units grid's columns and its figures' series. The asset lists' messages are the asset-list
catalog's."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- panels ----------------------------------------------------------------------------------
    "asset_page.warehouse.title": (
        "公物仓调剂与节约资金（近12个月）",
        "Warehouse redeployments and savings, last 12 months",
    ),
    "asset_page.warehouse.hint": (
        "柱为当月调剂节约资金（与新购相比），折线为本年累计；标记为入仓与调剂出仓件数",
        "Bars: money redeploying saved against buying new each month; line: the year's running total; "
        "markers: assets handed in and redeployed",
    ),
    "asset_page.ranking.title": ("下级单位排名（标杆管理）", "Units one level down, ranked"),
    "asset_page.ranking.hint": (
        "所选指标由高到低，点击条形进入该单位",
        "The selected indicator, highest first; click a bar to open the unit",
    ),
    "asset_page.category.title": ("分类资产原值与净值", "Original and net value by category"),
    "asset_page.category.hint": (
        "按资产类别（类）统计期末原值、净值与累计折旧，折旧按各类别的折旧方法与年限计提",
        "Original value, net value and accumulated depreciation by category at the period's end, "
        "depreciated by each category's method and useful life",
    ),
    "asset_page.units.title": ("下级单位资产状态", "Assets by unit and status"),
    "asset_page.units.hint": (
        "各下级单位期末在用、闲置、公物仓在库件数，点击条形进入该单位",
        "In use, idle and warehoused assets of each unit at the period's end; click a bar to open the unit",
    ),
    "asset_page.unit_table.title": ("下级单位资产统计", "Asset statistics by unit"),
    "asset_page.unit_table.hint": (
        "期末件数、原值、净值、累计折旧、闲置率、逾期未盘点与无责任人资产，可导出",
        "Count, original and net value, depreciation, idle rate, overdue audits and assets without "
        "custodian at the period's end; exportable",
    ),
    "asset_page.category_table.title": ("分类资产统计", "Asset statistics by category"),
    "asset_page.category_table.hint": (
        "各类别期末件数、原值、净值、累计折旧、闲置与在库件数，合计与指标卡一致，可导出",
        "Count, values, depreciation, idle and warehoused assets per category at the period's end; "
        "the totals equal the tiles; exportable",
    ),
    "asset_page.disposals.title": ("资产处置（近12个月）", "Disposals, last 12 months"),
    "asset_page.disposals.hint": (
        "逐月处置件数（柱）及其原值（折线）",
        "Assets disposed each month (bars) and their original value (line)",
    ),
    # --- grid columns ----------------------------------------------------------------------------
    "asset_page.col.unit": ("单位", "Unit"),
    "asset_page.col.category": ("资产类别", "Category"),
    "asset_page.col.code": ("分类代码", "Code"),
    "asset_page.col.count": ("资产数", "Assets"),
    "asset_page.col.in_use": ("在用", "In use"),
    "asset_page.col.idle": ("闲置", "Idle"),
    "asset_page.col.warehouse": ("公物仓在库", "In the warehouse"),
    "asset_page.col.idle_rate": ("闲置率", "Idle rate"),
    "asset_page.col.original": ("原值", "Original value"),
    "asset_page.col.net": ("净值", "Net value"),
    "asset_page.col.depreciation": ("累计折旧", "Accumulated depreciation"),
    "asset_page.col.audit_overdue": ("逾期未盘点", "Audit overdue"),
    "asset_page.col.no_custodian": ("无责任人", "No custodian"),
    # --- figure series ---------------------------------------------------------------------------
    "asset_page.series.net": ("净值", "Net value"),
    "asset_page.series.depreciation": ("累计折旧", "Accumulated depreciation"),
    "asset_page.series.original": ("原值", "Original value"),
    "asset_page.series.count": ("资产数", "Assets"),
    "asset_page.series.in_use": ("在用及待处置", "In use or pending disposal"),
    "asset_page.series.idle": ("闲置", "Idle"),
    "asset_page.series.warehouse": ("公物仓在库", "In the warehouse"),
    "asset_page.series.idle_rate": ("闲置率", "Idle rate"),
    "asset_page.series.saved": ("当月调剂节约资金", "Saved this month"),
    "asset_page.series.saved_ytd": ("本年累计节约资金", "Saved this year to date"),
    "asset_page.series.inflow": ("入仓件数", "Handed in"),
    "asset_page.series.redeployed": ("调剂出仓件数", "Redeployed"),
    "asset_page.series.disposed": ("处置件数", "Disposed"),
    "asset_page.series.disposed_value": ("处置资产原值", "Original value disposed"),
}
