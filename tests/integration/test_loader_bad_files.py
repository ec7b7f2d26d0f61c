"""The bad-file corpus, dropped into a drop folder one by one: each file explains itself (file,
line, column) in the batch record, the data page's words and the log, and loses nothing valid.

The corpus is generated here (``BAD_FILES``) rather than kept as binary fixtures, so each file's
defect is written down next to what it must produce.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random

import pytest
import sqlalchemy as sa
import xlsxwriter

from components.quarantine import quarantine_csv
from data.db import get_engine
from data.loaders import ensure_sources, run_source
from data.loaders.sources import SourceSpec
from data.queries.ingest import fetch_quarantine
from data.scope import Scope
from presentation.ingest_text import format_issue, format_reason

from loader_world import NOW, build_world

HEADER = "表计编号,时间,用电量(千瓦时)\n"
GOOD = [f"E-B001,2026-11-20 {h:02d}:00,{100 + h}\n" for h in range(1, 7)]


def csv_bytes(lines, encoding="utf-8"):
    return "".join(lines).encode(encoding)


def xlsx_bytes(tmp_path, rows, merge=None):
    path = tmp_path / "tmp.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, fmt)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            elif v is not None:
                ws.write_number(r, c, v)
    if merge:
        ws.merge_range(*merge)
    wb.close()
    data = path.read_bytes()
    path.unlink()
    return data


@pytest.fixture
def drop(sqlite_url, tmp_path):
    build_world(sqlite_url)
    folder = tmp_path / "drop"
    ensure_sources(
        get_engine(sqlite_url),
        [
            SourceSpec(
                "drop_energy",
                "file_drop",
                "energy",
                "能耗投放",
                "Energy drop",
                {"folder": str(folder), "domain": "energy"},
                60,
                3600,
            )
        ],
    )

    def run(name: str, content: bytes):
        (folder / name).write_bytes(content)
        [result] = run_source(get_engine(sqlite_url), "drop_energy", now=NOW, settle_seconds=0)
        return result

    run.url = sqlite_url
    run.folder = folder
    return run


def q(url, sql, **params):
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def readings(url):
    return q(url, "SELECT count(*) FROM meter_reading")[0][0]


def quarantine(url):
    return q(url, "SELECT line_no, column_name, reason_code FROM quarantine_row ORDER BY line_no")


def issue_texts(result, lang="zh"):
    return [format_issue(i.as_dict(), lang) for i in result.issues]


def test_wrong_encoding_binary_file(drop):
    rng = random.Random(1)
    noise = bytes(rng.randrange(256) for _ in range(5000))
    result = drop("meter.csv", noise)
    assert result.status == "failed" and result.issues[0].code == "encoding_unknown"
    assert "UTF-8" in issue_texts(result)[0] and "GBK" in issue_texts(result)[0]
    assert (drop.folder / "failed" / f"meter.batch{result.batch_id}.csv").read_bytes() == noise  # kept as it was


def test_wrong_encoding_big5_header_is_not_guessed(drop):
    result = drop("big5.csv", csv_bytes(["表計編號,時間,用電量\n", "E-B001,2026-11-20 01:00,1\n"], "big5"))
    # Big5 bytes read as GBK are mojibake: the header is not recognised and the message lists
    # what was found, rather than guessing at columns. The energy folder takes two formats
    # (meter readings and weather), so it cannot say which one's columns are missing.
    assert result.status == "failed" and result.issues[-1].code == "unknown_fact"
    assert "表計編號" not in issue_texts(result)[-1] and "无法识别文件内容属于哪类数据" in issue_texts(result)[-1]
    assert readings(drop.url) == 0


def test_one_undecodable_line_in_a_gbk_file(drop):
    content = (
        csv_bytes([HEADER, *GOOD[:3]], "gbk") + b"E-B001,2026-11-20 04:00,\xff\xff9\n" + csv_bytes(GOOD[4:], "gbk")
    )
    result = drop("gbk.csv", content)
    assert (result.rows_accepted, result.rows_rejected) == (5, 1)
    assert quarantine(drop.url) == [(5, None, "bad_encoding")]
    assert "GBK" in format_reason("bad_encoding", {"encoding": "GBK/GB18030"}, "zh")


def test_truncated_csv(drop, caplog):
    caplog.set_level(logging.INFO, logger="aocc.loaders")
    result = drop("cut.csv", csv_bytes([HEADER, *GOOD[:4], "E-B001,2026-11-2"]))
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (5, 4, 1)
    assert quarantine(drop.url) == [(6, None, "field_count")]
    assert any(i.code == "truncated_file" and i.line == 6 for i in result.issues)
    assert "第 6 行：文件在此处被截断" in " ".join(issue_texts(result))
    assert "file=cut.csv truncated_file line=6" in caplog.text
    assert "quarantined file=cut.csv field_count line=6" in caplog.text


def test_truncated_xlsx(drop, tmp_path):
    data = xlsx_bytes(tmp_path, [["表计编号", "时间", "用电量"], ["E-B001", dt.datetime(2026, 11, 20, 1), 1]])
    result = drop("cut.xlsx", data[: len(data) * 2 // 3])
    assert result.status == "failed" and result.issues[0].code == "file_unreadable"
    assert "文件无法读取" in issue_texts(result)[0]
    assert (drop.folder / "failed" / f"cut.batch{result.batch_id}.xlsx").exists()


def test_missing_required_column(drop):
    result = drop("nots.csv", csv_bytes(["表计编号,用电量\n", "E-B001,1\n"]))
    assert result.status == "failed"
    text = issue_texts(result)[-1]
    assert "缺少必需的列" in text and "ts / day" in text and "表计编号、用电量" in text
    assert readings(drop.url) == 0


def test_duplicated_header(drop):
    result = drop("dup.csv", csv_bytes(["表计编号,时间,读数,用量\n", "E-B001,2026-11-20 01:00,1,2\n"]))
    assert result.status == "failed" and result.issues[-1].code == "duplicate_column"
    assert "读数、用量" in issue_texts(result)[-1]


def test_merged_cells_in_xlsx(drop, tmp_path):
    rows = [
        ["2026年11月电表读数"],
        ["表计编号", "时间", "用电量"],
        ["E-B001", dt.datetime(2026, 11, 20, 1), 1],
        ["E-B001", dt.datetime(2026, 11, 20, 2), 2],
        [None, dt.datetime(2026, 11, 20, 3), 3],
        ["E-B002", dt.datetime(2026, 11, 20, 3), 4],
    ]
    result = drop("merged.xlsx", xlsx_bytes(tmp_path, rows, merge=(3, 0, 4, 0, "E-B001")))
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (4, 3, 1)
    assert quarantine(drop.url) == [(5, "表计编号", "merged_cell")]
    params = q(drop.url, "SELECT reason_params FROM quarantine_row")[0][0]
    params = json.loads(params) if isinstance(params, str) else params
    assert format_reason("merged_cell", params, "zh") == "单元格 A5 属于合并单元格 A4:A5，取值不明确"


def test_strings_in_numeric_columns(drop):
    result = drop(
        "text.csv", csv_bytes([HEADER, *GOOD[:2], "E-B001,2026-11-20 03:00,约一百\n", "E-B001,2026-11-20 04:00,#N/A\n"])
    )
    assert (result.rows_accepted, result.rows_rejected) == (2, 2)
    assert quarantine(drop.url) == [(4, "用电量(千瓦时)", "not_a_number"), (5, "用电量(千瓦时)", "excel_error")]


def test_dates_in_three_formats(drop):
    lines = [
        HEADER,
        "E-B001,2026-11-20 01:00,1\n",
        "E-B001,2026/11/20 02:00,2\n",
        "E-B001,2026年11月20日 03时,3\n",
        "E-B001,46346.1666666667,4\n",
        "E-B001,20-11-2026 05:00,5\n",
    ]
    result = drop("dates.csv", csv_bytes(lines))
    assert (result.rows_accepted, result.rows_rejected) == (4, 1)
    assert quarantine(drop.url) == [(6, "时间", "bad_date")]
    assert q(drop.url, "SELECT sum(value) FROM meter_reading") == [(10.0,)]


def test_formula_text_is_kept_and_neutralised_on_export(drop, tmp_path):
    text = '表计编号,时间,用电量,备注\n"=HYPERLINK(""http://evil.example"",""点我"")",2026-11-20 01:00,1,x\n'
    result = drop("formula.csv", text.encode("utf-8"))
    assert result.rows_rejected == 1
    raw = q(drop.url, "SELECT raw FROM quarantine_row")[0][0]
    raw = json.loads(raw) if isinstance(raw, str) else raw
    assert raw["表计编号"] == '=HYPERLINK("http://evil.example","点我")'  # stored verbatim
    with get_engine(drop.url).connect() as conn:
        rows, _ = fetch_quarantine(conn, Scope(1, "/1/", True))
    exported = quarantine_csv(rows, lang="zh")
    assert "'=HYPERLINK" in exported
    assert ",=HYPERLINK" not in exported and '"=HYPERLINK' not in exported


def test_each_refused_file_is_recorded_with_its_reasons(drop):
    drop("nots.csv", csv_bytes(["表计编号,用电量\n", "E-B001,1\n"]))
    message = json.loads(q(drop.url, "SELECT message FROM load_batch")[0][0])
    assert message["issues"][-1]["code"] == "header_not_found"
    assert q(drop.url, "SELECT status, file_name FROM load_batch") == [("failed", "nots.csv")]
    assert os.listdir(drop.folder / "failed")
