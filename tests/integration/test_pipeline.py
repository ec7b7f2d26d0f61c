"""The load pipeline on SQLite and PostgreSQL: rows land, roll-ups follow, a batch is all or
nothing, loading twice changes nothing, every row is counted, hooks run inside the batch."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from data.db import get_engine
from data.loaders import hook_registry, load_file, load_records
from data.loaders.facts import Settings
from data.rollup_delta import EnergyDeltas

from loader_world import NOW, build_world, hourly_csv

UTC = dt.UTC


@pytest.fixture
def world(db_url):
    build_world(db_url)
    return db_url


@pytest.fixture
def sqlite_world(sqlite_url):
    build_world(sqlite_url)
    return sqlite_url


def scalar(url, sql, **params):
    with get_engine(url).connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def rows(url, sql, **params):
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def daily(url, metric, kind, entity_id, day="2026-11-20"):
    return scalar(
        url,
        "SELECT value FROM rollup_daily WHERE metric_id=:m AND entity_kind=:k AND entity_id=:e AND day=:d",
        m=metric,
        k=kind,
        e=entity_id,
        d=day,
    )


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_readings_land_with_rollups_provenance_and_counts(world, tmp_path):
    path = write(tmp_path, "readings.csv", hourly_csv(value=100.0))
    result = load_file(get_engine(world), path, now=NOW)
    assert (result.status, result.rows_read, result.rows_accepted, result.rows_duplicate, result.rows_rejected) == (
        "applied",
        24,
        24,
        0,
        0,
    )
    assert scalar(world, "SELECT count(*) FROM meter_reading WHERE batch_id = :b", b=result.batch_id) == 24
    # 24 hourly readings ending 01:00 … 24:00 local are the consumption of 20 November
    assert daily(world, "energy.electricity_kwh", "building", 1) == pytest.approx(2400.0)
    for org in (4, 3, 2, 1):  # the agency and every ancestor
        assert daily(world, "energy.electricity_kwh", "org", org) == pytest.approx(2400.0)
    assert daily(world, "energy.electricity_kwh", "org", 5) is None
    prov = rows(
        world,
        "SELECT org_id, rows FROM rollup_provenance WHERE metric_id='energy.electricity_kwh' "
        "AND batch_id=:b ORDER BY org_id",
        b=result.batch_id,
    )
    assert prov == [(1, 24), (2, 24), (3, 24), (4, 24)]
    batch = rows(
        world,
        "SELECT status, rows_read, rows_accepted, data_from, data_to, checksum_sha256 FROM load_batch WHERE id=:b",
        b=result.batch_id,
    )[0]
    assert batch[:3] == ("applied", 24, 24)
    assert batch[5] and len(batch[5]) == 64
    assert scalar(world, "SELECT version FROM data_version WHERE domain='energy'") >= 1


def test_the_same_file_twice_changes_nothing_and_says_so(world, tmp_path):
    engine = get_engine(world)
    path = write(tmp_path, "readings.csv", hourly_csv())
    first = load_file(engine, path, now=NOW)
    version = scalar(world, "SELECT version FROM data_version WHERE domain='energy'")
    again = load_file(engine, path, now=NOW + dt.timedelta(minutes=5))
    assert again.status == "unchanged" and again.same_as_batch == first.batch_id
    assert [i.code for i in again.issues] == ["same_file_as_batch"]
    assert scalar(world, "SELECT count(*) FROM meter_reading") == 24
    assert scalar(world, "SELECT version FROM data_version WHERE domain='energy'") == version
    # A different file (new checksum) with the same rows: the natural key says nothing changed.
    copy = write(tmp_path, "re-export.csv", "# exported again\n" + hourly_csv())
    third = load_file(engine, copy, now=NOW)
    assert (third.status, third.rows_read, third.rows_accepted, third.rows_duplicate) == ("unchanged", 24, 0, 24)
    assert "no_changes" in [i.code for i in third.issues]
    assert scalar(world, "SELECT version FROM data_version WHERE domain='energy'") == version
    # force: read again anyway, still nothing changes
    forced = load_file(engine, path, now=NOW, force=True)
    assert (forced.status, forced.rows_duplicate) == ("unchanged", 24)


def test_a_correction_updates_the_row_and_the_rollups(world, tmp_path):
    engine = get_engine(world)
    load_file(engine, write(tmp_path, "a.csv", hourly_csv(value=100.0)), now=NOW)
    fixed = hourly_csv(value=100.0).replace("2026-11-20 05:00,100.0", "2026-11-20 05:00,160.0")
    result = load_file(engine, write(tmp_path, "b.csv", fixed), now=NOW)
    assert (result.rows_accepted, result.rows_duplicate) == (1, 23)
    assert daily(world, "energy.electricity_kwh", "building", 1) == pytest.approx(2460.0)
    assert scalar(world, "SELECT batch_id FROM meter_reading WHERE meter_id=1 AND value=160") == result.batch_id


def test_one_transaction_per_batch_a_failure_mid_batch_leaves_nothing(world, tmp_path, monkeypatch):
    engine = get_engine(world)
    text = hourly_csv() + "E-B001,2026-11-21 01:00,not-a-number\n"
    calls = []

    real_flush = EnergyDeltas.flush

    def exploding_finish(deltas):
        calls.append(deltas)
        real_flush(deltas)
        # the facts, the quarantine row and the roll-up changes are written by now, in the same transaction
        assert deltas.conn.execute(sa.text("SELECT count(*) FROM meter_reading")).scalar() == 24
        assert deltas.conn.execute(sa.text("SELECT count(*) FROM rollup_daily")).scalar() > 0
        raise RuntimeError("disk full while refreshing roll-ups")

    monkeypatch.setattr(EnergyDeltas, "finish", exploding_finish)
    result = load_file(engine, write(tmp_path, "r.csv", text), now=NOW, settings=Settings(chunk_rows=10))
    assert calls, "the failure happened after the rows were written"
    assert result.status == "failed" and "disk full" in result.error
    for table in ("meter_reading", "quarantine_row", "rollup_daily", "rollup_monthly", "rollup_provenance"):
        assert scalar(world, f"SELECT count(*) FROM {table}") == 0, table
    failed = rows(world, "SELECT status, rows_read, message FROM load_batch")
    assert len(failed) == 1 and failed[0][:2] == ("failed", 0)
    assert "batch_error" in failed[0][2] and "disk full" in failed[0][2]
    # the same file loads normally once the fault is gone (a failed batch does not count as loaded)
    monkeypatch.undo()
    again = load_file(engine, write(tmp_path, "r.csv", text), now=NOW)
    assert (again.status, again.rows_accepted, again.rows_rejected) == ("applied", 24, 1)


def test_the_row_count_invariant_is_enforced(sqlite_world, tmp_path, monkeypatch):
    from data.loaders import facts

    original = facts.MeterReadingHandler.write

    def lossy_write(self, records):
        result = original(self, records[1:])  # silently drops a row
        return result

    monkeypatch.setattr(facts.MeterReadingHandler, "write", lossy_write)
    result = load_file(get_engine(sqlite_world), write(tmp_path, "r.csv", hourly_csv()), now=NOW)
    assert result.status == "failed" and "BatchInvariantError" in result.error
    assert scalar(sqlite_world, "SELECT count(*) FROM meter_reading") == 0


def _rate_meter(url: str, code: str, kwh_per_hour: float) -> None:
    """Give a meter a rated capacity, so that its ceiling (above_ceiling) is not what a test checks."""
    with get_engine(url).begin() as conn:
        conn.exec_driver_sql(f"UPDATE meter SET capacity_per_hour = {kwh_per_hour} WHERE code = '{code}'")


def test_bad_rows_are_quarantined_and_good_rows_still_land(world, tmp_path):
    _rate_meter(world, "E-B001", 20_000)  # 7 MWh in an hour is a unit test here, not a ceiling test
    text = (
        hourly_csv(hours=range(1, 4))
        + "E-B001,2026-11-20 04:00,-5\n"  # negative
        + "E-B001,2026-11-20 05:00,abc\n"  # not a number
        + "E-B009,2026-11-20 05:00,5\n"  # unknown meter
        + "E-B001,2026-11-29 05:00,5\n"  # future
        + "E-B001,2026/11/20 06:00,7 MWh\n"  # a unit for the value: 7000 kWh
        + "E-B001,2026-11-20 06:30,5\n"  # not on the hour
        + "E-B001,2026-11-20,5\n"  # an hourly meter needs the time
        + "E-B001,2026-11-20 07:00,5 m³\n"  # wrong unit for electricity
        + "E-B001,2026-11-20 08:00,5 瓦\n"  # unknown unit
        + "E-B001,2026-11-20 01:00,55\n"
    )  # same key as line 2, another value
    result = load_file(get_engine(world), write(tmp_path, "mixed.csv", text), now=NOW)
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (13, 4, 9)
    got = rows(world, "SELECT line_no, column_name, reason_code FROM quarantine_row ORDER BY line_no")
    assert got == [
        (5, "用电量(千瓦时)", "negative_value"),
        (6, "用电量(千瓦时)", "not_a_number"),
        (7, "表计编号", "unknown_meter"),
        (8, "时间", "future_timestamp"),
        (10, "时间", "misaligned_timestamp"),
        (11, "时间", "date_without_time"),
        (12, "用电量(千瓦时)", "unit_mismatch"),
        (13, "用电量(千瓦时)", "unit_not_recognized"),
        (14, None, "duplicate_in_file"),
    ]
    raw = json.loads(json.dumps(rows(world, "SELECT raw FROM quarantine_row WHERE line_no = 7")[0][0]))
    raw = json.loads(raw) if isinstance(raw, str) else raw
    assert raw == {"表计编号": "E-B009", "时间": "2026-11-20 05:00", "用电量(千瓦时)": "5"}
    params = rows(world, "SELECT reason_params FROM quarantine_row WHERE line_no = 14")[0][0]
    params = json.loads(params) if isinstance(params, str) else params
    assert params == {"first_line": 2}
    assert scalar(world, "SELECT value FROM meter_reading WHERE meter_id = 1 AND value > 1000") == pytest.approx(7000.0)


def test_daily_meters_by_day_column_and_in_tonnes(world, tmp_path):
    text = '表计编号,日期,用水量,单位\nW-B001,2026-11-19,12.5,吨\nW-B001,2026年11月20日,"1,003",立方米\n'
    result = load_file(get_engine(world), write(tmp_path, "water.csv", text, "gbk"), now=NOW)
    assert (result.rows_accepted, result.rows_rejected) == (2, 0)
    assert daily(world, "energy.water_m3", "building", 1, "2026-11-19") == pytest.approx(12.5)
    assert daily(world, "energy.water_m3", "building", 1, "2026-11-20") == pytest.approx(1003.0)
    # stored as the interval ending at the next local midnight (UTC 16:00 the same day)
    stamps = [r[0] for r in rows(world, "SELECT ts FROM meter_reading ORDER BY ts")]
    assert [str(s)[:16] for s in stamps] == ["2026-11-19 16:00", "2026-11-20 16:00"]


def test_meter_by_building_and_kind(world, tmp_path):
    text = "建筑编码,能源类型,时间,用量\nB002,天然气,2026-11-20,3.5\nB002,电,2026-11-20 10:00,40\nB404,电,2026-11-20 10:00,1\n"
    result = load_file(get_engine(world), write(tmp_path, "b.csv", text), now=NOW)
    assert (result.rows_accepted, result.rows_rejected) == (2, 1)
    assert rows(world, "SELECT reason_code, reason_params FROM quarantine_row")[0][0] == "unknown_building"
    assert daily(world, "energy.gas_m3", "building", 2) == pytest.approx(3.5)


def test_implausible_jump_against_last_month(sqlite_world, tmp_path):
    engine = get_engine(sqlite_world)
    _rate_meter(sqlite_world, "E-B001", 20_000)  # under the ceiling: the jump check is what refuses
    october = ["表计编号,时间,用电量"] + [
        f"E-B001,{(dt.datetime(2026, 10, 1) + dt.timedelta(hours=h)).strftime('%Y-%m-%d %H:%M')},100"
        for h in range(1, 24 * 31 + 1)
    ]
    load_file(engine, write(tmp_path, "oct.csv", "\n".join(october) + "\n"), now=NOW)
    text = "表计编号,时间,用电量\nE-B001,2026-11-20 10:00,150\nE-B001,2026-11-20 11:00,5000\n"
    result = load_file(engine, write(tmp_path, "nov.csv", text), now=NOW)
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    code, params = rows(sqlite_world, "SELECT reason_code, reason_params FROM quarantine_row")[0]
    params = json.loads(params) if isinstance(params, str) else params
    assert (
        code == "implausible_jump" and params["reference"] == pytest.approx(100.0, rel=0.01) and params["factor"] == 10
    )


def test_after_batch_hooks_run_inside_the_batch_and_a_failing_hook_keeps_the_data(world, tmp_path):
    seen = []

    def check(conn, batch):
        # inside the transaction: the batch's rows are visible here
        seen.append((batch.batch_id, batch.fact, conn.execute(sa.text("SELECT count(*) FROM meter_reading")).scalar()))
        conn.execute(sa.text("UPDATE data_source SET name_en = 'touched'"))

    def broken(conn, batch):
        conn.execute(sa.text("DELETE FROM meter_reading"))  # undone by the hook's savepoint
        raise RuntimeError("rule 42 divided by zero")

    hook_registry.register("after_batch", check, name="test.check")
    hook_registry.register("after_batch", broken, name="test.broken")
    try:
        result = load_file(get_engine(world), write(tmp_path, "r.csv", hourly_csv()), now=NOW)
    finally:
        hook_registry.unregister("after_batch", "test.check")
        hook_registry.unregister("after_batch", "test.broken")
    assert seen == [(result.batch_id, "meter_reading", 24)]
    assert result.status == "applied"
    assert scalar(world, "SELECT count(*) FROM meter_reading") == 24
    message = json.loads(scalar(world, "SELECT message FROM load_batch WHERE id=:b", b=result.batch_id))
    assert {
        "code": "hook_failed",
        "params": {"hook": "test.broken", "error": "RuntimeError: rule 42 divided by zero"},
    } in message["issues"]


def test_after_commit_hooks_run_once_the_batch_is_committed_and_a_failure_keeps_it(world, tmp_path):
    """The threshold checks run here: outside the batch's transaction (another connection sees
    its rows), only for an applied batch, and a failing hook neither undoes nor fails the batch."""
    seen = []

    def check(engine, batch):
        with engine.connect() as other:  # a separate connection: committed data only
            count = other.execute(sa.text("SELECT count(*) FROM meter_reading")).scalar()
            status = other.execute(sa.text("SELECT status FROM load_batch WHERE id = :b"), {"b": batch.batch_id})
            seen.append((batch.batch_id, count, status.scalar()))

    def broken(engine, batch):
        raise RuntimeError("rule 42 divided by zero")

    hook_registry.register("after_commit", check, name="test.check")
    hook_registry.register("after_commit", broken, name="test.broken")
    try:
        result = load_file(get_engine(world), write(tmp_path, "r.csv", hourly_csv()), now=NOW)
        refused = load_file(get_engine(world), write(tmp_path, "bad.csv", "nothing,we,know\n1,2,3\n"), now=NOW)
    finally:
        hook_registry.unregister("after_commit", "test.check")
        hook_registry.unregister("after_commit", "test.broken")
    assert result.status == "applied" and refused.status != "applied"
    assert seen == [(result.batch_id, 24, "applied")]
    assert scalar(world, "SELECT count(*) FROM meter_reading") == 24


def test_records_from_a_sql_or_simulator_source_use_the_same_checks(world):
    engine = get_engine(world)
    records = [
        {"meter_code": "E-B002", "ts": dt.datetime(2026, 11, 20, 10, 0), "value": 12.0},
        {"meter_code": "E-B002", "ts": dt.datetime(2026, 11, 20, 11, 0), "value": -1.0},
    ]
    result = load_records(
        engine, "meter_reading", records, now=NOW, name="unit test", columns=("meter_code", "ts", "value")
    )
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    assert rows(world, "SELECT line_no, reason_code FROM quarantine_row") == [(2, "negative_value")]
