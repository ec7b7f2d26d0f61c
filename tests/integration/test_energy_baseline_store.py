"""Stored baselines and anomalies on SQLite and PostgreSQL: a fit is stored and round-trips, the
injected excesses are found with the right extra kWh (and nothing else), re-running changes
nothing, and the nightly step refits only what is stale."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa
from baseline_world import (  # noqa: F401  (world_url is a fixture)
    CAL,
    HOLIDAY_SPIKE,
    LAST_DAY,
    NIGHT_KWH_PER_HOUR,
    NIGHT_SPIKE,
    SPIKE_DAY,
    SPIKE_KWH_PER_HOUR,
    TODAY,
    world_url,
)

from data.baseline import BaselineModel
from data.baseline.history import fetch_building_history
from data.baseline.store import detect_anomalies, fit_building_baselines, load_models, refresh_baselines
from data.db import get_engine

PRICE = 0.8
FIT_AT = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


def _table(engine, name: str) -> list[tuple]:
    with engine.connect() as conn:
        order = "building_id, day, kind" if name == "energy_anomaly" else "building_id"
        return [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {name} ORDER BY {order}"))]


@pytest.fixture(scope="module")
def fitted(world_url):
    engine = get_engine(world_url)
    counts = fit_building_baselines(engine, today=TODAY, now=FIT_AT, calendar=CAL)
    found = detect_anomalies(engine, first_day=TODAY, last_day=LAST_DAY, calendar=CAL)
    return engine, counts, found


def test_a_fit_is_stored_and_round_trips(fitted):
    engine, counts, _ = fitted
    assert counts == {"fitted": 2, "skipped": 0}
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM building_baseline ORDER BY building_id")).mappings().all()
        history = fetch_building_history(conn, 10, TODAY, LAST_DAY, calendar=CAL)
        models = load_models(conn)
    assert [r["building_id"] for r in rows] == [10, 11]
    row = rows[0]
    assert str(row["train_start"])[:10] == "2026-01-05" and str(row["train_end"])[:10] == "2026-03-01"
    assert row["n_hours"] == 56 * 24
    assert 0 < row["cv_rmse_hourly"] < 0.1 and abs(row["nmbe_hourly"]) < 1e-6
    model = BaselineModel.from_json(row["model_json"])
    assert model.to_json() == row["model_json"]
    pd.testing.assert_frame_equal(models[10].predict(history), model.predict(history))


def test_the_injected_excesses_are_found_with_their_extra_kwh(fitted):
    engine, _, found = fitted
    assert found == {"buildings": 2, "anomalies": len(_table(engine, "energy_anomaly"))}
    with engine.connect() as conn:
        rows = pd.read_sql(sa.text("SELECT * FROM energy_anomaly ORDER BY day, kind"), conn)
        history = fetch_building_history(conn, 10, TODAY, LAST_DAY, calendar=CAL)
        model = load_models(conn, [10])[10]
    rows["day"] = pd.to_datetime(rows["day"]).dt.date
    assert set(rows["building_id"]) == {10}  # the clean building has none
    kinds = {(r.day, r.kind) for r in rows.itertuples()}
    assert (SPIKE_DAY, "above_baseline") in kinds
    assert (HOLIDAY_SPIKE, "holiday") in kinds and (HOLIDAY_SPIKE, "above_baseline") not in kinds
    assert (NIGHT_SPIKE, "night") in kinds
    assert {d for d, _ in kinds} == {SPIKE_DAY, HOLIDAY_SPIKE, NIGHT_SPIKE}

    spike = rows[(rows["day"] == SPIKE_DAY) & (rows["kind"] == "above_baseline")].iloc[0]
    day = history[history["ts"].dt.date == SPIKE_DAY]
    expected = model.predict(day)["expected_kwh"].sum()
    assert spike["actual_kwh"] == pytest.approx(day["kwh"].sum())
    assert spike["expected_kwh"] == pytest.approx(expected)
    assert spike["extra_kwh"] == pytest.approx(day["kwh"].sum() - expected)
    assert spike["extra_kwh"] == pytest.approx(24 * SPIKE_KWH_PER_HOUR, rel=0.05)
    assert spike["extra_cost_yuan"] == pytest.approx(spike["extra_kwh"] * PRICE)
    night = rows[(rows["day"] == NIGHT_SPIKE) & (rows["kind"] == "night")].iloc[0]
    assert night["extra_kwh"] == pytest.approx(6 * NIGHT_KWH_PER_HOUR, rel=0.1)


def test_re_running_changes_nothing(fitted):
    engine, _, _ = fitted
    baselines, anomalies = _table(engine, "building_baseline"), _table(engine, "energy_anomaly")
    fit_building_baselines(engine, today=TODAY, now=FIT_AT, calendar=CAL)
    detect_anomalies(engine, first_day=TODAY, last_day=LAST_DAY, calendar=CAL)
    detect_anomalies(engine, first_day=SPIKE_DAY, last_day=SPIKE_DAY, building_ids=[10], calendar=CAL)
    assert _table(engine, "building_baseline") == baselines
    assert _table(engine, "energy_anomaly") == anomalies


def test_the_nightly_step_refits_only_stale_models_and_detects_yesterday(fitted):
    engine, _, _ = fitted
    anomalies = _table(engine, "energy_anomaly")
    # The night after the spike day, 2 days after the fit: nothing to refit; the spike (its day and
    # its night, 30 kWh more in every hour) found again.
    now = CAL.to_utc(dt.datetime.combine(SPIKE_DAY + dt.timedelta(days=1), dt.time(1, 30)))
    counts = refresh_baselines(engine, now=now, calendar=CAL)
    assert counts["fitted"] == 0 and counts["buildings"] == 2 and counts["anomalies"] == 2
    assert _table(engine, "energy_anomaly") == anomalies
    # Eight days after the fit both models are stale and refitted on the year before that night.
    later = FIT_AT + dt.timedelta(days=8)
    try:
        assert refresh_baselines(engine, now=later, calendar=CAL)["fitted"] == 2
        with engine.connect() as conn:
            stamps = conn.execute(sa.text("SELECT fitted_at FROM building_baseline")).scalars().all()
        assert len(stamps) == 2
    finally:  # the module's other tests expect the first fit
        fit_building_baselines(engine, today=TODAY, now=FIT_AT, calendar=CAL)
        detect_anomalies(engine, first_day=TODAY, last_day=LAST_DAY, calendar=CAL)
