"""Messages of the asset page's lists, one asset's life, the register cross-check (多源校核) and
redeployment matching (调剂匹配) (``views/asset_lists.py``)."""

MESSAGES = {
    # Panels
    "asset_lists.list.title": ("资产清单", "Asset register"),
    "asset_lists.list.hint": (
        "本单位及下属单位在账资产（不含已处置），净值按类别折旧方法计算；点击一行查看该资产",
        "Assets held (disposed ones excluded), net value by the category's depreciation method; click a row to open it",
    ),
    "asset_lists.life.title": ("资产全生命周期", "The asset's life"),
    "asset_lists.life.hint": (
        "购置、划转、交公物仓、调剂、状态变更、处置与历次盘点，按时间先后",
        "Acquisition, transfers, the warehouse, redeployment, status changes, disposal and every audit, in order",
    ),
    "asset_lists.book_value.title": ("账面净值变化", "Book value over time"),
    "asset_lists.book_value.hint": (
        "各月末账面净值（按类别折旧方法），虚线为原值，差额为累计折旧",
        "Net book value at each month end (the category's method); the dashed line is the original value",
    ),
    "asset_lists.audit_overdue.title": ("逾期未盘点资产", "Audits overdue"),
    "asset_lists.audit_overdue.hint": (
        "在账满一年且近365天内未盘点的资产，与“逾期未盘点”指标一致",
        "Assets held for a year and not audited in the last 365 days; the same count as the tile",
    ),
    "asset_lists.no_custodian.title": ("无责任人资产", "Assets without custodian"),
    "asset_lists.no_custodian.hint": (
        "在用但未登记责任人的资产，与“无责任人资产”指标一致",
        "Assets in use with no custodian on the register; the same count as the tile",
    ),
    "asset_lists.crosscheck.title": ("多源校核：账实差异", "Cross-check: register against movements and audits"),
    "asset_lists.crosscheck.hint": (
        "资产台账与出入库、调剂记录及盘点结果不一致的资产，最新的在前",
        "Where the register disagrees with the movements or the audits, newest first",
    ),
    "asset_lists.redeploy.title": ("调剂匹配：公物仓先行", "Redeployment matching: the warehouse first"),
    "asset_lists.redeploy.hint": (
        "闲置及在仓资产按净值从高到低，匹配其他单位同类（或上级类别）的待办申购，先申请先匹配",
        "Idle and warehoused assets, highest net value first, matched to other units' open requests of the "
        "category (or its parent), oldest request first",
    ),
    # Columns
    "asset_lists.col.code": ("资产编号", "Asset code"),
    "asset_lists.col.name": ("资产名称", "Asset"),
    "asset_lists.col.category": ("资产类别", "Category"),
    "asset_lists.col.org": ("使用单位", "Unit"),
    "asset_lists.col.status": ("状态", "Status"),
    "asset_lists.col.building": ("存放楼宇", "Building"),
    "asset_lists.col.custodian": ("责任人", "Custodian"),
    "asset_lists.col.acquired_on": ("取得日期", "Acquired"),
    "asset_lists.col.original_value": ("原值", "Original value"),
    "asset_lists.col.net_value": ("净值", "Net value"),
    "asset_lists.col.last_audit": ("最近盘点", "Last audit"),
    "asset_lists.col.days_since_audit": ("距上次盘点天数", "Days since audit"),
    "asset_lists.col.day": ("日期", "Date"),
    "asset_lists.col.time": ("时间", "Time"),
    "asset_lists.col.event": ("事项", "Event"),
    "asset_lists.col.from_org": ("转出单位", "From"),
    "asset_lists.col.to_org": ("转入单位", "To"),
    "asset_lists.col.from_status": ("原状态", "Status before"),
    "asset_lists.col.to_status": ("新状态", "Status after"),
    "asset_lists.col.result": ("盘点结果", "Audit result"),
    "asset_lists.col.value_saved": ("节约资金", "Saved"),
    "asset_lists.col.note": ("备注", "Note"),
    "asset_lists.col.discrepancy": ("差异类型", "Discrepancy"),
    "asset_lists.col.register_says": ("台账记载", "Register says"),
    "asset_lists.col.source_says": ("其他来源", "Other source says"),
    "asset_lists.col.holder": ("持有单位", "Held by"),
    "asset_lists.col.request_org": ("申请单位", "Requesting unit"),
    "asset_lists.col.request_category": ("申请类别", "Requested category"),
    "asset_lists.col.requested_on": ("申请日期", "Requested on"),
    "asset_lists.col.quantity": ("申请数量", "Quantity"),
    "asset_lists.col.match_level": ("匹配方式", "Match"),
    # Statuses
    "asset_lists.status.in_use": ("在用", "In use"),
    "asset_lists.status.idle": ("闲置", "Idle"),
    "asset_lists.status.warehouse": ("公物仓在库", "In the warehouse"),
    "asset_lists.status.pending_disposal": ("待处置", "Pending disposal"),
    "asset_lists.status.disposed": ("已处置", "Disposed"),
    # Life events
    "asset_lists.event.acquire": ("购置入账", "Acquired"),
    "asset_lists.event.transfer": ("划转", "Transferred"),
    "asset_lists.event.to_warehouse": ("交公物仓", "To the warehouse"),
    "asset_lists.event.redeploy": ("公物仓调剂", "Redeployed"),
    "asset_lists.event.dispose": ("处置", "Disposed"),
    "asset_lists.event.status_change": ("状态变更", "Status changed"),
    "asset_lists.event.audit": ("盘点", "Physical audit"),
    # Audit results
    "asset_lists.result.found": ("账实相符", "Found"),
    "asset_lists.result.missing": ("未找到实物", "Missing"),
    "asset_lists.result.mismatch": ("账实不符", "Not as booked"),
    # Discrepancy kinds
    "asset_lists.discrepancy.status_vs_movement": ("状态与最近出入库记录不符", "Status differs from the last movement"),
    "asset_lists.discrepancy.unit_vs_movement": ("使用单位与最近变动记录不符", "Unit differs from the last movement"),
    "asset_lists.discrepancy.redeploy_unit": ("调剂去向与台账单位不符", "Redeployed to another unit than booked"),
    "asset_lists.discrepancy.warehouse_without_movement": (
        "台账在公物仓但无入仓记录",
        "In the warehouse with no movement into it",
    ),
    "asset_lists.discrepancy.audit_missing": ("台账在用但盘点未找到", "In use, but missing at the latest audit"),
    "asset_lists.discrepancy.audit_mismatch": (
        "台账在用但盘点账实不符",
        "In use, but not as booked at the latest audit",
    ),
    # Matching
    "asset_lists.match_level.exact": ("同类", "Same category"),
    "asset_lists.match_level.parent": ("上级类别", "Parent category"),
    # Book value figure
    "asset_lists.series.net_value": ("账面净值", "Net book value"),
    "asset_lists.series.original_value": ("原值", "Original value"),
    "asset_lists.series.depreciation": ("累计折旧", "Accumulated depreciation"),
    # The unit of the months-depreciated tile (asset.months_charged)
    "unit.月": ("个月", "months"),
}
