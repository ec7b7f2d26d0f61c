"""Housing import formats: office occupancy and leases of staff housing."""

from __future__ import annotations

from data.import_formats.common import (
    HOUSING_UNIT_CODE,
    building_code_field,
    person_name_field,
    rank_code_field,
    room_no_field,
    staff_no_field,
)
from data.import_formats.field import FactFormat, _f

OFFICE_OCCUPANCY = FactFormat(
    fact="office_occupancy",
    domain="housing",
    table="office_occupancy",
    fields=(
        building_code_field("建筑编码", "楼宇编码", "建筑编号", required=True),
        room_no_field(),
        staff_no_field(),
        person_name_field("姓名", "使用人"),
        rank_code_field(),
        _f("since", "date", "起始日期", "入驻日期", "开始日期", "since", "from", "start date", required=True),
        _f("until", "date", "截止日期", "迁出日期", "结束日期", "until", "to", "end date"),
    ),
    natural_key=("room_id", "staff_no", "since"),
)

LEASE = FactFormat(
    fact="lease",
    domain="housing",
    table="lease",
    fields=(
        _f("unit_code", "code", *HOUSING_UNIT_CODE, required=True, max_len=40),
        _f(
            "tenant_name",
            "text",
            "承租人",
            "租户",
            "承租人姓名",
            "tenant",
            "tenant name",
            "tenant_name",
            required=True,
            max_len=64,
            personal=True,
        ),
        _f(
            "tenant_phone",
            "text",
            "联系电话",
            "电话",
            "承租人电话",
            "tenant phone",
            "tenant_phone",
            "phone",
            max_len=32,
            personal=True,
        ),
        _f(
            "tenant_id_number",
            "text",
            "身份证号",
            "身份证号码",
            "证件号码",
            "id number",
            "tenant id number",
            "tenant_id_number",
            max_len=32,
            personal=True,
        ),
        _f(
            "tenant_org_code",
            "code",
            "工作单位编码",
            "单位编码",
            "tenant org",
            "tenant_org_code",
            "org code",
            max_len=32,
        ),
        _f(
            "starts_on",
            "date",
            "起租日期",
            "租赁开始日期",
            "入住日期",
            "starts on",
            "starts_on",
            "start date",
            required=True,
        ),
        _f(
            "ends_on",
            "date",
            "到期日期",
            "租赁到期日期",
            "租期截止",
            "ends on",
            "ends_on",
            "end date",
            required=True,
        ),
        _f("moved_out_on", "date", "腾退日期", "退房日期", "moved out on", "moved_out_on", "move out date"),
        _f(
            "monthly_rent_yuan",
            "number",
            "月租金",
            "租金",
            "月租金(元)",
            "monthly rent",
            "monthly_rent_yuan",
            "rent",
            required=True,
        ),
        _f("arrears_yuan", "number", "欠缴租金", "欠费", "欠租", "arrears", "arrears_yuan"),
    ),
    natural_key=("unit_id", "starts_on"),
)

DOMAIN_FORMATS: tuple[FactFormat, ...] = (OFFICE_OCCUPANCY, LEASE)
