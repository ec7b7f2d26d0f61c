"""Stored baselines and anomalies on SQLite and PostgreSQL: a fit is stored and round-trips, the
injected excesses are found with the right extra kWh (and nothing else), re-running changes
nothing, and the nightly step refits only what is stale; the energy page's reads (load profile,
anomaly list) within the view's period and scope."""

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
    view,
    world_url,
)

from data.baseline import BaselineModel
from data.baseline.history import fetch_building_history
from data.baseline.store import detect_anomalies, fit_building_baselines, load_models, refresh_baselines
from data.db import get_engine
from data.queries.energy_baseline import (
    ANOMALY_COLUMNS,
    PROFILE_COLUMNS,
    fetch_building_load_profile,
    fetch_energy_anomalies,
)
from data.scope import OutOfScope
from views.energy_baseline import ANOMALY_GRID, fetch_anomaly_rows
from views.render import grid_records

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


# --- the page's reads ----------------------------------------------------------------------------


def test_the_load_profile_holds_the_period_hours_with_expected_values(fitted, world_url):
    engine, _, _ = fitted
    start, end = SPIKE_DAY - dt.timedelta(days=2), SPIKE_DAY + dt.timedelta(days=1)
    v = view(world_url, building_id=10, period="custom", start=start, end=end)
    with engine.connect() as conn:
        frame = fetch_building_load_profile(conn, v)
        history = fetch_building_history(conn, 10, start, end, calendar=CAL)
        model = load_models(conn, [10])[10]
    assert list(frame.columns) == PROFILE_COLUMNS
    assert len(frame) == 4 * 24 and frame["ts"].iloc[0] == pd.Timestamp(start)
    assert frame.attrs == {"first_day": start, "last_day": end, "clipped": False, "has_model": True}
    assert frame["actual_kwh"].to_numpy() == pytest.approx(history["kwh"].to_numpy())
    assert frame["expected_kwh"].to_numpy() == pytest.approx(model.predict(history)["expected_kwh"].to_numpy())
    assert (frame["lower_kwh"] <= frame["expected_kwh"]).all() and (frame["expected_kwh"] <= frame["upper_kwh"]).all()
    spike = frame[frame["ts"].dt.date == SPIKE_DAY]
    assert (spike["actual_kwh"] > spike["upper_kwh"]).sum() >= 20  # 30 kWh more in every hour


def test_a_building_without_a_model_still_shows_its_hours(fitted, world_url):
    engine, _, _ = fitted
    start, end = SPIKE_DAY - dt.timedelta(days=1), SPIKE_DAY
    with engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(sa.text("DELETE FROM building_baseline WHERE building_id = 10"))
        frame = fetch_building_load_profile(
            conn, view(world_url, building_id=10, period="custom", start=start, end=end)
        )
        transaction.rollback()
    assert len(frame) == 2 * 24 and frame.attrs["has_model"] is False
    assert frame["actual_kwh"].notna().all() and frame["expected_kwh"].isna().all()


def test_a_long_period_shows_its_last_31_days_and_an_org_view_none(fitted, world_url):
    engine, _, _ = fitted
    with engine.connect() as conn:
        long = fetch_building_load_profile(
            conn, view(world_url, building_id=10, period="custom", start=TODAY - dt.timedelta(days=50), end=LAST_DAY)
        )
        org = fetch_building_load_profile(conn, view(world_url, building_id=None, org_id=3))
    assert len(long) == 31 * 24 and long.attrs["clipped"] is True
    assert long.attrs["first_day"] == LAST_DAY - dt.timedelta(days=30)
    assert org.empty and list(org.columns) == PROFILE_COLUMNS


def test_anomalies_of_a_building_and_of_an_org_subtree(fitted, world_url):
    engine, _, _ = fitted
    month = {"period": "custom", "start": TODAY, "end": LAST_DAY}
    with engine.connect() as conn:
        province = fetch_energy_anomalies(conn, view(world_url, building_id=None, **month))
        agency = fetch_energy_anomalies(conn, view(world_url, building_id=None, org_id=3, **month))
        clean = fetch_energy_anomalies(conn, view(world_url, building_id=None, org_id=4, **month))
        building = fetch_energy_anomalies(conn, view(world_url, building_id=10, **month))
        one_day = fetch_energy_anomalies(conn, view(world_url, building_id=10, period="day", end=SPIKE_DAY))
        labelled = fetch_anomaly_rows(conn, view(world_url, building_id=10, **month))
    assert list(province.columns) == ANOMALY_COLUMNS
    assert len(province) == len(_table(engine, "energy_anomaly")) > 0
    assert list(province["extra_kwh"]) == sorted(province["extra_kwh"], reverse=True)
    assert set(province["_drill"]) == {"building:10"} and set(province["code"]) == {"B10"}
    pd.testing.assert_frame_equal(agency, province)
    pd.testing.assert_frame_equal(building, province)
    assert clean.empty and list(clean.columns) == ANOMALY_COLUMNS
    assert set(one_day["day"]) == {SPIKE_DAY} and set(one_day["kind"]) == {"above_baseline", "night"}
    records = grid_records(labelled, ANOMALY_GRID, lang="en")
    first = records[0]
    assert first["name_zh"] == "Building 10" and first["kind_label_zh"] in {
        "Above the baseline",
        "Holiday load",
        "Night load",
    }
    assert grid_records(labelled, ANOMALY_GRID, lang="zh")[0]["kind_label_zh"] in {
        "超出基线",
        "节假日负荷异常",
        "夜间负荷异常",
    }


def test_a_building_outside_the_scope_is_refused(fitted, world_url):
    with pytest.raises(OutOfScope):
        view(world_url, building_id=10, root=4)
    with pytest.raises(OutOfScope):
        view(world_url, building_id=None, org_id=3, root=4)
