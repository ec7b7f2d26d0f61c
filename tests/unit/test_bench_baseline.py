"""The baseline benchmark's split and scoring on a tiny synthetic set, so the benchmark cannot rot
between runs (the benchmark itself builds a demo and fits eemeter's models: not part of the tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.bench_baseline import daily_totals, held_out_window, score_ours, split, summarize


def _frame(start: str, end: str) -> pd.DataFrame:
    ts = pd.date_range(start, end, freq="h", inclusive="left")
    rng = np.random.default_rng(7)
    temp = 15 + 10 * np.sin(2 * np.pi * np.arange(len(ts)) / (24 * 365)) + rng.normal(0, 2, len(ts))
    workday = np.asarray(ts.day_of_week < 5)
    office = workday & np.asarray((ts.hour >= 8) & (ts.hour < 18))
    kwh = 10 + office * (20 + 1.5 * np.maximum(temp - 20, 0)) + rng.normal(0, 1, len(ts))
    return pd.DataFrame({"ts": ts, "kwh": kwh, "temp_c": temp, "is_workday": workday})


def test_the_held_out_window_is_the_last_three_full_months():
    frame = _frame("2026-01-15", "2026-08-20")  # August is not full
    assert held_out_window(frame["ts"]) == (pd.Timestamp("2026-05-01"), pd.Timestamp("2026-08-01"))
    full = _frame("2026-01-15", "2026-09-01")  # ends with the last hour of August
    assert held_out_window(full["ts"]) == (pd.Timestamp("2026-06-01"), pd.Timestamp("2026-09-01"))
    with pytest.raises(ValueError, match="full months"):
        held_out_window(_frame("2026-06-10", "2026-08-20")["ts"])


def test_split_and_score_on_a_synthetic_building():
    frame = _frame("2025-09-01", "2026-08-20")
    train, test = split(frame, train_months=6)
    assert train["ts"].min() == pd.Timestamp("2025-11-01") and train["ts"].max() < pd.Timestamp("2026-05-01")
    assert test["ts"].min() == pd.Timestamp("2026-05-01") and test["ts"].max() < pd.Timestamp("2026-08-01")
    scores = score_ours(train, test)
    assert set(scores) == {"cv_rmse", "nmbe", "cv_rmse_monthly", "nmbe_monthly"}
    assert scores["cv_rmse"] < 0.15 and scores["cv_rmse_monthly"] < 0.02 and abs(scores["nmbe"]) < 0.02
    summary = summarize([scores, {k: -2 * v for k, v in scores.items()}])
    assert summary["nmbe"] == (pytest.approx(1.5 * abs(scores["nmbe"])), pytest.approx(2 * abs(scores["nmbe"])))


def test_daily_totals_need_every_hour():
    frame = _frame("2026-03-01", "2026-03-04")
    frame.loc[30, "kwh"] = np.nan
    days = daily_totals(frame)
    assert len(days) == 3
    assert np.isnan(days.loc[1, "kwh"]) and days.loc[0, "kwh"] == pytest.approx(frame["kwh"][:24].sum())
