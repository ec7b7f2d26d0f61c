"""Vehicle import formats: trips, fuel and charging, maintenance."""

from __future__ import annotations

from data.import_formats.common import PLATE, PLATE_SHORT, driver_name_field, plate_field
from data.import_formats.field import FactFormat, _f

# Fuel and repair slips write the odometer alike.
ODOMETER_KM = _f("odometer_km", "number", "里程表读数", "里程表", "表显里程", "odometer", "odometer km", "odometer_km")

TRIP = FactFormat(
    fact="trip",
    domain="vehicle",
    table="trip",
    fields=(
        plate_field(PLATE),
        _f(
            "start_ts",
            "timestamp",
            "出车时间",
            "开始时间",
            "出发时间",
            "start",
            "start time",
            "start_ts",
            "departure",
            required=True,
        ),
        _f(
            "end_ts",
            "timestamp",
            "收车时间",
            "结束时间",
            "返回时间",
            "end",
            "end time",
            "end_ts",
            "return",
            required=True,
        ),
        _f("km", "number", "行驶里程", "里程", "公里数", "km", "distance", "mileage", required=True),
        _f(
            "request_code",
            "code",
            "用车申请单号",
            "申请单号",
            "派车单号",
            "审批单号",
            "request",
            "request code",
            "request_code",
            "request no",
            max_len=32,
        ),
        _f("purpose", "text", "用车事由", "事由", "用途", "purpose", max_len=128),
        driver_name_field("驾驶员", "驾驶人", "司机"),
    ),
    natural_key=("vehicle_id", "start_ts"),
)

FUEL = FactFormat(
    fact="fuel",
    domain="vehicle",
    table="fuel_record",
    fields=(
        plate_field(PLATE_SHORT),
        _f(
            "ts",
            "timestamp",
            "加油时间",
            "充电时间",
            "加油/充电时间",
            "时间",
            "日期时间",
            "time",
            "ts",
            "timestamp",
            required=True,
        ),
        _f(
            "kind",
            "enum",
            "类型",
            "加注类型",
            "能源类型",
            "kind",
            "type",
            choices=(
                ("fuel", ("加油", "燃油", "汽油", "柴油", "油", "petrol", "diesel", "refuel")),
                ("charge", ("充电", "电", "charging", "electric")),
            ),
        ),
        _f(
            "quantity",
            "number",
            "数量",
            "加油量",
            "充电量",
            "加注量",
            "quantity",
            "amount",
            "litres",
            "kwh",
            required=True,
        ),
        _f("unit", "unit", "单位", "unit"),
        _f(
            "cost_yuan",
            "number",
            "金额",
            "费用",
            "金额(元)",
            "cost",
            "cost yuan",
            "cost_yuan",
            "amount yuan",
            required=True,
        ),
        ODOMETER_KM,
    ),
    natural_key=("vehicle_id", "ts"),
)

MAINTENANCE = FactFormat(
    fact="maintenance",
    domain="vehicle",
    table="maintenance_record",
    fields=(
        plate_field(PLATE_SHORT),
        _f(
            "performed_on",
            "date",
            "维修日期",
            "保养日期",
            "日期",
            "date",
            "performed on",
            "performed_on",
            required=True,
        ),
        _f(
            "kind",
            "enum",
            "类型",
            "维保类型",
            "项目类型",
            "kind",
            "type",
            required=True,
            choices=(
                ("routine", ("保养", "常规保养", "维护", "maintenance", "service")),
                ("repair", ("维修", "修理", "fix")),
                ("inspection", ("年检", "检验", "年审", "inspect")),
            ),
        ),
        _f("cost_yuan", "number", "费用", "金额", "维修费用", "cost", "cost yuan", "cost_yuan", required=True),
        ODOMETER_KM,
        _f("next_due_on", "date", "下次保养日期", "下次到期", "下次日期", "next due", "next due on", "next_due_on"),
    ),
    natural_key=("vehicle_id", "performed_on", "kind"),
)

DOMAIN_FORMATS: tuple[FactFormat, ...] = (TRIP, FUEL, MAINTENANCE)
