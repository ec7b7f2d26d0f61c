"""Messages of the declared energy page (views/energy.py) and of the comparison figures any
declared page uses: panel titles and hints, series, energy carriers, intensity bases and quota
tiers, grid columns."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- comparison figures (presentation/figures/compare.py) -----------------------------------
    "compare.change": ("较对比期", "Change on comparison"),
    "period.selected": ("所选期间", "Selected period"),
    # --- panels --------------------------------------------------------------------------------
    "energy_page.trend.title": ("月度趋势与同比", "Monthly trend, year on year"),
    "energy_page.trend.hint": (
        "所选指标逐月数值，虚线为上年同月；本月截至数据日期，与上年同期同天数比较",
        "The indicator month by month, last year's months dashed; the current month is compared over the same days",
    ),
    "energy_page.ranking.title": ("下级单位排名（标杆管理）", "Units one level down, ranked"),
    "energy_page.ranking.hint": (
        "所选期间数值由高到低，点击条形进入该单位",
        "The selected period, highest first; click a bar to open the unit",
    ),
    "energy_page.building_ranking.title": ("建筑能耗排名", "Buildings ranked"),
    "energy_page.building_ranking.hint": (
        "本单位各建筑所选期间数值，点击条形进入该建筑",
        "The unit's buildings over the selected period; click a bar to open the building",
    ),
    "energy_page.peers.title": ("同级对比（近12个月）", "Peer comparison, last 12 months"),
    "energy_page.peers.hint": (
        "下一级每个单位逐月数值，颜色越深数值越大，点击单元格进入该单位",
        "Every unit one level down month by month, darker is more; click a cell to open the unit",
    ),
    "energy_page.breakdown.title": ("能源结构（折标准煤）", "Energy mix (standard coal)"),
    "energy_page.breakdown.hint": (
        "电力、天然气、热力及公务用车燃油折算为吨标准煤后的构成；用水量单列",
        "Electricity, natural gas, heat and official-vehicle fuel in tonnes of standard coal; water shown apart",
    ),
    "energy_page.heatmap.title": ("用电时段分布（小时 × 星期）", "Electricity by hour and weekday"),
    "energy_page.heatmap.hint": (
        "所选期间各月每小时平均用电量，识别夜间与周末负荷",
        "Average kWh per hour over the period's months: night and weekend load stand out",
    ),
    "energy_page.intensity.title": ("能耗强度与定额", "Intensity against quotas"),
    "energy_page.intensity.hint": (
        "近12个月能耗强度对照能耗定额约束值、基准值、引导值及“十四五”规划目标",
        "Last 12 months' intensity against the quota's limit, benchmark and guide and the five-year-plan target",
    ),
    "energy_page.buildings.title": ("建筑能耗明细", "Buildings"),
    "energy_page.buildings.hint": (
        "辖区内建筑所选期间用电量与单位面积能耗，点击行进入该建筑",
        "The buildings under the unit over the selected period; click a row to open the building",
    ),
    # --- energy carriers (the breakdown) ---------------------------------------------------------
    "energy_page.carrier.electricity": ("电力", "Electricity"),
    "energy_page.carrier.gas": ("天然气", "Natural gas"),
    "energy_page.carrier.heat": ("热力", "Heat"),
    "energy_page.carrier.vehicle_fuel": ("公务用车燃油", "Official-vehicle fuel"),
    "energy_page.carrier.water": ("用水量（不计入能耗）", "Water (not energy)"),
    "energy_page.share": ("占比", "Share"),
    # --- the heat map ----------------------------------------------------------------------------
    "energy_page.weekday.0": ("周一", "Mon"),
    "energy_page.weekday.1": ("周二", "Tue"),
    "energy_page.weekday.2": ("周三", "Wed"),
    "energy_page.weekday.3": ("周四", "Thu"),
    "energy_page.weekday.4": ("周五", "Fri"),
    "energy_page.weekday.5": ("周六", "Sat"),
    "energy_page.weekday.6": ("周日", "Sun"),
    "energy_page.hour": ("{hour}时", "{hour}:00"),
    "energy_page.hourly_average": ("小时平均用电", "Average per hour"),
    # --- intensity bases and tiers ---------------------------------------------------------------
    "energy_page.basis.per_m2": ("单位建筑面积能耗", "Per floor area"),
    "energy_page.basis.per_person": ("人均综合能耗", "Per person"),
    "energy_page.basis.per_heated_m2": ("采暖季单位供暖面积能耗", "Per heated area, heating season"),
    "energy_page.tier.limit": ("约束值", "Limit"),
    "energy_page.tier.benchmark": ("基准值", "Benchmark"),
    "energy_page.tier.guide": ("引导值", "Guide"),
    "energy_page.tier.plan_target": ("“十四五”目标", "Five-year-plan target"),
    "energy_page.tier.value": ("实际值", "Actual"),
    # --- the buildings grid ----------------------------------------------------------------------
    "energy_page.col.code": ("建筑编号", "Code"),
    "energy_page.col.name": ("建筑名称", "Building"),
    "energy_page.col.unit": ("所属单位", "Unit"),
    "energy_page.col.floor_area": ("建筑面积（m²）", "Floor area (m²)"),
    "energy_page.col.kwh": ("用电量（kWh）", "Electricity (kWh)"),
    "energy_page.col.kgce_per_m2": ("单位面积能耗（kgce/m²）", "kgce/m²"),
    "energy_page.col.change": ("用电较对比期", "Electricity change"),
    "energy_page.projection.title": ("年度定额预测", "Year-end projection against the quota"),
    "energy_page.projection.hint": (
        "本年累计用能按当前进度推算至年底，对照约束值、基准值、引导值",
        "This year's energy so far, projected to the year end at its present pace, against the limit, benchmark and guide",
    ),
}
