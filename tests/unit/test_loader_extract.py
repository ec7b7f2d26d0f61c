"""Opening files as departments send them: encodings, delimiters, title rows, truncation, XLSX
with Excel dates, merged cells and formula-looking text, and files that cannot be read; and
``Table.blocks``, which must hand out exactly what ``Table.rows`` does."""

from __future__ import annotations

import codecs
import datetime as dt
import random
import zipfile

import numpy as np
import pytest
import xlsxwriter

from data.loaders.extract import ColumnBlock, column_letter, detect_encoding, open_table
from data.loaders.extract import csv_blocks as extract  # the fast path's tunables are patched where they are read

CSV = '表计编号,时间,用电量(千瓦时)\nE-B001,2026-11-20 01:00,100\nE-B001,2026-11-20 02:00,"1,200.5"\n'


def rows_of(table):
    return [(r.line, r.values, r.problem.code if r.problem else None) for r in table.rows()]


@pytest.mark.parametrize(
    "encoding, label",
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8 (BOM)"),
        ("gbk", "GBK/GB18030"),
        ("gb18030", "GBK/GB18030"),
        ("utf-16", "UTF-16"),
    ],
)
def test_csv_encodings(tmp_path, encoding, label):
    path = tmp_path / "r.csv"
    path.write_bytes(CSV.encode(encoding))
    table = open_table(path)
    assert table.fact == "meter_reading" and not table.refused
    assert table.encoding == label
    assert rows_of(table) == [
        (2, ["E-B001", "2026-11-20 01:00", "100"], None),
        (3, ["E-B001", "2026-11-20 02:00", "1,200.5"], None),
    ]
    table.close()


def test_semicolon_and_tab_delimiters(tmp_path):
    for delimiter in (";", "\t"):
        path = tmp_path / "r.csv"
        path.write_text(
            CSV.replace(",2026", delimiter + "2026")
            .replace(",1", delimiter + "1")
            .replace(',"1', delimiter + '"1')
            .replace("编号,时间,", f"编号{delimiter}时间{delimiter}"),
            encoding="utf-8",
        )
        table = open_table(path)
        assert [r.values[0] for r in table.rows()] == ["E-B001", "E-B001"], delimiter
        table.close()


def test_detect_encoding_refuses_what_is_neither_utf8_nor_gbk():
    assert detect_encoding("数据".encode()) == ("utf-8", None)
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
    path.write_text(
        '车牌号,出车时间,收车时间,里程,事由\n京A00001,2026-11-20 09:00,2026-11-20 10:00,12,"开会\n讨论"\n'
        "京A00001,2026-11-20 11:00,2026-11-20 12:00,5,x\n",
        encoding="utf-8",
    )
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
    _xlsx(
        path,
        [
            ["2026年11月用电"],
            ["表计编号", "时间", "用电量", "备注"],
            ["E-B001", dt.datetime(2026, 11, 20, 1, 0), 100.5, '=HYPERLINK("http://evil","x")'],
            ["E-B001", 46346 + 2 / 24, 7, None],
        ],
    )
    table = open_table(path)
    assert table.kind == "xlsx" and table.fact == "meter_reading" and table.header_line == 2
    rows = rows_of(table)
    assert rows[0][1][:3] == ["E-B001", dt.datetime(2026, 11, 20, 1, 0), 100.5]
    assert rows[0][1][3] == '=HYPERLINK("http://evil","x")'
    assert rows[1][0] == 4 and rows[1][1][1] == pytest.approx(46346 + 2 / 24)
    table.close()


def test_xlsx_merged_cells_in_data_rows_are_flagged(tmp_path):
    path = tmp_path / "m.xlsx"
    rows = [
        ["表计编号", "时间", "用电量"],
        ["E-B001", dt.datetime(2026, 11, 20, 1), 1],
        [None, dt.datetime(2026, 11, 20, 2), 2],
        [None, dt.datetime(2026, 11, 20, 3), 3],
    ]
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


# --- Table.blocks: the same rows as Table.rows, column by column where the CSV is clean -----------

HEADER = "表计编号,时间,用电量(千瓦时)\n"
BODY = "".join(f"E{i % 40:06d},2026-11-25 {i % 24:02d}:00,{i % 97 + 0.25}\n" for i in range(120))
HEAD, TAIL = BODY[: BODY.index("\n", 2000) + 1], BODY[BODY.index("\n", 2000) + 1 :]  # cut at a line end


def _issues(table):
    return [(i.code, i.line, i.params) for i in table.issues]


def _flat_blocks(table, max_rows):
    rows, kinds = [], []
    for piece in table.blocks(max_rows):
        assert 0 < len(piece) <= max_rows
        kinds.append(type(piece))
        if isinstance(piece, ColumnBlock):
            assert piece.lines.dtype == np.int64 and len(piece.columns) == len(piece.raw_row(0).values)
            assert all(c.dtype == object and len(c) == len(piece) for c in piece.columns)
            assert piece.raw_rows()[-1] == piece.raw_row(len(piece) - 1)
            piece = piece.raw_rows()
        rows += [(r.line, r.values, r.problem.code if r.problem else None) for r in piece]
    return rows, kinds


def assert_blocks_match_rows(path, max_rows, **open_kwargs):
    """Flattened blocks == rows, on two fresh opens of the file; returns the kinds of pieces."""
    by_rows = open_table(path, **open_kwargs)
    expected = rows_of(by_rows)
    by_blocks = open_table(path, **open_kwargs)
    got, kinds = _flat_blocks(by_blocks, max_rows)
    assert got == expected
    assert by_blocks.blank_rows == by_rows.blank_rows
    assert _issues(by_blocks) == _issues(by_rows)
    by_rows.close()
    by_blocks.close()
    return kinds


BLOCK_CORPUS = {
    "utf8": (HEADER + BODY).encode("utf-8"),
    "utf8_bom": codecs.BOM_UTF8 + (HEADER + BODY).encode("utf-8"),
    "gb18030_chinese": (HEADER + BODY.replace("E0000", "东楼电表")).encode("gb18030"),
    "crlf": (HEADER + BODY).replace("\n", "\r\n").encode("utf-8"),
    "trailing_blank_lines": (HEADER + BODY + "\n,,\n  ,\t\n\r\n").encode("utf-8"),
    "blank_lines_in_the_middle": (HEADER + HEAD + "\n , ,\n\u3000,,\n,,\n" + TAIL).encode("utf-8"),
    "too_few_and_too_many_fields": (
        HEADER + HEAD + "E1,2026-11-25 01:00\nE1,2026-11-25 01:00,1,x\nE1,2026-11-25 01:00,1,, \n" + TAIL
    ).encode("utf-8"),
    "quoted_newline_in_the_middle": (HEADER + HEAD + 'E1,2026-11-25 01:00,"1\n2"\n' + TAIL + HEAD).encode("utf-8"),
    "undecodable_bytes": (HEADER + HEAD).encode("gbk") + b"E1,2026-11-25 03:00,\xff\xfe\n" + TAIL.encode("gbk"),
    "undecodable_utf8": (HEADER + HEAD).encode() + b"E1,\xe4\xb8,1\n" + TAIL.encode(),
    "no_final_newline": (HEADER + BODY).rstrip("\n").encode("utf-8"),
    "truncated_last_line": (HEADER + BODY + "E000001,2026-11").encode("utf-8"),
    "blank_last_line_without_newline": (HEADER + BODY + " ,  ").encode("utf-8"),
    "header_not_on_line_1": ("2026年11月用电统计\n\n" + HEADER + BODY).encode("utf-8"),
    "lone_carriage_return": (HEADER + HEAD + "E1,2026-11-25 01:00,1\rE2,2026-11-25 01:00,2\n" + TAIL).encode(),
    "bom_character_mid_file": (HEADER + HEAD + "\ufeffE1,2026-11-25 01:00,1\n" + TAIL).encode("utf-8"),
    "empty_first_fields": (HEADER + "".join("," + line.split(",", 1)[1] + "\n" for line in BODY.splitlines())).encode(
        "utf-8"
    ),
    "semicolons": (HEADER + BODY).replace(",", ";").encode("gb18030"),
    "gbk_with_pipes": (HEADER + BODY).replace(",", "|").encode("gb18030"),  # "|" can be a GBK trail byte
    "utf16": (HEADER + BODY).encode("utf-16"),
    "header_only": HEADER.encode("utf-8"),
    "few_rows": (HEADER + BODY[:200]).encode("utf-8"),
}


@pytest.mark.parametrize("name", sorted(BLOCK_CORPUS))
@pytest.mark.parametrize("max_rows", [7, 50_000])
def test_blocks_hand_out_exactly_the_rows(tmp_path, name, max_rows):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(BLOCK_CORPUS[name])
    kinds = assert_blocks_match_rows(path, max_rows)
    if name in ("utf8", "utf8_bom", "gb18030_chinese", "crlf", "trailing_blank_lines", "semicolons"):
        assert set(kinds) == {ColumnBlock}
    if name in ("utf16", "gbk_with_pipes", "few_rows"):
        assert set(kinds) == {list}
    if max_rows == 7 and name in ("utf8", "undecodable_bytes"):
        assert len(kinds) > 3


@pytest.mark.parametrize(
    "name",
    [
        "utf8",
        "crlf",
        "blank_lines_in_the_middle",
        "too_few_and_too_many_fields",
        "quoted_newline_in_the_middle",
        "undecodable_bytes",
        "lone_carriage_return",
        "truncated_last_line",
        "header_not_on_line_1",
    ],
)
def test_blocks_across_small_pieces(tmp_path, monkeypatch, name):
    """Pieces of a few hundred bytes: lines and blank counts stay right across the cuts."""
    monkeypatch.setattr(extract, "PIECE_BYTES", 300)
    monkeypatch.setattr(extract, "MIN_BLOCK_ROWS", 2)
    path = tmp_path / f"{name}.csv"
    path.write_bytes(BLOCK_CORPUS[name])
    for max_rows in (1, 5, 1000):
        assert_blocks_match_rows(path, max_rows)


def test_blocks_match_rows_on_random_files(tmp_path, monkeypatch):
    """Seeded random files mixing clean rows, blank and whitespace rows, wrong field counts, quotes,
    lone carriage returns, wide spaces, BOM characters and undecodable bytes."""
    monkeypatch.setattr(extract, "MIN_BLOCK_ROWS", 2)
    rnd = random.Random(20261125)
    atoms = ["E01", "2026-11-25 01:00", "3.5", "", " ", "\t", "数据", "\u3000", "\xa0", "\ufeff", "x\x0by", "😀", "—"]
    odd = ['"q"', 'a"b', '"x\ny"', "a\rb", "E1"]
    blocks_seen = 0
    for trial in range(80):
        encoding = rnd.choice(["utf-8", "utf-8-sig", "gb18030"])
        delimiter = rnd.choice([",", ",", "\t", ";", "|"])
        monkeypatch.setattr(extract, "PIECE_BYTES", rnd.choice([16, 64, 200, 1 << 20]))
        lines = []
        for _ in range(rnd.randint(0, 50)):
            kind = rnd.random()
            if kind < 0.7:
                fields = [rnd.choice(atoms) + rnd.choice(atoms) for _ in range(3)]
            elif kind < 0.8:
                fields = [rnd.choice(["", " ", "\u3000", "\t"]) for _ in range(rnd.randint(0, 4))]
            elif kind < 0.9:
                fields = [rnd.choice(atoms) for _ in range(rnd.choice([1, 2, 4]))]
            else:
                fields = [rnd.choice(odd) for _ in range(3)]
            lines.append(delimiter.join(fields))
        end = rnd.choice(["\n", "\r\n"])
        text = (
            rnd.choice(["", "标题\n", "\n\n"])
            + delimiter.join(["表计编号", "时间", "用电量"])
            + end
            + end.join(lines)
            + rnd.choice([end, "", end + "  "])
        )
        data = text.encode(encoding, errors="replace")
        if rnd.random() < 0.2:
            cut = rnd.randrange(len(data))
            data = data[:cut] + rnd.choice([b"\xff", b"\x81", b"\xe4\xb8"]) + data[cut:]
        path = tmp_path / f"r{trial}.csv"
        path.write_bytes(data)
        for max_rows in (1, 3, 1000):
            blocks_seen += assert_blocks_match_rows(path, max_rows).count(ColumnBlock)
    assert blocks_seen > 100


def test_clean_csv_comes_back_in_column_blocks(tmp_path, monkeypatch):
    """Read in pieces of ~3,000 rows, a clean file still comes out in blocks of max_rows."""
    monkeypatch.setattr(extract, "PIECE_BYTES", 100_000)
    path = tmp_path / "big.csv"
    values = [[f"E{i % 500:06d}", f"2026-11-25 {i % 24:02d}:00", f"{i % 97}.25"] for i in range(50_000)]
    path.write_text(HEADER + "".join(",".join(v) + "\n" for v in values), encoding="utf-8")
    table = open_table(path)
    pieces = list(table.blocks(20_000))
    assert [type(p) for p in pieces] == [ColumnBlock] * 3 and [len(p) for p in pieces] == [20_000, 20_000, 10_000]
    lines = np.concatenate([p.lines for p in pieces])
    assert lines[0] == 2 and lines[-1] == 50_001 and (np.diff(lines) == 1).all()
    last = pieces[-1]
    assert last.raw_row(len(last) - 1) == extract.RawRow(50_001, values[-1])
    assert [list(c) for c in pieces[1].columns] == [list(c) for c in zip(*values[20_000:40_000])]
    assert table.blank_rows == 0 and [i.code for i in table.issues] == ["encoding_detected"]
    assert list(table.rows()) == []  # a table is read once
    table.close()


def test_blocks_of_an_xlsx_are_row_lists(tmp_path):
    path = tmp_path / "m.xlsx"
    rows = [["表计编号", "时间", "用电量"]] + [["E-B001", dt.datetime(2026, 11, 20, h), h] for h in range(10)]
    _xlsx(path, rows + [[None, None, None]], merge=(3, 0, 4, 0, "E-B001"))
    kinds = assert_blocks_match_rows(path, 4)
    assert kinds == [list, list, list]


def test_blocks_after_rows_regroup_the_rest(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(BLOCK_CORPUS["utf8"])
    table = open_table(path)
    stream = table.rows()
    first = next(stream)
    rest = [r for piece in table.blocks(50) for r in piece]
    assert all(isinstance(r, extract.RawRow) for r in rest)
    assert [first.line] + [r.line for r in rest] == list(range(2, 122))
    table.close()
    other = open_table(path)
    with pytest.raises(ValueError):
        next(other.blocks(0))
    other.close()


def test_wide_spaces_are_all_that_str_strip_removes():
    wide = {c for c in map(chr, range(0x80, 0x110000)) if c.isspace()}
    assert set(extract._WIDE_SPACES) == wide
    assert {chr(b) for b in extract._ASCII_SPACES} == {c for c in map(chr, range(0x80)) if c.isspace()}
