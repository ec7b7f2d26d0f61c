"""The frame of a declared page: the period bar, the drill chooser, panel freshness and states."""

MESSAGES = {
    # --- the period bar ----------------------------------------------------------------------------
    "view.period": ("统计周期", "Period"),
    "view.period.day": ("日", "Day"),
    "view.period.week": ("周", "Week"),
    "view.period.month": ("月", "Month"),
    "view.period.year": ("年", "Year"),
    "view.period.custom": ("自定义", "Custom"),
    "view.period.end": ("截止日期", "Period ending"),
    "view.period.start": ("开始日期", "Start date"),
    "view.period.range": ("起止日期", "From – to"),
    "view.compare": ("对比", "Compare with"),
    "view.compare.yoy": ("同比", "Same period last year"),
    "view.compare.prev": ("环比", "Previous period"),
    "view.indicator": ("指标", "Indicator"),
    "view.period.text": ("{start} 至 {end}", "{start} to {end}"),
    "view.period.text_day": ("{start}", "{start}"),
    "view.compare.text": ("对比 {start} 至 {end}", "compared with {start} to {end}"),
    # --- a tile's period, when it follows the period bar ----------------------------------------------
    "period.day": ("当日", "Day"),
    "period.week": ("本周", "Week"),
    "period.month": ("当月", "Month"),
    "period.year": ("当年", "Year"),
    "period.custom": ("所选期间", "Selected period"),
    "kpi.prev": ("环比 {delta}", "vs previous {delta}"),
    "kpi.prev_pp": ("环比 {delta} 个百分点", "vs previous {delta} pp"),
    "fmt.month_short": ("{month}月", "{month}"),  # English passes the month's short name
    # --- drilling ----------------------------------------------------------------------------------
    "view.drill.placeholder": ("下钻到…", "Drill down to…"),
    "view.drill.buildings": ("下钻到建筑…", "Drill down to a building…"),
    "view.drill.vehicles": ("下钻到车辆…", "Drill down to a vehicle…"),
    "view.drill.assets": ("下钻到资产…", "Drill down to an asset…"),
    "view.drill.rooms": ("下钻到办公室或周转房…", "Drill down to an office room or turnover unit…"),
    "view.drill.none": ("已是最下级", "Nothing further down"),
    "view.drill.more": ("另有 {n} 项未列出，请在表格中查找", "{n} more not listed; find them in the table"),
    "view.drill.hint": (
        "点击图中的单位或表格中的行可下钻",
        "Click a unit in a chart or a row in a table to drill down",
    ),
    "view.entity.building": ("建筑", "Building"),
    "view.entity.vehicle": ("车辆", "Vehicle"),
    "view.entity.asset": ("资产", "Asset"),
    "view.entity.room": ("办公室", "Office room"),
    "view.entity.dwelling": ("周转房", "Turnover unit"),
    # --- panels ------------------------------------------------------------------------------------
    "view.panel.as_of": ("数据截至 {day}", "Data as of {day}"),
    "view.panel.no_data_yet": ("尚无数据", "No data yet"),
    "view.panel.refused": ("无权查看该单位", "You may not view this unit"),
    "view.panels": ("分析面板", "Panels"),
    "view.panel.alerts": ("未关闭告警", "Open alerts"),
    "view.rank.position": (
        "{name}在同级 {count} 个单位中排第 {rank} 位",
        "{name} ranks {rank} of {count} among its peers",
    ),
    "view.export.csv": ("导出 CSV", "Export CSV"),
    "view.export.xlsx": ("导出 Excel", "Export Excel"),
}
