"""The sample files of ``data/samples`` (one per fact) against the demo province: dropping each into
its domain's folder makes its figures appear in the roll-ups after one run of the drop job, and
dropping it again changes nothing."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import load_config
from data.backup import _backup_sqlite
from data.db import dispose_engine, get_engine
from jobs.definitions import all_jobs, source_job_id
from jobs.runner import run_job

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
UTC = dt.UTC
# 01:00 on 21 November in Shanghai: the demo (as of 20 November) ends on the 19th, the samples
# are the 20th.
NOW = dt.datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
DAY = "2026-11-20"
MONTH = "2026-11-01"


def org_id(conn, code):
    return conn.execute(sa.text("SELECT id FROM org_node WHERE code = :c"), {"c": code}).scalar_one()


def daily(conn, metric, kind, entity):
    return conn.execute(
        sa.text(
            "SELECT coalesce(sum(value), 0) FROM rollup_daily WHERE metric_id=:m AND entity_kind=:k "
            "AND entity_id=:e AND day=:d"
        ),
        {"m": metric, "k": kind, "e": entity, "d": DAY},
    ).scalar()


def monthly(conn, metric, entity):
    return conn.execute(
        sa.text(
            "SELECT coalesce(sum(value), 0) FROM rollup_monthly WHERE metric_id=:m AND entity_kind='org' "
            "AND entity_id=:e AND month=:d"
        ),
        {"m": metric, "e": entity, "d": MONTH},
    ).scalar()


# sample file -> (domain folder, [(figure, expected change)])
def figures(conn):
    province = org_id(conn, "JL")
    building1 = conn.execute(sa.text("SELECT id FROM building WHERE code='BLD-0001'")).scalar_one()
    return {
        "meter_readings.csv": (
            "energy",
            [
                (lambda c: daily(c, "energy.electricity_kwh", "building", building1), 974.70),
                (lambda c: daily(c, "energy.water_m3", "building", building1), 6.21),
                (lambda c: daily(c, "energy.electricity_kwh", "org", province), 2218.73),
            ],
        ),
        "trips_gbk.csv": (
            "vehicle",
            [
                (lambda c: daily(c, "vehicle.trips", "org", province), 4),
                (lambda c: daily(c, "vehicle.km", "org", province), 187.9),
            ],
        ),
        "fuel_charging.xlsx": (
            "vehicle",
            [
                (lambda c: daily(c, "vehicle.fuel_l", "org", province), 80.5),
                (lambda c: daily(c, "vehicle.charge_kwh", "org", province), 31.2),
            ],
        ),
        "maintenance_bom.csv": (
            "vehicle",
            [(lambda c: daily(c, "vehicle.maintenance_cost_yuan", "org", province), 4930.0)],
        ),
        "asset_register.xlsx": (
            "asset",
            [
                (lambda c: monthly(c, "asset.count", org_id(c, "JL.finance")), 3),
                (lambda c: monthly(c, "asset.idle_count", org_id(c, "JL.finance")), 1),
            ],
        ),
        "asset_movements_gbk.csv": (
            "asset",
            [
                (lambda c: monthly(c, "asset.redeployed_count", org_id(c, "JL.education")), 2),
                (lambda c: monthly(c, "asset.redeploy_saved_yuan", province), 7900.0),
            ],
        ),
        "office_occupancy.xlsx": (
            "housing",
            [(lambda c: monthly(c, "housing.office_occupants", org_id(c, "JL.gov_office")), 2)],
        ),
        "leases.csv": ("housing", [(lambda c: monthly(c, "housing.occupied_units", province), 1)]),
    }


@pytest.fixture
def demo_copy(demo_sqlite_url, tmp_path):
    target = tmp_path / "demo.sqlite3"
    _backup_sqlite(Path(demo_sqlite_url.removeprefix("sqlite:///")), target)
    url = f"sqlite:///{target}"
    yield url
    dispose_engine(url)


def test_every_fact_has_a_sample():
    from data.import_formats import FACTS
    from data.loaders.extract import open_table

    facts = set()
    for path in SAMPLES.iterdir():
        if path.suffix in (".csv", ".xlsx"):
            table = open_table(path)
            assert not table.refused, path.name
            facts.add(table.fact)
            table.close()
    assert facts == set(FACTS)


@pytest.mark.slow
def test_each_sample_appears_in_the_rollups_within_one_drop_run_and_again_changes_nothing(demo_copy, tmp_path):
    config = load_config(database_url=demo_copy, var_dir=tmp_path, data_dir=tmp_path / "data", drop_settle_seconds=0)
    engine = get_engine(demo_copy)
    jobs = {s.id: s for s in all_jobs(engine, config)}
    with engine.connect() as conn:
        expected = figures(conn)
    # master_* and fresh_* build a new province from nothing (test_loader_master_data.py), not the demo's;
    # the weather sample names that province's cities too (test_loader_weather.py loads it).
    assert set(expected) == {
        p.name
        for p in SAMPLES.iterdir()
        if p.suffix in (".csv", ".xlsx")
        and not p.name.startswith(("master_", "fresh_"))
        and p.name != "weather_daily.csv"
    }
    tick = 0
    for name, (domain, checks) in expected.items():
        with engine.connect() as conn:
            before = [f(conn) for f, _ in checks]
        for attempt in ("first", "again"):
            tick += 1
            shutil.copy(SAMPLES / name, config.drop_root / domain / name)
            outcome = run_job(engine, jobs[source_job_id(f"drop_{domain}")], now=NOW + dt.timedelta(minutes=tick))
            assert outcome.outcome == "ok", outcome.message
            with engine.connect() as conn:
                batch = conn.execute(
                    sa.text("SELECT status, rows_rejected, rows_accepted FROM load_batch ORDER BY id DESC LIMIT 1")
                ).one()
                after = [f(conn) for f, _ in checks]
            if attempt == "first":
                assert batch.status == "applied" and batch.rows_rejected == 0, (name, batch)
            else:
                assert batch.status == "unchanged" and batch.rows_accepted == 0, (name, batch)
            for (_, change), b, a in zip(checks, before, after):
                assert a - b == pytest.approx(change, rel=1e-6, abs=1e-6), (name, attempt)
        done = sorted(p.name for p in (config.drop_root / domain / "done").iterdir())
        assert len([d for d in done if d.startswith(Path(name).stem + ".batch")]) == 2
