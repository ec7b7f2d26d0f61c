"""The data page (数据中心): sources, batches, the quarantine (every reason a row is refused for,
every file-level issue), scheduler jobs and provenance.

``data.reason.<code>`` covers every code of ``data.import_reasons.ROW_REASONS`` and
``data.issue.<code>`` every code of ``FILE_ISSUES``; a test keeps them complete. Placeholders
are the reason's parameters; the builders fill a missing one with "?" rather than fail.
"""

MESSAGES = {
    # --- navigation and page -------------------------------------------------------------------
    "nav.data": ("数据中心", "Data center"),
    "page.data.title": ("数据中心 · 机关事务运行监测中心", "Data center · Agency Operations Command Center"),
    "page.data.heading": ("数据中心", "Data center"),
    "page.data.intro": (
        "各数据源的接入情况、每批数据的处理结果、待处理的隔离数据和调度任务记录。",
        "How each source delivers, what every load batch did, rows waiting in quarantine, and the scheduler's job history.",
    ),
    "data.refresh": ("刷新", "Refresh"),
    "data.loading": ("加载中…", "Loading…"),
    "data.none": ("暂无记录", "No entries"),
    "data.error": ("读取失败：{error}", "Reading failed: {error}"),
    "data.forbidden": ("无权执行该操作", "You are not allowed to do this"),
    "data.tab.sources": ("数据源", "Sources"),
    "data.tab.batches": ("批次", "Batches"),
    "data.tab.quarantine": ("隔离区", "Quarantine"),
    "data.tab.jobs": ("调度任务", "Scheduled jobs"),
    "data.tab.provenance": ("数据溯源", "Provenance"),
    # --- sources ----------------------------------------------------------------------------------
    "data.sources.heading": ("数据源与新鲜度", "Sources and freshness"),
    "data.col.source": ("数据源", "Source"),
    "data.col.kind": ("类型", "Kind"),
    "data.col.domain": ("业务域", "Domain"),
    "data.col.freshness": ("新鲜度", "Freshness"),
    "data.col.last_success": ("最近成功", "Last success"),
    "data.col.interval": ("周期", "Interval"),
    "data.col.last_batch": ("最近批次", "Last batch"),
    "data.col.counts": ("读取 / 接收 / 重复 / 隔离", "Read / accepted / duplicate / quarantined"),
    "data.col.open_quarantine": ("待处理隔离", "Open in quarantine"),
    "data.freshness.fresh": ("正常", "Fresh"),
    "data.freshness.stale": ("已超时", "Stale"),
    "data.freshness.never": ("尚无数据", "No data yet"),
    "data.freshness.disabled": ("已停用", "Disabled"),
    "data.age": ("{age}前", "{age} ago"),
    "data.duration.seconds": ("{n}秒", "{n} s"),
    "data.duration.minutes": ("{n}分钟", "{n} min"),
    "data.duration.hours": ("{n}小时", "{n} h"),
    "data.duration.days": ("{n}天", "{n} d"),
    "data.kind.file_drop": ("文件投放", "File drop"),
    "data.kind.sql": ("数据库接口", "SQL source"),
    "data.kind.simulator": ("演示模拟", "Demo simulator"),
    "data.kind.demo_generator": ("演示数据生成", "Demo generator"),
    "data.kind.manual": ("人工导入", "Manual"),
    "data.domain.energy": ("能耗", "Energy"),
    "data.domain.vehicle": ("公务用车", "Vehicles"),
    "data.domain.asset": ("资产", "Assets"),
    "data.domain.housing": ("住房", "Housing"),
    "data.domain.reference": ("参考数据", "Reference"),
    "data.domain.master": ("主数据", "Master data"),
    "data.scheduler.leader": ("调度进程：{holder}（租约至 {until}）", "Scheduler: {holder} (lease until {until})"),
    "data.scheduler.no_leader": ("调度进程未运行或租约已过期", "No scheduler is running, or its lease has expired"),
    # --- batches ----------------------------------------------------------------------------------
    "data.batches.heading": ("最近批次", "Recent batches"),
    "data.col.batch": ("批次", "Batch"),
    "data.col.fact": ("数据类别", "Data"),
    "data.col.file": ("文件 / 来源", "File / origin"),
    "data.col.status": ("状态", "Status"),
    "data.col.started": ("开始时间", "Started"),
    "data.col.read": ("读取", "Read"),
    "data.col.accepted": ("接收", "Accepted"),
    "data.col.duplicate": ("重复", "Duplicate"),
    "data.col.rejected": ("隔离", "Quarantined"),
    "data.col.data_span": ("数据时段", "Data period"),
    "data.col.issues": ("说明", "Notes"),
    "data.batch.status.running": ("处理中", "Running"),
    "data.batch.status.applied": ("已入库", "Applied"),
    "data.batch.status.unchanged": ("无变化", "Unchanged"),
    "data.batch.status.failed": ("失败", "Failed"),
    "data.batch.filter_status": ("按状态筛选", "Filter by status"),
    "data.batch.detail": ("批次 {id} 详情", "Batch {id}"),
    "data.batch.show_quarantine": ("查看该批次的隔离数据", "Show this batch's quarantined rows"),
    "data.batch.line_column": ("第 {line} 行", "line {line}"),
    "data.batch.line_column_col": ("第 {line} 行「{column}」列", "line {line}, column “{column}”"),
    # --- facts ------------------------------------------------------------------------------------
    "data.fact.meter_reading": ("能耗计量读数", "Meter readings"),
    "data.fact.trip": ("出车记录", "Trips"),
    "data.fact.fuel": ("加油 / 充电记录", "Fuel and charging"),
    "data.fact.maintenance": ("维修保养记录", "Maintenance"),
    "data.fact.asset": ("资产台账", "Asset register"),
    "data.fact.asset_movement": ("资产变动", "Asset movements"),
    "data.fact.office_occupancy": ("办公用房使用", "Office occupancy"),
    "data.fact.lease": ("周转房租赁", "Turnover housing leases"),
    "data.fact.weather_daily": ("气象数据", "Weather"),
    "data.fact.asset_audit": ("资产盘点", "Asset audits"),
    "data.fact.insurance_policy": ("车辆保险", "Vehicle insurance"),
    "data.fact.org_unit": ("机构", "Org units"),
    "data.fact.building": ("建筑", "Buildings"),
    "data.fact.meter": ("表计", "Meters"),
    "data.fact.vehicle": ("车辆台账", "Vehicle register"),
    "data.fact.staff": ("人员职级", "Staff and ranks"),
    "data.fact.office_room": ("办公用房", "Office rooms"),
    "data.fact.housing_unit": ("周转住房房源", "Turnover-housing units"),
    "data.fact.vehicle_quota": ("公务用车编制", "Vehicle quotas"),
    "data.fact.energy_quota": ("能耗定额", "Energy quotas"),
    "data.fact.unknown": ("未识别", "Not recognised"),
    # --- quarantine -------------------------------------------------------------------------------
    "data.quarantine.heading": ("隔离区", "Quarantine"),
    "data.quarantine.count": ("共 {total} 行，显示 {shown} 行", "{total} rows, {shown} shown"),
    "data.quarantine.filter_status": ("状态", "Status"),
    "data.quarantine.filter_fact": ("数据类别", "Data"),
    "data.quarantine.filter_batch": ("批次号", "Batch no."),
    "data.quarantine.status.open": ("待处理", "Open"),
    "data.quarantine.status.resubmitted": ("已重新提交", "Re-submitted"),
    "data.quarantine.status.discarded": ("已作废", "Discarded"),
    "data.quarantine.all": ("全部", "All"),
    "data.col.row": ("编号", "No."),
    "data.col.where": ("位置", "Where"),
    "data.col.reason": ("原因", "Reason"),
    "data.col.raw": ("原始数据", "Raw values"),
    "data.col.resolved": ("处理", "Resolution"),
    "data.quarantine.resolved": ("{who} 于 {when}", "{who} at {when}"),
    "data.quarantine.raw_hidden": ("（原始数据仅对数据管理人员可见）", "(raw values are shown to data managers only)"),
    "data.quarantine.edit": ("修正并重新提交", "Correct and re-submit"),
    "data.quarantine.edit_heading": (
        "修正隔离行 {id}（{source} 第 {line} 行）",
        "Correct quarantined row {id} ({source}, line {line})",
    ),
    "data.quarantine.edit_hint": (
        "修改有误的值后重新提交；仍不合格的行不会入库，并给出原因。",
        "Fix the wrong values and re-submit; a row that is still invalid is not loaded and the reasons are shown.",
    ),
    "data.quarantine.resubmit": ("重新提交", "Re-submit"),
    "data.quarantine.discard": ("作废", "Discard"),
    "data.quarantine.discard_note": ("作废原因（必填）", "Why discard (required)"),
    "data.quarantine.select": ("选择", "Select"),
    "data.quarantine.resubmitted": ("已重新提交：批次 {batch}", "Re-submitted: batch {batch}"),
    "data.quarantine.still_invalid": ("仍不合格：{reasons}", "Still invalid: {reasons}"),
    "data.quarantine.discarded": ("已作废隔离行 {id}", "Quarantined row {id} discarded"),
    "data.quarantine.note_required": ("请填写作废原因", "Please give a reason for discarding"),
    "data.quarantine.not_open": ("该行已处理，无法再次操作", "This row has already been dealt with"),
    "data.quarantine.out_of_scope": ("该行不属于您的数据范围", "This row is outside your data scope"),
    "data.quarantine.download": ("导出隔离数据（CSV）", "Export quarantined rows (CSV)"),
    # --- jobs -------------------------------------------------------------------------------------
    "data.jobs.heading": ("调度任务记录", "Scheduler job runs"),
    "data.col.job": ("任务", "Job"),
    "data.col.scheduled_for": ("计划时间", "Scheduled for"),
    "data.col.duration": ("耗时", "Duration"),
    "data.col.outcome": ("结果", "Outcome"),
    "data.col.message": ("说明", "Message"),
    "data.col.host": ("执行进程", "Process"),
    "data.job.outcome.running": ("运行中", "Running"),
    "data.job.outcome.ok": ("成功", "OK"),
    "data.job.outcome.failed": ("失败", "Failed"),
    "data.job.outcome.skipped": ("已跳过", "Skipped"),
    "data.job.name.rollup_maintenance": ("汇总维护", "Roll-up maintenance"),
    "data.job.name.backup": ("数据库备份", "Database backup"),
    "data.job.name.alert_check": ("阈值检查", "Threshold checks"),
    "data.job.name.weekly_snapshot": ("周报快照", "Weekly snapshot"),
    "data.job.name.housekeeping": ("历史清理", "Housekeeping"),
    "data.job.name.source": ("数据源 {code}", "Source {code}"),
    "data.jobs.failed_only": ("只看失败", "Failures only"),
    # --- reading notes (抄表人, 备注 written beside meter readings) ---------------------------------
    "data.notes.heading": ("抄表备注", "Meter reading notes"),
    "data.notes.batch": ("批次", "Batch"),
    "data.notes.hint": (
        "所填批次中随读数一并导入的抄表人和备注；未填批次时显示最近一个带备注的批次",
        "Readers and notes that came with the readings of the batch given; without one, the latest batch with notes",
    ),
    "data.notes.meter": ("表计", "Meter"),
    "data.notes.time": ("读数时间", "Reading time"),
    "data.notes.reader": ("抄表人", "Reader"),
    "data.notes.note": ("备注", "Note"),
    "data.notes.of_batch": ("批次 #{batch}", "Batch #{batch}"),
    "data.notes.more": ("仅显示前 {shown} 条，共 {total} 条", "Showing the first {shown} of {total}"),
    # --- provenance -------------------------------------------------------------------------------
    "data.provenance.heading": ("数据溯源", "Provenance"),
    "data.provenance.for": (
        "{metric} · {org}：近12个月的数据来自以下批次",
        "{metric} · {org}: the batches behind the last 12 months",
    ),
    "data.provenance.pick": (
        "从任一指标卡片的“来源”进入，可查看该指标数据来自哪些批次。",
        "Follow “Sources” on any KPI tile to see which batches its figure came from.",
    ),
    "data.col.month": ("月份", "Month"),
    "data.col.rows": ("行数", "Rows"),
    "data.col.metrics": ("所供指标", "Feeds"),
    "data.provenance.unknown_metric": ("未知指标：{metric}", "Unknown indicator: {metric}"),
    "data.provenance.no_batches": (
        "该指标暂无可追溯的批次（演示数据或尚未导入）",
        "No load batch recorded for this figure (demo data, or nothing loaded yet)",
    ),
    # --- row-level reasons (quarantine) ------------------------------------------------------------
    "data.reason.missing_value": ("「{column}」为空（必填项）", "“{column}” is empty (required)"),
    "data.reason.not_a_number": ("「{column}」的值“{value}”不是数字", "“{value}” in “{column}” is not a number"),
    "data.reason.negative_value": ("「{column}」为负数：{value}", "Negative value in “{column}”: {value}"),
    "data.reason.value_out_of_range": (
        "「{column}」的值 {value} 超出合理范围（{min}～{max}）",
        "“{column}” = {value} is outside the plausible range ({min}–{max})",
    ),
    "data.reason.bad_date": (
        "「{column}」的日期时间“{value}”无法识别（可用：2026-11-20 13:00、2026/11/20 13:00、2026年11月20日 13时、Excel 日期）",
        "Cannot read the date/time “{value}” in “{column}” (accepted: 2026-11-20 13:00, 2026/11/20 13:00, 2026年11月20日 13时, Excel dates)",
    ),
    "data.reason.date_without_time": (
        "「{column}」只有日期“{value}”，逐时计量的表需要具体时间",
        "“{column}” has a date without a time (“{value}”); an hourly meter needs the time",
    ),
    "data.reason.misaligned_timestamp": (
        "「{column}」的时间 {value} 不在 {interval} 分钟的整点上",
        "The time {value} in “{column}” is not on a {interval}-minute boundary",
    ),
    "data.reason.future_timestamp": (
        "「{column}」的时间 {value} 晚于当前时间 {now}",
        "The time {value} in “{column}” is in the future (now {now})",
    ),
    "data.reason.end_before_start": (
        "结束时间 {end} 早于或等于开始时间 {start}",
        "The end {end} is not after the start {start}",
    ),
    "data.reason.implausible_jump": (
        "读数 {value} 超过该表近期典型值 {reference} 的 {factor} 倍，疑似跳变或单位错误",
        "Reading {value} is more than {factor}× the meter's recent typical {reference}: a jump or a wrong unit",
    ),
    # meter readings from real department files (issue #16)
    "data.reason.above_ceiling": (
        "读数 {value} {unit} 超过该表一个计量周期的上限 {ceiling} {unit}（依据：{basis}），疑似单位错误或多写了位数",
        "Reading {value} {unit} is above the meter's ceiling of {ceiling} {unit} for one interval ({basis}): a wrong unit or extra digits?",
    ),
    "data.reason.above_ceiling.basis.rated": (
        "额定容量 {rated} {unit}/小时 × {hours} 小时",
        "rated capacity {rated} {unit}/h × {hours} h",
    ),
    "data.reason.above_ceiling.basis.area": (
        "建筑面积 {area} 平方米 × 每平方米每小时上限 {per_m2} {unit} × {hours} 小时",
        "floor area {area} m² × ceiling {per_m2} {unit} per m² and hour × {hours} h",
    ),
    "data.reason.above_ceiling.basis.minimum": (
        "小型建筑每小时最低上限 {minimum} {unit} × {hours} 小时",
        "small-building floor {minimum} {unit}/h × {hours} h",
    ),
    "data.reason.meter_kind_mismatch": (
        "表计 {meter} 的能源类型是 {kind}，与「{column}」填写的“{written}”不符",
        "Meter {meter} measures {kind}, but “{column}” says “{written}”",
    ),
    "data.reason.unit_not_recognized": (
        "「{column}」的单位“{unit}”无法识别",
        "Unit “{unit}” in “{column}” is not recognised",
    ),
    "data.reason.unit_mismatch": (
        "单位“{unit}”与该项不符（应为 {expected}）",
        "Unit “{unit}” does not fit here (expected {expected})",
    ),
    "data.reason.unknown_meter": ("表计“{code}”不存在", "Unknown meter “{code}”"),
    "data.reason.ambiguous_meter": (
        "建筑 {building} 有 {count} 块 {kind} 表，请填写表计编号",
        "Building {building} has {count} {kind} meters: give the meter code",
    ),
    "data.reason.unknown_building": ("建筑编码“{code}”不存在", "Unknown building code “{code}”"),
    "data.reason.unknown_vehicle": ("车牌号“{plate}”不在车辆台账中", "Plate “{plate}” is not in the vehicle register"),
    "data.reason.unknown_org": ("单位编码“{code}”不存在", "Unknown unit code “{code}”"),
    "data.reason.unknown_asset": ("资产编号“{code}”不在资产台账中", "Asset “{code}” is not in the asset register"),
    "data.reason.unknown_category": ("资产分类“{code}”不存在", "Unknown asset category “{code}”"),
    "data.reason.unknown_room": ("建筑 {building} 中没有房间 {room}", "Building {building} has no room {room}"),
    "data.reason.unknown_housing_unit": ("房源编号“{code}”不存在", "Unknown housing unit “{code}”"),
    "data.reason.unknown_request": ("用车申请单号“{code}”不存在", "Unknown trip request “{code}”"),
    "data.reason.unknown_code": (
        "「{column}」的值“{value}”不在可选范围内：{allowed}",
        "“{value}” in “{column}” is not one of: {allowed}",
    ),
    "data.reason.text_too_long": (
        "「{column}」过长：{length} 个字符（最多 {max} 个）",
        "“{column}” is too long: {length} characters (at most {max})",
    ),
    "data.reason.field_count": (
        "本行有 {found} 列，表头有 {expected} 列（文件可能被截断，或值中含未加引号的逗号）",
        "This row has {found} fields, the header {expected} (a truncated file, or an unquoted comma in a value)",
    ),
    "data.reason.bad_encoding": (
        "本行含有无法按 {encoding} 解码的字节",
        "This row holds bytes that are not valid {encoding}",
    ),
    "data.reason.merged_cell": (
        "单元格 {cell} 属于合并单元格 {range}，取值不明确",
        "Cell {cell} is part of the merged range {range}: its value is ambiguous",
    ),
    "data.reason.excel_error": ("「{column}」是 Excel 错误值 {value}", "“{column}” holds the Excel error {value}"),
    "data.reason.duplicate_in_file": (
        "与同一文件第 {first_line} 行是同一条记录，但数值不同",
        "Same record as line {first_line} of this file, with different values",
    ),
    "data.reason.malformed_row": ("本行格式错误：{error}", "Malformed row: {error}"),
    # --- master data (org units, buildings, meters, vehicles, staff) -----------------------------
    "data.reason.bad_credit_code": (
        "「{column}」“{value}”不是有效的统一社会信用代码（应为18位，末位校验码须正确），请核对后重填",
        "“{value}” in “{column}” is not a valid unified social credit code (18 characters with a correct check character)",
    ),
    "data.reason.duplicate_credit_code": (
        "统一社会信用代码“{value}”已属于机构 {other}，同一代码不能登记给两个机构",
        "The unified social credit code “{value}” already belongs to unit {other}: one code, one unit",
    ),
    "data.reason.org_cycle": (
        "机构 {code} 的上级机构 {parent} 是它自己或它的下级，机构层级不能形成循环",
        "Unit {code} cannot have {parent} as its parent: that is the unit itself or one of its own subunits",
    ),
    "data.reason.second_root": (
        "机构 {code} 没有填写上级机构，但机构树已有顶级机构 {root}；只有顶级机构可以不填上级",
        "Unit {code} has no parent, but the tree already has its top unit {root}: only the top unit may have none",
    ),
    "data.reason.reading_hour_not_daily": (
        "「{column}」为 {value} 点，但该表每 {interval} 分钟采集一次；抄表时刻只适用于按日抄表的表计（应为 0）",
        "“{column}” is {value}, but this meter is read every {interval} minutes: "
        "a reading hour applies to daily meters only (use 0)",
    ),
    "data.reason.meter_history_conflict": (
        "表计 {code} 已有读数，不能把「{field}」从 {old} 改为 {new}（历史读数会被误读）；如确已换表，请新建表计编号",
        "Meter {code} already has readings: “{field}” cannot change from {old} to {new} "
        "(its history would be misread); a replaced meter needs a new code",
    ),
    "data.reason.unknown_rank": (
        "「{column}」“{value}”不是该单位适用的职级（办公用房标准级别：{admin_level}），可选：{allowed}",
        "“{value}” in “{column}” is not a rank of a {admin_level}-level unit; one of: {allowed}",
    ),
    # space and quota master data (office rooms, housing units, vehicle and energy quotas)
    "data.reason.org_not_agency": (
        "「{column}」“{code}”是行政区划节点（{level}），公务用车编制须核定到具体单位",
        "“{code}” in “{column}” is a region ({level}), not a unit: vehicle quotas are approved per unit",
    ),
    "data.reason.quota_order": (
        "能耗定额须满足 引导值 ≤ 基准值 ≤ 约束值（引导值 {guide}，基准值 {benchmark}，约束值 {limit}）",
        "An energy quota needs guide ≤ benchmark ≤ limit (guide {guide}, benchmark {benchmark}, limit {limit})",
    ),
    # weather (daily temperatures per city)
    "data.reason.unknown_city": ("城市编码“{code}”不存在", "Unknown city code “{code}”"),
    "data.reason.org_not_city": (
        "「{column}」“{code}”不是市级机构（{level}），气象数据须按城市填报",
        "“{code}” in “{column}” is not a city ({level}): weather is given per city",
    ),
    "data.reason.temperature_order": (
        "气温须满足 最低气温 ≤ 日均气温 ≤ 最高气温（最低 {min}℃，日均 {mean}℃，最高 {max}℃）",
        "Temperatures need min ≤ mean ≤ max (min {min} °C, mean {mean} °C, max {max} °C)",
    ),
    # --- file-level issues (batches) ---------------------------------------------------------------
    "data.issue.encoding_unknown": (
        "文件编码无法识别（{detail}），请另存为 UTF-8 或 GBK 编码的 CSV",
        "The file's encoding is not recognised ({detail}); save it as CSV in UTF-8 or GBK",
    ),
    "data.issue.file_unreadable": (
        "文件无法读取（可能已损坏或不完整）：{error}",
        "The file cannot be read (damaged or incomplete): {error}",
    ),
    "data.issue.file_empty": ("文件为空", "The file is empty"),
    "data.issue.header_not_found": (
        "缺少必需的列：{missing}；文件中的列为：{found}",
        "Required columns missing: {missing}; the file has: {found}",
    ),
    "data.issue.duplicate_column": (
        "列重复：{columns} 都表示“{field}”，无法判断以哪一列为准",
        "Duplicate columns: {columns} all mean “{field}”; it is unclear which one holds the data",
    ),
    "data.issue.unknown_fact": (
        "无法识别文件内容属于哪类数据；表头为：{found}",
        "Cannot tell which kind of data the file holds; its header is: {found}",
    ),
    "data.issue.unsupported_file_type": (
        "不支持的文件类型 {suffix}（支持 CSV、XLSX）",
        "Unsupported file type {suffix} (CSV and XLSX are supported)",
    ),
    "data.issue.same_file_as_batch": (
        "与批次 {batch_id}（{loaded_at}）是同一文件，未作任何改动",
        "Same file as batch {batch_id} ({loaded_at}); nothing changed",
    ),
    "data.issue.no_changes": (
        "所有数据与库中已有数据一致，未作任何改动",
        "Every row matches what is already stored; nothing changed",
    ),
    "data.issue.ignored_columns": ("以下列未使用：{columns}", "Columns not used: {columns}"),
    "data.issue.truncated_file": (
        "文件在此处被截断，最后一行不完整",
        "The file is truncated here: its last line is incomplete",
    ),
    "data.issue.no_final_newline": (
        "文件末行没有换行符，已按完整行校验",
        "The last line has no line break; it was checked as a complete row",
    ),
    "data.issue.blank_rows_skipped": ("跳过空行 {count} 行", "{count} blank rows skipped"),
    "data.issue.batch_error": (
        "处理失败，本批次未入库任何数据：{error}",
        "Processing failed; nothing of this batch was stored: {error}",
    ),
    "data.issue.hook_failed": (
        "入库后检查 {hook} 出错（数据已入库）：{error}",
        "The after-load check {hook} failed (the data was stored): {error}",
    ),
    "data.issue.encoding_detected": ("文件编码：{encoding}", "Encoding: {encoding}"),
    "data.issue.sheet_used": ("读取工作表：{sheet}", "Sheet read: {sheet}"),
    # hostile files: refused before they are parsed (data/loaders/extract/limits.py)
    "data.issue.file_too_large": (
        "文件大小 {size}，超过上限 {limit}，未读取",
        "The file is {size}, over the limit of {limit}; it was not read",
    ),
    "data.issue.file_too_large_uncompressed": (
        "文件解压后 {size}，超过上限 {limit}，未读取",
        "The file inflates to {size}, over the limit of {limit}; it was not read",
    ),
    "data.issue.suspicious_compression": (
        "文件中的 {member} 压缩比异常（{compressed} 解压后为 {size}，{ratio} 倍，上限 {limit} 倍），疑为恶意文件，未读取",
        "{member} in the file is compressed suspiciously well ({compressed} inflating to {size}, "
        "{ratio}×, limit {limit}×); it looks hostile and was not read",
    ),
    "data.issue.archive_too_many_members": (
        "文件内含 {count} 个部件，超过上限 {limit}，不像正常的 Excel 工作簿，未读取",
        "The file holds {count} parts, over the limit of {limit}; it is not a normal Excel workbook and was not read",
    ),
    "data.issue.archive_bad_member_name": (
        "文件内含路径异常的部件 {member}，疑为恶意文件，未读取",
        "The file holds a part with a suspicious path, {member}; it looks hostile and was not read",
    ),
    "data.issue.not_a_workbook": (
        "文件扩展名为 {suffix}，但内容不是 Excel 工作簿（实际为：{found}），请在 Excel 中另存为 .xlsx 或 CSV",
        "The file is named {suffix} but is not an Excel workbook (it is: {found}); save it from Excel as .xlsx or CSV",
    ),
    "data.issue.sheet_too_large": (
        "工作表「{sheet}」声明的范围 {dimension} 有 {rows} 行、{cells} 个单元格，"
        "超过上限（{max_rows} 行、{max_cells} 个单元格），未读取",
        "Sheet “{sheet}” declares the range {dimension}: {rows} rows, {cells} cells, "
        "over the limits ({max_rows} rows, {max_cells} cells); it was not read",
    ),
    "data.issue.sheet_too_many_rows": (
        "工作表「{sheet}」读到第 {row} 行，超过行数上限 {max_rows} 行，已停止读取",
        "Sheet “{sheet}” reached row {row}, over the limit of {max_rows} rows; reading stopped",
    ),
    "data.issue.sheet_too_many_cells": (
        "工作表「{sheet}」读到第 {row} 行时单元格超过上限 {max_cells} 个，已停止读取",
        "Sheet “{sheet}” passed the limit of {max_cells} cells at row {row}; reading stopped",
    ),
    "data.issue.row_too_wide": (
        "工作表「{sheet}」第 {row} 行有 {cells} 个以上单元格，超过 Excel 的 {max_columns} 列，已停止读取",
        "Row {row} of sheet “{sheet}” has more than {cells} cells, beyond Excel's {max_columns} columns; reading stopped",
    ),
}
