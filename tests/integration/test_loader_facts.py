"""Every import format lands in its table and its roll-ups: trips, fuel and charging, maintenance,
the asset register and movements, office occupancy and leases."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
import xlsxwriter

from data.db import get_engine
from data.loaders import load_file

from loader_world import NOW, build_world


@pytest.fixture
def world(db_url):
    build_world(db_url)
    return db_url


@pytest.fixture
def sqlite_world(sqlite_url):
    build_world(sqlite_url)
    return sqlite_url


def q(url, sql, **params):
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def load(url, tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return load_file(get_engine(url), path, now=NOW)


def monthly(url, metric, org, month="2026-11-01"):
    got = q(
        url,
        "SELECT value FROM rollup_monthly WHERE metric_id=:m AND entity_kind='org' AND entity_id=:o AND month=:d",
        m=metric,
        o=org,
        d=month,
    )
    return got[0][0] if got else None


def reasons(url):
    return [r[0] for r in q(url, "SELECT reason_code FROM quarantine_row ORDER BY line_no")]


def test_trips(world, tmp_path):
    text = (
        "车牌号,出车时间,收车时间,行驶里程(公里),用车申请单号,用车事由,驾驶员\n"
        "京A00001,2026-11-20 09:00,2026-11-20 11:30,42.5,REQ-1,会议,王五\n"
        "京A00001,2026-11-20 22:10,2026-11-20 23:40,18,,夜间,王五\n"  # off hours, no request
        "京A00002,2026/11/19 14:00,2026/11/19 15:00,12,,调研,\n"
        "京A99999,2026-11-20 09:00,2026-11-20 10:00,5,,,\n"  # unknown vehicle
        "京A00001,2026-11-20 12:00,2026-11-20 11:00,5,,,\n"  # end before start
        "京A00001,2026-11-20 13:00,2026-11-20 14:00,5,REQ-404,,\n"
    )  # unknown request
    result = load(world, tmp_path, "trips.csv", text)
    assert (result.fact, result.rows_accepted, result.rows_rejected) == ("trip", 3, 3)
    assert reasons(world) == ["unknown_vehicle", "end_before_start", "unknown_request"]
    assert monthly(world, "vehicle.trips", 1) == 3
    assert monthly(world, "vehicle.km", 4) == pytest.approx(60.5)
    assert monthly(world, "vehicle.unrequested_trips", 1) == 2
    assert monthly(world, "vehicle.offhours_trips", 4) == 1
    prov = q(
        world, "SELECT metric_id, org_id, rows FROM rollup_provenance WHERE metric_id='vehicle.trips' ORDER BY org_id"
    )
    assert prov == [
        ("vehicle.trips", 1, 3),
        ("vehicle.trips", 2, 3),
        ("vehicle.trips", 3, 2),
        ("vehicle.trips", 4, 2),
        ("vehicle.trips", 5, 1),
    ]


def test_fuel_and_charging_with_units_and_money(sqlite_world, tmp_path):
    text = (
        "车牌号,加油/充电时间,类型,数量,单位,金额,里程表读数\n"
        '京A00001,2026-11-20 08:00,加油,40,升,"¥316.00",12000\n'
        "京A00002,2026-11-20 09:00,,35,kWh,42,\n"  # kind from the unit
        "京A00002,2026-11-20 10:00,充电,35,L,42,\n"  # charging in litres
        "京A00001,2026-11-20 11:00,加油,-4,升,10,\n"
    )  # negative
    result = load(sqlite_world, tmp_path, "fuel.csv", text)
    assert (result.rows_accepted, result.rows_rejected) == (2, 2)
    assert reasons(sqlite_world) == ["unit_mismatch", "negative_value"]
    assert q(sqlite_world, "SELECT kind, quantity, unit, cost_yuan FROM fuel_record ORDER BY ts") == [
        ("fuel", 40.0, "L", 316.0),
        ("charge", 35.0, "kWh", 42.0),
    ]
    assert monthly(sqlite_world, "vehicle.fuel_l", 4) == pytest.approx(40.0)
    assert monthly(sqlite_world, "vehicle.charge_kwh", 5) == pytest.approx(35.0)
    assert monthly(sqlite_world, "vehicle.energy_cost_yuan", 1) == pytest.approx(358.0)


def test_maintenance(sqlite_world, tmp_path):
    text = (
        "车牌号,维修日期,类型,费用,里程表读数,下次保养日期\n"
        '京A00001,2026-11-18,保养,"1,280",12000,2027-05-18\n'
        "京A00001,2026-11-19,洗车,50,,\n"
    )
    result = load(sqlite_world, tmp_path, "maintenance.csv", text)
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    assert reasons(sqlite_world) == ["unknown_code"]
    assert monthly(sqlite_world, "vehicle.maintenance_cost_yuan", 4) == pytest.approx(1280.0)


def test_asset_register_upsert_and_state_rollups(world, tmp_path):
    text = (
        "资产编号,单位编码,资产分类,资产名称,使用状态,原值,取得日期,责任人\n"
        "AS-0001,A1,ITC,台式计算机,闲置,6000,2024-03-01,张三\n"  # existing: now idle
        'AS-0002,A2,ITC,笔记本电脑,在用,"8,500",2025-06-01,\n'  # new, no custodian
        'AS-0003,A2,ITC,"=HYPERLINK(""http://evil"",""x"")",在用,100,2025-06-01,李四\n'
        "AS-0004,A9,ITC,打印机,在用,100,2025-06-01,\n"
    )  # unknown org
    result = load(world, tmp_path, "assets.csv", text)
    assert (result.rows_accepted, result.rows_rejected) == (3, 1)
    assert reasons(world) == ["unknown_org"]
    assert q(world, "SELECT status FROM asset WHERE code='AS-0001'") == [("idle",)]
    # the formula-looking name is stored exactly as written
    assert q(world, "SELECT name_zh FROM asset WHERE code='AS-0003'") == [('=HYPERLINK("http://evil","x")',)]
    assert monthly(world, "asset.count", 1) == 3
    assert monthly(world, "asset.idle_count", 4) == 1
    assert monthly(world, "asset.no_custodian_count", 5) == 1
    again = load(world, tmp_path, "assets-again.csv", text.replace("打印机", "打印机2"))
    assert (again.rows_accepted, again.rows_duplicate, again.rows_rejected) == (0, 3, 1)


def test_asset_movements_update_the_asset(sqlite_world, tmp_path):
    text = (
        "资产编号,变动时间,变动类型,调出单位编码,调入单位编码,原状态,新状态,节约金额,备注\n"
        "AS-0001,2026-11-10 10:00,入仓,A1,,在用,公物仓,,交回公物仓\n"
        "AS-0001,2026-11-15 10:00,调剂,A1,A2,公物仓,在用,5200,调剂给市财政局\n"
        "AS-9999,2026-11-15 10:00,调剂,A1,A2,,,,\n"
    )
    result = load(sqlite_world, tmp_path, "movements.csv", text)
    assert (result.rows_accepted, result.rows_rejected) == (2, 1)
    assert q(sqlite_world, "SELECT org_id, status, status_since FROM asset WHERE code='AS-0001'") == [
        (5, "in_use", "2026-11-15")
    ]
    assert monthly(sqlite_world, "asset.redeployed_count", 5) == 1
    assert monthly(sqlite_world, "asset.redeploy_saved_yuan", 1) == pytest.approx(5200.0)
    again = load(sqlite_world, tmp_path, "movements2.csv", text + "\n")
    assert again.rows_duplicate == 2 and again.rows_accepted == 0


def test_office_occupancy_with_rank_names(sqlite_world, tmp_path):
    text = (
        "建筑编码,房间号,工号,姓名,职级,起始日期\n"
        "B001,101,S001,赵一,科级正职,2025-01-01\n"  # county section head: 18 m², room 30 m² → over
        "B001,102,S002,钱二,section_deputy,2025-01-01\n"  # 12 m², room 12 m²: within
        "B001,999,S003,孙三,科级正职,2025-01-01\n"  # unknown room
        "B001,102,S004,李四,厅级,2025-01-01\n"
    )  # not a county rank
    result = load(sqlite_world, tmp_path, "offices.csv", text)
    assert (result.rows_accepted, result.rows_rejected) == (2, 2)
    assert reasons(sqlite_world) == ["unknown_room", "unknown_code"]
    assert q(sqlite_world, "SELECT rank_code FROM office_occupancy ORDER BY staff_no") == [
        ("section_head",),
        ("section_deputy",),
    ]
    assert monthly(sqlite_world, "housing.office_occupants", 4) == 2
    assert monthly(sqlite_world, "housing.over_standard_rooms", 4) == 1


def test_leases_in_xlsx_with_excel_dates(sqlite_world, tmp_path):
    path = tmp_path / "leases.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for c, h in enumerate(["房源编号", "承租人", "联系电话", "身份证号", "起租日期", "到期日期", "月租金", "欠缴租金"]):
        ws.write_string(0, c, h)
    ws.write_string(1, 0, "HU-001")
    ws.write_string(1, 1, "<script>alert(1)</script>")
    ws.write_string(1, 2, "13812345678")
    ws.write_string(1, 3, "110101199001011234")
    ws.write_datetime(1, 4, dt.datetime(2025, 12, 1), date_fmt)
    ws.write_number(1, 5, 46357)  # an Excel serial date without a date format: 2026-12-01
    ws.write_number(1, 6, 800)
    ws.write_number(1, 7, 1600)
    wb.close()
    result = load_file(get_engine(sqlite_world), path, now=NOW)
    assert (result.fact, result.rows_accepted, result.rows_rejected) == ("lease", 1, 0)
    assert q(sqlite_world, "SELECT tenant_name, starts_on, ends_on, arrears_yuan FROM lease") == [
        ("<script>alert(1)</script>", "2025-12-01", "2026-12-01", 1600.0)
    ]
    assert monthly(sqlite_world, "housing.occupied_units", 4) == 1
    assert monthly(sqlite_world, "housing.arrears_yuan", 1) == pytest.approx(1600.0)
    message = json.loads(q(sqlite_world, "SELECT message FROM load_batch")[0][0])
    assert message["issues"] == []
