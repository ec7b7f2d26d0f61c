"""Messages of the alert rules engine (data/alerts/rules.py): why a rule cannot be saved, field by
field (``alerts.rule.problem.<code>``), and the units of the alert indicators."""

MESSAGES = {
    "alerts.rule.problem.code_format": (
        "规则编码须以小写字母或数字开头，只含小写字母、数字、点、下划线和连字符，最长48个字符",
        "The rule code must start with a lowercase letter or digit and hold only lowercase letters, digits, dots, underscores and hyphens (at most 48)",
    ),
    "alerts.rule.problem.code_taken": ("已有规则使用编码 {code}", "Another rule already uses the code {code}"),
    "alerts.rule.problem.name_missing": ("请填写规则名称", "Give the rule a name"),
    "alerts.rule.problem.metric_unknown": (
        "指标 {metric} 不存在或不能用于告警",
        "The indicator {metric} does not exist or cannot be alerted on",
    ),
    "alerts.rule.problem.entity_kind_unknown": ("对象类型 {kind} 不存在", "There is no entity kind {kind}"),
    "alerts.rule.problem.entity_kind_unsupported": (
        "该指标只能按以下对象计算：{kinds}",
        "This indicator can only be computed per: {kinds}",
    ),
    "alerts.rule.problem.comparison_unknown": ("请选择比较方式", "Choose a comparison"),
    "alerts.rule.problem.comparison_no_baseline": (
        "该指标没有可比较的基期，不能按变化率告警",
        "This indicator has no baseline to compare with, so it cannot alert on a change",
    ),
    "alerts.rule.problem.window_format": (
        "评估窗口应为“最新”“最近N天”“最近N小时”“本月累计”或“年度进度”",
        "The window must be latest, the last N days, the last N hours, month to date or year-to-date pace",
    ),
    "alerts.rule.problem.window_zero": ("评估窗口至少为1天或1小时", "The window must be at least one day or one hour"),
    "alerts.rule.problem.window_unsupported": (
        "该指标只支持以下评估窗口：{windows}",
        "This indicator supports only these windows: {windows}",
    ),
    "alerts.rule.problem.warning_missing": ("请填写预警值", "Give a warning level"),
    "alerts.rule.problem.level_not_number": ("阈值须为数字", "A level must be a number"),
    "alerts.rule.problem.band_negative": ("允许偏差不能为负数", "The allowed deviation cannot be negative"),
    "alerts.rule.problem.critical_below_warning": (
        "严重值（{critical}）不能低于预警值（{warning}）：数值越高越严重",
        "The critical level ({critical}) cannot be below the warning level ({warning}): higher is worse here",
    ),
    "alerts.rule.problem.critical_above_warning": (
        "严重值（{critical}）不能高于预警值（{warning}）：数值越低越严重",
        "The critical level ({critical}) cannot be above the warning level ({warning}): lower is worse here",
    ),
    "alerts.rule.problem.recovery_above_warning": (
        "恢复值（{recovery}）应不高于预警值（{warning}），否则数值在阈值附近波动时告警会反复触发",
        "The recovery level ({recovery}) must not be above the warning level ({warning}), or a value hovering at the limit would keep re-alerting",
    ),
    "alerts.rule.problem.recovery_below_warning": (
        "恢复值（{recovery}）应不低于预警值（{warning}），否则数值在阈值附近波动时告警会反复触发",
        "The recovery level ({recovery}) must not be below the warning level ({warning}), or a value hovering at the limit would keep re-alerting",
    ),
    "alerts.rule.problem.for_seconds_negative": ("持续时间不能为负数", "The duration cannot be negative"),
    "alerts.rule.problem.department_missing": (
        "请选择接收告警的业务处室",
        "Choose the department that receives the alerts",
    ),
    "alerts.rule.problem.department_unknown": ("处室 {department} 不存在", "There is no department {department}"),
    "alerts.rule.problem.scope_unknown": ("所选组织不存在", "The chosen org does not exist"),
    "alerts.rule.problem.scope_empty": (
        "所选范围内没有可评估的对象（{kind}）",
        "The chosen scope holds nothing to evaluate ({kind})",
    ),
    "alerts.rule.problem.scope_filter_unknown": (
        "该对象类型不能按 {key} 筛选",
        "This entity kind cannot be filtered by {key}",
    ),
    "alerts.rule.problem.scope_filter_value": (
        "筛选条件 {key} 的取值无效",
        "The value of the filter {key} is not valid",
    ),
    "unit.天": ("天", "days"),
}
