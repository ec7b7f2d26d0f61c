"""Energy import formats: meter readings (electricity, water, gas, heat)."""

from __future__ import annotations

from data.import_formats.common import BUILDING_CODE_ZH, building_code_field
from data.import_formats.field import FactFormat, _f

METER_KIND_CHOICES = (
    ("electricity", ("电", "电力", "用电", "电表", "electric", "power")),
    ("water", ("水", "用水", "水表")),
    ("gas", ("燃气", "天然气", "气", "用气", "natural gas", "naturalgas")),
    ("heat", ("热", "热力", "供热", "供暖", "heating")),
)

METER_READING = FactFormat(
    fact="meter_reading",
    domain="energy",
    table="meter_reading",
    fields=(
        _f(
            "meter_code",
            "code",
            "表计编号",
            "表号",
            "电表编号",
            "水表编号",
            "计量表编号",
            "仪表编号",
            "meter",
            "meter code",
            "meter_code",
            "meter id",
            max_len=40,
        ),
        building_code_field(*BUILDING_CODE_ZH),
        _f(
            "meter_kind",
            "enum",
            "能源类型",
            "能源种类",
            "能耗类型",
            "表计类型",
            "energy type",
            "kind",
            "meter kind",
            "meter_kind",
            choices=METER_KIND_CHOICES,
        ),
        _f(
            "ts",
            "timestamp",
            "时间",
            "抄表时间",
            "采集时间",
            "读数时间",
            "结束时间",
            "时段结束",
            "timestamp",
            "time",
            "ts",
            "reading time",
            "end time",
        ),
        _f("day", "date", "日期", "用能日期", "抄表日期", "date", "day"),
        _f(
            "value",
            "number",
            "用量",
            "读数",
            "消耗量",
            "用电量",
            "用水量",
            "用气量",
            "用热量",
            "能耗",
            "数值",
            "value",
            "consumption",
            "reading",
            "usage",
            required=True,
        ),
        _f("unit", "unit", "单位", "计量单位", "unit", "units"),
        # Kept beside the reading (meter_reading_note): who read the meter, and what they wrote.
        _f(
            "reader_name",
            "text",
            "抄表人",
            "抄表员",
            "reader",
            "reader name",
            "reader_name",
            max_len=64,
            personal=True,
        ),
        _f("note", "text", "备注", "说明", "note", "notes", "remark", "remarks", "comment", "comments", max_len=500),
    ),
    natural_key=("meter_id", "ts"),
    alternatives=(("meter_code",), ("building_code", "meter_kind")),
)
# Exactly one of "ts" and "day" is required; checked by header.match_header. With a unit column,
# a blank unit cell is a missing value; a unit in the header counts only without a unit column.

DOMAIN_FORMATS: tuple[FactFormat, ...] = (METER_READING,)
