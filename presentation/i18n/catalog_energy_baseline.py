"""The energy page's baseline panels: a building's hourly load against its baseline, and the
anomaly list (above the baseline, night and holiday load) with their extra kWh and cost."""

MESSAGES = {
    # --- panels ---------------------------------------------------------------------------------
    "energy_page.load_profile.title": ("逐时负荷与基线", "Hourly load against the baseline"),
    "energy_page.load_profile.hint": (
        "实际用电与按气温、工作日和时段预期的基线及其95%预测区间；超出区间的时段以红点标出",
        "Actual electricity against what the baseline expects from the temperature, the day type "
        "and the hour, with its 95 % prediction band; hours above the band are marked in red",
    ),
    "energy_page.anomalies.title": ("能耗异常", "Energy anomalies"),
    "energy_page.anomalies.hint": (
        "日用电超出基线预测区间、夜间（22:00–06:00）或节假日负荷异常的记录，按超出电量排序",
        "Days whose electricity exceeded the baseline's prediction band, and night (22:00–06:00) "
        "or holiday load above it, largest extra first",
    ),
    # --- the load profile figure ------------------------------------------------------------------
    "energy_baseline.series.actual": ("实际用电", "Actual"),
    "energy_baseline.series.expected": ("基线预期", "Expected"),
    "energy_baseline.series.band": ("预测区间（95%）", "Prediction band (95 %)"),
    "energy_baseline.series.above": ("超出区间", "Above the band"),
    "energy_baseline.clipped": ("仅显示最近{days}天（{start}起）", "Last {days} days shown (from {start})"),
    "energy_baseline.fmt.hour_hover": ("%Y年%-m月%-d日 %H:00", "%b %-d, %Y %H:00"),
    "energy_baseline.fmt.day_axis": ("%-m月%-d日", "%b %-d"),
    # --- anomaly kinds ----------------------------------------------------------------------------
    "energy_anomaly.kind.above_baseline": ("超出基线", "Above the baseline"),
    "energy_anomaly.kind.night": ("夜间负荷异常", "Night load"),
    "energy_anomaly.kind.holiday": ("节假日负荷异常", "Holiday load"),
    # --- anomaly grid columns ---------------------------------------------------------------------
    "energy_page.col.day": ("日期", "Day"),
    "energy_page.col.anomaly_kind": ("异常类型", "Kind"),
    "energy_page.col.actual_kwh": ("实际用电", "Actual"),
    "energy_page.col.expected_kwh": ("基线预期", "Expected"),
    "energy_page.col.extra_kwh": ("超出电量", "Extra"),
    "energy_page.col.extra_cost": ("超出电费", "Extra cost"),
    "energy_baseline.no_model": (
        "该建筑尚无基线模型（需至少四周逐时数据，每晚拟合）",
        "No baseline for this building yet (needs four weeks of hourly data; fitted nightly)",
    ),
}
