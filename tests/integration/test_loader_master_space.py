"""A fresh install from files only, on SQLite and PostgreSQL: the reference data ``seed_reference``
stores in every database (working-day calendar, asset categories), and the master data of space
and quotas — office rooms, turnover-housing units, vehicle quotas, energy quotas — loaded from
files with Chinese or English headers (CSV in GBK, XLSX), reloaded, corrected and rejected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
import xlsxwriter
from sqlalchemy.orm import Session

from data import reference, workdays
from data.db import get_engine, session_scope
from data.demo import build_demo
from data.import_formats import MASTER_FACTS, detect_fact
from data.loaders import load_file
from data.models import AssetCategory, CalendarDay
from data.queries.reference import fetch_energy_quotas
from data.seed import seed_reference

from loader_world import NOW, build_world

D = dt.date
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
SPACE_FACTS = ("office_room", "housing_unit", "vehicle_quota", "energy_quota")


def _table_digest(url: str) -> dict[str, list]:
    with get_engine(url).connect() as conn:
        return {
            table: [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1, 2"))]
            for table in ("calendar_day", "asset_category", "metric", "office_space_standard", "data_version")
        }


def test_seed_reference_creates_the_calendar_and_the_categories_and_a_second_call_changes_nothing(db_url):
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        seed_reference(session)
    first_year, last_year = workdays.SEEDED_YEARS
    with Session(engine) as session:
        days = session.scalars(sa.select(CalendarDay).order_by(CalendarDay.day)).all()
        assert days[0].day == D(first_year, 1, 1) and days[-1].day == D(last_year, 12, 31)
        assert len(days) == (D(last_year, 12, 31) - D(first_year, 1, 1)).days + 1
        by_day = {d.day: d for d in days}
        national = by_day[D(2025, 10, 1)]
        assert not national.is_workday and national.holiday_zh == "国庆节、中秋节" and national.holiday_en
        makeup = by_day[D(2026, 2, 14)]  # a Saturday worked before the Spring Festival (调休)
        assert makeup.is_workday and makeup.holiday_zh == "调休上班" and makeup.holiday_en == "Make-up working day"
        assert not by_day[D(2026, 2, 17)].is_workday  # Spring Festival 2026
        assert by_day[D(2026, 11, 23)].is_workday and not by_day[D(2026, 11, 22)].is_workday
        assert by_day[D(2026, 1, 10)].heating_season and not by_day[D(2026, 7, 1)].heating_season
        assert not by_day[D(2030, 10, 3)].is_workday  # an approximated year still has its holidays
        workdays_2025 = sum(d.is_workday for d in days if d.day.year == 2025)
        assert 245 <= workdays_2025 <= 252

        categories = {c.code: c for c in session.scalars(sa.select(AssetCategory))}
        assert set(categories) == {code for code, *_ in reference.ASSET_CATEGORIES}
        desktop = categories["A020101"]
        assert (desktop.name_zh, desktop.name_en, desktop.useful_life_years) == ("台式计算机", "Desktop computer", 6)
        assert desktop.parent_id == categories["A0201"].id and categories["A0201"].parent_id == categories["A02"].id
        assert categories["A06"].parent_id is None and categories["A060101"].useful_life_years == 15
        assert all(c.name_zh and c.name_en for c in categories.values())

    before = _table_digest(db_url)
    with session_scope(engine) as session:
        seed_reference(session)
    assert _table_digest(db_url) == before


def test_seed_reference_keeps_edits_and_fills_gaps(db_url):
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        seed_reference(session)
    with engine.begin() as conn:
        # An administrator makes 2 March 2026 a local holiday, renames a category, removes a day.
        conn.execute(
            sa.update(CalendarDay.__table__)
            .where(CalendarDay.day == D(2026, 3, 2))
            .values(is_workday=False, holiday_zh="地方假日", holiday_en="Local holiday")
        )
        conn.execute(
            sa.update(AssetCategory.__table__).where(AssetCategory.code == "A0202").values(name_zh="办公设备类")
        )
        conn.execute(sa.delete(CalendarDay.__table__).where(CalendarDay.day == D(2026, 3, 3)))
    with session_scope(engine) as session:
        seed_reference(session)
    with Session(engine) as session:
        edited = session.get(CalendarDay, D(2026, 3, 2))
        assert not edited.is_workday and edited.holiday_zh == "地方假日"
        assert session.get(CalendarDay, D(2026, 3, 3)).is_workday  # the missing day is back
        renamed = session.scalars(sa.select(AssetCategory).where(AssetCategory.code == "A0202")).one()
        assert renamed.name_zh == "办公设备类"


def test_a_newly_official_year_replaces_the_approximated_days_nobody_edited(db_url, monkeypatch):
    """What happens when next year's State Council schedule is added to data/workdays.py."""
    engine = get_engine(db_url)
    official_2026 = workdays.OFFICIAL_SCHEDULES[2026]
    approximate = {y: s for y, s in workdays.OFFICIAL_SCHEDULES.items() if y != 2026}
    monkeypatch.setattr(workdays, "OFFICIAL_SCHEDULES", approximate)
    with session_scope(engine) as session:
        seed_reference(session)  # 2026 stored as approximated: no make-up working days
    with Session(engine) as session:
        assert not session.get(CalendarDay, D(2026, 2, 14)).is_workday
    with engine.begin() as conn:  # an administrator edits one approximated day
        conn.execute(
            sa.update(CalendarDay.__table__).where(CalendarDay.day == D(2026, 2, 28)).values(holiday_zh="本地调整")
        )
    monkeypatch.setattr(workdays, "OFFICIAL_SCHEDULES", {**approximate, 2026: official_2026})
    with session_scope(engine) as session:
        seed_reference(session)
    with Session(engine) as session:
        makeup = session.get(CalendarDay, D(2026, 2, 14))
        assert makeup.is_workday and makeup.holiday_zh == "调休上班"
        assert not session.get(CalendarDay, D(2026, 2, 23)).is_workday  # the official ninth day off
        assert session.get(CalendarDay, D(2026, 2, 28)).holiday_zh == "本地调整"  # the edit is kept


# --- the space and quota formats, in the loader tests' small province (loader_world) ---------------
# Orgs: P (1) > C1 (2) > X1 (3) > A1 (4, county level); A2 (5, city level) under C1. Buildings B001
# (A1), B002 (A2). Stored already: rooms B001/101 (30 m²) and B001/102 (12 m²), unit HU-001 (A1).


@pytest.fixture
def world(db_url):
    build_world(db_url)
    return db_url


def q(url, sql, **params):
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def csv_file(tmp_path, name, text, encoding="gbk"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx_file(tmp_path, name, rows):
    path = tmp_path / name
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for i, row in enumerate(rows):
        sheet.write_row(i, 0, row)
    workbook.close()
    return path


def load(url, path, **kw):
    return load_file(get_engine(url), path, now=NOW, **kw)


def monthly(url, metric, org, month="2026-11-01"):
    got = q(
        url,
        "SELECT value FROM rollup_monthly WHERE metric_id=:m AND entity_kind='org' AND entity_id=:o AND month=:d",
        m=metric,
        o=org,
        d=month,
    )
    return got[0][0] if got else None


def quarantined(url, batch_id):
    return [
        r[0] for r in q(url, "SELECT reason_code FROM quarantine_row WHERE batch_id = :b ORDER BY line_no", b=batch_id)
    ]


def test_the_formats_are_master_data_loaded_after_org_units_and_buildings():
    assert MASTER_FACTS[:2] == ("org_unit", "building")
    assert MASTER_FACTS[-4:] == SPACE_FACTS
    assert detect_fact(
        [["建筑编码", "房间号", "使用单位编码", "使用面积", "用途"]], SPACE_FACTS + ("office_occupancy",)
    )[0] == ("office_room")
    assert (
        detect_fact([["房源编号", "单位编码", "面积", "居室数", "月租金"]], ("housing_unit", "lease"))[0]
        == "housing_unit"
    )


def test_office_rooms_zh_gbk_csv_and_en_xlsx_insert_update_and_reload(world, tmp_path):
    text = (
        "建筑编码,房间号,使用单位编码,使用面积(平方米),用途\n"
        "B001,101,A1,28,办公室\n"  # stored at 30 m²: corrected
        "B001,103,A1,18.5,办公室\n"
        "B001,110,A1,64,会议室\n"
        "B002,201,A2,24,服务用房\n"
    )
    first = load(world, csv_file(tmp_path, "rooms.csv", text))
    assert (first.status, first.rows_accepted, first.rows_rejected) == ("applied", 4, 0), first.summary()
    rooms = q(
        world,
        "SELECT b.code, r.room_no, r.org_id, r.usable_area_m2, r.purpose FROM office_room r "
        "JOIN building b ON b.id = r.building_id ORDER BY b.code, r.room_no",
    )
    assert rooms == [
        ("B001", "101", 4, 28.0, "office"),
        ("B001", "102", 4, 12.0, "office"),
        ("B001", "103", 4, 18.5, "office"),
        ("B001", "110", 4, 64.0, "meeting"),
        ("B002", "201", 5, 24.0, "service"),
    ]
    # the housing state roll-ups of the touched orgs (and their ancestors) are refreshed
    assert monthly(world, "housing.office_area_m2", 4) == pytest.approx(58.5)  # office rooms only
    assert monthly(world, "housing.vacant_rooms", 4) == 3
    assert monthly(world, "housing.office_area_m2", 1) == pytest.approx(58.5)

    again = load(world, csv_file(tmp_path, "rooms_again.csv", text))  # the same file again: not read
    assert (again.status, again.same_as_batch) == ("unchanged", first.batch_id)
    forced = load(world, csv_file(tmp_path, "rooms_again.csv", text), force=True)  # read: every row a duplicate
    assert (forced.status, forced.rows_accepted, forced.rows_duplicate) == ("unchanged", 0, 4)

    # English headers in XLSX, without a purpose column: a stored room keeps its purpose
    path = xlsx_file(
        tmp_path,
        "rooms_en.xlsx",
        [["Building code", "Room no", "Org code", "Usable area"], ["B001", "110", "A1", 66], ["B002", "202", "A2", 9]],
    )
    second = load(world, path)
    assert (second.rows_accepted, second.rows_rejected) == (2, 0), second.summary()
    assert q(world, "SELECT usable_area_m2, purpose FROM office_room WHERE room_no = '110'") == [(66.0, "meeting")]
    assert q(world, "SELECT org_id, purpose FROM office_room WHERE room_no = '202'") == [(5, "office")]
    assert monthly(world, "housing.office_area_m2", 5) == pytest.approx(9.0)

    # a room handed to another unit: both units' figures follow
    moved = load(
        world, csv_file(tmp_path, "rooms_moved.csv", "建筑编码,房间号,使用单位编码,使用面积\nB001,103,A2,18.5\n")
    )
    assert moved.rows_accepted == 1
    assert monthly(world, "housing.office_area_m2", 4) == pytest.approx(40.0)
    assert monthly(world, "housing.office_area_m2", 5) == pytest.approx(27.5)


def test_housing_units_zh_gbk_csv_and_en_xlsx(world, tmp_path):
    text = (
        "房源编号,管理单位编码,所在建筑编码,建筑面积(平方米),居室数,月租金(元),状态\n"
        "HU-001,A1,,60,2,900,维修\n"  # stored: rent 800, available
        "HU-002,A1,B001,52.5,2,650,空置\n"
        'HU-003,A2,,75,3,"1,200",在住\n'
    )
    result = load(world, csv_file(tmp_path, "units.csv", text))
    assert (result.rows_accepted, result.rows_rejected) == (3, 0), result.summary()
    assert q(
        world,
        "SELECT code, org_id, building_id, area_m2, rooms, monthly_rent_yuan, status FROM housing_unit ORDER BY code",
    ) == [
        ("HU-001", 4, None, 60.0, 2, 900.0, "repair"),
        ("HU-002", 4, 1, 52.5, 2, 650.0, "available"),
        ("HU-003", 5, None, 75.0, 3, 1200.0, "occupied"),
    ]
    assert monthly(world, "housing.units", 4) == 2 and monthly(world, "housing.units", 5) == 1
    assert monthly(world, "housing.units", 1) == 3

    path = xlsx_file(
        tmp_path,
        "units_en.xlsx",
        [
            ["Unit code", "Org code", "Area", "Rooms", "Monthly rent", "Status"],
            ["HU-002", "A1", 52.5, 2, 650, "occupied"],  # the building column is absent: kept
            ["HU-004", "A2", 48, 1, 480, ""],  # blank status: available
        ],
    )
    second = load(world, path)
    assert (second.rows_accepted, second.rows_duplicate, second.rows_rejected) == (2, 0, 0), second.summary()
    assert q(world, "SELECT building_id, status FROM housing_unit WHERE code = 'HU-002'") == [(1, "occupied")]
    assert q(world, "SELECT status FROM housing_unit WHERE code = 'HU-004'") == [("available",)]
    assert load(world, path, force=True).rows_duplicate == 2  # the same file again changes nothing


def test_vehicle_quotas_update_the_fleet_quota(world, tmp_path):
    text = "单位编码,车辆类别,编制数\nA1,一般公务用车,2\nA1,执法执勤用车,1\nA2,机要通信用车,1\n"
    result = load(world, csv_file(tmp_path, "quotas.csv", text))
    assert (result.rows_accepted, result.rows_rejected) == (3, 0), result.summary()
    assert monthly(world, "vehicle.quota", 4) == 3 and monthly(world, "vehicle.quota", 1) == 4
    path = xlsx_file(
        tmp_path,
        "quotas_en.xlsx",
        [["Org code", "Vehicle class", "Approved"], ["A1", "general", 3], ["A2", "confidential", 1]],
    )
    second = load(world, path)
    assert (second.rows_accepted, second.rows_duplicate) == (1, 1), second.summary()
    assert q(world, "SELECT org_id, vehicle_class, approved FROM vehicle_quota ORDER BY org_id, vehicle_class") == [
        (4, "general", 3),
        (4, "law_enforcement", 1),
        (5, "confidential", 1),
    ]
    assert monthly(world, "vehicle.quota", 4) == 4 and monthly(world, "vehicle.quota", 1) == 5


def test_energy_quotas_reach_the_energy_page(world, tmp_path):
    path = xlsx_file(
        tmp_path,
        "quotas_2026.xlsx",
        [
            ["Org code", "Year", "Basis", "Limit", "Benchmark", "Guide"],
            ["A1", 2026, "per_m2", 19.5, 16.0, 13.5],
            ["A1", 2026, "per person", 480, 410, 350],
            ["X1", 2026, "total", 900000, 800000, 700000],  # a region may have its own quota
        ],
    )
    result = load(world, path)
    assert (result.rows_accepted, result.rows_rejected) == (3, 0), result.summary()
    with get_engine(world).connect() as conn:
        assert fetch_energy_quotas(conn, 4, 2026) == {"per_m2": 19.5, "per_person": 480.0}
        assert fetch_energy_quotas(conn, 3, 2026) == {"total": 900000.0}
    assert q(world, "SELECT DISTINCT source FROM energy_quota") == [("quotas_2026.xlsx",)]  # no source column

    # Chinese headers in GBK with units; tonnes of standard coal become kgce; a correction
    text = (
        "单位编码,年度,定额类型,约束值,基准值,引导值,定额依据\n"
        "A1,2026,单位建筑面积能耗,19.0 kgce/㎡,16.0,13.5,省定额（2026）\n"
        "X1,2026,能耗总量,900 吨标准煤,800 tce,700tce,省定额（2026）\n"
    )
    second = load(world, csv_file(tmp_path, "定额.csv", text))
    assert (second.rows_accepted, second.rows_rejected) == (2, 0), second.summary()
    assert q(world, "SELECT limit_value, source FROM energy_quota WHERE org_id = 4 AND basis = 'per_m2'") == [
        (19.0, "省定额（2026）")
    ]
    assert q(world, "SELECT limit_value, guide_value FROM energy_quota WHERE org_id = 3") == [(900000.0, 700000.0)]
    versions = dict(q(world, "SELECT domain, version FROM data_version"))
    assert versions["energy"] >= 2  # each batch moved the energy page's data version on


def test_every_rejection_is_quarantined_with_its_reason(world, tmp_path):
    rooms = load(
        world,
        csv_file(
            tmp_path,
            "rooms_bad.csv",
            "建筑编码,房间号,使用单位编码,使用面积,用途\n"
            "B999,101,A1,20,办公室\n"  # unknown building
            "B001,104,ZZ,20,办公室\n"  # unknown org
            "B001,105,A1,0,办公室\n"  # no area
            "B001,106,A1,5000,办公室\n"  # a column shift
            "B001,107,A1,20 公里,办公室\n"  # not an area
            "B001,108,A1,20,食堂\n"  # unknown purpose
            "B001,109,A1,,办公室\n"  # missing area
            "B001,120,A1,20,办公室\n"
            "B001,120,A1,22,办公室\n",  # the same room twice, differently
        ),
    )
    assert quarantined(world, rooms.batch_id) == [
        "unknown_building",
        "unknown_org",
        "value_out_of_range",
        "value_out_of_range",
        "unit_mismatch",
        "unknown_code",
        "missing_value",
        "duplicate_in_file",
    ]
    assert rooms.rows_accepted == 1
    # a rejected row is shown within the scope of the org it names
    assert q(world, "SELECT org_id FROM quarantine_row WHERE batch_id = :b AND line_no = 2", b=rooms.batch_id) == [(4,)]

    units = load(
        world,
        csv_file(
            tmp_path,
            "units_bad.csv",
            "房源编号,管理单位编码,所在建筑编码,建筑面积,居室数,月租金,状态\n"
            "HU-101,A1,B999,50,2,500,空置\n"  # unknown building
            "HU-102,A1,,50,2.5,500,空置\n"  # half a room
            "HU-103,A1,,50,0,500,空置\n"  # no room
            "HU-104,A1,,50,2,-5,空置\n"  # negative rent
            "HU-105,A1,,50,2,500,拆除\n",  # unknown status
        ),
    )
    assert quarantined(world, units.batch_id) == [
        "unknown_building",
        "not_a_number",
        "value_out_of_range",
        "negative_value",
        "unknown_code",
    ]

    quotas = load(
        world,
        csv_file(
            tmp_path,
            "quotas_bad.csv",
            "单位编码,车辆类别,编制数\n"
            "X1,一般公务用车,2\n"  # a county (region), not a unit
            "A1,大巴车,2\n"  # unknown class
            "A1,一般公务用车,-1\n"  # negative
            "A9,一般公务用车,1\n",  # unknown org
        ),
    )
    assert quarantined(world, quotas.batch_id) == ["org_not_agency", "unknown_code", "negative_value", "unknown_org"]

    energy = load(
        world,
        csv_file(
            tmp_path,
            "energy_bad.csv",
            "单位编码,年度,定额类型,约束值,基准值,引导值\n"
            "A1,2026,人均,300,350,280\n"  # benchmark above limit
            "A1,1990,人均,400,350,280\n"  # year out of range
            "A1,2026,人均,400 kgce/m2,350,280\n"  # a per-m² unit on a per-person quota
            "A1,2026,每户,400,350,280\n"  # unknown basis
            "A1,2026,人均,0,0,0\n",  # no quota
        ),
    )
    assert quarantined(world, energy.batch_id) == [
        "quota_order",
        "value_out_of_range",
        "unit_mismatch",
        "unknown_code",
        "value_out_of_range",
    ]
    assert energy.rows_accepted == 0 and energy.status == "applied"
    params = q(world, "SELECT reason_params FROM quarantine_row WHERE reason_code = 'quota_order'")[0][0]
    assert "350" in str(params) and "300" in str(params)


def test_a_fresh_install_from_the_sample_files(db_url):
    """The sample files of docs/import-formats.md: org units and buildings, then rooms, units and quotas."""
    with session_scope(get_engine(db_url)) as session:
        seed_reference(session)
    names = [
        "master_org_units.csv",
        "master_buildings.xlsx",
        "master_office_rooms.xlsx",
        "master_housing_units.csv",
        "master_vehicle_quotas.csv",
        "master_energy_quotas.csv",
    ]
    now = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
    for name in names:
        result = load_file(get_engine(db_url), SAMPLES / name, now=now)
        assert result.status == "applied" and result.rows_rejected == 0, result.summary()
    counts = {t: q(db_url, f"SELECT COUNT(*) FROM {t}")[0][0] for t in SPACE_FACTS}
    assert counts == {"office_room": 15, "housing_unit": 7, "vehicle_quota": 7, "energy_quota": 12}
    # Provenance: every row names the batch that wrote it, and that batch is its file's.
    for table in SPACE_FACTS:
        files = q(db_url, f"SELECT DISTINCT b.file_name FROM {table} t LEFT JOIN load_batch b ON b.id = t.batch_id")
        assert len(files) == 1 and files[0][0] and files[0][0].startswith(f"master_{table}"), (table, files)
    root = q(db_url, "SELECT id FROM org_node WHERE code = 'SF'")[0][0]
    assert monthly(db_url, "housing.units", root, "2026-12-01") == 7
    assert monthly(db_url, "vehicle.quota", root, "2026-12-01") == 11
    assert monthly(db_url, "housing.office_area_m2", root, "2026-12-01") == pytest.approx(197.3)


def test_the_small_demo_still_builds_on_the_seeded_reference_data(sqlite_url):
    counts = build_demo(sqlite_url, tier="tiny", seed=5, as_of=D(2026, 11, 25))
    assert counts["asset"] > 0 and "asset_category" not in counts  # the demo reuses the seeded categories
    categories = q(sqlite_url, "SELECT COUNT(*), COUNT(DISTINCT code) FROM asset_category")[0]
    assert categories == (len(reference.ASSET_CATEGORIES),) * 2
    days = q(sqlite_url, "SELECT COUNT(*), COUNT(DISTINCT day) FROM calendar_day")[0]
    assert days[0] == days[1]
