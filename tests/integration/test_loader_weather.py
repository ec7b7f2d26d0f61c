"""Weather files (issue #18) through the real pipeline, on SQLite and PostgreSQL: the sample
province's org tree from ``master_org_units.csv``, then ``weather_daily.csv`` dropped into the
energy folder; loading it again changes nothing, a corrected row is updated in place, and every
bad row is quarantined with its reason while the good ones load."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from data.db import get_engine, session_scope
from data.loaders import ensure_sources, load_file, run_source
from data.loaders.sources import SourceSpec
from data.models import LoadBatch, OrgNode, WeatherDaily
from data.seed import seed_reference

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
NOW = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)  # 10:00 on 3 December in Shanghai
D = dt.date


def q(url, sql, **params):
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def org_id(url, code):
    return q(url, "SELECT id FROM org_node WHERE code = :c", c=code)[0][0]


def weather(url):
    """Every stored weather row as (city code, day, mean, min, max, batch id), typed by the model."""
    w = WeatherDaily
    stmt = (
        sa.select(OrgNode.code, w.day, w.temp_mean_c, w.temp_min_c, w.temp_max_c, w.batch_id)
        .join(OrgNode, OrgNode.id == w.city_id)
        .order_by(OrgNode.code, w.day)
    )
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def energy_version(url):
    rows = q(url, "SELECT version FROM data_version WHERE domain = 'energy'")
    return rows[0][0] if rows else 0


@pytest.fixture
def province(db_url):
    """An empty seeded database holding the sample province's org tree (示范省, cities C01, C02)."""
    with session_scope(get_engine(db_url)) as session:
        seed_reference(session)
    result = load_file(get_engine(db_url), SAMPLES / "master_org_units.csv", now=NOW)
    assert result.status == "applied" and result.rows_rejected == 0
    return db_url


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_the_sample_loads_from_the_energy_drop_folder_and_again_changes_nothing(province, tmp_path):
    engine = get_engine(province)
    folder = tmp_path / "drop_energy"
    folder.mkdir()
    spec = SourceSpec(
        "drop_energy", "file_drop", "energy", "投放", "Drop", {"folder": str(folder), "domain": "energy"}, 60, 3600
    )
    ensure_sources(engine, [spec])
    version = energy_version(province)
    shutil.copy(SAMPLES / "weather_daily.csv", folder / "weather_daily.csv")
    [result] = run_source(engine, "drop_energy", now=NOW, settle_seconds=0)
    assert (result.fact, result.status, result.rows_read, result.rows_accepted, result.rows_rejected) == (
        "weather_daily",
        "applied",
        14,
        14,
        0,
    ), result.summary()
    with engine.connect() as conn:
        batch = conn.execute(sa.select(LoadBatch).where(LoadBatch.id == result.batch_id)).one()
    assert batch.domain == "energy" and batch.fact == "weather_daily"
    assert batch.data_from is not None and batch.data_to is not None and batch.data_from < batch.data_to
    rows = weather(province)
    assert len(rows) == 14 and {r[0] for r in rows} == {"C01", "C02"}
    assert rows[2] == ("C01", D(2026, 11, 26), 3.4, -1.8, 8.9, result.batch_id)
    assert energy_version(province) > version
    before = weather(province)
    version = energy_version(province)

    # The same file again: recognised by its checksum, nothing read.
    shutil.copy(SAMPLES / "weather_daily.csv", folder / "weather_daily.csv")
    [again] = run_source(engine, "drop_energy", now=NOW + dt.timedelta(minutes=5), settle_seconds=0)
    assert again.status == "unchanged" and again.rows_accepted == 0
    # Read again row by row (another export of the same data): every row a duplicate.
    forced = load_file(engine, SAMPLES / "weather_daily.csv", now=NOW, force=True)
    assert (forced.status, forced.rows_accepted, forced.rows_duplicate, forced.rows_rejected) == (
        "unchanged",
        0,
        14,
        0,
    ), forced.summary()
    assert weather(province) == before and energy_version(province) == version


def test_a_corrected_row_is_updated_in_place_and_english_headers_and_gbk_are_read(province, tmp_path):
    engine = get_engine(province)
    assert load_file(engine, SAMPLES / "weather_daily.csv", now=NOW).rows_accepted == 14
    corrected = write(
        tmp_path,
        "weather_en.csv",
        "city,date,mean temperature,min temperature,max temperature,unit\r\n"
        "C01,2026-11-26,3.9,-1.8,8.9,°C\r\n"  # corrected
        "C01,2026-11-27,1.2,-4.1,6.0,℃\r\n"  # unchanged
        "C02,2026-12-01,5.5,0.5,10.5,\r\n",  # new
    )
    result = load_file(engine, corrected, now=NOW)
    assert (result.fact, result.rows_accepted, result.rows_duplicate, result.rows_rejected) == (
        "weather_daily",
        2,
        1,
        0,
    ), result.summary()
    rows = {(r[0], r[1]): r for r in weather(province)}
    assert rows[("C01", D(2026, 11, 26))][2:5] == (3.9, -1.8, 8.9)
    assert rows[("C01", D(2026, 11, 26))][5] == result.batch_id
    assert rows[("C02", D(2026, 12, 1))][2:5] == (5.5, 0.5, 10.5)
    assert len(rows) == 15

    gbk = write(
        tmp_path,
        "气象_gbk.csv",
        "城市代码,观测日期,平均气温,日最低气温,日最高气温\r\nC02,2026年12月2日,4.5℃,-0.5℃,9.5℃\r\n",
        encoding="gbk",
    )
    result = load_file(engine, gbk, now=NOW)
    assert (result.fact, result.rows_accepted, result.rows_rejected) == ("weather_daily", 1, 0), result.summary()
    assert {(r[0], r[1]): r for r in weather(province)}[("C02", D(2026, 12, 2))][2:5] == (4.5, -0.5, 9.5)


def test_bad_rows_are_quarantined_with_their_reasons_and_the_good_ones_load(province, tmp_path):
    engine = get_engine(province)
    bad = write(
        tmp_path,
        "weather_bad.csv",
        "城市编码,日期,日均气温,最低气温,最高气温\n"
        "C01,2026-11-24,6.8,1.9,12.4\n"  # good
        "C99,2026-11-24,6.8,1.9,12.4\n"  # unknown city
        "X01,2026-11-24,6.8,1.9,12.4\n"  # a county, not a city
        "C02,2026-11-24,13.0,1.9,12.4\n"  # mean above max
        "C02,2026-11-25,68,61,75\n"  # out of range
        "C02,2026-11-26,44°F,40°F,50°F\n"  # not °C
        "C02,2026-12-09,5,1,9\n"  # after today
        "C02,2026-11-27,,1,9\n"  # no mean
        "C02,2026-11-28,5,1,9\n",  # good
    )
    result = load_file(engine, bad, now=NOW)
    assert (result.status, result.rows_read, result.rows_accepted, result.rows_rejected) == (
        "applied",
        9,
        2,
        7,
    ), result.summary()
    quarantined = q(
        province,
        "SELECT line_no, reason_code, column_name, org_id FROM quarantine_row WHERE batch_id = :b ORDER BY line_no",
        b=result.batch_id,
    )
    assert [(line, reason, column) for line, reason, column, _ in quarantined] == [
        (3, "unknown_city", "城市编码"),
        (4, "org_not_city", "城市编码"),
        (5, "temperature_order", "日均气温"),
        (6, "value_out_of_range", "日均气温"),
        (7, "unit_mismatch", "日均气温"),
        (8, "future_timestamp", "日期"),
        (9, "missing_value", "日均气温"),
    ]
    # A row is shown within the data scope of the org it names; an unknown city to province-wide users only.
    orgs = [org for *_, org in quarantined]
    assert orgs[0] is None and orgs[1] == org_id(province, "X01") and orgs[2] == org_id(province, "C02")
    params = dict(
        q(province, "SELECT reason_code, reason_params FROM quarantine_row WHERE batch_id = :b", b=result.batch_id)
    )
    params = {k: v if isinstance(v, dict) else json.loads(v) for k, v in params.items()}
    assert params["unknown_city"]["code"] == "C99"
    assert params["org_not_city"]["level"] == "county"
    assert (params["temperature_order"]["min"], params["temperature_order"]["mean"]) == ("1.9", "13")
    assert (params["value_out_of_range"]["min"], params["value_out_of_range"]["max"]) == ("-60", "60")
    assert params["unit_mismatch"]["expected"] == "°C"
    assert [(r[0], r[1]) for r in weather(province)] == [("C01", D(2026, 11, 24)), ("C02", D(2026, 11, 28))]
