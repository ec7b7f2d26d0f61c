"""Default reference data with its sources. Administrators may edit the stored copies;
these defaults seed an empty database and are what a fresh install starts from."""

from __future__ import annotations

OFFICE_STANDARD_SOURCE = "党政机关办公用房建设标准（发改投资〔2014〕2674号）"

# (admin_level, rank_code, rank_zh, rank_en, usable m² per person)
OFFICE_SPACE_STANDARDS: tuple[tuple[str, str, str, str, float], ...] = (
    ("central", "minister", "正部级", "Minister", 54),
    ("central", "vice_minister", "副部级", "Vice-minister", 42),
    ("central", "director_general", "正司(局)级", "Director-general", 24),
    ("central", "deputy_director_general", "副司(局)级", "Deputy director-general", 18),
    ("central", "division", "处级", "Division level", 12),
    ("central", "below_division", "处级以下", "Below division level", 9),
    ("province", "governor", "省级正职", "Provincial head", 54),
    ("province", "vice_governor", "省级副职", "Provincial deputy head", 42),
    ("province", "bureau_head", "厅(局)级正职", "Bureau head", 30),
    ("province", "bureau_deputy", "厅(局)级副职", "Deputy bureau head", 24),
    ("province", "division_head", "处级正职", "Division head", 18),
    ("province", "division_deputy", "处级副职", "Deputy division head", 12),
    ("province", "below_division", "处级以下", "Below division level", 9),
    ("city", "city_head", "市级正职", "City head", 42),
    ("city", "city_deputy", "市级副职", "City deputy head", 30),
    ("city", "bureau_head", "局级正职", "Bureau head", 24),
    ("city", "bureau_deputy", "局级副职", "Deputy bureau head", 18),
    ("city", "below_bureau", "局级以下", "Below bureau level", 9),
    ("county", "county_head", "县级正职", "County head", 30),
    ("county", "county_deputy", "县级副职", "County deputy head", 24),
    ("county", "section_head", "科级正职", "Section head", 18),
    ("county", "section_deputy", "科级副职", "Deputy section head", 12),
    ("county", "below_section", "科级以下", "Below section level", 9),
)

# (code, value, unit, name_zh, name_en, source)
ENERGY_COEFFICIENTS: tuple[tuple[str, float, str, str, str, str], ...] = (
    (
        "electricity_kgce_per_kwh",
        0.1229,
        "kgce/kWh",
        "电力折标准煤系数（当量值）",
        "Electricity to standard coal (calorific equivalent)",
        "GB/T 2589-2020 综合能耗计算通则",
    ),
    (
        "gas_kgce_per_m3",
        1.2143,
        "kgce/m³",
        "天然气折标准煤系数",
        "Natural gas to standard coal",
        "GB/T 2589-2020 综合能耗计算通则",
    ),
    (
        "heat_kgce_per_gj",
        34.12,
        "kgce/GJ",
        "热力折标准煤系数",
        "Heat to standard coal",
        "GB/T 2589-2020 综合能耗计算通则",
    ),
    (
        "petrol_kgce_per_l",
        1.0651,
        "kgce/L",
        "汽油折标准煤系数（1.4714 kgce/kg × 0.7239 kg/L）",
        "Petrol to standard coal",
        "GB/T 2589-2020 综合能耗计算通则",
    ),
    (
        "diesel_kgce_per_l",
        1.2547,
        "kgce/L",
        "柴油折标准煤系数（1.4571 kgce/kg × 0.8611 kg/L）",
        "Diesel to standard coal",
        "GB/T 2589-2020 综合能耗计算通则",
    ),
    (
        "grid_tco2_per_mwh",
        0.5703,
        "tCO₂/MWh",
        "全国电网平均排放因子",
        "National grid emission factor",
        "生态环境部 2022年度全国电网平均排放因子",
    ),
    (
        "gas_tco2_per_m3",
        0.002162,
        "tCO₂/m³",
        "天然气排放因子",
        "Natural gas emission factor",
        "IPCC 2006 default, 389.31 GJ/10⁴m³",
    ),
    ("petrol_tco2_per_l", 0.002264, "tCO₂/L", "汽油排放因子", "Petrol emission factor", "IPCC 2006 default"),
    ("diesel_tco2_per_l", 0.002676, "tCO₂/L", "柴油排放因子", "Diesel emission factor", "IPCC 2006 default"),
    (
        # Prices the extra kWh of baseline anomalies (data.baseline.store); set it to the tariff the
        # agencies actually pay.
        "electricity_price_yuan_per_kwh",
        0.8,
        "元/kWh",
        "电价（一般工商业平均到户电价）",
        "Electricity price (average general commercial tariff)",
        "默认估算值（非官方）：一般工商业到户电价多在0.6–1.0元/kWh之间，请按本单位实际电价修改",
    ),
)

# (code, value, unit, name_zh, name_en, source)
PLAN_TARGETS: tuple[tuple[str, float, str, str, str, str], ...] = (
    (
        "baseline_2020_kgce_per_m2",
        18.48,
        "kgce/m²",
        "2020年单位建筑面积能耗基数",
        "2020 national baseline, energy per m²",
        "“十四五”公共机构节约能源资源工作规划",
    ),
    (
        "baseline_2020_kgce_per_person",
        329.56,
        "kgce/person",
        "2020年人均综合能耗基数",
        "2020 national baseline, energy per person",
        "“十四五”公共机构节约能源资源工作规划",
    ),
    (
        "target_2025_per_m2_pct",
        -5.0,
        "%",
        "2025年单位建筑面积能耗下降目标",
        "2025 target, energy per m²",
        "“十四五”公共机构节约能源资源工作规划",
    ),
    (
        "target_2025_per_person_pct",
        -6.0,
        "%",
        "2025年人均综合能耗下降目标",
        "2025 target, energy per person",
        "“十四五”公共机构节约能源资源工作规划",
    ),
    (
        "target_2025_water_per_person_pct",
        -6.0,
        "%",
        "2025年人均用水量下降目标",
        "2025 target, water per person",
        "“十四五”公共机构节约能源资源工作规划",
    ),
    (
        "target_2025_co2_per_m2_pct",
        -7.0,
        "%",
        "2025年单位建筑面积碳排放下降目标",
        "2025 target, CO₂ per m²",
        "“十四五”公共机构节约能源资源工作规划",
    ),
)

DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("information", "信息处", "Information"),
    ("finance", "财务处", "Finance"),
    ("asset", "资产处", "Assets"),
    ("real_estate", "房地产处", "Real estate"),
    ("vehicle", "公车处", "Official vehicles"),
    ("energy", "节能处", "Energy conservation"),
    ("safety", "安全处", "Safety"),
    ("general", "综合处", "General affairs"),
)

ROLES: tuple[tuple[str, str, str], ...] = (
    ("admin", "管理员", "Administrator"),
    ("leader", "领导", "Leader"),
    ("operator", "业务处室", "Department operator"),
    ("viewer", "查看者", "Viewer"),
    ("wall", "大屏", "Wall display"),
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "admin": (
        "view",
        "export",
        "view_personal_data",
        "manage_alerts",
        "manage_rules",
        "manage_users",
        "manage_devices",
        "view_audit",
        "manage_data",
        "manage_reference",
        "manage_snapshots",
    ),
    "leader": ("view", "export", "view_personal_data", "manage_snapshots_view"),
    "operator": ("view", "export", "manage_alerts", "manage_data", "view_personal_data"),
    "viewer": ("view",),
    "wall": ("view", "wall"),
}


READING_CEILING_SOURCE = (
    "本中心默认值：约为公共机构办公建筑小时峰值强度的十倍，可按本地情况修改 "
    "(command-center default: about ten times the peak hourly intensity of public office buildings; edit locally)"
)
# (meter kind, per m² of floor area and hour, floor per hour for small buildings, unit): a reading
# above (area × per_m2_hour, at least min_per_hour) × the hours it covers is refused even when the
# meter has no history. A meter's rated capacity (meter.capacity_per_hour), when known, replaces it.
READING_CEILINGS: tuple[tuple[str, float, float, str], ...] = (
    ("electricity", 0.3, 50.0, "kWh"),
    ("water", 0.01, 5.0, "m3"),
    ("gas", 0.05, 20.0, "m3"),
    ("heat", 0.002, 1.0, "GJ"),
)


# Asset categories (asset_category): the classes of GB/T 14885 固定资产分类与代码 an office agency
# holds — 通用设备, 专用设备, 家具和用具 —, coded in the style of the government procurement
# catalogue (A02, A03, A06), with their common subcategories. Useful lives follow the application
# guide of 政府会计准则第3号——固定资产 (computers and office equipment 6 years, air conditioners 8,
# security equipment 5, furniture 15), straight line, no residual value. An install adds its own
# subcategories (administrators edit the table; the asset import names the codes).
# (code, parent code, name_zh, name_en, useful life in years)
ASSET_CATEGORIES: tuple[tuple[str, str | None, str, str, int], ...] = (
    ("A02", None, "通用设备", "General equipment", 6),
    ("A0201", "A02", "计算机设备", "Computers", 6),
    ("A020101", "A0201", "台式计算机", "Desktop computer", 6),
    ("A020102", "A0201", "便携式计算机", "Laptop computer", 6),
    ("A020103", "A0201", "服务器", "Server", 6),
    ("A0202", "A02", "办公设备", "Office equipment", 6),
    ("A020201", "A0202", "打印机", "Printer", 6),
    ("A020202", "A0202", "复印机", "Copier", 6),
    ("A020203", "A0202", "投影仪", "Projector", 6),
    ("A020204", "A0202", "碎纸机", "Shredder", 6),
    ("A0203", "A02", "电气设备", "Electrical equipment", 8),
    ("A020301", "A0203", "空调机", "Air conditioner", 8),
    ("A0204", "A02", "通信及网络设备", "Communication and network equipment", 6),
    ("A020401", "A0204", "网络交换机", "Network switch", 6),
    ("A020402", "A0204", "视频会议终端", "Video-conferencing terminal", 6),
    ("A03", None, "专用设备", "Special equipment", 5),
    ("A0301", "A03", "安防设备", "Security equipment", 5),
    ("A030101", "A0301", "监控摄像机", "CCTV camera", 5),
    ("A06", None, "家具和用具", "Furniture and fixtures", 15),
    ("A0601", "A06", "家具", "Furniture", 15),
    ("A060101", "A0601", "办公桌", "Desk", 15),
    ("A060102", "A0601", "办公椅", "Office chair", 15),
    ("A060103", "A0601", "文件柜", "Filing cabinet", 15),
    ("A060104", "A0601", "沙发", "Sofa", 15),
    ("A060105", "A0601", "会议桌", "Conference table", 15),
)
