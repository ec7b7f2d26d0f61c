"""Master data imports: org units, buildings, meters, vehicles and staff, from files, the drop
folder, the CLI and a SQL source, into an empty seeded database; updates by code, re-parenting
(paths and roll-ups follow), moves of buildings and vehicles, retirement, and every rejection."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import xlsxwriter

from data.db import get_engine, session_scope
from data.import_formats import FORMATS, detect_fact
from data.import_formats.master import MASTER_FACTS
from data.loaders import ensure_sources, load_file, register_sql_source, run_source
from data.loaders.__main__ import main as cli_main
from data.loaders.facts.master_org import CREDIT_CHARSET, CREDIT_WEIGHTS, credit_code_problem
from data.loaders.sources import SourceSpec, loading_order
from data.rollup import rebuild_all
from data.seed import seed_reference

from rollup_snapshots import assert_same, snapshot

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
NOW = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)  # 10:00 on 3 Dec in Shanghai
MASTER_FILES = [
    "master_org_units.csv",
    "master_buildings.xlsx",
    "master_meters.csv",
    "master_vehicles.csv",
    "master_staff.xlsx",
]


def daily_meters_read_at_their_hour() -> bool:
    """Whether meter readings of a daily meter are taken at its reading hour (08:00): that is
    another change, in data/loaders/facts/meter_reading.py. Until it lands the 08:00 water
    readings of fresh_water.csv are refused as misaligned, and the tests leave that file out."""
    import inspect

    from data.loaders.facts import meter_reading

    return "reading_hour" in inspect.getsource(meter_reading)


WATER = daily_meters_read_at_their_hour()
FRESH_FILES = ["fresh_electricity.csv", *(["fresh_water.csv"] if WATER else []), "fresh_trips.csv"]


def q(url, sql, **params):
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def seeded(url):
    with session_scope(get_engine(url)) as s:
        seed_reference(s)
    return url


@pytest.fixture
def empty(db_url):
    return seeded(db_url)


@pytest.fixture
def sqlite_empty(sqlite_url):
    return seeded(sqlite_url)


def load(url, path, **kw):
    return load_file(get_engine(url), path, now=NOW, **kw)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def load_samples(url, names=MASTER_FILES + FRESH_FILES):
    return {name: load(url, SAMPLES / name) for name in names}


def org_id(url, code):
    return q(url, "SELECT id FROM org_node WHERE code = :c", c=code)[0][0]


def monthly(url, metric, code, month="2026-12-01"):
    got = q(
        url,
        "SELECT value FROM rollup_monthly WHERE metric_id=:m AND entity_kind='org' AND entity_id=:o AND month=:d",
        m=metric,
        o=org_id(url, code),
        d=month,
    )
    return got[0][0] if got else None


def provenance(url):
    return sorted(q(url, "SELECT metric_id, org_id, month, batch_id, rows FROM rollup_provenance"))


def reasons(url):
    return [r[0] for r in q(url, "SELECT reason_code FROM quarantine_row ORDER BY id")]


def rebuild(url):
    """Start from the roll-ups a rebuild gives (incremental loads leave only the current month's
    states; a rebuild writes them for every month with facts), so a comparison after a move
    checks the move alone."""
    with get_engine(url).begin() as conn:
        rebuild_all(conn, as_of=dt.date(2026, 12, 3))


def assert_rollups_equal_rebuild(url):
    engine = get_engine(url)
    before, prov = snapshot(engine), provenance(url)
    states = sorted(
        q(url, "SELECT metric_id, entity_id, month, value FROM rollup_monthly WHERE metric_id LIKE 'vehicle.%'")
    )
    with engine.begin() as conn:
        rebuild_all(conn, as_of=dt.date(2026, 12, 3))
    assert_same(before, snapshot(engine))
    assert prov == provenance(url)
    assert states == sorted(
        q(url, "SELECT metric_id, entity_id, month, value FROM rollup_monthly WHERE metric_id LIKE 'vehicle.%'")
    )


# --- the sample files: a fresh deployment ---------------------------------------------------


def test_samples_load_into_an_empty_seeded_database_with_no_rejection(empty):
    results = load_samples(empty)
    for name, result in results.items():
        assert result.status == "applied", (name, result.summary(), [i.log_text() for i in result.issues])
        assert result.rows_rejected == 0, (name, reasons(empty))
    assert [results[n].rows_accepted for n in MASTER_FILES] == [12, 6, 15, 6, 10]
    assert results["fresh_electricity.csv"].rows_accepted == 432
    if WATER:
        assert results["fresh_water.csv"].rows_accepted == 18  # daily meters read at 08:00
    assert results["fresh_trips.csv"].rows_accepted == 5
    tree = dict((c, (p, d, a)) for c, p, d, a in q(empty, "SELECT code, path, depth, admin_level FROM org_node"))
    root = org_id(empty, "SF")
    assert tree["SF"] == (f"/{root}/", 0, "province")
    city, county, agency = (org_id(empty, c) for c in ("C01", "X01", "X01-A01"))
    assert tree["X01-A01"] == (f"/{root}/{city}/{county}/{agency}/", 3, "county")  # listed before its parents
    assert tree["SF-A01"][2] == "province" and tree["C01-A01"][2] == "city"
    assert q(empty, "SELECT name_en FROM org_node WHERE code='X01'") == [("Jiangbei District",)]
    assert q(empty, "SELECT interval_minutes, reading_hour, unit FROM meter WHERE code='W-B-SF-01'") == [
        (1440, 8, "m3")
    ]
    assert q(empty, "SELECT interval_minutes, capacity_per_hour FROM meter WHERE code='E-B-SF-01'") == [(60, 2100.0)]
    assert q(empty, "SELECT vehicle_class, energy_type, status FROM vehicle WHERE plate='浙B30001'") == [
        ("law_enforcement", "petrol", "repair")
    ]
    assert q(empty, "SELECT rank_code FROM staff_member WHERE staff_no='S0001'") == [("bureau_head",)]
    assert q(empty, "SELECT rank_code FROM staff_member WHERE staff_no='S0010'") == [("below_section",)]
    assert monthly(empty, "energy.electricity_kwh", "SF") > 0
    assert monthly(empty, "vehicle.trips", "SF") == 5
    assert q(empty, "SELECT DISTINCT domain FROM load_batch WHERE fact IN ('org_unit', 'meter')") == [("master",)]
    # Loading everything again changes nothing: same files are recognised, re-exports are duplicates.
    again = load_samples(empty)
    assert {r.status for r in again.values()} == {"unchanged"}
    forced = {n: load(empty, SAMPLES / n, force=True) for n in MASTER_FILES}
    assert all(r.rows_duplicate == r.rows_read and r.rows_accepted == 0 for r in forced.values())


def test_english_headers_xlsx_and_update_by_code(empty, tmp_path):
    path = tmp_path / "orgs.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Org units")
    rows = [
        ["Code", "Name", "Parent code", "Level", "Headcount"],
        ["P", "Test Province", "", "province", 0],
        ["A", "Agency A", "P", "agency", 12],
    ]
    for i, row in enumerate(rows):
        ws.write_row(i, 0, row)
    wb.close()
    first = load(empty, path)
    assert (first.fact, first.rows_accepted) == ("org_unit", 2)
    assert q(empty, "SELECT name_en, headcount, admin_level FROM org_node WHERE code='A'") == [
        ("Agency A", 12, "province")
    ]
    update = write(tmp_path, "orgs2.csv", "机构编码,机构名称,上级机构编码,层级\nP,测试省,,省\nA,甲单位,P,单位\n", "gbk")
    second = load(empty, update)
    assert (second.rows_accepted, second.rows_duplicate) == (2, 0)
    # The file has no headcount column: the stored value is kept; the English name follows the new one.
    assert q(empty, "SELECT name_zh, headcount FROM org_node WHERE code='A'") == [("甲单位", 12)]


# --- re-parenting, moves, retirement -----------------------------------------------------


def test_reparenting_moves_the_subtree_and_its_rollups(empty, tmp_path):
    load_samples(empty)
    rebuild(empty)
    x02, agency = org_id(empty, "X02"), org_id(empty, "X02-A01")
    c02, root = org_id(empty, "C02"), org_id(empty, "SF")
    metric = "energy.electricity_kwh"
    moved = monthly(empty, metric, "X02")
    c01_before, c02_before, province = (monthly(empty, metric, c) for c in ("C01", "C02", "SF"))
    fleet_before = monthly(empty, "vehicle.fleet", "C02")
    path = write(tmp_path, "move.csv", "机构编码,机构名称,上级机构编码,层级\nX02,清河县,C02,县(区)\n")
    result = load(empty, path)
    assert (result.rows_accepted, result.rows_rejected) == (1, 0)
    assert q(empty, "SELECT path, depth, parent_id FROM org_node WHERE code='X02'") == [
        (f"/{root}/{c02}/{x02}/", 2, c02)
    ]
    assert q(empty, "SELECT path, depth FROM org_node WHERE code='X02-A01'") == [(f"/{root}/{c02}/{x02}/{agency}/", 3)]
    assert monthly(empty, metric, "C01") == pytest.approx(c01_before - moved)
    assert monthly(empty, metric, "C02") == pytest.approx(c02_before + moved)
    assert monthly(empty, metric, "SF") == pytest.approx(province)
    assert monthly(empty, metric, "X02") == pytest.approx(moved)
    assert monthly(empty, "vehicle.fleet", "C02") == fleet_before  # X02 has no vehicles
    assert_rollups_equal_rebuild(empty)


def test_moving_a_building_and_a_vehicle_moves_their_history(empty, tmp_path):
    load_samples(empty)
    rebuild(empty)
    metric = "energy.electricity_kwh"
    building = monthly(empty, metric, "X03-A01")
    c01, c02 = monthly(empty, metric, "C01"), monthly(empty, metric, "C02")
    path = write(
        tmp_path,
        "building.csv",
        "建筑编码,单位编码,建筑名称,建筑面积\nB-X03-01,X01-A01,南山县教育局办公楼,5000\n",
    )
    assert load(empty, path).rows_accepted == 1
    assert monthly(empty, metric, "X03-A01") is None
    assert (monthly(empty, metric, "C02") or 0) == pytest.approx(c02 - building)  # no building left there
    assert monthly(empty, metric, "C01") == pytest.approx(c01 + building)
    trips_c01 = monthly(empty, "vehicle.trips", "C01")
    vehicles = write(
        tmp_path,
        "vehicle.csv",
        "车牌号,单位编码,车辆类别,能源类型,百公里能耗,购置日期\n浙CD40001,X01-A01,一般公务用车,纯电,12.8,2024-01-08\n",
    )
    assert load(empty, vehicles).rows_accepted == 1
    assert monthly(empty, "vehicle.trips", "C01") == trips_c01 + 1
    assert monthly(empty, "vehicle.trips", "C02") is None
    assert_rollups_equal_rebuild(empty)


def test_retirement_keeps_the_node_its_facts_and_rollups(empty, tmp_path):
    load_samples(empty)
    metric = "energy.electricity_kwh"
    before = monthly(empty, metric, "X03-A01")
    files = [
        ("o.csv", "机构编码,机构名称,上级机构编码,层级,撤销日期\nX03-A01,南山县教育局,X03,单位,2026-12-02\n"),
        ("m.csv", "表计编号,建筑编码,能源类型,采集间隔,停用日期\nE-B-X03-01,B-X03-01,电,小时,2026-12-02\n"),
        (
            "v.csv",
            "车牌号,单位编码,车辆类别,能源类型,百公里能耗,购置日期,处置日期\n"
            "浙CD40001,X03-A01,一般公务用车,纯电,12.8,2024-01-08,2026-12-02\n",
        ),
    ]
    for name, text in files:
        result = load(empty, write(tmp_path, name, text))
        assert (result.rows_accepted, result.rows_rejected) == (1, 0), name
    assert q(empty, "SELECT retired_on FROM org_node WHERE code='X03-A01'")[0][0] is not None
    assert q(empty, "SELECT active FROM meter WHERE code='E-B-X03-01'") in ([(False,)], [(0,)])
    assert q(empty, "SELECT status FROM vehicle WHERE plate='浙CD40001'") == [("disposed",)]
    assert q(empty, "SELECT count(*) FROM trip t JOIN vehicle v ON v.id = t.vehicle_id WHERE v.plate='浙CD40001'") == [
        (1,)
    ]
    assert monthly(empty, metric, "X03-A01") == pytest.approx(before)
    assert monthly(empty, "vehicle.trips", "X03-A01") == 1
    assert (monthly(empty, "vehicle.fleet", "X03-A01") or 0) == 0


# --- rejections ----------------------------------------------------------------------------


def test_every_master_rejection_reason(empty, tmp_path):
    load_samples(empty, MASTER_FILES + ["fresh_electricity.csv"])
    valid = "11990000MB0001234L"
    broken = valid[:-1] + ("M" if valid[-1] != "M" else "N")
    orgs = (
        "机构编码,机构名称,上级机构编码,层级,统一社会信用代码\n"
        f"N1,新单位一,SF,单位,{broken}\n"  # bad check character
        f"N2,新单位二,SF,单位,{valid}\n"  # the credit code of SF-A01
        "N3,新单位三,NOPE,单位,\n"  # unknown parent
        "N4,新单位四,N5,单位,\n"  # N4 ↔ N5: a cycle
        "N5,新单位五,N4,单位,\n"
        "N6,另一个省,,省,\n"  # a second root
        "C01,东川市,X01,市,\n"  # under its own subtree
    )
    result = load(empty, write(tmp_path, "bad_orgs.csv", orgs))
    assert (result.rows_accepted, result.rows_rejected) == (0, 7)
    got = reasons(empty)
    assert sorted(got) == sorted(
        [
            "bad_credit_code",
            "duplicate_credit_code",
            "unknown_org",
            "org_cycle",
            "org_cycle",
            "second_root",
            "org_cycle",
        ]
    )
    meters = (
        "表计编号,建筑编码,能源类型,采集间隔,抄表时刻,计量单位\n"
        "E-NEW,B-SF-01,电,小时,8,\n"  # reading hour on an hourly meter
        "E-B-SF-01,B-SF-01,电,15分钟,0,\n"  # interval change with readings
        "W-NEW,B-SF-01,水,日,8,kWh\n"  # unit of another kind
        "W-NEW2,B-NOPE,水,日,8,\n"  # unknown building
        "W-NEW3,B-SF-01,水,日,24,\n"  # hour out of range
    )
    result = load(empty, write(tmp_path, "bad_meters.csv", meters))
    assert (result.rows_accepted, result.rows_rejected) == (0, 5)
    staff = "工号,单位编码,姓名,职级\nS9001,X01-A01,测试,厅(局)级正职\nS9002,NOPE,测试,科级正职\n"
    result = load(empty, write(tmp_path, "bad_staff.csv", staff))
    assert (result.rows_accepted, result.rows_rejected) == (0, 2)
    got = reasons(empty)[7:]
    assert got == [
        "reading_hour_not_daily",
        "meter_history_conflict",
        "unit_mismatch",
        "unknown_building",
        "value_out_of_range",
        "unknown_rank",
        "unknown_org",
    ]
    params = q(empty, "SELECT reason_params FROM quarantine_row WHERE reason_code='meter_history_conflict'")[0][0]
    assert "60" in str(params) and "15" in str(params)
    # Quarantined rows are placed in the data scope of the org they name, when it is known.
    assert q(empty, "SELECT org_id FROM quarantine_row WHERE reason_code='unknown_rank'") == [
        (org_id(empty, "X01-A01"),)
    ]


def test_credit_code_check_character():
    body = "91330100MA27XYW12"
    check = (31 - sum(CREDIT_CHARSET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS)) % 31) % 31
    good = body + CREDIT_CHARSET[check]
    assert credit_code_problem(good) is None
    assert credit_code_problem(body + CREDIT_CHARSET[(check + 1) % 31]) == "check character"
    assert credit_code_problem(good[:17]) == "length"
    assert credit_code_problem("I" + good[1:]) == "character"  # I, O, S, V, Z are never used


# --- detection, drop folder, CLI, SQL source -----------------------------------------------


@pytest.mark.parametrize(
    ("header", "fact"),
    [
        (["机构编码", "机构名称", "上级机构编码", "层级"], "org_unit"),
        (["建筑编码", "单位编码", "建筑名称", "建筑面积"], "building"),
        (["code", "org code", "name", "floor area"], "building"),
        (["资产编号", "单位编码", "资产分类", "资产名称", "使用状态", "原值", "取得日期", "建筑编码"], "asset"),
        (["表计编号", "建筑编码", "能源类型", "采集间隔"], "meter"),
        (["表计编号", "建筑编码", "能源类型", "时间", "用量"], "meter_reading"),
        (["车牌号", "单位编码", "车辆类别", "能源类型", "百公里能耗", "购置日期"], "vehicle"),
        (["车牌号", "加油时间", "能源类型", "加油量", "金额"], "fuel"),
        (["工号", "单位编码", "姓名", "职级"], "staff"),
        (["建筑编码", "房间号", "工号", "姓名", "职级", "起始日期"], "office_occupancy"),
    ],
)
def test_detection_tells_master_files_from_fact_files(header, fact):
    assert detect_fact([header], tuple(FORMATS)) == (fact, 0)


def test_drop_folder_applies_master_files_first_in_dependency_order(empty, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    ensure_sources(
        get_engine(empty),
        [
            SourceSpec(
                "drop_energy",
                "file_drop",
                "energy",
                "投放",
                "Drop",
                {"folder": str(folder), "domain": "energy"},
                60,
                3600,
            )
        ],
    )
    # Arrival order: the readings first, the org tree last.
    names = ["fresh_electricity.csv", *reversed(MASTER_FILES[:3]), *(["fresh_water.csv"] if WATER else [])]
    base = time.time() - 100
    for i, name in enumerate(names):
        shutil.copy(SAMPLES / name, folder / name)
        os.utime(folder / name, (base + i, base + i))
    results = run_source(get_engine(empty), "drop_energy", now=NOW, settle_seconds=0)
    assert [r.fact for r in results] == ["org_unit", "building", "meter"] + ["meter_reading"] * (len(names) - 3)
    assert [r.name for r in results][3:] == [n for n in names if n.startswith("fresh_")]
    assert all(r.status == "applied" and r.rows_rejected == 0 for r in results), [r.summary() for r in results]
    assert sorted(p.name.split(".batch")[0] for p in (folder / "done").iterdir()) == sorted(Path(n).stem for n in names)


def test_facts_in_a_domain_folder_wait_while_master_data_waits_in_the_master_folder(empty, tmp_path):
    """The trips and the vehicle list dropped at the same time into their own folders: whichever
    folder the scheduler scans first, the trips load after the vehicles, with nothing refused."""
    folders = {d: tmp_path / d for d in ("master", "vehicle")}
    ensure_sources(
        get_engine(empty),
        [
            SourceSpec(f"drop_{d}", "file_drop", d, "投放", "Drop", {"folder": str(f), "domain": d}, 60, 3600)
            for d, f in folders.items()
        ],
    )
    for name in MASTER_FILES[:1] + ["master_vehicles.csv"]:
        shutil.copy(SAMPLES / name, folders["master"] / name)
    shutil.copy(SAMPLES / "fresh_trips.csv", folders["vehicle"] / "fresh_trips.csv")
    assert run_source(get_engine(empty), "drop_vehicle", now=NOW, settle_seconds=0) == []
    assert (folders["vehicle"] / "fresh_trips.csv").exists()  # still waiting, not refused
    master = run_source(get_engine(empty), "drop_master", now=NOW, settle_seconds=0)
    assert [r.fact for r in master] == ["org_unit", "vehicle"]
    trips = run_source(get_engine(empty), "drop_vehicle", now=NOW, settle_seconds=0)
    assert [(r.fact, r.status, r.rows_rejected) for r in trips] == [("trip", "applied", 0)]


def test_loading_order_is_master_first():
    paths = [
        SAMPLES / n for n in ["fresh_trips.csv", "master_staff.xlsx", "master_vehicles.csv", "master_org_units.csv"]
    ]
    assert [p.name for p in loading_order(paths)] == [
        "master_org_units.csv",
        "master_vehicles.csv",
        "master_staff.xlsx",
        "fresh_trips.csv",
    ]
    assert MASTER_FACTS == ("org_unit", "building", "meter", "vehicle", "staff")


def test_cli_loads_a_fresh_deployment_in_any_argument_order(empty, capsys):
    files = [str(SAMPLES / n) for n in reversed(MASTER_FILES + FRESH_FILES)]
    assert cli_main([*files, "--url", empty]) == 0
    out = capsys.readouterr().out
    assert out.index("[org_unit]") < out.index("[building]") < out.index("[meter]") < out.index("[meter_reading]")
    assert q(empty, "SELECT count(*), sum(rows_rejected) FROM load_batch") == [(len(files), 0)]


def test_sql_source_for_buildings(empty, tmp_path):
    load_samples(empty, MASTER_FILES[:1])
    remote_url = f"sqlite:///{tmp_path / 'remote.sqlite3'}"
    remote = sa.create_engine(remote_url)
    with remote.begin() as conn:
        conn.execute(sa.text("CREATE TABLE bldg (bcode TEXT, unit TEXT, title TEXT, area REAL, updated_at TEXT)"))
        conn.execute(
            sa.text(
                "INSERT INTO bldg VALUES ('B-1', 'SF-A01', '一号楼', 1200.5, '2026-12-01 08:00'), "
                "('B-2', 'C01-A01', '二号楼', 800, '2026-12-01 09:00'), ('B-3', 'NOPE', '三号楼', 10, '2026-12-01 10:00')"
            )
        )
    remote.dispose()
    engine = get_engine(empty)
    register_sql_source(
        engine,
        code="fm",
        url=remote_url,
        fact="building",
        query="SELECT * FROM bldg WHERE updated_at > :hwm ORDER BY updated_at",
        mapping={"code": "bcode", "org_code": "unit", "name_zh": "title", "floor_area_m2": "area"},
        hwm_column="updated_at",
    )
    [result] = run_source(engine, "fm", now=NOW)
    assert (result.fact, result.rows_accepted, result.rows_rejected) == ("building", 2, 1)
    assert q(empty, "SELECT code, floor_area_m2, heated_area_m2, name_en FROM building ORDER BY code") == [
        ("B-1", 1200.5, 1200.5, "一号楼"),
        ("B-2", 800.0, 800.0, "二号楼"),
    ]
    assert reasons(empty) == ["unknown_org"]
