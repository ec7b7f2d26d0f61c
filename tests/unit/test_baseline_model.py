"""The baseline regression recovers a known piecewise model, its interval covers what it should,
it round-trips through JSON, and the daily curve of temperature has its minimum and maximum where
they belong."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.baseline import BaselineModel, fit_baseline, fit_daily_baseline, hourly_temperature
from data.baseline.features import temperature_segments
from data.baseline.metrics import cv_rmse, nmbe


def _temperature(ts: pd.DatetimeIndex) -> np.ndarray:
    day = ts.day_of_year.to_numpy()
    hour = ts.hour.to_numpy()
    rng = np.random.default_rng(3)
    return (
        14
        + 13 * np.cos(2 * np.pi * (day - 200) / 365)
        + 4 * np.cos(2 * np.pi * (hour - 15) / 24)
        + rng.normal(0, 2, len(ts))
    )


def _office(ts: pd.DatetimeIndex, temp: np.ndarray, *, noise: float = 0.0, seed: int = 1) -> pd.DataFrame:
    """A known model: base load, +30 kWh in office hours of workdays, cooling of 2 kWh/°C above
    22 °C and heating of 1 kWh/°C below 10 °C, both in office hours only."""
    workday = np.asarray(ts.day_of_week < 5)
    workday[ts.normalize() == pd.Timestamp("2026-05-01")] = False  # a holiday on a Friday
    office = workday & np.asarray(ts.hour >= 8) & np.asarray(ts.hour < 18)
    kwh = 20 + office * (30 + 2 * np.maximum(temp - 22, 0) + 1 * np.maximum(10 - temp, 0))
    kwh = kwh + np.random.default_rng(seed).normal(0, noise, len(ts))
    return pd.DataFrame({"ts": ts, "kwh": kwh, "temp_c": temp, "is_workday": workday})


@pytest.fixture(scope="module")
def year() -> pd.DataFrame:
    ts = pd.date_range("2025-09-01", "2026-08-31 23:00", freq="h")
    return _office(ts, _temperature(ts))


def test_a_noiseless_piecewise_series_is_recovered(year):
    train, test = year[year["ts"] < "2026-06-01"], year[year["ts"] >= "2026-06-01"]
    model = fit_baseline(train)
    predicted = model.predict(test)["expected_kwh"]
    assert np.abs(predicted - test["kwh"]).max() < 1e-6
    assert model.fit_metrics["cv_rmse"] < 1e-9


def test_the_holiday_is_an_off_day(year):
    model = fit_baseline(year)
    friday = year[year["ts"].dt.normalize() == pd.Timestamp("2026-05-01")]
    assert np.allclose(model.predict(friday)["expected_kwh"], 20.0)


def test_noisy_series_meets_guideline_14_and_the_interval_covers_95_percent():
    ts = pd.date_range("2025-09-01", "2026-08-31 23:00", freq="h")
    frame = _office(ts, _temperature(ts), noise=3.0)
    train, test = frame[frame["ts"] < "2026-06-01"], frame[frame["ts"] >= "2026-06-01"]
    model = fit_baseline(train)
    result = model.predict(test)
    assert cv_rmse(test["kwh"], result["expected_kwh"]) < 0.15
    assert abs(nmbe(test["kwh"], result["expected_kwh"])) < 0.01
    inside = ((test["kwh"] >= result["lower_kwh"]) & (test["kwh"] <= result["upper_kwh"])).mean()
    assert 0.93 < inside < 0.97
    assert (result["lower_kwh"] <= result["expected_kwh"]).all()


def test_json_round_trip_predicts_the_same(year):
    model = fit_baseline(year)
    again = BaselineModel.from_json(model.to_json())
    pd.testing.assert_frame_equal(model.predict(year.head(500)), again.predict(year.head(500)))
    assert again.train_start == "2025-09-01T00:00:00"
    assert "coef" in model.to_json() and "pickle" not in model.to_json()


def test_from_json_refuses_another_format(year):
    text = fit_baseline(year).to_json().replace('"version":1', '"version":99')
    with pytest.raises(ValueError, match="format"):
        BaselineModel.from_json(text)


def test_rows_without_temperature_predict_nothing(year):
    frame = year.head(48).copy()
    frame.loc[frame.index[:5], "temp_c"] = np.nan
    result = fit_baseline(year).predict(frame)
    assert result["expected_kwh"].isna().sum() == 5


def test_too_little_history_is_refused(year):
    with pytest.raises(ValueError, match="too few"):
        fit_baseline(year.head(100))
    with pytest.raises(ValueError, match="lacks columns"):
        fit_baseline(year.drop(columns=["is_workday"]))


def test_daily_variant_on_daily_totals(year):
    daily = (
        year.assign(day=year["ts"].dt.normalize())
        .groupby("day")
        .agg(kwh=("kwh", "sum"), temp_c=("temp_c", "mean"), is_workday=("is_workday", "first"))
        .reset_index()
        .rename(columns={"day": "ts"})
    )
    train, test = daily[daily["ts"] < "2026-06-01"], daily[daily["ts"] >= "2026-06-01"]
    model = fit_daily_baseline(train)
    assert model.resolution == "daily"
    # Daily mean temperature cannot see the afternoon's cooling exactly: close, not exact.
    assert cv_rmse(test["kwh"], model.predict(test)["expected_kwh"]) < 0.10


def test_segments_sum_to_the_temperature():
    temp = np.array([-5.0, 3.0, 12.0, 27.0])
    segments = temperature_segments(temp, [0.0, 10.0, 20.0])
    assert np.allclose(segments.sum(axis=1), temp)
    assert segments[3].tolist() == [0.0, 10.0, 10.0, 7.0]


def test_hourly_temperature_from_daily_min_and_max():
    daily = pd.DataFrame(
        {
            "day": [dt.date(2026, 7, 1), dt.date(2026, 7, 2), dt.date(2026, 7, 3)],
            "temp_mean_c": [25.0, 25.0, 20.0],
            "temp_min_c": [20.0, 20.0, None],
            "temp_max_c": [30.0, 30.0, None],
        }
    )
    hourly = hourly_temperature(daily)
    assert len(hourly) == 72
    second = hourly.iloc[24:48].set_index(hourly["ts"].iloc[24:48].dt.hour)["temp_c"]
    # The hour that contains the minimum (05:00) and the one that contains the maximum (14:00).
    assert second.idxmin() in (4, 5) and second.idxmax() in (13, 14)
    assert 20.0 <= second.min() < 20.2 and 29.8 < second.max() <= 30.0
    assert second.between(20.0, 30.0).all()
    # A day without min/max is flat at its mean after dawn; before dawn it is still falling
    # from the previous afternoon, and the evening before falls towards it.
    third = hourly.iloc[48:]["temp_c"].to_numpy()
    assert np.allclose(third[5:], 20.0)
    assert (np.diff(third[:6]) < 0).all() and third[0] < 22.5
    assert 20.0 < hourly.iloc[47]["temp_c"] < 23.5
    assert hourly["ts"].iloc[0] == pd.Timestamp("2026-07-01 00:00")


def test_recent_history_weighs_more_after_a_drift(year):
    # The base load drops by 5 kWh for the last two months of the history: the recency-weighted
    # fit predicts near the new level, the unweighted one halfway between the two.
    train = year[year["ts"] < "2026-06-01"].copy()
    late = train["ts"] >= "2026-04-01"
    train.loc[late, "kwh"] -= 5.0
    test = year[year["ts"] >= "2026-06-01"].assign(kwh=lambda f: f["kwh"] - 5.0)
    weighted = fit_baseline(train, half_life_days=30.0)
    plain = fit_baseline(train, half_life_days=None)
    bias_weighted = abs(nmbe(test["kwh"], weighted.predict(test)["expected_kwh"]))
    bias_plain = abs(nmbe(test["kwh"], plain.predict(test)["expected_kwh"]))
    assert bias_weighted < bias_plain / 3
    assert weighted.half_life_days == 30.0 and plain.half_life_days is None
    # The in-sample bias is 0 as the fit weighs the rows.
    assert abs(weighted.fit_metrics["nmbe"]) < 1e-9 and abs(plain.fit_metrics["nmbe"]) < 1e-9
    again = BaselineModel.from_json(weighted.to_json())
    assert again.half_life_days == 30.0


def test_recency_weights_halve_every_half_life():
    from data.baseline.model import recency_weights

    ts = pd.to_datetime(["2026-01-01", "2026-03-02", "2026-05-01"])
    assert np.allclose(recency_weights(ts, 60.0), [0.25, 0.5, 1.0])
    assert np.allclose(recency_weights(ts, None), 1.0)
    with pytest.raises(ValueError, match="positive"):
        recency_weights(ts, 0.0)
