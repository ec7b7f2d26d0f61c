"""The energy page's panels beyond the trend: the year-end projection against the annual quota
tiers (约束值, 基准值, 引导值), its figure and its sentence (``presentation.energy_text``)."""

MESSAGES = {
    # --- the quota tiers, as the national public-institution platform names them ----------------
    "energy.tier.limit": ("约束值", "Limit"),
    "energy.tier.benchmark": ("基准值", "Benchmark"),
    "energy.tier.guide": ("引导值", "Guide"),
    # --- the projection figure --------------------------------------------------------------------
    "energy.projection.title": ("年度能耗定额预测", "Year-end projection against the quota"),
    "energy.projection.actual": ("累计能耗（实际）", "Cumulative use (actual)"),
    "energy.projection.projected": ("累计能耗（按当前进度预测）", "Cumulative use (projected at this pace)"),
    # --- the projection sentence ------------------------------------------------------------------
    "energy.projection.will_exceed": (
        "按当前进度，预计{month}超出约束值{pct}%",
        "At this pace, exceeds its limit in {month} by {pct} %",
    ),
    "energy.projection.exceeded": (
        "已于{month}超出约束值，按当前进度全年预计超出{pct}%",
        "Exceeded its limit in {month}; at this pace the year ends {pct} % over it",
    ),
    "energy.projection.at_risk": (
        "按当前进度，预计全年超出基准值，距约束值尚余{pct}%",
        "At this pace, the year ends above its benchmark, {pct} % under its limit",
    ),
    "energy.projection.on_track": ("预计全年在基准值以内", "At this pace, the year ends within its benchmark"),
    "energy.projection.within_guide": ("预计全年在引导值以内", "At this pace, the year ends within its guide value"),
    "energy.projection.no_quota": (
        "未设定本年度能耗定额，预计全年综合能耗{total}",
        "No energy quota for this year; projected total {total}",
    ),
    "energy.projection.no_data": ("暂无本年度能耗数据", "No energy data for this year yet"),
    # month names for sentences ("10月", "October")
    "energy.month.1": ("1月", "January"),
    "energy.month.2": ("2月", "February"),
    "energy.month.3": ("3月", "March"),
    "energy.month.4": ("4月", "April"),
    "energy.month.5": ("5月", "May"),
    "energy.month.6": ("6月", "June"),
    "energy.month.7": ("7月", "July"),
    "energy.month.8": ("8月", "August"),
    "energy.month.9": ("9月", "September"),
    "energy.month.10": ("10月", "October"),
    "energy.month.11": ("11月", "November"),
    "energy.month.12": ("12月", "December"),
}
