"""Hostile files are refused before they are parsed (issue 16): a ZIP bomb, a sheet declaring a huge
range, a sheet that declares none and goes on and on, an archive of thousands of parts or with a
path that climbs out of it, a file named .xlsx that is no workbook. Each ends as a refused batch
whose file-level reason names the figure and the limit, and nothing of it is stored; a legitimate
workbook just under the limits still loads.

The files are built in ``tmp_path`` by the benchmark's builders (benchmarks/bench_hostile.py), so
the refusal the benchmark times is the one tested here. Speed targets belong to the benchmark; the
time bounds here are generous sanity checks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
import xlsxwriter

from benchmarks.bench_hostile import (
    HEADER,
    SHEET_MEMBER,
    SHEET_TAIL,
    declared_dimension_file,
    reading_rows,
    sheet_head,
    sheet_row,
    write_xlsx,
    zip_bomb,
)
from data.db import get_engine
from data.loaders import load_file
from data.loaders.extract import Limits, format_bytes, open_table
from presentation.ingest_text import format_issue

from loader_world import NOW, build_world

ROOT = Path(__file__).resolve().parents[2]
SANITY_SECONDS = 5.0


@pytest.fixture
def world(sqlite_url):
    build_world(sqlite_url)
    return sqlite_url


def _load(url: str, path: Path):
    started = time.perf_counter()
    result = load_file(get_engine(url), path, now=NOW)
    return result, time.perf_counter() - started


def _stored(url: str) -> tuple[int, int, list]:
    with get_engine(url).connect() as conn:
        readings = conn.execute(sa.text("SELECT count(*) FROM meter_reading")).scalar()
        quarantined = conn.execute(sa.text("SELECT count(*) FROM quarantine_row")).scalar()
        batches = conn.execute(sa.text("SELECT status, message FROM load_batch ORDER BY id")).all()
    return readings, quarantined, [(s, json.loads(m) if isinstance(m, str) else m) for s, m in batches]


def _assert_refused(url: str, result, code: str) -> dict:
    """A refused batch with ``code`` among its issues, recorded, and nothing stored."""
    assert result.status == "failed", result
    issue = next(i for i in result.issues if i.code == code)
    readings, quarantined, batches = _stored(url)
    assert (readings, quarantined) == (0, 0)
    assert batches[-1][0] == "failed"
    assert code in [i["code"] for i in batches[-1][1]["issues"]]
    return issue.as_dict()


def test_a_zip_bomb_is_refused_from_the_central_directory(world, tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 8 << 20
    result, seconds = _load(world, bomb)
    issue = _assert_refused(world, result, "file_too_large_uncompressed")
    assert seconds < SANITY_SECONDS
    assert issue["params"]["size"] == "1.0 GiB" and issue["params"]["limit"] == "512 MiB"
    assert format_issue(issue, "zh") == "文件解压后 1.0 GiB，超过上限 512 MiB，未读取"
    assert format_issue(issue, "en") == "The file inflates to 1.0 GiB, over the limit of 512 MiB; it was not read"


def test_a_member_compressed_too_well_is_refused_under_the_size_limit(world, tmp_path, monkeypatch):
    monkeypatch.setenv("AOCC_LOADER_MAX_UNCOMPRESSED_BYTES", str(256 << 20))
    bomb = zip_bomb(tmp_path / "small_bomb.xlsx", inflated=64 << 20)
    with zipfile.ZipFile(bomb) as z, z.open(SHEET_MEMBER) as member:  # a valid archive: it inflates whole
        inflated = sum(len(piece) for piece in iter(lambda: member.read(1 << 22), b""))
    assert inflated >= 64 << 20
    result, seconds = _load(world, bomb)
    issue = _assert_refused(world, result, "suspicious_compression")
    assert seconds < SANITY_SECONDS
    assert issue["params"]["member"] == SHEET_MEMBER and issue["params"]["limit"] == "100"
    assert int(issue["params"]["ratio"].replace(",", "")) > 100
    assert "压缩比异常" in format_issue(issue, "zh") and format_bytes(inflated) in format_issue(issue, "zh")


def test_a_huge_declared_dimension_is_refused_before_the_sheet_is_read(world, tmp_path):
    path = declared_dimension_file(tmp_path / "declared.xlsx", "A1:ZZ71000000")
    result, seconds = _load(world, path)
    issue = _assert_refused(world, result, "sheet_too_large")
    assert seconds < SANITY_SECONDS
    assert issue["params"]["dimension"] == "A1:ZZ71000000" and issue["params"]["rows"] == "71,000,000"
    assert format_issue(issue, "zh") == (
        "工作表「Sheet1」声明的范围 A1:ZZ71000000 有 71,000,000 行、49,842,000,000 个单元格，"
        "超过上限（1,048,576 行、20,000,000 个单元格），未读取"
    )


def test_a_sheet_without_dimension_stops_at_the_row_limit_and_nothing_is_stored(world, tmp_path, monkeypatch):
    monkeypatch.setenv("AOCC_LOADER_MAX_ROWS", "1000")
    path = write_xlsx(tmp_path / "endless.xlsx", sheet_head() + sheet_row(HEADER) + reading_rows(1500) + SHEET_TAIL)
    result, _seconds = _load(world, path)
    # The header was found and rows were being written when the limit was passed: the batch's
    # transaction is rolled back whole
    issue = _assert_refused(world, result, "sheet_too_many_rows")
    assert issue["params"] == {"sheet": "Sheet1", "row": "1,001", "max_rows": "1,000"}
    assert format_issue(issue, "zh") == "工作表「Sheet1」读到第 1,001 行，超过行数上限 1,000 行，已停止读取"


def test_a_row_number_far_beyond_the_limit_stops_at_once(world, tmp_path):
    sheet = sheet_head() + sheet_row(HEADER) + b'<row r="71000000"><c><v>1</v></c></row>' + SHEET_TAIL
    result, seconds = _load(world, write_xlsx(tmp_path / "jump.xlsx", sheet))
    issue = _assert_refused(world, result, "sheet_too_many_rows")
    assert issue["params"]["row"] == "71,000,000" and seconds < SANITY_SECONDS


def test_the_cell_limit_and_excel_width_hold_while_reading(tmp_path, monkeypatch):
    monkeypatch.setenv("AOCC_LOADER_MAX_CELLS", "50")
    sheet = sheet_head() + sheet_row(HEADER) + reading_rows(400) + SHEET_TAIL
    table = open_table(write_xlsx(tmp_path / "cells.xlsx", sheet))
    assert table.refused and table.issues[0].code == "sheet_too_many_cells"
    assert table.issues[0].params == {"sheet": "Sheet1", "row": "17", "max_cells": "50"}
    monkeypatch.delenv("AOCC_LOADER_MAX_CELLS")
    wide = b"<row>" + b"<c><v>1</v></c>" * 20_000 + b"</row>"
    table = open_table(write_xlsx(tmp_path / "wide.xlsx", sheet_head() + wide + SHEET_TAIL))
    assert table.refused and table.issues[0].code == "row_too_wide"
    assert table.issues[0].params["max_columns"] == "16,384"


def test_an_archive_of_too_many_parts_is_refused(world, tmp_path):
    extra = [(f"xl/media/image{i}.xml", b"<x/>") for i in range(2_100)]
    path = write_xlsx(tmp_path / "parts.xlsx", sheet_head() + sheet_row(HEADER) + SHEET_TAIL, extra=extra)
    result, seconds = _load(world, path)
    issue = _assert_refused(world, result, "archive_too_many_members")
    assert issue["params"] == {"count": "2,105", "limit": "2,000"} and seconds < SANITY_SECONDS


@pytest.mark.parametrize("member", ["../../etc/cron.d/evil", "/etc/passwd", "xl/..\\..\\evil.xml", "C:/evil.xml"])
def test_a_part_whose_path_leaves_the_archive_is_refused(world, tmp_path, member):
    path = write_xlsx(tmp_path / "climb.xlsx", sheet_head() + sheet_row(HEADER) + SHEET_TAIL, extra=[(member, b"x")])
    result, _seconds = _load(world, path)
    issue = _assert_refused(world, result, "archive_bad_member_name")
    assert issue["params"]["member"] == member


@pytest.mark.parametrize(
    "content, found",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "OLE2 (Excel 97-2003 .xls / WPS)"),
        ("表计编号,时间,用电量\nE-B001,2026-11-20 01:00,1\n".encode(), "text"),
        (b"<html><body><table></table></body></html>", "HTML/XML"),
    ],
)
def test_a_file_named_xlsx_that_is_not_a_workbook_says_what_it_is(world, tmp_path, content, found):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(content)
    result, _seconds = _load(world, path)
    issue = _assert_refused(world, result, "not_a_workbook")
    assert issue["params"] == {"suffix": ".xlsx", "found": found}
    assert "不是 Excel 工作簿" in format_issue(issue, "zh")


def test_a_file_over_the_size_limit_is_not_read(world, tmp_path, monkeypatch):
    monkeypatch.setenv("AOCC_LOADER_MAX_FILE_BYTES", "1000")
    path = tmp_path / "big.csv"
    path.write_text("表计编号,时间,用电量\n" + "E-B001,2026-11-20 01:00,1\n" * 100, encoding="utf-8")
    result, _seconds = _load(world, path)
    issue = _assert_refused(world, result, "file_too_large")
    assert (
        format_issue(issue, "en")
        == f"The file is {format_bytes(path.stat().st_size)}, over the limit of 1000 B; it was not read"
    )


def test_a_legitimate_workbook_just_under_the_limits_loads(world, tmp_path, monkeypatch):
    rows = 1_500
    path = tmp_path / "readings.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, HEADER)
    start = dt.datetime(2026, 9, 1, 1)
    for i in range(rows):
        ws.write_row(i + 1, 0, ("E-B001", (start + dt.timedelta(hours=i)).strftime("%Y-%m-%d %H:%M"), 10 + i % 7))
    wb.close()
    with zipfile.ZipFile(path) as z:
        inflated = sum(i.file_size for i in z.infolist())
    # limits a whisker above the file: its 1,501 rows, 4,503 cells and inflated bytes
    monkeypatch.setenv("AOCC_LOADER_MAX_ROWS", str(rows + 1))
    monkeypatch.setenv("AOCC_LOADER_MAX_CELLS", str(3 * (rows + 1)))
    monkeypatch.setenv("AOCC_LOADER_MAX_UNCOMPRESSED_BYTES", str(inflated))
    monkeypatch.setenv("AOCC_LOADER_MAX_FILE_BYTES", str(path.stat().st_size))
    assert Limits.from_config().max_rows == rows + 1
    result, _seconds = _load(world, path)
    assert (result.status, result.rows_read, result.rows_accepted) == ("applied", rows, rows), result.issues
    assert _stored(world)[0] == rows


MEMORY_CAPPED = textwrap.dedent("""
    import json, resource, sys
    from pathlib import Path
    cap = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from data.db import get_engine
    from data.loaders import load_file
    import datetime as dt
    try:
        result = load_file(get_engine(sys.argv[1]), Path(sys.argv[2]), now=dt.datetime.now(dt.UTC))
        out = {"status": result.status, "codes": [i.code for i in result.issues]}
    except MemoryError:
        out = {"status": "MemoryError", "codes": []}
    out["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))
""")


def test_the_bomb_under_a_memory_cap_ends_refused_not_in_memory_error(sqlite_url, tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.xlsx")
    script = tmp_path / "capped.py"
    script.write_text(MEMORY_CAPPED, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script), sqlite_url, str(bomb), str(1 << 30)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["status"] == "failed" and report["codes"] == ["file_too_large_uncompressed"], report
    assert report["peak_kb"] < 1 << 20
