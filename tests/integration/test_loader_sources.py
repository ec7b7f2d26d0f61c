"""Sources: the drop folder (moved to done/ or failed/ with the batch id, never deleted), the SQL
source with its high-water mark, and the live simulator."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
import sqlalchemy as sa

from config import load_config
from data.db import get_engine
from data.loaders import ensure_sources, register_sql_source, run_source
from data.loaders.simulator import ANOMALY_SHAPES, _readings, _vehicle_events
from data.loaders.sources import SourceSpec, default_sources, pending_files

from loader_world import NOW, build_world, hourly_csv

UTC = dt.UTC


def q(url, sql, **params):
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


@pytest.fixture
def world(sqlite_url):
    build_world(sqlite_url)
    return sqlite_url


def make_drop(url, folder, domain="energy"):
    ensure_sources(
        get_engine(url),
        [
            SourceSpec(
                f"drop_{domain}",
                "file_drop",
                domain,
                "投放",
                "Drop",
                {"folder": str(folder), "domain": domain},
                60,
                3600,
            )
        ],
    )
    return f"drop_{domain}"


def test_default_sources_one_drop_folder_per_domain(tmp_path):
    cfg = load_config(var_dir=tmp_path, data_dir=tmp_path / "data", demo_mode=True)
    specs = default_sources(cfg)
    assert [s.code for s in specs] == [
        "drop_energy",
        "drop_vehicle",
        "drop_asset",
        "drop_housing",
        "drop_master",
        "simulator",
    ]
    assert specs[0].config["folder"] == str(tmp_path / "data" / "drop" / "energy")
    assert "simulator" not in [s.code for s in default_sources(load_config(var_dir=tmp_path, demo_mode=False))]


def test_drop_folder_moves_files_with_the_batch_id_and_never_deletes(world, tmp_path):
    folder = tmp_path / "drop" / "energy"
    code = make_drop(world, folder)
    engine = get_engine(world)
    (folder / "readings.csv").write_text(hourly_csv(), encoding="utf-8")
    (folder / "broken.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    (folder / "~$readings.xlsx").write_bytes(b"lock")  # Excel's lock file: left alone
    (folder / "notes.txt.part").write_text("copying", encoding="utf-8")
    results = run_source(engine, code, now=NOW, settle_seconds=0)
    by_name = {r.name: r for r in results}
    assert set(by_name) == {"readings.csv", "broken.csv"}
    ok, bad = by_name["readings.csv"], by_name["broken.csv"]
    assert ok.status == "applied" and bad.status == "failed"
    assert sorted(p.name for p in (folder / "done").iterdir()) == [f"readings.batch{ok.batch_id}.csv"]
    assert sorted(p.name for p in (folder / "failed").iterdir()) == [f"broken.batch{bad.batch_id}.csv"]
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["notes.txt.part", "~$readings.xlsx"]
    assert q(world, "SELECT last_success_at IS NOT NULL FROM data_source WHERE code = :c", c=code) == [(1,)]
    # the same file dropped again: unchanged, moved to done/ under its own batch id
    (folder / "readings.csv").write_text(hourly_csv(), encoding="utf-8")
    again = run_source(engine, code, now=NOW + dt.timedelta(minutes=1), settle_seconds=0)
    assert [r.status for r in again] == ["unchanged"]
    assert f"readings.batch{again[0].batch_id}.csv" in [p.name for p in (folder / "done").iterdir()]
    assert q(world, "SELECT count(*) FROM meter_reading") == [(24,)]
    # batches record the source
    assert q(world, "SELECT DISTINCT s.code FROM load_batch b JOIN data_source s ON s.id = b.source_id") == [(code,)]


def test_a_file_still_being_written_waits(world, tmp_path):
    folder = tmp_path / "drop" / "energy"
    make_drop(world, folder)
    path = folder / "fresh.csv"
    path.write_text(hourly_csv(), encoding="utf-8")
    assert pending_files(folder, settle_seconds=60) == []
    old = time.time() - 120
    os.utime(path, (old, old))
    assert pending_files(folder, settle_seconds=60) == [path]


def test_drop_folder_of_one_domain_refuses_another_domains_file(world, tmp_path):
    folder = tmp_path / "drop" / "vehicle"
    code = make_drop(world, folder, "vehicle")
    (folder / "readings.csv").write_text(hourly_csv(), encoding="utf-8")
    [result] = run_source(get_engine(world), code, now=NOW, settle_seconds=0)
    assert result.status == "failed" and result.issues[-1].code == "unknown_fact"


def test_sql_source_reads_only_rows_above_the_high_water_mark(world, tmp_path):
    remote_url = f"sqlite:///{tmp_path / 'remote.sqlite3'}"
    remote = sa.create_engine(remote_url)
    with remote.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE readings (id INTEGER PRIMARY KEY, mcode TEXT, read_at TEXT, kwh REAL, loaded_at TEXT)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO readings (mcode, read_at, kwh, loaded_at) VALUES "
                "('E-B002', '2026-11-20 09:00', 10, '2026-11-20 09:05'),"
                "('E-B002', '2026-11-20 10:00', 11, '2026-11-20 10:05'),"
                "('E-B002', '2026-11-20 11:00', -1, '2026-11-20 11:05')"
            )
        )
    engine = get_engine(world)
    register_sql_source(
        engine,
        code="bms",
        url=remote_url,
        fact="meter_reading",
        query="SELECT mcode, read_at, kwh, loaded_at FROM readings WHERE loaded_at > :hwm ORDER BY loaded_at",
        mapping={"meter_code": "mcode", "ts": "read_at", "value": "kwh"},
        hwm_column="loaded_at",
    )
    [first] = run_source(engine, "bms", now=NOW)
    assert (first.rows_read, first.rows_accepted, first.rows_rejected) == (3, 2, 1)
    assert q(world, "SELECT high_water_mark FROM data_source WHERE code='bms'") == [("2026-11-20 11:05",)]
    assert run_source(engine, "bms", now=NOW) == []  # nothing new: no batch at all
    with remote.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO readings (mcode, read_at, kwh, loaded_at) VALUES "
                "('E-B002', '2026-11-20 12:00', 12, '2026-11-20 12:05')"
            )
        )
    [second] = run_source(engine, "bms", now=NOW)
    assert (second.rows_read, second.rows_accepted) == (1, 1)
    assert q(world, "SELECT count(*) FROM meter_reading WHERE meter_id = 3") == [(3,)]
    remote.dispose()


def test_sql_source_with_a_bad_mapping_fails_loudly(world, tmp_path):
    remote_url = f"sqlite:///{tmp_path / 'remote.sqlite3'}"
    remote = sa.create_engine(remote_url)
    with remote.begin() as conn:
        conn.execute(sa.text("CREATE TABLE r (a TEXT)"))
    remote.dispose()
    engine = get_engine(world)
    register_sql_source(
        engine,
        code="bad",
        url=remote_url,
        fact="meter_reading",
        query="SELECT a FROM r",
        mapping={"meter_code": "mcode"},
        hwm_column="a",
    )
    with pytest.raises(ValueError, match="mcode"):
        run_source(engine, "bad", now=NOW)


def test_simulator_feeds_the_pipeline_and_is_idempotent(world):
    engine = get_engine(world)
    cfg = load_config(demo_mode=True, var_dir=world.rsplit("/", 1)[0].replace("sqlite:///", ""))
    ensure_sources(engine, [s for s in default_sources(cfg) if s.code == "simulator"])
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE data_source SET high_water_mark = '2026-11-20T20:00:00', config = :c WHERE code = 'simulator'"
            ),
            {"c": '{"seed": 7, "anomaly_rate": 0, "max_catchup_hours": 48, "trips_per_vehicle_day": 30}'},
        )
    now = dt.datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 6 hours later: 10:00 local
    results = run_source(engine, "simulator", now=now)
    facts = {r.fact: r for r in results}
    readings = facts["meter_reading"]
    assert readings.rows_accepted == 2 * 6  # two hourly meters × six hours
    assert readings.rows_rejected == 0
    assert q(world, "SELECT high_water_mark FROM data_source WHERE code='simulator'") == [("2026-11-21T02:00:00",)]
    assert q(
        world, "SELECT count(*) FROM load_batch WHERE source_id = (SELECT id FROM data_source WHERE code='simulator')"
    )[0][0] == len(results)
    # the daily gas/water meters got their midnight reading only if they have history: none here
    assert q(world, "SELECT count(*) FROM meter_reading WHERE meter_id IN (2, 4)") == [(0,)]
    # simulate the same window again: identical values, so nothing changes
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE data_source SET high_water_mark = '2026-11-20T20:00:00' WHERE code = 'simulator'"))
    again = {r.fact: r for r in run_source(engine, "simulator", now=now)}
    assert again["meter_reading"].rows_accepted == 0 and again["meter_reading"].rows_duplicate == 12


def test_simulator_anomaly_shapes(world):
    engine = get_engine(world)
    start = dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 20:00 local
    end = dt.datetime(2026, 11, 20, 22, 0, tzinfo=UTC)  # 06:00 local
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Shanghai")
    with engine.connect() as conn:
        clean = _readings(conn, 1, start, end, zone, None)
        night = _readings(conn, 1, start, end, zone, "night_load")
        spike = _readings(conn, 1, start, end, zone, "spike")
    total = lambda rows: sum(r["value"] for r in rows)  # noqa: E731
    assert total(night) > total(clean) * 1.5
    assert max(r["value"] for r in spike) > 20 * max(r["value"] for r in clean)
    assert set(ANOMALY_SHAPES) == {"night_load", "spike", "offhours_trip", "fuel_mismatch"}


def test_the_simulators_ordinary_trips_all_have_a_request(world):
    """The demo's background is clean: only the off-hours anomaly makes a trip without a request,
    which the default alert rules then find; ordinary trips, day or night, never do."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Shanghai")
    start = dt.datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # a whole local day, night included
    end = start + dt.timedelta(days=1)
    cfg = {"trips_per_vehicle_day": 40}
    with get_engine(world).begin() as conn:  # the second agency gets a request of its own
        conn.execute(
            sa.text("INSERT INTO trip_request (id, code, org_id) SELECT 99, 'REQ-A2', org_id FROM vehicle WHERE id = 2")
        )
    with get_engine(world).connect() as conn:
        ordinary, _ = _vehicle_events(conn, 7, start, end, zone, None, cfg)
        anomalous, _ = _vehicle_events(conn, 7, start, end, zone, "offhours_trip", cfg)
    assert ordinary and all(t["request_code"] for t in ordinary)
    assert [t for t in anomalous if not t["request_code"]]
