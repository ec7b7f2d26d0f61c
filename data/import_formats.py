"""The import formats: one per domain fact, with the header names departments really use.

A format lists its fields: the canonical name (used in code, the SQL source's mapping and
the docs), the header aliases in Chinese and English, the kind of value and whether it is
required. Headers are matched after normalisation (full-width → half-width, case, spaces,
``*`` markers), and a unit written in the header — ``用电量（千瓦时）`` — becomes the default
unit of that column's values. ``docs/import-formats.md`` documents the same tables.

Shared by the loaders (which read files with them) and the data page's reads (which re-check a
quarantined row's header); imports nothing of the database. ``data.loaders.formats`` re-exports it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from data.import_reasons import Issue, file_issue

FIELD_KINDS = ("text", "code", "number", "timestamp", "date", "enum", "unit")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    aliases: tuple[str, ...]
    required: bool = False
    max_len: int | None = None
    # enum: canonical code -> the words that mean it (zh, en, code itself is always accepted)
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()
    personal: bool = False  # masked for users without view_personal_data


@dataclass(frozen=True)
class FactFormat:
    fact: str
    domain: str
    table: str
    fields: tuple[Field, ...]
    natural_key: tuple[str, ...]
    # Groups of which at least one must be fully present: (("meter_code",), ("building_code", "meter_kind"))
    alternatives: tuple[tuple[str, ...], ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _f(name, kind, *aliases, required=False, max_len=None, choices=(), personal=False) -> Field:
    return Field(name, kind, tuple(aliases), required, max_len, tuple(choices), personal)


METER_KIND_CHOICES = (
    ("electricity", ("电", "电力", "用电", "电表", "electric", "power")),
    ("water", ("水", "用水", "水表")),
    ("gas", ("燃气", "天然气", "气", "用气", "natural gas", "naturalgas")),
    ("heat", ("热", "热力", "供热", "供暖", "heating")),
)

FORMATS: dict[str, FactFormat] = {}


def _register(fmt: FactFormat) -> None:
    FORMATS[fmt.fact] = fmt


_register(
    FactFormat(
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
            _f(
                "building_code",
                "code",
                "建筑编码",
                "建筑编号",
                "楼宇编码",
                "楼宇编号",
                "building",
                "building code",
                "building_code",
                max_len=32,
            ),
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
        ),
        natural_key=("meter_id", "ts"),
        alternatives=(("meter_code",), ("building_code", "meter_kind")),
    )
)
# Exactly one of "ts" and "day" is required; checked in the header resolution below.

_register(
    FactFormat(
        fact="trip",
        domain="vehicle",
        table="trip",
        fields=(
            _f(
                "plate",
                "code",
                "车牌号",
                "车牌号码",
                "车牌",
                "号牌号码",
                "plate",
                "plate number",
                "licence plate",
                "license plate",
                required=True,
                max_len=16,
            ),
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
            _f(
                "driver_name",
                "text",
                "驾驶员",
                "驾驶人",
                "司机",
                "driver",
                "driver name",
                "driver_name",
                max_len=64,
                personal=True,
            ),
        ),
        natural_key=("vehicle_id", "start_ts"),
    )
)

_register(
    FactFormat(
        fact="fuel",
        domain="vehicle",
        table="fuel_record",
        fields=(
            _f("plate", "code", "车牌号", "车牌号码", "车牌", "plate", "plate number", required=True, max_len=16),
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
            _f("odometer_km", "number", "里程表读数", "里程表", "表显里程", "odometer", "odometer km", "odometer_km"),
        ),
        natural_key=("vehicle_id", "ts"),
    )
)

_register(
    FactFormat(
        fact="maintenance",
        domain="vehicle",
        table="maintenance_record",
        fields=(
            _f("plate", "code", "车牌号", "车牌号码", "车牌", "plate", "plate number", required=True, max_len=16),
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
            _f("odometer_km", "number", "里程表读数", "里程表", "表显里程", "odometer", "odometer km", "odometer_km"),
            _f("next_due_on", "date", "下次保养日期", "下次到期", "下次日期", "next due", "next due on", "next_due_on"),
        ),
        natural_key=("vehicle_id", "performed_on", "kind"),
    )
)

ASSET_STATUS_CHOICES = (
    ("in_use", ("在用", "使用中", "正常使用", "in use")),
    ("idle", ("闲置", "idle")),
    ("warehouse", ("公物仓", "在仓", "入仓", "仓库", "in warehouse")),
    ("pending_disposal", ("待处置", "拟处置", "pending disposal")),
    ("disposed", ("已处置", "处置", "报废", "disposed")),
)

_register(
    FactFormat(
        fact="asset",
        domain="asset",
        table="asset",
        fields=(
            _f(
                "code",
                "code",
                "资产编号",
                "资产编码",
                "资产代码",
                "卡片编号",
                "asset code",
                "asset",
                "code",
                required=True,
                max_len=40,
            ),
            _f(
                "org_code",
                "code",
                "单位编码",
                "单位代码",
                "使用单位编码",
                "所属单位编码",
                "org",
                "org code",
                "org_code",
                "unit code",
                required=True,
                max_len=32,
            ),
            _f(
                "category_code",
                "code",
                "资产分类",
                "分类编码",
                "分类代码",
                "资产分类编码",
                "category",
                "category code",
                "category_code",
                required=True,
                max_len=32,
            ),
            _f(
                "name_zh",
                "text",
                "资产名称",
                "名称",
                "name",
                "asset name",
                "name zh",
                "name_zh",
                required=True,
                max_len=128,
            ),
            _f("name_en", "text", "英文名称", "name en", "name_en", "english name", max_len=128),
            _f("status", "enum", "使用状态", "状态", "资产状态", "status", required=True, choices=ASSET_STATUS_CHOICES),
            _f("status_since", "date", "状态日期", "状态变更日期", "status since", "status_since"),
            _f(
                "original_value_yuan",
                "number",
                "原值",
                "资产原值",
                "原值(元)",
                "original value",
                "original_value_yuan",
                "value",
                required=True,
            ),
            _f(
                "acquired_on",
                "date",
                "取得日期",
                "购置日期",
                "入账日期",
                "acquired on",
                "acquired_on",
                "purchase date",
                required=True,
            ),
            _f(
                "building_code",
                "code",
                "建筑编码",
                "存放地点编码",
                "楼宇编码",
                "building",
                "building code",
                "building_code",
                max_len=32,
            ),
            _f(
                "custodian_name",
                "text",
                "责任人",
                "使用人",
                "保管人",
                "custodian",
                "custodian name",
                "custodian_name",
                max_len=64,
                personal=True,
            ),
            _f(
                "custodian_phone",
                "text",
                "责任人电话",
                "联系电话",
                "custodian phone",
                "custodian_phone",
                "phone",
                max_len=32,
                personal=True,
            ),
            _f("last_audit_on", "date", "最近盘点日期", "盘点日期", "last audit", "last audit on", "last_audit_on"),
        ),
        natural_key=("code",),
    )
)

_register(
    FactFormat(
        fact="asset_movement",
        domain="asset",
        table="asset_movement",
        fields=(
            _f(
                "asset_code",
                "code",
                "资产编号",
                "资产编码",
                "卡片编号",
                "asset code",
                "asset_code",
                "asset",
                required=True,
                max_len=40,
            ),
            _f("ts", "timestamp", "变动时间", "业务时间", "时间", "日期", "time", "ts", "date", required=True),
            _f(
                "kind",
                "enum",
                "变动类型",
                "业务类型",
                "类型",
                "kind",
                "type",
                required=True,
                choices=(
                    ("acquire", ("购置", "新增", "acquisition")),
                    ("transfer", ("调拨", "划转")),
                    ("to_warehouse", ("入仓", "交回公物仓", "进仓", "to warehouse")),
                    ("redeploy", ("调剂", "调剂使用", "出仓调剂", "redeployment")),
                    ("dispose", ("处置", "报废", "disposal")),
                    ("status_change", ("状态变更", "状态调整", "status change")),
                ),
            ),
            _f("from_org_code", "code", "调出单位编码", "原单位编码", "from org", "from_org_code", max_len=32),
            _f("to_org_code", "code", "调入单位编码", "新单位编码", "to org", "to_org_code", max_len=32),
            _f("from_status", "enum", "原状态", "from status", "from_status", choices=ASSET_STATUS_CHOICES),
            _f("to_status", "enum", "新状态", "to status", "to_status", choices=ASSET_STATUS_CHOICES),
            _f("value_saved_yuan", "number", "节约金额", "节约资金", "value saved", "value_saved_yuan", "saved"),
            _f("note", "text", "备注", "说明", "note", "remark", max_len=255),
        ),
        natural_key=("asset_id", "ts", "kind"),
    )
)

_register(
    FactFormat(
        fact="office_occupancy",
        domain="housing",
        table="office_occupancy",
        fields=(
            _f(
                "building_code",
                "code",
                "建筑编码",
                "楼宇编码",
                "建筑编号",
                "building",
                "building code",
                "building_code",
                required=True,
                max_len=32,
            ),
            _f(
                "room_no",
                "code",
                "房间号",
                "房号",
                "门牌号",
                "room",
                "room no",
                "room_no",
                "room number",
                required=True,
                max_len=16,
            ),
            _f(
                "staff_no",
                "code",
                "工号",
                "人员编号",
                "职工编号",
                "staff no",
                "staff_no",
                "staff number",
                "employee no",
                required=True,
                max_len=32,
            ),
            _f(
                "person_name",
                "text",
                "姓名",
                "使用人",
                "name",
                "person name",
                "person_name",
                required=True,
                max_len=64,
                personal=True,
            ),
            _f(
                "rank_code",
                "code",
                "职级",
                "职务级别",
                "级别",
                "rank",
                "rank code",
                "rank_code",
                required=True,
                max_len=32,
            ),
            _f("since", "date", "起始日期", "入驻日期", "开始日期", "since", "from", "start date", required=True),
            _f("until", "date", "截止日期", "迁出日期", "结束日期", "until", "to", "end date"),
        ),
        natural_key=("room_id", "staff_no", "since"),
    )
)

_register(
    FactFormat(
        fact="lease",
        domain="housing",
        table="lease",
        fields=(
            _f(
                "unit_code",
                "code",
                "房源编号",
                "住房编号",
                "房屋编号",
                "周转房编号",
                "unit",
                "unit code",
                "unit_code",
                "housing unit",
                required=True,
                max_len=40,
            ),
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
)

FACTS: tuple[str, ...] = tuple(FORMATS)
FACT_DOMAINS: dict[str, str] = {f.fact: f.domain for f in FORMATS.values()}


def facts_for_domain(domain: str | None) -> tuple[str, ...]:
    return tuple(f for f, d in FACT_DOMAINS.items() if domain in (None, d))


# --- header matching --------------------------------------------------------------------

_UNIT_IN_HEADER = re.compile(r"^(.*?)[(\[]([^()\[\]]+)[)\]]$")


def normalize_header(text) -> str:
    text = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip().lower()
    text = text.replace("*", "").replace("\ufeff", "")
    return re.sub(r"[\s_\-./:：]+", "", text)


def split_header(text) -> tuple[str, str | None]:
    """``("用电量", "千瓦时")`` for ``"用电量（千瓦时）"``; the unit is None when there is none."""
    raw = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()
    match = _UNIT_IN_HEADER.match(raw)
    if match and match.group(1).strip():
        return normalize_header(match.group(1)), match.group(2).strip()
    return normalize_header(raw), None


def _alias_index(fmt: FactFormat) -> dict[str, str]:
    index: dict[str, str] = {}
    for f in fmt.fields:
        for alias in (f.name, *f.aliases):
            index.setdefault(normalize_header(alias), f.name)
    return index


_ALIAS_INDEX: dict[str, dict[str, str]] = {fact: _alias_index(fmt) for fact, fmt in FORMATS.items()}


@dataclass(frozen=True)
class HeaderMap:
    """Where each field is in the file's rows, and what the header said."""

    fact: str
    positions: dict[str, int]  # field -> column index
    headers: tuple[str, ...]  # the header row as written
    unit_hints: dict[str, str]  # field -> unit written in its header
    ignored: tuple[str, ...]

    def header_of(self, field_name: str) -> str:
        return self.headers[self.positions[field_name]]


def match_header(fact: str, header_row) -> tuple[HeaderMap | None, list[Issue]]:
    """Map a header row onto ``fact``'s fields. Returns the map, or None with the issues."""
    fmt = FORMATS[fact]
    index = _ALIAS_INDEX[fact]
    headers = tuple("" if h is None else str(h).strip() for h in header_row)
    positions: dict[str, int] = {}
    unit_hints: dict[str, str] = {}
    seen: dict[str, list[str]] = {}
    ignored: list[str] = []
    for pos, header in enumerate(headers):
        if not header:
            continue
        key = normalize_header(header)
        name = index.get(key)
        unit = None
        if name is None:
            base, unit = split_header(header)
            name = index.get(base)
        if name is None:
            ignored.append(header)
            continue
        seen.setdefault(name, []).append(header)
        if name in positions:
            continue
        positions[name] = pos
        if unit:
            unit_hints[name] = unit
    issues: list[Issue] = []
    for name, columns in seen.items():
        if len(columns) > 1:
            issues.append(file_issue("duplicate_column", field=name, columns=columns))
    missing = [name for name in fmt.required if name not in positions]
    if fmt.alternatives and not any(all(n in positions for n in group) for group in fmt.alternatives):
        missing.append(" / ".join("+".join(group) for group in fmt.alternatives))
    if fact == "meter_reading" and "ts" not in positions and "day" not in positions:
        missing.append("ts / day")
    if missing:
        issues.insert(0, file_issue("header_not_found", missing=missing, found=[h for h in headers if h]))
    if issues:
        return None, issues
    return HeaderMap(fact, positions, headers, unit_hints, tuple(ignored)), []


def header_score(fact: str, header_row) -> int:
    """How many of the row's cells name a field of ``fact`` (to find the header and the format)."""
    index = _ALIAS_INDEX[fact]
    score = 0
    for cell in header_row:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        if not isinstance(cell, str):
            continue
        if normalize_header(cell) in index or split_header(cell)[0] in index:
            score += 1
    return score


def detect_fact(rows_sample: list, candidates: tuple[str, ...]) -> tuple[str | None, int | None]:
    """The format and the header row index among the first rows of a file.

    Title rows above the header (``2026年11月用电量统计表``) are common in department exports, so
    the header is the first row of the sample that matches a format well.
    """
    best: tuple[int, int, str | None, int | None] = (0, 0, None, None)
    for row_index, row in enumerate(rows_sample):
        for fact in candidates:
            score = header_score(fact, row)
            if score < 2:
                continue
            fmt = FORMATS[fact]
            required_hits = sum(1 for f in fmt.required if f in _present_fields(fact, row))
            rank = (required_hits, score)
            if rank > best[:2]:
                best = (required_hits, score, fact, row_index)
        if best[2] is not None:
            # The first row that matches anything is the header; do not look further down.
            break
    return best[2], best[3]


def _present_fields(fact: str, row) -> set[str]:
    index = _ALIAS_INDEX[fact]
    present = set()
    for cell in row:
        if isinstance(cell, str) and cell.strip():
            name = index.get(normalize_header(cell)) or index.get(split_header(cell)[0])
            if name:
                present.add(name)
    return present


def choice_index(field: Field) -> dict[str, str]:
    """Normalised word -> canonical code for an enum field."""
    out: dict[str, str] = {}
    for code, words in field.choices:
        out[normalize_header(code)] = code
        for word in words:
            out.setdefault(normalize_header(word), code)
    return out
