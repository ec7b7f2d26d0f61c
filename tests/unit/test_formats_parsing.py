"""Reading what departments type: numbers with units and separators, dates in several formats,
header aliases in Chinese and English, and the format detection."""

from __future__ import annotations

import datetime as dt

import pytest

from data.import_formats import FORMATS, detect_fact, match_header, normalize_header, split_header
from data.import_reasons import FILE_ISSUES, ROW_REASONS
from data.loaders.parsing import LocalTime, ValueProblem, parse_number, parse_unit
from data.text_safety import neutralize_formula

UTC = dt.UTC


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", (12.0, None)),
        ("1,234.5", (1234.5, None)),
        ("1,234,567", (1234567.0, None)),
        ("1,234.5 千瓦时", (1234.5, "千瓦时")),
        ("88度", (88.0, "度")),
        ("¥1,234.50", (1234.5, None)),
        ("￥99", (99.0, None)),
        ("１２３．５", (123.5, None)),  # full-width digits
        ("-3.5", (-3.5, None)),
        ("2.5e3", (2500.0, None)),
        (12, (12.0, None)),
        (3.25, (3.25, None)),
    ],
)
def test_numbers(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text, code",
    [
        ("abc", "not_a_number"),
        ("1,23", "not_a_number"),
        ("12..5", "not_a_number"),
        ("#N/A", "excel_error"),
        ("#DIV/0!", "excel_error"),
        ("nan", "not_a_number"),
        ("inf", "not_a_number"),
        ("", "not_a_number"),
    ],
)
def test_not_numbers(text, code):
    with pytest.raises(ValueProblem) as info:
        parse_number(text)
    assert info.value.code == code


@pytest.mark.parametrize(
    "unit, expected",
    [
        ("kWh", ("kWh", 1.0)),
        ("千瓦时", ("kWh", 1.0)),
        ("度", ("kWh", 1.0)),
        ("kW·h", ("kWh", 1.0)),
        ("MWh", ("kWh", 1000.0)),
        ("万千瓦时", ("kWh", 10000.0)),
        ("m³", ("m3", 1.0)),
        ("立方米", ("m3", 1.0)),
        ("m3", ("m3", 1.0)),
        ("ｍ³", ("m3", 1.0)),
        ("GJ", ("GJ", 1.0)),
        ("吉焦", ("GJ", 1.0)),
        ("升", ("L", 1.0)),
        ("公里", ("km", 1.0)),
        ("万元", ("yuan", 10000.0)),
    ],
)
def test_units(unit, expected):
    assert parse_unit(unit) == expected


def test_tonnes_are_cubic_metres_only_for_water():
    assert parse_unit("吨", water=True) == ("m3", 1.0)
    with pytest.raises(ValueProblem):
        parse_unit("吨")
    with pytest.raises(ValueProblem) as info:
        parse_unit("瓦特")
    assert info.value.code == "unit_not_recognized"


SHANGHAI_13H = dt.datetime(2026, 11, 20, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-20 13:00",
        "2026-11-20T13:00:00",
        "2026/11/20 13:00",
        "2026.11.20 13:00",
        "2026年11月20日 13时",
        "2026年11月20日13:00",
        "2026年11月20日 13点00分",
        "202611201300",
        "2026-11-20T13:00+08:00",
        "2026-11-20T05:00:00Z",
        dt.datetime(2026, 11, 20, 13, 0),
        46346 + 13 / 24,
        str(46346 + 13 / 24),
    ],
)
def test_timestamps_in_many_formats_mean_the_same_instant(value):
    ts, date_only = LocalTime("Asia/Shanghai").parse(value)
    assert ts == SHANGHAI_13H
    assert date_only is False


@pytest.mark.parametrize(
    "value", ["2026-11-20", "2026/11/20", "2026年11月20日", "20261120", 46346, dt.date(2026, 11, 20)]
)
def test_dates_without_time_are_flagged(value):
    ts, date_only = LocalTime().parse(value)
    assert date_only is True
    assert ts == dt.datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # local midnight


def test_hour_24_ends_the_day():
    ts, _ = LocalTime().parse("2026-11-20 24:00")
    assert ts == dt.datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", ["2026-13-01", "2026-02-30 10:00", "11/20/2026", "yesterday", "12", "2026-11-20 25:00", ""]
)
def test_bad_dates(value):
    with pytest.raises(ValueProblem) as info:
        LocalTime().parse(value)
    assert info.value.code == "bad_date"


def test_parse_date_keeps_the_calendar_day():
    clock = LocalTime()
    assert clock.parse_date("2026/3/5") == dt.date(2026, 3, 5)
    assert clock.parse_date(46346) == dt.date(2026, 11, 20)
    assert clock.parse_date(dt.datetime(2026, 11, 20, 0, 0)) == dt.date(2026, 11, 20)


def test_formula_cells_are_neutralised_for_export_only():
    assert neutralize_formula('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert neutralize_formula("+1+1") == "'+1+1"
    assert neutralize_formula("@SUM(A1)") == "'@SUM(A1)"
    assert neutralize_formula("-12.5") == "-12.5"  # a negative number is not a formula
    assert neutralize_formula("plain") == "plain"
    assert neutralize_formula(12) == 12


def test_header_normalisation():
    assert normalize_header(" 表计编号* ") == "表计编号"
    assert normalize_header("Meter_Code") == "metercode"
    assert split_header("用电量（千瓦时）") == ("用电量", "千瓦时")
    assert split_header("Value [kWh]") == ("value", "kWh")


def test_match_header_with_aliases_and_unit_hint():
    header, issues = match_header("meter_reading", ["表号", "抄表时间", "用电量（千瓦时）", "序号"])
    assert issues == []
    assert header.positions == {"meter_code": 0, "ts": 1, "value": 2}
    assert header.unit_hints == {"value": "千瓦时"}
    assert header.ignored == ("序号",)
    header, issues = match_header("meter_reading", ["Meter code", "Timestamp", "Value", "Unit"])
    assert issues == [] and set(header.positions) == {"meter_code", "ts", "value", "unit"}


def test_missing_required_and_duplicate_columns():
    header, issues = match_header("trip", ["车牌号", "出车时间", "里程"])
    assert header is None
    assert issues[0].code == "header_not_found" and "end_ts" in issues[0].params["missing"]
    header, issues = match_header("meter_reading", ["表计编号", "时间", "读数", "用量"])
    assert header is None
    assert issues[0].code == "duplicate_column"
    assert issues[0].params == {"field": "value", "columns": ["读数", "用量"]}


def test_detect_fact_skips_title_rows():
    rows = [
        ["2026年11月公车运行台账"],
        [],
        ["车牌号", "出车时间", "收车时间", "行驶里程", "用车事由"],
        ["京A1", "x", "y", "1", ""],
    ]
    assert detect_fact(rows, tuple(FORMATS)) == ("trip", 2)
    rows = [["车牌号", "加油时间", "加油量", "金额"]]
    assert detect_fact(rows, tuple(FORMATS))[0] == "fuel"
    rows = [["资产编号", "单位编码", "资产分类", "资产名称", "使用状态", "原值", "取得日期"]]
    assert detect_fact(rows, tuple(FORMATS))[0] == "asset"
    assert detect_fact([["foo", "bar"]], tuple(FORMATS)) == (None, None)


def test_every_format_field_has_a_unique_alias_index():
    for fact, fmt in FORMATS.items():
        names = [f.name for f in fmt.fields]
        assert len(names) == len(set(names)), fact
        # Each field's canonical name is itself an alias, so a SQL mapping can use field names.
        header, _ = match_header(fact, names)
        assert header is not None and set(header.positions) == set(names), fact


def test_reason_codes_are_declared_once():
    assert not set(ROW_REASONS) & set(FILE_ISSUES)


def test_the_import_formats_doc_lists_every_field():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "import-formats.md").read_text(encoding="utf-8")
    for fact, fmt in FORMATS.items():
        assert f"`{fact}`" in doc, fact
        for f in fmt.fields:
            assert f"`{f.name}`" in doc, (fact, f.name)
    for code in ROW_REASONS:
        assert f"`{code}`" in doc, code
