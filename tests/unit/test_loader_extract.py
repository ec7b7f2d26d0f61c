"""Opening files as departments send them: encodings, delimiters, title rows, truncation, XLSX
with Excel dates, merged cells and formula-looking text, and files that cannot be read."""

from __future__ import annotations

import codecs
import datetime as dt
import zipfile

import pytest
import xlsxwriter

from data.loaders.extract import column_letter, detect_encoding, open_table

CSV = "表计编号,时间,用电量(千瓦时)\nE-B001,2026-11-20 01:00,100\nE-B001,2026-11-20 02:00,\"1,200.5\"\n"


def rows_of(table):
    return [(r.line, r.values, r.problem.code if r.problem else None) for r in table.rows()]


@pytest.mark.parametrize("encoding, label", [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("gbk", "GBK/GB18030"),
                                             ("gb18030", "GBK/GB18030"), ("utf-16", "UTF-16")])
def test_csv_encodings(tmp_path, encoding, label):
    path = tmp_path / "r.csv"
    path.write_bytes(CSV.encode(encoding))
    table = open_table(path)
    assert table.fact == "meter_reading" and not table.refused
    assert table.encoding == label
    assert rows_of(table) == [(2, ["E-B001", "2026-11-20 01:00", "100"], None),
                              (3, ["E-B001", "2026-11-20 02:00", "1,200.5"], None)]
    table.close()


def test_semicolon_and_tab_delimiters(tmp_path):
    for delimiter in (";", "\t"):
        path = tmp_path / "r.csv"
        path.write_text(CSV.replace(",2026", delimiter + "2026").replace(",1", delimiter + "1")
                        .replace(",\"1", delimiter + "\"1").replace("编号,时间,", f"编号{delimiter}时间{delimiter}"),
                        encoding="utf-8")
        table = open_table(path)
        assert [r.values[0] for r in table.rows()] == ["E-B001", "E-B001"], delimiter
        table.close()


def test_detect_encoding_refuses_what_is_neither_utf8_nor_gbk():
    assert detect_encoding("数据".encode("utf-8")) == ("utf-8", None)
    assert detect_encoding(codecs.BOM_UTF8 + b"a") == ("utf-8-sig", None)
    codec, why = detect_encoding(b"\x00\x01\x02\xff\xfe\x00binary\x00")
    assert codec is None and "binary" in why
    codec, why = detect_encoding(b"abc" + bytes(range(0x80, 0x100)) * 8)
    assert codec is None and "offset 3" in why
    # one stray byte in a clean GBK text is not a reason to refuse the file
    assert detect_encoding("数据,1\n".encode("gbk") * 400 + b"\xff\n" + "数据,2\n".encode("gbk"))[0] == "gb18030"


def test_title_rows_and_blank_trailing_rows(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("2026年11月用电统计\n\n" + CSV + ",,\n\n  ,\n", encoding="utf-8")
    table = open_table(path)
    assert table.header_line == 3
    assert [r.line for r in table.rows()] == [4, 5]
    assert table.blank_rows == 3
    assert any(i.code == "blank_rows_skipped" and i.params == {"count": 3} for i in table.issues)
    table.close()


def test_truncated_csv_marks_the_cut_row(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(CSV + "E-B001,2026-11-20 0", encoding="utf-8")
    table = open_table(path)
    rows = rows_of(table)
    assert rows[-1] == (4, ["E-B001", "2026-11-20 0"], "field_count")
    assert any(i.code == "truncated_file" and i.line == 4 for i in table.issues)
    table.close()


def test_last_line_without_newline_is_kept_and_noted(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(CSV.rstrip("\n"), encoding="utf-8")
    table = open_table(path)
    assert rows_of(table)[-1][2] is None
    assert any(i.code == "no_final_newline" for i in table.issues)
    table.close()


def test_undecodable_bytes_quarantine_only_their_row(tmp_path):
    path = tmp_path / "r.csv"
    # A GBK file with one line of bytes that are valid in no encoding
    body = CSV.encode("gbk") + b"E-B001,2026-11-20 03:00,\xff\xfe\n" + "E-B001,2026-11-20 04:00,7\n".encode("gbk")
    path.write_bytes(body)
    table = open_table(path)
    problems = [r[2] for r in rows_of(table)]
    assert problems == [None, None, "bad_encoding", None]
    table.close()


def test_multiline_quoted_field_keeps_line_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("车牌号,出车时间,收车时间,里程,事由\n京A00001,2026-11-20 09:00,2026-11-20 10:00,12,\"开会\n讨论\"\n"
                    "京A00001,2026-11-20 11:00,2026-11-20 12:00,5,x\n", encoding="utf-8")
    table = open_table(path)
    assert [r.line for r in table.rows()] == [2, 4]
    table.close()


def test_unknown_and_wrong_headers(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    table = open_table(path)
    assert table.refused and table.issues[-1].code == "unknown_fact"
    path.write_text("表计编号,用电量\nE,1\n", encoding="utf-8")
    table = open_table(path, fact="meter_reading")
    assert table.refused and table.issues[-1].code == "header_not_found"
    assert "ts / day" in table.issues[-1].params["missing"]


def test_empty_and_unsupported_files(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    assert open_table(tmp_path / "e.csv").issues[0].code == "file_empty"
    (tmp_path / "n.pdf").write_bytes(b"%PDF-1.4")
    assert open_table(tmp_path / "n.pdf").issues[0].code == "unsupported_file_type"


def _xlsx(path, rows, *, merge=None, formats=None):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("读数")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, date_fmt)
            elif isinstance(value, str):
                ws.write_string(r, c, value)  # never a formula: a text cell that starts with "="
            elif value is not None:
                ws.write_number(r, c, value)
    if merge:
        ws.merge_range(*merge)
    wb.close()


def test_xlsx_with_title_row_dates_serials_and_formula_text(tmp_path):
    path = tmp_path / "r.xlsx"
    _xlsx(path, [["2026年11月用电"], ["表计编号", "时间", "用电量", "备注"],
                 ["E-B001", dt.datetime(2026, 11, 20, 1, 0), 100.5, '=HYPERLINK("http://evil","x")'],
                 ["E-B001", 46346 + 2 / 24, 7, None]])
    table = open_table(path)
    assert table.kind == "xlsx" and table.fact == "meter_reading" and table.header_line == 2
    rows = rows_of(table)
    assert rows[0][1][:3] == ["E-B001", dt.datetime(2026, 11, 20, 1, 0), 100.5]
    assert rows[0][1][3] == '=HYPERLINK("http://evil","x")'
    assert rows[1][0] == 4 and rows[1][1][1] == pytest.approx(46346 + 2 / 24)
    table.close()


def test_xlsx_merged_cells_in_data_rows_are_flagged(tmp_path):
    path = tmp_path / "m.xlsx"
    rows = [["表计编号", "时间", "用电量"], ["E-B001", dt.datetime(2026, 11, 20, 1), 1],
            [None, dt.datetime(2026, 11, 20, 2), 2], [None, dt.datetime(2026, 11, 20, 3), 3]]
    _xlsx(path, rows, merge=(1, 0, 3, 0, "E-B001"))
    table = open_table(path)
    got = rows_of(table)
    assert [g[2] for g in got] == [None, "merged_cell", "merged_cell"]
    problem = [r.problem for r in open_table(path).rows()][1]
    assert problem.params == {"cell": "A3", "range": "A2:A4"}
    table.close()


def test_truncated_xlsx_is_unreadable(tmp_path):
    good = tmp_path / "g.xlsx"
    _xlsx(good, [["表计编号", "时间", "用电量"], ["E-B001", dt.datetime(2026, 11, 20, 1), 1]])
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    table = open_table(bad)
    assert table.refused and table.issues[0].code == "file_unreadable"
    assert zipfile.is_zipfile(good)


def test_xlsx_renamed_to_csv_is_read_as_xlsx(tmp_path):
    path = tmp_path / "really.xlsx"
    _xlsx(path, [["表计编号", "时间", "用电量"], ["E-B001", dt.datetime(2026, 11, 20, 1), 1]])
    renamed = tmp_path / "export.csv"
    renamed.write_bytes(path.read_bytes())
    table = open_table(renamed)
    assert table.kind == "xlsx" and not table.refused
    table.close()


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
