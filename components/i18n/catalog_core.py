"""Shell, navigation and shared words."""

MESSAGES = {
    "app.title": ("机关事务运行监测中心", "Agency Operations Command Center"),
    "app.short_title": ("运行监测中心", "Command Center"),
    "lang.switch_to_other": ("English", "中文"),
}
