"""Meter readings as real department files write them (issue #16), on SQLite and PostgreSQL:

* daily water, gas and heat meters read at a fixed hour (08:00), rolled up into the day their
  interval starts, across a month end, incrementally as after a rebuild;
* a reading far above anything the building could use (``1E+12`` m³ of gas in a day) refused by
  a ceiling that needs no history (rated capacity, or floor area × ``reading_ceiling``);
* a blank cell in a file's unit column (万千瓦时 on the other rows) a missing unit, not kWh —
  for meter readings and for fuel;
* codes with zero-width characters, a stray BOM or full-width letters matched;
* an energy type that is not the meter's refused;
* 抄表人 and 备注 kept beside the reading, and shown on the data page.

Each case goes once through a clean CSV (the column-wise way) and, where it matters, once
through XLSX (the row-by-row way): both must decide alike.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os

import pandas as pd
import pytest
import sqlalchemy as sa
import xlsxwriter

from data import rollup
from data.db import get_engine
from data.loaders import load_file
from data.loaders.extract import ColumnBlock, open_table
from data.loaders.facts import MeterTable
from data.models import Building, Meter
from data.queries.reading_notes import reading_notes
from data.scope import Scope
from presentation.ingest_text import format_reason

from loader_world import NOW, build_world
from rollup_snapshots import assert_same, snapshot

UTC = dt.UTC
GAS_DAILY = "energy.gas_m3"


@pytest.fixture
def world(db_url):
    """The loader world, and a third building whose meters only fill CSV files up to a clean
    stretch long enough to be read column-wise (``write_csv``)."""
    global _fill_blocks
    _fill_blocks = itertools.count()
    build_world(db_url)
    with get_engine(db_url).begin() as conn:
        conn.execute(
            sa.insert(Building),
            [
                dict(
                    id=3,
                    code="B003",
                    org_id=5,
                    name_zh="填充楼",
                    name_en="Filler",
                    floor_area_m2=1000,
                    heated_area_m2=1000,
                    occupants=10,
                )
            ],
        )
        conn.execute(
            sa.insert(Meter),
            [
                dict(id=6, code="F-E", building_id=3, kind="electricity", unit="kWh", interval_minutes=60, active=True),
                dict(id=7, code="F-H", building_id=3, kind="heat", unit="GJ", interval_minutes=1440, active=True),
            ],
        )
    return db_url


def q(url, sql, **params):
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def execute(url, sql, **params):
    with get_engine(url).begin() as conn:
        conn.execute(sa.text(sql), params)


FILL = 40  # rows of filler: a clean CSV stretch is read column-wise from 32 rows on
PADDED: dict = {}  # path -> filler rows it holds
_fill_blocks = itertools.count()


def _filler(header: list[str]) -> list[list[str]]:
    """``FILL`` plain rows for ``header``, on the filler meters, at times no other file uses."""
    k = next(_fill_blocks)
    hourly = "时间" in header
    rows = []
    for i in range(FILL):
        if hourly:
            end = dt.datetime(2026, 11, 1, 1) + dt.timedelta(hours=k * FILL + i)
            when = end.strftime("%Y-%m-%d %H:%M")
        else:
            when = (dt.date(2026, 6, 1) + dt.timedelta(days=k * FILL + i)).isoformat()
        cell = {
            "表计编号": "F-E" if hourly else "F-H",
            "建筑编码": "B003",
            "能源类型": "" if "表计编号" in header else "热",
            "时间": when,
            "日期": when,
            "用量": "0.0001",  # small enough in any unit a header may name
            "单位": "kWh" if hourly else "GJ",
        }
        rows.append([cell.get(h.split("(")[0], "0.0001" if "量" in h else "") for h in header])
    return rows


def write_csv(tmp_path, name: str, text: str, *, column_way: bool = True):
    """A CSV file; with ``column_way``, padded with filler rows (see ``load``) and checked to be
    read column-wise."""
    path = tmp_path / name
    if column_way:
        header = text.splitlines()[0].split(",")
        text = text + csv_of(_filler(header))
        PADDED[path] = FILL
    path.write_text(text, encoding="utf-8")
    if column_way:
        table = open_table(path, fact="meter_reading")
        assert all(isinstance(b, ColumnBlock) for b in table.blocks(1000)), "the file should take the column way"
        table.close()
    return path


def write_xlsx(tmp_path, name: str, rows: list[list]):
    """``rows[0]`` is the header; None leaves a cell empty; numbers are written as numbers."""
    path = tmp_path / name
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, value)
    wb.close()
    return path


def load(url, path, now=NOW):
    """``load_file``, its counts without the filler rows (each file's filler is new: accepted)."""
    result = load_file(get_engine(url), path, now=now)
    pad = PADDED.get(path, 0)
    if pad:
        assert result.rows_accepted >= pad, (result.rows_accepted, result.issues)
        result.rows_read -= pad
        result.rows_accepted -= pad
    return result


def csv_of(rows: list[list]) -> str:
    return "".join(",".join("" if v is None else str(v) for v in row) + "\n" for row in rows)


def quarantined(url, batch_id=None):
    sql = "SELECT line_no, reason_code, reason_params FROM quarantine_row"
    if batch_id is not None:
        sql += f" WHERE batch_id = {int(batch_id)}"
    out = []
    for line, code, params in q(url, sql + " ORDER BY line_no"):
        out.append((line, code, json.loads(params) if isinstance(params, str) else params))
    return out


def readings(url, meter_id: int) -> dict[str, float]:
    """Local end time text -> value of a meter's stored readings."""
    out = {}
    for ts, value in q(url, "SELECT ts, value FROM meter_reading WHERE meter_id = :m ORDER BY ts", m=meter_id):
        local = pd.Timestamp(ts).tz_localize(None) + pd.Timedelta(hours=8)
        out[local.strftime("%Y-%m-%d %H:%M")] = value
    return out


def daily(url, metric: str, kind: str, entity: int) -> dict[str, float]:
    rows = q(
        url,
        "SELECT day, value FROM rollup_daily WHERE metric_id = :m AND entity_kind = :k AND entity_id = :e",
        m=metric,
        k=kind,
        e=entity,
    )
    return {str(day)[:10]: value for day, value in rows}


def monthly(url, metric: str, kind: str, entity: int) -> dict[str, float]:
    rows = q(
        url,
        "SELECT month, value FROM rollup_monthly WHERE metric_id = :m AND entity_kind = :k AND entity_id = :e",
        m=metric,
        k=kind,
        e=entity,
    )
    return {str(month)[:10]: value for month, value in rows}


# --- 1. daily meters read at any hour ---------------------------------------------------------


def test_a_daily_meter_read_at_eight_takes_readings_at_eight(world, tmp_path):
    execute(world, "UPDATE meter SET reading_hour = 8 WHERE code IN ('G-B002', 'W-B001')")
    path = write_csv(
        tmp_path,
        "gas.csv",
        csv_of(
            [
                ["表计编号", "时间", "用量", "单位"],
                ["G-B002", "2026-11-20 08:00", 30, "m3"],  # 19 Nov 08:00 – 20 Nov 08:00
                ["G-B002", "2026-11-19 08:00", 31, "m3"],
                ["G-B002", "2026-11-19 00:00", 5, "m3"],  # midnight: not this meter's hour
                ["G-B002", "2026-11-17", 29, "m3"],  # a date alone: that day, ending 18 Nov 08:00
            ]
        ),
    )
    result = load(world, path)
    assert (result.rows_accepted, result.rows_rejected) == (3, 1), result.issues
    assert [(line, code) for line, code, _p in quarantined(world)] == [(4, "misaligned_timestamp")]
    assert readings(world, 4) == {"2026-11-18 08:00": 29.0, "2026-11-19 08:00": 31.0, "2026-11-20 08:00": 30.0}
    assert daily(world, GAS_DAILY, "building", 2) == {"2026-11-17": 29.0, "2026-11-18": 31.0, "2026-11-19": 30.0}
    # a day column: the day of consumption, ending at 08:00 the next morning
    water = write_csv(tmp_path, "water.csv", csv_of([["表计编号", "日期", "用量"], ["W-B001", "2026-11-19", 3.5]]))
    assert load(world, water).rows_accepted == 1
    assert readings(world, 2) == {"2026-11-20 08:00": 3.5}
    assert daily(world, "energy.water_m3", "building", 1) == {"2026-11-19": 3.5}


def test_a_daily_meter_read_at_eight_in_xlsx(world, tmp_path):
    execute(world, "UPDATE meter SET reading_hour = 8 WHERE code = 'G-B002'")
    path = write_xlsx(
        tmp_path,
        "gas.xlsx",
        [
            ["表计编号", "时间", "用量", "单位"],
            ["G-B002", "2026-11-20 08:00", 30, "m3"],
            ["G-B002", "2026-11-19 00:00", 5, "m3"],
            ["G-B002", "2026-11-17", 29, "m3"],
        ],
    )
    result = load(world, path)
    assert (result.rows_accepted, result.rows_rejected) == (2, 1)
    assert readings(world, 4) == {"2026-11-18 08:00": 29.0, "2026-11-20 08:00": 30.0}


def test_readings_at_eight_roll_up_into_the_day_they_start_across_a_month_end(world, tmp_path):
    """The reading at 1 Dec 08:00 belongs to 30 Nov; what the incremental roll-up leaves (new
    readings, then a correction) is what a rebuild gives."""
    execute(world, "UPDATE meter SET reading_hour = 8 WHERE code = 'G-B002'")
    now = dt.datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # 12:00 on 2 Dec in Shanghai
    first = write_csv(
        tmp_path,
        "gas-1.csv",
        csv_of(
            [
                ["表计编号", "时间", "用量"],
                ["G-B002", "2026-11-29 08:00", 10],
                ["G-B002", "2026-11-30 08:00", 11],
                ["G-B002", "2026-12-01 08:00", 12],
                ["G-B002", "2026-12-02 08:00", 13],
                ["E-B002", "2026-12-01 00:00", 5],  # an hourly meter beside it: 23:00–24:00 on 30 Nov
                ["E-B002", "2026-12-01 01:00", 6],
            ]
        ),
    )
    assert load(world, first, now=now).rows_accepted == 6
    second = write_csv(
        tmp_path,
        "gas-2.csv",
        csv_of(
            [
                ["表计编号", "时间", "用量"],
                ["G-B002", "2026-12-01 08:00", 20],  # a correction
                ["G-B002", "2026-11-28 08:00", 9],
                ["G-B002", "2026-11-29 08:00", 10],  # unchanged
            ]
        ),
    )
    result = load(world, second, now=now)
    assert (result.rows_accepted, result.rows_duplicate) == (2, 1)
    assert daily(world, GAS_DAILY, "building", 2) == {
        "2026-11-27": 9.0,
        "2026-11-28": 10.0,
        "2026-11-29": 11.0,
        "2026-11-30": 20.0,
        "2026-12-01": 13.0,
    }
    assert monthly(world, GAS_DAILY, "building", 2) == {"2026-11-01": 50.0, "2026-12-01": 13.0}
    assert monthly(world, GAS_DAILY, "org", 1) == {"2026-11-01": 50.0, "2026-12-01": 13.0}
    assert daily(world, "energy.electricity_kwh", "building", 2) == {"2026-11-30": 5.0, "2026-12-01": 6.0}
    engine = get_engine(world)
    incremental = _energy(snapshot(engine))
    with engine.begin() as conn:
        rollup.rebuild_all(conn, as_of=dt.date(2026, 12, 2))
    assert_same(incremental, _energy(snapshot(engine)))


def _energy(tables: dict) -> dict:
    """The energy rows of a roll-up snapshot (a rebuild adds state metrics for every month)."""
    return {
        name: frame[frame["metric_id"].str.startswith("energy.")].reset_index(drop=True)
        for name, frame in tables.items()
    }


def test_the_jump_check_compares_a_daily_reading_with_a_day(world, tmp_path):
    """Last October's gas was 3 100 m³ (100 m³ a day): 150 m³ in a day passes, 5 000 m³ is a
    jump (under the building's ceiling of 9 600 m³, so the jump check is what refuses it)."""
    execute(world, "UPDATE meter SET reading_hour = 8 WHERE code = 'G-B002'")
    execute(
        world,
        "INSERT INTO rollup_monthly (metric_id, entity_kind, entity_id, month, value, samples) "
        "VALUES ('energy.gas_m3', 'building', 2, '2026-10-01', 3100, 31)",
    )
    path = write_csv(
        tmp_path,
        "gas.csv",
        csv_of(
            [["表计编号", "时间", "用量"], ["G-B002", "2026-11-19 08:00", 150], ["G-B002", "2026-11-20 08:00", 5000]]
        ),
    )
    result = load(world, path)
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    [(line, code, params)] = quarantined(world)
    assert (line, code) == (3, "implausible_jump")
    assert params["reference"] == pytest.approx(100.0)


# --- 2. a ceiling that needs no history --------------------------------------------------------

CEILING_ROWS = [
    ["表计编号", "时间", "用量", "单位"],
    ["G-B002", "2026-11-18", "1000000000000", "m3"],
    ["G-B002", "2026-11-19", "1E+12", "m3"],
    ["G-B002", "2026-11-17", "120", "m3"],
    ["E-B001", "2026-11-20 01:00", "1600", "kWh"],  # B001: 5 000 m² × 0.3 kWh/(m²·h) = 1 500 kWh an hour
    ["E-B001", "2026-11-20 02:00", "1400", "kWh"],
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_reading_far_above_the_ceiling_is_refused_without_history(world, tmp_path, kind):
    if kind == "csv":
        path = write_csv(tmp_path, "gas.csv", csv_of(CEILING_ROWS))
    else:
        path = write_xlsx(tmp_path, "gas.xlsx", CEILING_ROWS)
    result = load(world, path)
    assert (result.rows_accepted, result.rows_rejected) == (2, 3)
    found = quarantined(world)
    assert [(line, code) for line, code, _p in found] == [
        (2, "above_ceiling"),
        (3, "above_ceiling"),
        (5, "above_ceiling"),
    ]
    gas = found[0][2]
    assert gas["ceiling"] == pytest.approx(8000 * 0.05 * 24) and gas["value"] == pytest.approx(1e12)
    assert gas["basis"] == "area" and gas["area"] == "8,000" and gas["unit"] == "m3"
    message = format_reason("above_ceiling", gas, "zh")
    assert "建筑面积 8,000 平方米 × 每平方米每小时上限 0.05 m3 × 24 小时" in message, message
    assert found[2][2]["ceiling"] == pytest.approx(1500.0)
    assert readings(world, 4) == {"2026-11-18 00:00": 120.0}


def test_a_rated_capacity_replaces_the_area_ceiling(world, tmp_path):
    execute(world, "UPDATE meter SET capacity_per_hour = 2000 WHERE code = 'E-B001'")
    execute(world, "UPDATE meter SET capacity_per_hour = 100 WHERE code = 'E-B002'")
    execute(world, "UPDATE reading_ceiling SET min_per_hour = 30 WHERE kind = 'water'")  # editable reference data
    rows = [
        ["表计编号", "时间", "用量", "单位"],
        ["E-B001", "2026-11-20 01:00", "1600", "kWh"],  # above the area's 1 500, under the rating
        ["E-B002", "2026-11-20 01:00", "150", "kWh"],  # above its rating of 100 kWh an hour
        ["W-B001", "2026-11-19", "600", "m3"],  # 5 000 m² × 0.01 = 50 m³ an hour × 24
        ["W-B001", "2026-11-18", "1300", "m3"],
    ]
    result = load(world, write_csv(tmp_path, "r.csv", csv_of(rows)))
    assert (result.rows_accepted, result.rows_rejected) == (2, 2)
    found = quarantined(world)
    assert [(line, code) for line, code, _p in found] == [(3, "above_ceiling"), (5, "above_ceiling")]
    assert found[0][2]["ceiling"] == pytest.approx(100.0) and found[0][2]["basis"] == "rated"
    assert "rated capacity 100 kWh/h × 1 h" in format_reason("above_ceiling", found[0][2], "en")
    assert found[1][2]["ceiling"] == pytest.approx(1200.0)


def test_every_reading_of_the_demo_is_under_its_ceiling(demo_sqlite_url):
    engine = get_engine(demo_sqlite_url)
    with engine.connect() as conn:
        table = MeterTable.load(conn)
        highest = dict(conn.execute(sa.text("SELECT meter_id, max(value) FROM meter_reading GROUP BY meter_id")).all())
    assert len(highest) > 100
    over = {
        int(meter_id): (value, float(table.ceiling[table.position[int(meter_id)]]))
        for meter_id, value in highest.items()
        if value is not None and value > table.ceiling[table.position[int(meter_id)]]
    }
    assert not over
    assert all(c < float("inf") for c in table.ceiling.tolist())


# --- 3. a blank unit cell ------------------------------------------------------------------------

UNIT_ROWS = [
    ["表计编号", "时间", "用量", "单位"],
    ["E-B001", "2026-11-20 01:00", "0.012", "万千瓦时"],
    ["E-B001", "2026-11-20 02:00", "0.011", None],  # blank: not kWh
    ["E-B001", "2026-11-20 03:00", "130", "kWh"],
    ["E-B001", "2026-11-20 04:00", "14kWh", None],  # the unit in the cell itself
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_blank_unit_cell_in_a_file_with_a_unit_column_is_a_missing_unit(world, tmp_path, kind):
    if kind == "csv":
        path = write_csv(tmp_path, "units.csv", csv_of(UNIT_ROWS), column_way=True)
    else:
        path = write_xlsx(tmp_path, "units.xlsx", UNIT_ROWS)
    result = load(world, path)
    assert (result.rows_accepted, result.rows_rejected) == (3, 1)
    assert quarantined(world) == [(3, "missing_value", {"column": "单位"})]
    assert readings(world, 1) == pytest.approx(
        {"2026-11-20 01:00": 120.0, "2026-11-20 03:00": 130.0, "2026-11-20 04:00": 14.0}
    )


def test_without_a_unit_column_the_header_or_the_canonical_unit_is_assumed(world, tmp_path):
    hinted = write_csv(
        tmp_path, "a.csv", csv_of([["表计编号", "时间", "用电量(万千瓦时)"], ["E-B001", "2026-11-20 05:00", "0.01"]])
    )
    plain = write_csv(tmp_path, "b.csv", csv_of([["表计编号", "时间", "用量"], ["E-B001", "2026-11-20 06:00", "90"]]))
    assert load(world, hinted).rows_accepted == 1 and load(world, plain).rows_accepted == 1
    assert readings(world, 1) == pytest.approx({"2026-11-20 05:00": 100.0, "2026-11-20 06:00": 90.0})


FUEL_ROWS = [
    ["车牌号", "加油/充电时间", "类型", "数量", "单位", "金额"],
    ["京A00001", "2026-11-20 08:00", "加油", 40, "升", 316],
    ["京A00001", "2026-11-20 09:00", "加油", 35, None, 280],  # blank: not litres
    ["京A00002", "2026-11-20 10:00", "充电", "0.03", "MWh", 36],
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_blank_fuel_unit_in_a_file_with_a_unit_column_is_a_missing_unit(world, tmp_path, kind):
    if kind == "csv":
        path = write_csv(tmp_path, "fuel.csv", csv_of(FUEL_ROWS), column_way=False)
    else:
        path = write_xlsx(tmp_path, "fuel.xlsx", FUEL_ROWS)
    result = load(world, path)
    assert (result.fact, result.rows_accepted, result.rows_rejected) == ("fuel", 2, 1)
    assert quarantined(world) == [(3, "missing_value", {"column": "单位"})]
    assert q(world, "SELECT quantity, unit FROM fuel_record ORDER BY ts") == [(40.0, "L"), (30.0, "kWh")]


# --- 4. codes with invisible or full-width characters --------------------------------------------

CODE_ROWS = [
    ["表计编号", "时间", "用量", "单位"],
    ["ＳＢ０２５００１", "2026-11-20 01:00", "10", "kWh"],  # full-width letters and digits
    ["SB025001\u200b", "2026-11-20 02:00", "11", "kWh"],  # a zero-width space behind
    ["\u200dSB025001", "2026-11-20 03:00", "12", "kWh"],  # a zero-width joiner in front
    ["\ufeffSB025001", "2026-11-20 04:00", "13", "kWh"],  # a stray BOM inside the cell
    ["SB0２5001", "2026-11-20 05:00", "14", "kWh"],  # one full-width digit
    ["SB025002\u200b", "2026-11-20 06:00", "15", "kWh"],  # still unknown once cleaned
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_codes_with_invisible_or_full_width_characters_name_their_meter(world, tmp_path, kind):
    with get_engine(world).begin() as conn:
        conn.execute(
            sa.insert(Meter),
            [
                dict(
                    id=5,
                    code="SB025001",
                    building_id=1,
                    kind="electricity",
                    unit="kWh",
                    interval_minutes=60,
                    active=True,
                )
            ],
        )
    if kind == "csv":
        path = write_csv(tmp_path, "codes.csv", csv_of(CODE_ROWS))
    else:
        path = write_xlsx(tmp_path, "codes.xlsx", CODE_ROWS)
    result = load(world, path)
    assert (result.rows_accepted, result.rows_rejected) == (5, 1)
    assert [(line, code, p["code"]) for line, code, p in quarantined(world)] == [(7, "unknown_meter", "SB025002")]
    assert sorted(readings(world, 5).values()) == [10.0, 11.0, 12.0, 13.0, 14.0]
    # a meter named by its building (full-width, with a zero-width space) and energy type
    rows = [["建筑编码", "能源类型", "日期", "用量"], ["Ｂ００２\u200b", "燃气", "2026-11-19", "50"]]
    other = (
        write_csv(tmp_path, "by-building.csv", csv_of(rows)) if kind == "csv" else write_xlsx(tmp_path, "b.xlsx", rows)
    )
    assert load(world, other).rows_accepted == 1
    assert readings(world, 4) == {"2026-11-20 00:00": 50.0}


# --- 5. energy type vs meter ---------------------------------------------------------------------

KIND_ROWS = [
    ["表计编号", "能源类型", "日期", "用量"],
    ["W-B001", "电", "2026-11-19", "3"],  # a water meter's reading labelled electricity
    ["W-B001", "水", "2026-11-18", "3"],
    ["W-B001", None, "2026-11-17", "3"],  # no energy type: the meter decides
    ["G-B002", "天然气", "2026-11-19", "30"],
    ["G-B002", "水", "2026-11-18", "30"],
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_energy_type_that_is_not_the_meters_is_refused(world, tmp_path, kind):
    if kind == "csv":
        path = write_csv(tmp_path, "kinds.csv", csv_of(KIND_ROWS))
    else:
        path = write_xlsx(tmp_path, "kinds.xlsx", KIND_ROWS)
    result = load(world, path)
    assert (result.rows_accepted, result.rows_rejected) == (3, 2)
    assert quarantined(world) == [
        (2, "meter_kind_mismatch", {"column": "能源类型", "meter": "W-B001", "kind": "water", "written": "电"}),
        (6, "meter_kind_mismatch", {"column": "能源类型", "meter": "G-B002", "kind": "gas", "written": "水"}),
    ]
    assert len(readings(world, 2)) == 2 and len(readings(world, 4)) == 1


# --- 6. reader and note kept ---------------------------------------------------------------------

NOTE_ROWS = [
    ["表计编号", "时间", "用量", "单位", "抄表人", "备注"],
    ["E-B001", "2026-11-20 01:00", "10", "kWh", "张三", "=1+2"],  # a formula-looking note: kept as written
    ["E-B001", "2026-11-20 02:00", "11", "kWh", None, None],
    ["E-B001", "2026-11-20 03:00", "12", "kWh", None, "  表具更换 "],
    ["W-B001", "2026-11-19", "3", "m3", "李四", "<b>估读</b>"],
]


def _notes(url) -> list[tuple]:
    rows = q(url, "SELECT meter_id, ts, reader_name, note FROM meter_reading_note ORDER BY meter_id, ts")
    return [(m, (pd.Timestamp(ts) + pd.Timedelta(hours=8)).strftime("%m-%d %H:%M"), r, n) for m, ts, r, n in rows]


def test_the_reader_and_the_note_are_kept_beside_the_reading(world, tmp_path):
    first = load(world, write_csv(tmp_path, "notes.csv", csv_of(NOTE_ROWS)))
    assert (first.rows_accepted, first.rows_rejected) == (4, 0)
    assert not any(i.code == "ignored_columns" for i in first.issues)
    assert _notes(world) == [
        (1, "11-20 01:00", "张三", "=1+2"),
        (1, "11-20 03:00", None, "表具更换"),
        (2, "11-20 00:00", "李四", "<b>估读</b>"),
    ]
    rollups = [daily(world, m, "building", b) for m, b in (("energy.electricity_kwh", 1), ("energy.water_m3", 1))]
    # the same values again with one note changed and one added: updates of the notes only
    changed = [list(r) for r in NOTE_ROWS]
    changed[1][5] = "=1+3"
    changed[2][5] = "补录"
    again = load(world, write_csv(tmp_path, "notes-2.csv", csv_of(changed)))
    assert (again.rows_accepted, again.rows_duplicate, again.rows_rejected) == (2, 2, 0)
    assert _notes(world)[:2] == [(1, "11-20 01:00", "张三", "=1+3"), (1, "11-20 02:00", None, "补录")]
    assert [
        daily(world, m, "building", b) for m, b in (("energy.electricity_kwh", 1), ("energy.water_m3", 1))
    ] == rollups
    # a row without reader and note leaves the stored note as it is; the same file again is no change
    assert load(world, write_csv(tmp_path, "plain.csv", csv_of([r[:4] for r in changed]))).rows_accepted == 0
    assert load(world, write_csv(tmp_path, "notes-3.csv", csv_of(changed) + "\n")).rows_accepted == 0
    assert len(_notes(world)) == 4
    with get_engine(world).connect() as conn:
        masked, total = reading_notes(conn, batch_id=again.batch_id)
        shown, _total = reading_notes(conn, Scope(1, "/1/", can_view_personal_data=True), batch_id=first.batch_id)
        outside, _none = reading_notes(conn, Scope(5, "/1/2/5/", can_view_personal_data=True))
    assert (
        total == 2 and masked["reader_name"].tolist() == ["张*", None] and masked["note"].tolist() == ["=1+3", "补录"]
    )
    assert shown["reader_name"].tolist() == [None, "李四"] and shown["meter_code"].tolist() == ["E-B001", "W-B001"]
    assert outside.empty  # A2's scope: notes of B001's meters are not its own


def test_a_note_too_long_is_refused_and_in_file_repeats_compare_notes(world, tmp_path):
    rows = [
        ["表计编号", "时间", "用量", "抄表人", "备注"],
        ["E-B001", "2026-11-20 01:00", "10", "张三", "长" * 501],
        ["E-B001", "2026-11-20 02:00", "10", "张三", "甲"],
        ["E-B001", "2026-11-20 02:00", "10", "张三", "乙"],  # the same reading with another note
        ["E-B001", "2026-11-20 03:00", "10", "张三", "丙"],
        ["E-B001", "2026-11-20 03:00", "10", "张三", "丙"],  # the same row again
    ]
    result = load(world, write_csv(tmp_path, "long.csv", csv_of(rows)))
    assert (result.rows_accepted, result.rows_duplicate, result.rows_rejected) == (2, 1, 2)
    assert [(line, code) for line, code, _p in quarantined(world)] == [(2, "text_too_long"), (4, "duplicate_in_file")]


# --- the data page's notes panel ----------------------------------------------------------------

SECRET = "real-exports-tests-" + "z" * 32


@contextlib.contextmanager
def _request(app, user, lang="zh"):
    from security.context import acting_as

    with app.server.test_request_context(
        "/_dash-update-component", method="POST", headers={"Cookie": f"aocc_lang={lang}"}
    ):
        with acting_as(user):
            yield


def test_the_data_page_shows_a_batchs_notes_as_text_with_the_reader_masked(sqlite_url, tmp_path):
    from app import create_app
    from callbacks.data_center import update_reading_notes
    from components.data_center import NOTES, NOTES_BATCH, build_data_page
    from config import load_config
    from security.context import UserInfo

    build_world(sqlite_url)
    batch = load(sqlite_url, write_csv(tmp_path, "notes.csv", csv_of(NOTE_ROWS), column_way=False)).batch_id
    os.environ.setdefault("SECRET_KEY", SECRET)
    app = create_app(load_config(database_url=sqlite_url, secret_key=SECRET))
    render = lambda c: json.dumps(c, cls=__import__("plotly").utils.PlotlyJSONEncoder, ensure_ascii=False)  # noqa: E731
    layout = render(build_data_page(lang="zh", metric=None, org=None, can_manage=False, refresh_seconds=60))
    assert NOTES in layout and NOTES_BATCH in layout and "抄表备注" in layout
    operator = UserInfo("op1", "操作员", "operator", frozenset({"view", "manage_data", "view_personal_data"}), 1)
    viewer = UserInfo("viewer1", "查看者", "viewer", frozenset({"view"}), 1)
    with _request(app, operator):
        shown = render(update_reading_notes(0, 0, None))  # no batch given: the latest with notes
    assert f"#{batch}" in shown and "张三" in shown and "=1+2" in shown and "<b>估读</b>" in shown
    assert "__html" not in shown and "dangerously" not in shown
    with _request(app, viewer, lang="en"):
        shown = render(update_reading_notes(0, 0, batch))
    assert "张*" in shown and "张三" not in shown and "Reader" in shown
