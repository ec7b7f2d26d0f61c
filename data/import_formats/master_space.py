"""Master data of space and quotas: office rooms, turnover-housing units, approved fleet sizes
(vehicle quotas) and annual energy quotas.

They name org units and buildings (``master``), so they load after them: their facts follow
``master.MASTER_FACTS`` in the dependency order. Like the other master data they are upserted by
their natural key and their domain is ``master``. Office occupancy and leases (``housing``) name
the rooms and units these files create.
"""

from __future__ import annotations

from data.import_formats.common import (
    BUILDING_CODE_ZH,
    HOUSING_UNIT_CODE,
    building_code_field,
    org_code_field,
    room_no_field,
)
from data.import_formats.field import FactFormat, _f
from data.import_formats.master import MASTER_DOMAIN, vehicle_class_field

# The room types of 党政机关办公用房建设标准: offices, meeting rooms, and the other service rooms
# (reception, archives, printing, storage …), which the standard's per-person limit does not cover.
ROOM_PURPOSE_CHOICES = (
    ("office", ("办公室", "办公用房", "办公", "office room")),
    ("meeting", ("会议室", "会议用房", "会议", "meeting room", "conference room")),
    (
        "service",
        (
            "服务用房",
            "服务",
            "接待室",
            "档案室",
            "文印室",
            "资料室",
            "储藏室",
            "设备用房",
            "附属用房",
            "service room",
            "other",
        ),
    ),
)
HOUSING_STATUS_CHOICES = (
    ("available", ("空置", "空闲", "待分配", "可分配", "vacant", "free")),
    ("occupied", ("在住", "已入住", "已分配", "在租", "出租", "let")),
    ("repair", ("维修", "维修中", "在修", "under repair", "repairs")),
)
QUOTA_BASIS_CHOICES = (
    (
        "per_m2",
        ("单位建筑面积能耗", "单位面积能耗", "单位建筑面积", "单位面积", "每平方米", "per m2", "per square metre"),
    ),
    ("per_person", ("人均综合能耗", "人均能耗", "人均", "每人", "per person", "per capita")),
    ("total", ("能耗总量", "综合能耗总量", "总量", "总能耗", "total energy")),
)

# The rooms and quota files name the org unit alike.
_ORG_CODE_ZH = ("使用单位编码", "单位编码", "机构编码", "单位代码")

OFFICE_ROOM = FactFormat(
    fact="office_room",
    domain=MASTER_DOMAIN,
    table="office_room",
    fields=(
        building_code_field(*BUILDING_CODE_ZH, required=True),
        room_no_field(),
        org_code_field(*_ORG_CODE_ZH, extra=("unit code",)),
        _f(
            "usable_area_m2",
            "number",
            "使用面积",
            "房间使用面积",
            "面积",
            "usable area",
            "usable_area_m2",
            "area",
            required=True,
        ),
        _f(
            "purpose",
            "enum",
            "用途",
            "房间用途",
            "用房类型",
            "房间类型",
            "purpose",
            "room type",
            "use",
            choices=ROOM_PURPOSE_CHOICES,
        ),
    ),
    natural_key=("building_id", "room_no"),
)

HOUSING_UNIT = FactFormat(
    fact="housing_unit",
    domain=MASTER_DOMAIN,
    table="housing_unit",
    fields=(
        _f("code", "code", *HOUSING_UNIT_CODE, "code", required=True, max_len=40),
        org_code_field("管理单位编码", "产权单位编码", "单位编码", "机构编码"),
        building_code_field("所在建筑编码", "建筑编码", "楼宇编码"),
        _f("area_m2", "number", "建筑面积", "住房面积", "面积", "area", "area_m2", "floor area", required=True),
        _f("rooms", "number", "居室数", "房间数", "室数", "rooms", "number of rooms", "bedrooms", required=True),
        _f(
            "monthly_rent_yuan",
            "number",
            "月租金",
            "租金",
            "租金标准",
            "monthly rent",
            "monthly_rent_yuan",
            "rent",
            required=True,
        ),
        _f("status", "enum", "状态", "房屋状态", "使用状态", "status", choices=HOUSING_STATUS_CHOICES),
    ),
    natural_key=("code",),
)

VEHICLE_QUOTA = FactFormat(
    fact="vehicle_quota",
    domain=MASTER_DOMAIN,
    table="vehicle_quota",
    fields=(
        org_code_field(*_ORG_CODE_ZH, extra=("unit code",)),
        vehicle_class_field("车辆类别", "编制类别", "用车类别", "车辆类型"),
        _f(
            "approved",
            "number",
            "编制数",
            "编制数量",
            "核定编制",
            "核定数",
            "编制",
            "approved",
            "quota",
            "approved vehicles",
            required=True,
        ),
    ),
    natural_key=("org_id", "vehicle_class"),
)

ENERGY_QUOTA = FactFormat(
    fact="energy_quota",
    domain=MASTER_DOMAIN,
    table="energy_quota",
    fields=(
        org_code_field(*_ORG_CODE_ZH, extra=("unit code",)),
        _f("year", "number", "年度", "年份", "定额年度", "year", required=True),
        _f(
            "basis",
            "enum",
            "定额类型",
            "指标类型",
            "定额口径",
            "口径",
            "basis",
            "quota basis",
            required=True,
            choices=QUOTA_BASIS_CHOICES,
        ),
        _f("limit_value", "number", "约束值", "定额约束值", "limit", "limit value", "limit_value", required=True),
        _f(
            "benchmark_value",
            "number",
            "基准值",
            "基准",
            "benchmark",
            "benchmark value",
            "benchmark_value",
            required=True,
        ),
        _f("guide_value", "number", "引导值", "引导", "guide", "guide value", "guide_value", required=True),
        _f("source", "text", "来源", "依据", "定额依据", "文件依据", "source", max_len=255),
    ),
    natural_key=("org_id", "year", "basis"),
)

DOMAIN_FORMATS: tuple[FactFormat, ...] = (OFFICE_ROOM, HOUSING_UNIT, VEHICLE_QUOTA, ENERGY_QUOTA)
