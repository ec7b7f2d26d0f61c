"""The column-wise way for meter readings (a clean CSV stretch) decides every row exactly as the
row-by-row way does: the same readings stored, the same rows refused with the same reason,
column and parameters, the same counts. The same cells go once through a CSV file and once as
records (the way of the SQL source and the simulator), into two copies of the same province.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from data.db import dispose_engine, get_engine
from data.loaders import load_file, load_records
from data.migrate import upgrade

from loader_world import NOW, build_world

# (meter code, time, value, unit): plain rows and every kind of doubtful cell the column way
# must hand over to the row checks. No quotes, so the file is one clean column block.
CELLS = [
    ("E-B001", "2026-11-20 01:00", "100.5", "kWh"),
    ("E-B001", "2026-11-20 02:00", "99", "kWh"),
    ("E-B001", "2026-11-20 03:00", "0.5", "MWh"),  # another unit of the same kind: converted
    ("E-B001", "2026-11-20 04:00", "120", "度"),
    ("E-B001", "2026-11-20 05:00", "12", "立方米"),  # a water unit for an electricity meter
    ("E-B001", "2026-11-20 06:00", "12", "furlongs"),  # not a unit
    ("E-B001", "2026-11-20 07:00", "-5", "kWh"),  # negative
    ("E-B001", "2026-11-20 08:00", "abc", "kWh"),  # not a number
    ("E-B001", "2026-11-20 09:00", "nan", "kWh"),
    ("E-B001", "2026-11-20 10:00", "inf", "kWh"),
    ("E-B001", "2026-11-20 11:00", "", "kWh"),  # missing value
    ("E-B001", "2026-11-20 12:00", " 42 ", "kWh"),  # spaces around a number
    ("E-B001", "2026-11-20 13:00", "１２", "kWh"),  # full-width digits
    ("E-B001", "2026-11-20 14:00", "12kWh", ""),  # the unit in the cell, none in the unit column
    (" E-B001 ", "2026-11-20 15:00", "7", "kWh"),  # spaces around the code
    ("E-NOPE", "2026-11-20 16:00", "7", "kWh"),  # unknown meter
    ("", "2026-11-20 17:00", "7", "kWh"),  # no meter
    ("E-B001", "2026-11-20 17:30", "7", "kWh"),  # not on the hour
    ("E-B001", "2026-11-20", "7", "kWh"),  # a date without a time for an hourly meter
    ("E-B001", "2026/11/20 18:00", "7", "kWh"),  # another date format
    ("E-B001", "20.11.2026 19:00", "7", "kWh"),  # one the loader does not read
    ("E-B001", "2026-11-29 20:00", "7", "kWh"),  # in the future
    ("E-B001", "", "7", "kWh"),  # no time
    ("E-B001", "2026-11-20 21:00", "7", ""),  # a blank unit in a file with a unit column
    ("Ｅ－Ｂ００１", "2026-11-20 22:00", "8", "kWh"),  # a full-width code
    ("E-B001\u200b", "2026-11-20 23:00", "9", "kWh"),  # a zero-width space in the code
    ("E-B001", "2026-11-21 00:00", "1E+12", "kWh"),  # far above any building's ceiling
    ("W-B001", "2026-11-19", "3.5", "m3"),  # a daily meter by its date
    ("W-B001", "2026-11-18", "3", "吨"),  # tonnes of water
    ("E-B002", "2026-11-20 01:00", "55", "kWh"),
    ("E-B002", "2026-11-20 01:00", "55", "kWh"),  # the same row again: a duplicate
    ("E-B002", "2026-11-20 02:00", "56", "kWh"),
    ("E-B002", "2026-11-20 02:00", "57", "kWh"),  # the same key, another value: refused
    ("G-B002", "2026-11-19", "8", "m³"),
] + [  # plain rows around them: a clean stretch long enough to be read column-wise
    (meter, f"2026-11-19 {hour:02d}:00", f"{40 + hour}.25", "kWh")
    for meter in ("E-B001", "E-B002")
    for hour in range(1, 25)
]


def _world(tmp_path, name: str) -> str:
    url = f"sqlite:///{tmp_path / name}"
    upgrade(url)
    build_world(url)
    return url


def _outcome(url: str) -> dict:
    with get_engine(url).connect() as conn:
        return {
            "readings": conn.execute(
                sa.text("SELECT meter_id, ts, value FROM meter_reading ORDER BY meter_id, ts")
            ).all(),
            "quarantine": conn.execute(
                sa.text(
                    "SELECT line_no, column_name, reason_code, reason_params, org_id FROM quarantine_row ORDER BY line_no"
                )
            ).all(),
            "daily": conn.execute(
                sa.text(
                    "SELECT metric_id, entity_kind, entity_id, day, value, samples FROM rollup_daily "
                    "ORDER BY metric_id, entity_kind, entity_id, day"
                )
            ).all(),
        }


def test_the_column_way_and_the_row_way_decide_every_cell_alike(tmp_path):
    by_file, by_records = _world(tmp_path, "file.sqlite3"), _world(tmp_path, "records.sqlite3")
    try:
        path = tmp_path / "readings.csv"
        path.write_text("表计编号,时间,用量,单位\n" + "".join(",".join(c) + "\n" for c in CELLS), encoding="utf-8")
        from data.loaders.extract import ColumnBlock, open_table

        table = open_table(path, fact="meter_reading")
        assert all(isinstance(b, ColumnBlock) for b in table.blocks(1000)), "the file should take the column way"
        table.close()
        from_file = load_file(get_engine(by_file), path, now=NOW)
        from_records = load_records(
            get_engine(by_records),
            "meter_reading",
            ({"meter_code": m, "ts": t, "value": v, "unit": u} for m, t, v, u in CELLS),
            now=NOW,
            name="readings.csv",
            columns=("meter_code", "ts", "value", "unit"),
            first_line=2,
        )
        counts = lambda r: (r.rows_read, r.rows_accepted, r.rows_duplicate, r.rows_rejected)  # noqa: E731
        assert counts(from_file) == counts(from_records)
        assert from_file.rows_accepted >= 50 and from_file.rows_rejected >= 12  # the corpus holds both kinds
        file_outcome, records_outcome = _outcome(by_file), _outcome(by_records)
        assert file_outcome["readings"] == records_outcome["readings"]
        assert file_outcome["daily"] == records_outcome["daily"]
        # same reasons on the same lines; parameters alike except the column's name, which the
        # records take from the format's field names rather than from a file header
        strip = lambda rows: [(r.line_no, r.reason_code, r.org_id) for r in rows]  # noqa: E731
        assert strip(file_outcome["quarantine"]) == strip(records_outcome["quarantine"])
    finally:
        dispose_engine(by_file)
        dispose_engine(by_records)


@pytest.mark.parametrize("chunk", [3, 7, 1000])
def test_the_column_way_gives_the_same_result_in_any_chunk_size(tmp_path, chunk):
    """In-file duplicates across chunks are found through what the earlier chunk stored."""
    from data.loaders.facts import Settings

    reference, chunked = _world(tmp_path, "ref.sqlite3"), _world(tmp_path, f"chunk{chunk}.sqlite3")
    try:
        path = tmp_path / "readings.csv"
        path.write_text("表计编号,时间,用量,单位\n" + "".join(",".join(c) + "\n" for c in CELLS), encoding="utf-8")
        whole = load_file(get_engine(reference), path, now=NOW)
        pieces = load_file(get_engine(chunked), path, now=NOW, settings=Settings(block_rows=chunk, chunk_rows=chunk))
        assert (pieces.rows_accepted, pieces.rows_duplicate, pieces.rows_rejected) == (
            whole.rows_accepted,
            whole.rows_duplicate,
            whole.rows_rejected,
        )
        assert _outcome(chunked)["readings"] == _outcome(reference)["readings"]
        assert _outcome(chunked)["daily"] == _outcome(reference)["daily"]
    finally:
        dispose_engine(reference)
        dispose_engine(chunked)
