"""ASHRAE Guideline 14 CV(RMSE) and NMBE against hand-computed answers, and the monthly totals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from data.baseline.metrics import cv_rmse, monthly_totals, nmbe, score


def test_a_perfect_prediction_scores_zero():
    y = [5.0, 5.0, 5.0, 5.0]
    assert cv_rmse(y, y) == 0.0
    assert nmbe(y, y) == 0.0


def test_known_answer_with_degrees_of_freedom():
    actual = [10.0, 12.0, 14.0, 16.0]  # mean 13
    predicted = [11.0, 11.0, 15.0, 15.0]  # errors -1, +1, -1, +1
    # Σe² = 4; with p = 1: sqrt(4 / 3) / 13
    assert cv_rmse(actual, predicted) == pytest.approx(math.sqrt(4 / 3) / 13)
    # with p = 2: sqrt(4 / 2) / 13
    assert cv_rmse(actual, predicted, n_params=2) == pytest.approx(math.sqrt(2) / 13)
    assert nmbe(actual, predicted) == pytest.approx(0.0)


def test_nmbe_sign_and_denominator():
    actual = [10.0, 10.0, 10.0]
    predicted = [9.0, 9.0, 9.0]  # under-predicts by 1 everywhere
    # Σ(y − ŷ) / ((n − p) · ȳ) = 3 / (2 · 10)
    assert nmbe(actual, predicted) == pytest.approx(0.15)
    assert nmbe(actual, predicted, n_params=0) == pytest.approx(0.10)
    assert nmbe(actual, [11.0, 11.0, 11.0], n_params=0) == pytest.approx(-0.10)


def test_missing_pairs_are_left_out():
    assert cv_rmse([1.0, np.nan, 3.0], [1.0, 2.0, 3.0], n_params=0) == 0.0
    assert nmbe([1.0, 2.0, 3.0], [1.0, np.nan, 2.0], n_params=0) == pytest.approx(1 / (2 * 2))


def test_too_few_values_or_zero_mean_refuse():
    with pytest.raises(ValueError, match="n − p"):
        cv_rmse([1.0, 2.0], [1.0, 2.0], n_params=2)
    with pytest.raises(ValueError, match="mean is 0"):
        nmbe([0.0, 0.0], [1.0, 1.0], n_params=0)
    with pytest.raises(ValueError, match="shape"):
        cv_rmse([1.0], [1.0, 2.0])


def test_monthly_totals_sum_only_known_pairs():
    ts = pd.date_range("2026-01-31 22:00", periods=4, freq="h")  # two hours of January, two of February
    totals = monthly_totals(ts, [1.0, 2.0, 3.0, np.nan], [1.5, 2.5, 2.0, 9.0])
    assert totals["month"].tolist() == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")]
    assert totals["actual"].tolist() == [3.0, 3.0]
    assert totals["predicted"].tolist() == [4.0, 2.0]
    assert totals["periods"].tolist() == [2, 1]


def test_score_reports_both_resolutions():
    ts = pd.date_range("2026-01-01", "2026-03-31 23:00", freq="h")
    actual = np.full(len(ts), 2.0)
    result = score(ts, actual, actual * 0.9)
    assert result["cv_rmse"] == pytest.approx(math.sqrt(len(ts) * 0.04 / (len(ts) - 1)) / 2)
    months = monthly_totals(ts, actual, actual * 0.9)
    assert result["nmbe_monthly"] == pytest.approx(months["actual"].sum() * 0.1 / (2 * months["actual"].mean()))
