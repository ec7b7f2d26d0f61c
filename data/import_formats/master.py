"""Master data import formats: what the facts refer to — org units, buildings, meters, vehicles
and staff ranks.

They load before any fact (``MASTER_FACTS`` is the dependency order: a building names its org, a
meter its building, a vehicle and a staff member their org) and are upserted by their code. Their
domain is ``master``: a drop folder of any domain accepts them, and ``drop/master/`` only them.
"""

from __future__ import annotations

from data.import_formats.common import (
    BUILDING_CODE_ZH,
    PLATE,
    building_code_field,
    driver_name_field,
    name_en_field,
    org_code_field,
    person_name_field,
    plate_field,
    rank_code_field,
    staff_no_field,
)
from data.import_formats.energy import METER_KIND_CHOICES
from data.import_formats.field import FactFormat, Field, _f

MASTER_DOMAIN = "master"

ORG_LEVEL_CHOICES = (
    ("province", ("省", "省级", "自治区", "直辖市")),
    ("city", ("市", "市级", "地市", "地级市", "州", "盟")),
    ("county", ("县", "区", "县(区)", "县区", "县级", "县级市", "旗", "district")),
    ("agency", ("单位", "机关", "部门", "机关单位", "预算单位", "unit", "department")),
)
ADMIN_LEVEL_CHOICES = tuple(c for c in ORG_LEVEL_CHOICES if c[0] != "agency")

# Minutes between readings; the words departments write for each.
METER_INTERVAL_CHOICES = (
    ("15", ("15分钟", "15min", "15 minutes", "一刻钟", "quarter-hourly", "quarter hourly")),
    ("30", ("30分钟", "30min", "30 minutes", "半小时", "half-hourly", "half hourly")),
    ("60", ("60分钟", "60min", "小时", "1小时", "每小时", "逐时", "hourly", "hour", "1h")),
    ("1440", ("1440分钟", "日", "天", "每日", "每天", "逐日", "24小时", "daily", "day", "24h")),
)
ACTIVE_CHOICES = (
    ("yes", ("是", "启用", "在用", "有效", "正常", "y", "true", "1", "active")),
    ("no", ("否", "停用", "无效", "n", "false", "0", "inactive")),
)
VEHICLE_CLASS_CHOICES = (
    ("confidential", ("机要通信用车", "机要通信", "机要")),
    ("emergency", ("应急保障用车", "应急保障", "应急")),
    ("law_enforcement", ("执法执勤用车", "执法执勤", "执法", "law enforcement")),
    ("special", ("特种专业技术用车", "特种专业技术", "特种", "专业技术用车")),
    ("general", ("一般公务用车", "一般公务", "公务用车", "平台用车")),
)


def vehicle_class_field(*zh: str) -> Field:
    """A vehicle's class (the register and the approved fleet sizes): this format's Chinese words,
    then the English ones."""
    return _f(
        "vehicle_class",
        "enum",
        *zh,
        "vehicle class",
        "vehicle_class",
        "class",
        required=True,
        choices=VEHICLE_CLASS_CHOICES,
    )


VEHICLE_ENERGY_CHOICES = (
    ("petrol", ("汽油", "燃油", "gasoline", "gas")),
    ("diesel", ("柴油",)),
    ("electric", ("纯电", "纯电动", "电动", "新能源(纯电)", "ev", "bev")),
    ("hybrid", ("混动", "插电混动", "混合动力", "油电混合", "phev", "hev")),
)
VEHICLE_STATUS_CHOICES = (
    ("in_service", ("在用", "正常", "使用中", "in service")),
    ("repair", ("维修", "在修", "送修", "under repair")),
    ("idle", ("闲置", "停用", "封存")),
    ("disposed", ("已处置", "处置", "报废", "拍卖", "disposal")),
)

ORG_CODE = ("机构编码", "单位编码", "单位代码", "机构代码", "code", "org code", "org_code", "unit code")

ORG_UNIT = FactFormat(
    fact="org_unit",
    domain=MASTER_DOMAIN,
    table="org_node",
    fields=(
        _f("code", "code", *ORG_CODE, required=True, max_len=32),
        _f("name_zh", "text", "机构名称", "单位名称", "名称", "name", "name zh", "name_zh", required=True, max_len=128),
        name_en_field(),
        _f(
            "parent_code",
            "code",
            "上级机构编码",
            "上级单位编码",
            "上级编码",
            "主管单位编码",
            "parent",
            "parent code",
            "parent_code",
            max_len=32,
        ),
        _f("level", "enum", "层级", "机构层级", "级次", "level", required=True, choices=ORG_LEVEL_CHOICES),
        _f(
            "admin_level", "enum", "行政级别", "适用标准级别", "admin level", "admin_level", choices=ADMIN_LEVEL_CHOICES
        ),
        _f(
            "credit_code",
            "code",
            "统一社会信用代码",
            "信用代码",
            "社会信用代码",
            "credit code",
            "credit_code",
            "uscc",
            max_len=32,
        ),
        _f("headcount", "number", "编制人数", "编制数", "headcount", "staff"),
        _f("energy_users", "number", "用能人数", "energy users", "energy_users"),
        _f("sort_order", "number", "排序", "排序号", "显示顺序", "sort order", "sort_order", "order"),
        _f("retired_on", "date", "撤销日期", "撤并日期", "停用日期", "retired on", "retired_on", "abolished on"),
    ),
    natural_key=("code",),
)

BUILDING = FactFormat(
    fact="building",
    domain=MASTER_DOMAIN,
    table="building",
    fields=(
        _f("code", "code", *BUILDING_CODE_ZH, "building code", "building_code", "code", required=True, max_len=32),
        org_code_field("单位编码", "所属单位编码", "使用单位编码", "机构编码"),
        _f(
            "name_zh",
            "text",
            "建筑名称",
            "楼宇名称",
            "名称",
            "building name",
            "name",
            "name zh",
            "name_zh",
            required=True,
            max_len=128,
        ),
        name_en_field(),
        _f("use_type", "text", "用途", "建筑用途", "使用性质", "use type", "use_type", "use", max_len=32),
        _f(
            "floor_area_m2",
            "number",
            "建筑面积",
            "建筑面积(平方米)",
            "floor area",
            "floor_area_m2",
            "gross floor area",
            required=True,
        ),
        _f("heated_area_m2", "number", "供暖面积", "采暖面积", "heated area", "heated_area_m2"),
        _f("occupants", "number", "人数", "使用人数", "常驻人数", "occupants"),
        _f("year_built", "number", "建成年份", "竣工年份", "建成年代", "year built", "year_built"),
        _f("latitude", "number", "纬度", "latitude", "lat"),
        _f("longitude", "number", "经度", "longitude", "lon", "lng"),
        _f("retired_on", "date", "停用日期", "拆除日期", "处置日期", "retired on", "retired_on"),
    ),
    natural_key=("code",),
)

METER = FactFormat(
    fact="meter",
    domain=MASTER_DOMAIN,
    table="meter",
    fields=(
        _f(
            "code",
            "code",
            "表计编号",
            "表号",
            "计量表编号",
            "仪表编号",
            "meter code",
            "meter_code",
            "code",
            required=True,
            max_len=40,
        ),
        building_code_field("建筑编码", "建筑编号", "楼宇编码", "安装建筑编码", required=True),
        _f(
            "kind",
            "enum",
            "能源类型",
            "表计类型",
            "能源种类",
            "kind",
            "meter kind",
            "energy type",
            required=True,
            choices=METER_KIND_CHOICES,
        ),
        _f(
            "interval",
            "enum",
            "采集间隔",
            "采集频率",
            "抄表周期",
            "间隔(分钟)",
            "interval",
            "interval minutes",
            "interval_minutes",
            required=True,
            choices=METER_INTERVAL_CHOICES,
        ),
        _f("reading_hour", "number", "抄表时刻", "抄表时间点", "抄表小时", "reading hour", "reading_hour"),
        _f(
            "capacity_per_hour",
            "number",
            "额定容量",
            "额定容量(每小时)",
            "capacity",
            "capacity per hour",
            "capacity_per_hour",
        ),
        _f("unit", "unit", "计量单位", "单位", "unit"),
        _f("active", "enum", "是否启用", "启用", "状态", "active", "status", choices=ACTIVE_CHOICES),
        _f("retired_on", "date", "停用日期", "拆除日期", "retired on", "retired_on"),
    ),
    natural_key=("code",),
)

VEHICLE = FactFormat(
    fact="vehicle",
    domain=MASTER_DOMAIN,
    table="vehicle",
    fields=(
        plate_field(PLATE),
        org_code_field("单位编码", "使用单位编码", "所属单位编码"),
        vehicle_class_field("车辆类别", "车辆类型", "编制类别", "用车类别"),
        _f(
            "energy_type",
            "enum",
            "能源类型",
            "燃料类型",
            "动力类型",
            "energy type",
            "energy_type",
            "fuel type",
            required=True,
            choices=VEHICLE_ENERGY_CHOICES,
        ),
        _f("model", "text", "品牌型号", "车型", "厂牌型号", "model", max_len=64),
        _f(
            "rated_consumption",
            "number",
            "百公里能耗",
            "百公里油耗",
            "百公里电耗",
            "额定能耗",
            "rated consumption",
            "rated_consumption",
            required=True,
        ),
        _f(
            "acquired_on",
            "date",
            "购置日期",
            "取得日期",
            "登记日期",
            "acquired on",
            "acquired_on",
            "purchase date",
            required=True,
        ),
        _f("status", "enum", "车辆状态", "使用状态", "状态", "status", choices=VEHICLE_STATUS_CHOICES),
        driver_name_field("驾驶员", "专职驾驶员", "司机"),
        _f(
            "driver_phone",
            "text",
            "驾驶员电话",
            "司机电话",
            "driver phone",
            "driver_phone",
            max_len=32,
            personal=True,
        ),
        _f(
            "driver_id_number",
            "text",
            "驾驶员身份证号",
            "司机身份证号",
            "driver id number",
            "driver_id_number",
            max_len=32,
            personal=True,
        ),
        _f("retired_on", "date", "处置日期", "报废日期", "retired on", "retired_on", "disposed on"),
    ),
    natural_key=("plate",),
)

STAFF = FactFormat(
    fact="staff",
    domain=MASTER_DOMAIN,
    table="staff_member",
    fields=(
        staff_no_field(),
        org_code_field("单位编码", "所在单位编码", "机构编码"),
        person_name_field("姓名", "人员姓名"),
        _f(
            "person_phone",
            "text",
            "联系电话",
            "电话",
            "手机",
            "phone",
            "person phone",
            "person_phone",
            max_len=32,
            personal=True,
        ),
        _f(
            "person_id_number",
            "text",
            "身份证号",
            "身份证号码",
            "证件号码",
            "id number",
            "person id number",
            "person_id_number",
            max_len=32,
            personal=True,
        ),
        rank_code_field(),
        _f("left_on", "date", "离职日期", "调出日期", "离岗日期", "left on", "left_on"),
    ),
    natural_key=("staff_no",),
)

# Dependency order: each format names codes of the ones before it.
DOMAIN_FORMATS: tuple[FactFormat, ...] = (ORG_UNIT, BUILDING, METER, VEHICLE, STAFF)
MASTER_FACTS: tuple[str, ...] = tuple(f.fact for f in DOMAIN_FORMATS)
