"""Messages of the reference-data administration page (参考数据): asset categories' depreciation
and the office-space standard's per-rank limits."""

MESSAGES = {
    "reference_admin.unit.years": ("年", "years"),
    "nav.admin_reference": ("参考数据", "Reference data"),
    "page.admin_reference.title": (
        "参考数据 · 机关事务运行监测中心",
        "Reference data · Agency Operations Command Center",
    ),
    "refadmin.heading": ("参考数据", "Reference data"),
    "refadmin.intro": (
        "资产分类的折旧方法与办公用房标准的分级面积上限。资产页和住房页按这些数据计算资产净值和超标面积；"
        "修改后系统重算相关月份的统计。",
        "The depreciation of each asset category and the office-space limits per rank. The asset and "
        "housing pages compute net values and over-standard areas from them; a change recomputes the "
        "months it affects.",
    ),
    "refadmin.read_only": (
        "只读：修改参考数据需要“参考数据管理”权限，且数据范围为全省。",
        "Read only: changing reference data needs the reference-data permission and a province-wide scope.",
    ),
    "refadmin.tab.categories": ("资产分类折旧", "Asset depreciation"),
    "refadmin.tab.standards": ("办公用房标准", "Office-space standard"),
    "refadmin.no_rows": ("没有数据", "No rows"),
    # grid columns
    "refadmin.col.code": ("分类代码", "Code"),
    "refadmin.col.name": ("名称", "Name"),
    "refadmin.col.parent": ("上级分类", "Parent"),
    "refadmin.col.method": ("折旧方法", "Method"),
    "refadmin.col.life": ("使用年限（年）", "Useful life (years)"),
    "refadmin.col.residual": ("残值率（%）", "Residual rate (%)"),
    "refadmin.col.assets": ("资产数", "Assets"),
    "refadmin.col.level": ("行政层级", "Admin level"),
    "refadmin.col.rank": ("职级", "Rank"),
    "refadmin.col.limit": ("人均使用面积上限（m²）", "Limit per person (m²)"),
    "refadmin.col.source": ("依据", "Source"),
    "refadmin.col.updated_by": ("修改人", "Changed by"),
    "refadmin.col.updated_at": ("修改时间", "Changed at"),
    "refadmin.default": ("（初始值）", "(default)"),
    # depreciation methods and admin levels
    "refadmin.method.straight_line": ("年限平均法", "Straight line"),
    "refadmin.method.double_declining": ("双倍余额递减法", "Double declining balance"),
    "refadmin.method.none": ("不计提折旧", "Not depreciated"),
    "refadmin.level.central": ("中央", "Central"),
    "refadmin.level.province": ("省级", "Province"),
    "refadmin.level.city": ("市级", "City"),
    "refadmin.level.county": ("县级", "County"),
    # forms
    "refadmin.form.pick_category": ("在上表中选择一个资产分类进行修改。", "Pick an asset category above to change it."),
    "refadmin.form.pick_standard": ("在上表中选择一个职级进行修改。", "Pick a rank above to change its limit."),
    "refadmin.form.category": ("修改分类 {code} {name}", "Change category {code} {name}"),
    "refadmin.form.standard": ("修改标准：{level} {rank}", "Change the limit: {level} {rank}"),
    "refadmin.field.depreciation_method": ("折旧方法", "Depreciation method"),
    "refadmin.field.useful_life_years": ("使用年限（年）", "Useful life (years)"),
    "refadmin.field.residual_pct": ("残值率（%）", "Residual rate (%)"),
    "refadmin.field.limit_m2": ("人均使用面积上限（m²）", "Limit per person (m²)"),
    "refadmin.field.source": ("依据（文件名称及文号）", "Source (document and number)"),
    "refadmin.review": ("检查修改", "Review change"),
    "refadmin.confirm": ("确认保存", "Confirm and save"),
    "refadmin.cancel": ("取消", "Cancel"),
    # problems
    "refadmin.problem.missing": ("请填写此项。", "Please fill in this field."),
    "refadmin.problem.not_number": ("请填写数字。", "Please enter a number."),
    "refadmin.problem.not_whole": (
        "使用年限须为整数年（收到 {value}）。",
        "The useful life must be a whole number of years (got {value}).",
    ),
    "refadmin.problem.range.useful_life_years": (
        "使用年限须在 {low:g} 至 {high:g} 年之间。",
        "The useful life must be between {low:g} and {high:g} years.",
    ),
    "refadmin.problem.range.residual_pct": (
        "残值率须在 {low:g}% 至 {high:g}% 之间。",
        "The residual rate must be between {low:g} % and {high:g} %.",
    ),
    "refadmin.problem.range.limit_m2": (
        "面积上限须在 {low:g} 至 {high:g} m² 之间。",
        "The limit must be between {low:g} and {high:g} m².",
    ),
    "refadmin.problem.method": (
        "折旧方法须为年限平均法、双倍余额递减法或不计提折旧。",
        "The method must be straight line, double declining balance or not depreciated.",
    ),
    "refadmin.problem.source_missing": ("请填写该上限的依据文件。", "Please name the document the limit comes from."),
    "refadmin.problem.source_long": ("依据不能超过 {limit} 个字符。", "The source may not exceed {limit} characters."),
    # confirmation and results
    "refadmin.confirm.title": ("请确认以下修改", "Please confirm this change"),
    "refadmin.confirm.change": ("{field}：{old} → {new}", "{field}: {old} → {new}"),
    "refadmin.confirm.affects_asset": (
        "将重算资产净值：本分类 {count} 项资产，{months} 个月的统计（当前月份立即重算，其余月份在后台重算）。",
        "Net asset values will be recomputed: {count} assets of this category, {months} months of "
        "figures (the current month at once, the others in the background).",
    ),
    "refadmin.confirm.affects_housing": (
        "将重算超标面积：{level}{rank}人员所在的办公用房，{months} 个月的统计（当前月份立即重算，其余月份在后台重算）。",
        "Over-standard areas will be recomputed: the offices of {level} {rank} staff, {months} months "
        "of figures (the current month at once, the others in the background).",
    ),
    "refadmin.unchanged": ("没有修改。", "Nothing changed."),
    "refadmin.invalid": (
        "有输入不符合要求，未保存。请按各项提示修改。",
        "Some values are not valid; nothing was saved.",
    ),
    "refadmin.gone": ("该行已不存在，请刷新页面。", "That row no longer exists; reload the page."),
    "refadmin.out_of_scope": (
        "参考数据适用于全省，只有数据范围为全省的管理员可以修改。",
        "Reference data applies province-wide: only administrators with a province-wide scope may change it.",
    ),
    "refadmin.saved": (
        "已保存 {target}。当前月份（{month}）已重算。",
        "Saved {target}. The current month ({month}) has been recomputed.",
    ),
    "refadmin.saved.history": (
        "更早的 {months} 个月正在后台重算，进度见上方。",
        "The {months} earlier months are being recomputed in the background; see the progress above.",
    ),
    # recompute status
    "refadmin.status.none": ("尚无重算任务。", "No recompute has been requested."),
    "refadmin.status.pending": (
        "历史月份重算：等待调度程序执行（{when} 提交）。",
        "Recompute of earlier months: waiting for the scheduler (requested {when}).",
    ),
    "refadmin.status.running": (
        "历史月份重算：进行中，已完成 {done}/{total} 个月。",
        "Recompute of earlier months: running, {done} of {total} months done.",
    ),
    "refadmin.status.ok": (
        "历史月份重算：已于 {when} 完成（{total} 个月）。",
        "Recompute of earlier months: finished {when} ({total} months).",
    ),
    "refadmin.status.failed": (
        "历史月份重算失败（{when}）：{error}。请联系运维人员。",
        "Recompute of earlier months failed ({when}): {error}. Contact operations.",
    ),
    # the job's rows on the data page
    "data.job.outcome.pending": ("等待中", "Pending"),
    "data.job.name.reference_recompute": ("参考数据修改后的重算", "Recompute after reference edits"),
    "data.job.name.reference_recompute.request": ("参考数据重算请求", "Reference recompute request"),
}
