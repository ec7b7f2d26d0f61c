"""The configured time zone (``AOCC_TIMEZONE``) is honoured by the demo generator and by every
roll-up path, on SQLite and PostgreSQL.

Under ``UTC`` the demo's office hours, readings and days are UTC ones, and what the incremental
paths leave (``EnergyDeltas`` for a batch of readings, ``refresh_energy``, ``refresh_vehicle``)
equals a ``rebuild_all`` from raw facts in that zone. And the zone really decides the day: a
reading whose interval starts at 20:00 UTC is counted on that UTC day under ``UTC`` and on the
next day (04:00, a night hour) under ``Asia/Shanghai``, by both the recomputing and the
incremental path.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from data import rollup
from data.calendar import calendar_for, configured_calendar
from data.db import get_engine
from data.demo import build_demo
from data.rollup_delta import METER_KINDS, EnergyDeltas

from rollup_snapshots import assert_same, snapshot

AS_OF = dt.date(2026, 11, 25)
TINY_DAYS = 75  # the tiny tier's days of facts, ending the day before AS_OF
UTC = dt.UTC


@pytest.fixture
def utc_zone(monkeypatch):
    """Everything that asks for the configured zone gets UTC."""
    monkeypatch.setenv("AOCC_TIMEZONE", "UTC")
    assert configured_calendar().name == "UTC"


def _epoch_seconds(stamps) -> np.ndarray:
    return np.array([int(s.replace(tzinfo=UTC).timestamp()) for s in stamps], dtype=np.int64)


def _frame(conn, sql: str, **params) -> pd.DataFrame:
    return pd.read_sql(sa.text(sql), conn, params=params)


def test_demo_and_incremental_roll_ups_follow_the_configured_zone(db_url, utc_zone):
    build_demo(db_url, tier="tiny", seed=11, as_of=AS_OF)
    engine = get_engine(db_url)
    first_day = AS_OF - dt.timedelta(days=TINY_DAYS)

    # The demo's local times are UTC times: the first hourly reading ends at 01:00 on the first
    # day, trips keep office hours in UTC, and the roll-ups' days run from the first to the last day.
    with engine.connect() as conn:
        meters = _frame(
            conn,
            "SELECT m.id, m.kind, m.interval_minutes, b.id AS building_id, b.org_id FROM meter m "
            "JOIN building b ON b.id = m.building_id WHERE m.active ORDER BY m.id",
        )
        hourly = meters[(meters["kind"] == "electricity") & (meters["interval_minutes"] == 60)]
        first_ts = conn.execute(
            sa.text("SELECT MIN(ts) FROM meter_reading WHERE meter_id = :m"), {"m": int(hourly["id"].iloc[0])}
        ).scalar()
        assert pd.Timestamp(first_ts).to_pydatetime().replace(tzinfo=None) == dt.datetime.combine(first_day, dt.time(1))
        trips = _frame(conn, "SELECT start_ts FROM trip")
        hours = pd.to_datetime(trips["start_ts"], format="ISO8601").dt.hour
        assert len(trips) > 100 and hours.min() >= 7 and hours.max() <= 21
        days = conn.execute(
            sa.text("SELECT MIN(day), MAX(day) FROM rollup_daily WHERE metric_id = 'energy.electricity_kwh'")
        ).one()
        assert [str(d)[:10] for d in days] == [first_day.isoformat(), (AS_OF - dt.timedelta(days=1)).isoformat()]

    # A batch of new readings (hourly, over a weekend, nights and a month boundary, and daily
    # water) and a correction, applied as a loader does: raw rows, then EnergyDeltas.
    chosen = hourly.groupby("org_id").head(1).head(3)
    water = meters[(meters["kind"] == "water") & (meters["interval_minutes"] == 1440)].head(1)
    assert len(chosen) >= 2 and len(water) == 1
    hours_ts = [dt.datetime(2026, 11, 28, 1) + dt.timedelta(hours=h) for h in range(3 * 24 + 3)]
    days_ts = [dt.datetime(2026, 11, 29), dt.datetime(2026, 11, 30), dt.datetime(2026, 12, 1)]
    parts = [
        pd.DataFrame({"meter_id": int(m.id), "ts": hours_ts, "value": np.linspace(3.0, 9.0, len(hours_ts)) + i})
        for i, m in enumerate(chosen.itertuples())
    ]
    parts.append(pd.DataFrame({"meter_id": int(water["id"].iloc[0]), "ts": days_ts, "value": [7.5, 8.25, 6.0]}))
    batch = pd.concat(parts, ignore_index=True).merge(meters.rename(columns={"id": "meter_id"}), on="meter_id")
    corrected = int(chosen["id"].iloc[0])
    with engine.begin() as conn:
        old_ts, old_value = conn.execute(
            sa.text("SELECT ts, value FROM meter_reading WHERE meter_id = :m ORDER BY ts DESC LIMIT 1 OFFSET 5"),
            {"m": corrected},
        ).one()
        conn.execute(
            sa.text("UPDATE meter_reading SET value = value + 40 WHERE meter_id = :m AND ts = :ts"),
            {"m": corrected, "ts": old_ts},
        )
        rollup.insert_frame(
            conn,
            "meter_reading",
            batch[["meter_id", "ts", "value"]].assign(
                ts=pd.to_datetime(batch["ts"]).to_numpy().astype("datetime64[us]")
            ),
        )
        deltas = EnergyDeltas(conn)
        deltas.add(
            building_id=batch["building_id"].to_numpy(),
            org_id=batch["org_id"].to_numpy(),
            kind=batch["kind"].map(METER_KINDS.index).to_numpy(),
            interval_minutes=batch["interval_minutes"].to_numpy(),
            ts=pd.to_datetime(batch["ts"]).to_numpy().astype("datetime64[s]").astype(np.int64),
            value=batch["value"].to_numpy(),
            samples=np.ones(len(batch), dtype=np.int64),
        )
        row = meters[meters["id"] == corrected].iloc[0]
        stamp = pd.Timestamp(old_ts).to_pydatetime().replace(tzinfo=None)
        deltas.add(
            building_id=[row["building_id"]],
            org_id=[row["org_id"]],
            kind=[METER_KINDS.index("electricity")],
            interval_minutes=[60],
            ts=_epoch_seconds([stamp]),
            value=[40.0],
            samples=[0],
        )
        deltas.finish()

    # Raw facts changed behind the roll-ups' back, then the recomputing refreshes of those days:
    # a late trip (21:12 UTC: after every demo trip's start, off-hours on its UTC day) and one
    # building's readings of a day.
    vehicle_id = 1
    day = AS_OF - dt.timedelta(days=5)
    building = int(chosen["building_id"].iloc[-1])
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO trip (id, vehicle_id, start_ts, end_ts, km, request_id) VALUES "
                "((SELECT MAX(id) + 1 FROM trip), :v, :s, :e, 42.0, NULL)"
            ).bindparams(sa.bindparam("s", type_=sa.DateTime()), sa.bindparam("e", type_=sa.DateTime())),
            {
                "v": vehicle_id,
                "s": dt.datetime.combine(day, dt.time(21, 12)),
                "e": dt.datetime.combine(day, dt.time(22, 2)),
            },
        )
        rollup.refresh_vehicle(conn, vehicle_ids=[vehicle_id], day_from=day, day_to=day)
        conn.execute(
            sa.text(
                "UPDATE meter_reading SET value = value * 1.5 WHERE ts > :a AND ts <= :b AND meter_id IN "
                "(SELECT id FROM meter WHERE building_id = :b_id)"
            ).bindparams(sa.bindparam("a", type_=sa.DateTime()), sa.bindparam("b", type_=sa.DateTime())),
            {
                "a": dt.datetime.combine(day, dt.time()),
                "b": dt.datetime.combine(day + dt.timedelta(days=1), dt.time()),
                "b_id": building,
            },
        )
        rollup.refresh_energy(conn, building_ids=[building], day_from=day, day_to=day)
        evening = conn.execute(
            sa.text(
                "SELECT value FROM rollup_daily WHERE metric_id = 'vehicle.offhours_trips' AND entity_kind = 'vehicle' "
                "AND entity_id = :v AND day = :d"
            ).bindparams(sa.bindparam("d", type_=sa.Date())),
            {"v": vehicle_id, "d": day},
        ).scalar()
        assert evening is not None and evening >= 1  # on its UTC day

    incremental = snapshot(engine)
    with engine.begin() as conn:
        rollup.rebuild_all(conn, as_of=AS_OF)
    assert_same(incremental, snapshot(engine))


def _one_building(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO org_node (id, parent_id, level, admin_level, code, name_zh, name_en, path, depth, headcount, "
                "energy_users, sort_order) VALUES (1, NULL, 'province', 'province', 'P', '省', 'Province', '/1/', 0, 0, 0, 0), "
                "(2, 1, 'agency', 'province', 'A', '厅', 'Agency', '/1/2/', 1, 10, 10, 1)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO building (id, code, org_id, name_zh, name_en, use_type, floor_area_m2, heated_area_m2, occupants) "
                "VALUES (1, 'B1', 2, '楼', 'Building', 'office', 1000, 800, 10)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO meter (id, code, building_id, kind, unit, interval_minutes, active) "
                "VALUES (1, 'B1-E', 1, 'electricity', 'kWh', 60, :t)"
            ),
            {"t": True},
        )


def _cells(conn) -> dict:
    """{(metric, entity kind, day): (value, samples)} and the profile's non-zero hours."""
    daily = {
        (m, k, str(d)[:10]): (v, s)
        for m, k, d, v, s in conn.execute(
            sa.text("SELECT metric_id, entity_kind, day, value, samples FROM rollup_daily")
        )
    }
    profile = _frame(conn, "SELECT * FROM rollup_hourly_profile")
    hours = {
        (row["entity_kind"], str(row["month"])[:10], int(row["weekday"]), column)
        for _, row in profile.iterrows()
        for column in profile.columns
        if column.startswith("h") and column[1:].isdigit() and row[column]
    }
    return {"daily": daily, "hours": hours}


# A reading at 21:00 UTC on Tuesday 10 March 2026 covers 20:00–21:00 UTC: in UTC that is Tuesday
# evening; in Asia/Shanghai it is 04:00–05:00 on Wednesday 11 March, a night hour.
READING_END = dt.datetime(2026, 3, 10, 21, 0)
EXPECTED = {
    "UTC": {"day": "2026-03-10", "weekday": 1, "hour": "h20", "night": 0.0},
    "Asia/Shanghai": {"day": "2026-03-11", "weekday": 2, "hour": "h04", "night": 5.0},
}


@pytest.mark.parametrize("zone", sorted(EXPECTED))
def test_the_zone_decides_the_day_of_a_reading(db_url, zone, monkeypatch):
    monkeypatch.setenv("AOCC_TIMEZONE", zone)  # the default calendar of every path below
    engine = get_engine(db_url)
    _one_building(engine)
    expected = EXPECTED[zone]
    cells = {}
    for path in ("refresh_energy", "EnergyDeltas"):
        with engine.connect() as conn:
            tx = conn.begin()
            if path == "refresh_energy":
                rollup.insert_frame(
                    conn,
                    "meter_reading",
                    pd.DataFrame(
                        {"meter_id": [1], "ts": np.array([READING_END], dtype="datetime64[us]"), "value": [5.0]}
                    ),
                )
                rollup.refresh_energy(conn, building_ids=[1], day_from=dt.date(2026, 3, 9), day_to=dt.date(2026, 3, 12))
            else:
                deltas = EnergyDeltas(conn)
                deltas.add(
                    building_id=[1],
                    org_id=[2],
                    kind=[METER_KINDS.index("electricity")],
                    interval_minutes=[60],
                    ts=_epoch_seconds([READING_END]),
                    value=[5.0],
                    samples=[1],
                )
                deltas.finish()
            cells[path] = _cells(conn)
            tx.rollback()

    daily = cells["refresh_energy"]["daily"]
    for kind in ("building", "org"):
        assert daily[("energy.electricity_kwh", kind, expected["day"])] == (5.0, 1)
        assert daily[("energy.night_electricity_kwh", kind, expected["day"])][0] == expected["night"]
    assert {d for _, _, d in daily} == {expected["day"]}
    assert cells["refresh_energy"]["hours"] == {
        (kind, "2026-03-01", expected["weekday"], expected["hour"]) for kind in ("building", "org")
    }
    # the incremental path puts the reading on the same day, hour and weekday
    assert cells["EnergyDeltas"] == cells["refresh_energy"]


def test_an_explicit_calendar_overrides_the_configured_zone(sqlite_url, utc_zone):
    """``calendar=`` wins over ``AOCC_TIMEZONE``: the reading goes to Shanghai's next day."""
    engine = get_engine(sqlite_url)
    _one_building(engine)
    with engine.connect() as conn:
        tx = conn.begin()
        rollup.insert_frame(
            conn,
            "meter_reading",
            pd.DataFrame({"meter_id": [1], "ts": np.array([READING_END], dtype="datetime64[us]"), "value": [5.0]}),
        )
        rollup.rebuild_all(conn, as_of=dt.date(2026, 3, 31), calendar=calendar_for("Asia/Shanghai"))
        days = {
            str(d)[:10]
            for (d,) in conn.execute(
                sa.text("SELECT DISTINCT day FROM rollup_daily WHERE metric_id = 'energy.electricity_kwh'")
            )
        }
        tx.rollback()
    assert days == {"2026-03-11"}


def test_a_file_loaded_under_the_configured_zone_matches_a_rebuild_in_that_zone(
    db_url, utc_zone, tmp_path, monkeypatch
):
    """The small demo built under ``UTC``, then a department file of readings loaded through the real
    pipeline with the configured zone ``UTC`` (the process environment saying Asia/Shanghai, so the
    loader must follow its settings): day and month roll-ups equal a rebuild from raw readings in
    UTC, and a reading of 30 November 23:00 stays in November."""
    from config import load_config
    from data.loaders import load_file
    from data.loaders.pipeline import settings_from_config

    build_demo(db_url, tier="tiny", seed=11, as_of=AS_OF)
    engine = get_engine(db_url)
    with engine.connect() as conn:
        codes = [
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT code FROM meter WHERE active AND kind = 'electricity' AND interval_minutes = 60 "
                    "ORDER BY id LIMIT 2"
                )
            )
        ]
    lines = ["表计编号,时间,用电量(千瓦时)"]
    start = dt.datetime(2026, 11, 29, 1)
    for code in codes:
        lines += [f"{code},{(start + dt.timedelta(hours=h)):%Y-%m-%d %H:%M},{40 + h % 7}" for h in range(60)]
    path = tmp_path / "readings.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    monkeypatch.setenv("AOCC_TIMEZONE", "Asia/Shanghai")
    settings = settings_from_config(load_config(timezone="UTC"))
    result = load_file(engine, path, now=dt.datetime(2026, 12, 2, 12, tzinfo=UTC), settings=settings)
    assert (result.status, result.rows_accepted, result.rows_rejected) == ("applied", 120, 0)
    loaded = snapshot(engine)
    with engine.begin() as conn:
        rollup.rebuild_all(conn, as_of=AS_OF, calendar=calendar_for("UTC"))  # state metrics as the demo left them
    assert_same(loaded, snapshot(engine))

    with engine.connect() as conn:
        stamps = {
            pd.Timestamp(r[0]).to_pydatetime().replace(tzinfo=None)
            for r in conn.execute(
                sa.text(
                    "SELECT r.ts FROM meter_reading r JOIN meter m ON m.id = r.meter_id WHERE m.code = :code "
                    "ORDER BY r.ts DESC LIMIT 60"
                ),
                {"code": codes[0]},
            )
        }
        days = conn.execute(
            sa.text(
                "SELECT MAX(day) FROM rollup_daily WHERE metric_id = 'energy.electricity_kwh' "
                "AND entity_kind = 'building'"
            )
        ).scalar()
    assert dt.datetime(2026, 11, 30, 23) in stamps  # local 23:00 is 23:00 UTC: the file was read in UTC
    assert str(days)[:10] == "2026-12-01"  # the last reading ends 2026-12-01 12:00 UTC
