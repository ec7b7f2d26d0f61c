"""Meter-reading batches update the energy roll-ups incrementally (``data.rollup_delta``), and what
they leave is exactly what a rebuild from raw readings gives — on SQLite and PostgreSQL.

The batch mixes everything an incremental update can get wrong: new hourly readings across a
local month boundary and on a weekend (night and off-day rows), daily water readings, a
correction of a stored reading (the change, not the value, is added; no sample), an unchanged
re-sent reading, an in-file duplicate and a refused in-file clash, and meters in several orgs
at several depths of the tree. The same rows then go through the row-by-row path (records, as
the SQL source and the simulator send them) into a second copy: both paths must agree.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from data import rollup
from data.db import get_engine
from data.demo import build_demo
from data.loaders import load_file, load_records
from data.rollup_delta import EnergyDeltas

from rollup_snapshots import KEYS, assert_same, snapshot

AS_OF = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)  # 12:00 on 1 Dec in Shanghai


def _meters(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(
            sa.text(
                "SELECT m.id, m.code, m.kind, m.interval_minutes, b.org_id, o.depth FROM meter m "
                "JOIN building b ON b.id = m.building_id JOIN org_node o ON o.id = b.org_id WHERE m.active "
                "ORDER BY m.id"
            ),
            conn,
        )


def _batch_rows(engine) -> tuple[list[tuple[str, str, str]], dict]:
    """(meter code, local time text, value text) rows of the mixed batch, and what it holds."""
    meters = _meters(engine)
    hourly = meters[(meters["kind"] == "electricity") & (meters["interval_minutes"] == 60)]
    # meters in orgs at different depths of the tree
    chosen = hourly.groupby("depth").head(2).head(6)
    water = meters[(meters["kind"] == "water") & (meters["interval_minutes"] == 1440)].head(2)
    assert len(chosen) >= 3 and len(water) >= 1
    with engine.connect() as conn:
        # values near each meter's own level, so that the jump check lets them through
        level = {
            int(m): float(
                conn.execute(
                    sa.text("SELECT avg(value) FROM meter_reading WHERE meter_id = :m"), {"m": int(m)}
                ).scalar()
                or 1.0
            )
            for m in [*chosen["id"], *water["id"]]
        }
    rows: list[tuple[str, str, str]] = []
    # 28 Nov (Saturday) to 1 Dec 03:00 local: a weekend, night hours and the month boundary
    start = dt.datetime(2026, 11, 28, 1, 0)
    for step in range(3 * 24 + 3):
        stamp = (start + dt.timedelta(hours=step)).strftime("%Y-%m-%d %H:%M")
        for i, (meter_id, code) in enumerate(zip(chosen["id"], chosen["code"])):
            rows.append((code, stamp, f"{level[int(meter_id)] * (0.8 + 0.04 * ((step * 7 + i * 3) % 11)):.3f}"))
    for day in ("2026-11-28", "2026-11-29", "2026-11-30"):
        for meter_id, code in zip(water["id"], water["code"]):
            rows.append((code, day, f"{level[int(meter_id)]:.3f}"))
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text(
                "SELECT m.code, r.ts, r.value FROM meter_reading r JOIN meter m ON m.id = r.meter_id "
                "WHERE m.id = :m ORDER BY r.ts DESC LIMIT 3"
            ),
            {"m": int(chosen["id"].iloc[0])},
        ).all()
    to_local = lambda ts: pd.Timestamp(ts).to_pydatetime().replace(tzinfo=None) + dt.timedelta(hours=8)  # noqa: E731
    corrected, unchanged = stored[0], stored[1]
    rows.append((corrected.code, to_local(corrected.ts).strftime("%Y-%m-%d %H:%M"), f"{corrected.value * 2 + 1:.4f}"))
    rows.append((unchanged.code, to_local(unchanged.ts).strftime("%Y-%m-%d %H:%M"), repr(float(unchanged.value))))
    rows.append(rows[0])  # the same row twice: a duplicate
    rows.append((rows[1][0], rows[1][1], f"{float(rows[1][2]) + 1:.3f}"))  # same key, another value: refused
    return rows, {"new": len(rows) - 4, "corrected": 1}


def _write_csv(path, rows) -> None:
    lines = ["表计编号,时间,用量"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def demo_engine(db_url):
    build_demo(db_url, tier="tiny", seed=11, as_of=AS_OF)
    return get_engine(db_url)


def test_a_csv_batch_leaves_what_a_rebuild_gives(demo_engine, tmp_path):
    rows, expected = _batch_rows(demo_engine)
    path = tmp_path / "readings.csv"
    _write_csv(path, rows)
    before = snapshot(demo_engine)
    result = load_file(demo_engine, path, now=NOW)
    assert result.status == "applied", result.issues
    assert result.rows_read == len(rows)
    assert result.rows_accepted == expected["new"] + expected["corrected"]
    assert result.rows_duplicate == 2 and result.rows_rejected == 1
    incremental = snapshot(demo_engine)
    assert not incremental["rollup_daily"].equals(before["rollup_daily"])
    with demo_engine.begin() as conn:
        rollup.rebuild_all(conn, as_of=AS_OF)
    assert_same(incremental, snapshot(demo_engine))


def test_rows_from_records_take_the_same_way_as_a_file(db_url, tmp_path):
    """The row path (records) and the column path (a clean CSV) store the same readings and roll-ups."""
    build_demo(db_url, tier="tiny", seed=11, as_of=AS_OF)
    engine = get_engine(db_url)
    rows, _expected = _batch_rows(engine)
    result = load_records(
        engine,
        "meter_reading",
        ({"meter_code": c, "ts": t, "value": v} for c, t, v in rows),
        now=NOW,
        name="simulator",
        columns=("meter_code", "ts", "value"),
    )
    assert (result.rows_accepted, result.rows_duplicate, result.rows_rejected) == (len(rows) - 3, 2, 1)
    by_records = snapshot(engine)
    with engine.begin() as conn:
        rollup.rebuild_all(conn, as_of=AS_OF)
    assert_same(by_records, snapshot(engine))


def test_flushing_in_pieces_gives_the_same_cells(db_url):
    """A huge file flushes its accumulated changes several times; the sum is the same."""
    build_demo(db_url, tier="tiny", seed=11, as_of=AS_OF)
    engine = get_engine(db_url)
    meters = _meters(engine)
    hourly = meters[(meters["kind"] == "electricity") & (meters["interval_minutes"] == 60)].head(3)
    with engine.connect() as conn:
        buildings = dict(conn.execute(sa.text("SELECT id, building_id FROM meter")).all())
    ts = np.array([int(dt.datetime(2026, 11, 29, h, tzinfo=dt.UTC).timestamp()) for h in range(24)] * len(hourly))
    meter_ids = np.repeat(hourly["id"].to_numpy(), 24)
    arrays = dict(
        building_id=np.array([buildings[int(m)] for m in meter_ids]),
        org_id=np.repeat(hourly["org_id"].to_numpy(), 24),
        kind=np.zeros(len(ts), dtype=np.int64),
        interval_minutes=np.full(len(ts), 60),
        ts=ts,
        value=np.linspace(1, 9, len(ts)),
        samples=np.ones(len(ts), dtype=np.int64),
    )

    def apply(flush_rows: int) -> dict:
        with engine.connect() as conn:
            tx = conn.begin()
            deltas = EnergyDeltas(conn, flush_rows=flush_rows)
            for part in np.array_split(np.arange(len(ts)), 6):
                deltas.add(**{k: v[part] for k, v in arrays.items()})
            deltas.finish()
            out = {
                t: pd.read_sql(sa.text(f"SELECT * FROM {t}"), conn).sort_values(k).reset_index(drop=True)
                for t, k in KEYS.items()
            }
            tx.rollback()
        return out

    at_once, in_pieces = apply(1_000_000), apply(1)
    for table in KEYS:
        pd.testing.assert_frame_equal(at_once[table], in_pieces[table], check_exact=False, rtol=1e-12)


def test_a_correction_adds_the_change_not_the_value(db_url, tmp_path):
    build_demo(db_url, tier="tiny", seed=11, as_of=AS_OF)
    engine = get_engine(db_url)
    with engine.connect() as conn:
        meter = conn.execute(
            sa.text(
                "SELECT m.id, m.code, m.building_id FROM meter m WHERE m.kind = 'electricity' ORDER BY m.id LIMIT 1"
            )
        ).one()
        ts, value = conn.execute(
            sa.text("SELECT ts, value FROM meter_reading WHERE meter_id = :m ORDER BY ts DESC LIMIT 1 OFFSET 30"),
            {"m": meter.id},
        ).one()
    local = pd.Timestamp(ts).to_pydatetime().replace(tzinfo=None) + dt.timedelta(hours=8)
    day = (local - dt.timedelta(hours=1)).date()

    def building_day() -> tuple[float, int]:
        with engine.connect() as conn:
            return tuple(
                conn.execute(
                    sa.text(
                        "SELECT value, samples FROM rollup_daily WHERE metric_id = 'energy.electricity_kwh' "
                        "AND entity_kind = 'building' AND entity_id = :b AND day = :d"
                    ).bindparams(sa.bindparam("d", type_=sa.Date())),
                    {"b": meter.building_id, "d": day},
                ).one()
            )

    total, samples = building_day()
    path = tmp_path / "fix.csv"
    _write_csv(path, [(meter.code, local.strftime("%Y-%m-%d %H:%M"), f"{value + 40:.6f}")])
    result = load_file(engine, path, now=NOW)
    assert result.rows_accepted == 1, result.issues
    new_total, new_samples = building_day()
    assert new_total == pytest.approx(total + 40, abs=1e-6)
    assert new_samples == samples


def test_manage_py_rebuild_rollups_reconciles_with_the_facts(db_url, monkeypatch, capsys):
    """The operator's reconciler: a roll-up cell changed by hand (or left stale by a calendar
    change) comes back to what the raw facts say."""
    import manage

    build_demo(db_url, tier="tiny", seed=11, as_of=AS_OF)
    engine = get_engine(db_url)
    truth = snapshot(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE rollup_daily SET value = value + 1000 WHERE metric_id = 'energy.electricity_kwh' "
                "AND entity_kind = 'org'"
            )
        )
        conn.execute(sa.text("DELETE FROM rollup_hourly_profile WHERE entity_kind = 'building'"))
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert manage.main(["rebuild-rollups", "--as-of", AS_OF.isoformat()]) == 0
    assert "roll-ups rebuilt" in capsys.readouterr().out
    assert_same(snapshot(engine), truth)
