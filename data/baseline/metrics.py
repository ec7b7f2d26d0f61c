"""Goodness-of-fit of a baseline as ASHRAE Guideline 14-2014 defines it, and the monthly totals
it is scored on.

With ``y`` the measured values, ``ŷ`` the model's, ``ȳ`` the mean of ``y``, ``n`` the number of
values and ``p`` the number of model parameters:

    CV(RMSE) = sqrt( Σ (y − ŷ)² / (n − p) ) / ȳ
    NMBE     = Σ (y − ŷ) / ((n − p) · ȳ)

Both are returned as fractions (0.15 is 15 %). A positive NMBE means the model under-predicts.
Guideline 14 uses ``p`` = the number of parameters of the regression when a model is scored on
the data it was fitted on, and ``p = 1`` when a model is scored on data it has not seen (the
calibrated-simulation form), which is why ``n_params`` is the caller's choice and defaults to 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _paired(actual, predicted) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(actual, dtype=float)
    y_hat = np.asarray(predicted, dtype=float)
    if y.shape != y_hat.shape:
        raise ValueError(f"actual and predicted differ in shape: {y.shape} vs {y_hat.shape}")
    # A value missing on either side cannot be compared; it is left out of n as well.
    keep = np.isfinite(y) & np.isfinite(y_hat)
    return y[keep], y_hat[keep]


def _degrees_of_freedom(n: int, n_params: int) -> int:
    if n_params < 0:
        raise ValueError("n_params must be ≥ 0")
    if n - n_params <= 0:
        raise ValueError(f"{n} values cannot score a model of {n_params} parameters (n − p ≤ 0)")
    return n - n_params


def cv_rmse(actual, predicted, *, n_params: int = 1) -> float:
    """Coefficient of variation of the root-mean-square error (ASHRAE Guideline 14), a fraction.

    NaN pairs are ignored. Raises ``ValueError`` when ``n − p ≤ 0`` or the mean of ``actual`` is 0
    (the ratio has no meaning then).
    """
    y, y_hat = _paired(actual, predicted)
    dof = _degrees_of_freedom(len(y), n_params)
    mean = y.mean()
    if mean == 0:
        raise ValueError("CV(RMSE) is undefined for a series whose mean is 0")
    return float(np.sqrt(np.sum((y - y_hat) ** 2) / dof) / mean)


def nmbe(actual, predicted, *, n_params: int = 1) -> float:
    """Normalized mean bias error (ASHRAE Guideline 14), a fraction; positive when the model
    predicts less than was measured."""
    y, y_hat = _paired(actual, predicted)
    dof = _degrees_of_freedom(len(y), n_params)
    mean = y.mean()
    if mean == 0:
        raise ValueError("NMBE is undefined for a series whose mean is 0")
    return float(np.sum(y - y_hat) / (dof * mean))


def monthly_totals(ts, actual, predicted) -> pd.DataFrame:
    """Sum hourly (or daily) ``actual`` and ``predicted`` by calendar month of ``ts``.

    Only the periods where both values are known are summed, so a gap in the meter does not count
    as a model error. Returns ``month`` (first day, datetime64), ``actual``, ``predicted``,
    ``periods`` (how many values each month summed), ordered by month.
    """
    frame = pd.DataFrame(
        {
            "ts": pd.to_datetime(pd.Series(ts)).reset_index(drop=True),
            "actual": np.asarray(actual, dtype=float),
            "predicted": np.asarray(predicted, dtype=float),
        }
    ).dropna()
    frame["month"] = frame["ts"].dt.to_period("M").dt.to_timestamp()
    grouped = frame.groupby("month", sort=True)
    return pd.DataFrame(
        {
            "actual": grouped["actual"].sum(),
            "predicted": grouped["predicted"].sum(),
            "periods": grouped["actual"].size(),
        }
    ).reset_index()


def score(ts, actual, predicted, *, n_params: int = 1) -> dict[str, float]:
    """Held-out scores of one series: ``cv_rmse`` and ``nmbe`` at the resolution given, and
    ``cv_rmse_monthly`` and ``nmbe_monthly`` of the monthly totals (fractions)."""
    months = monthly_totals(ts, actual, predicted)
    return {
        "cv_rmse": cv_rmse(actual, predicted, n_params=n_params),
        "nmbe": nmbe(actual, predicted, n_params=n_params),
        "cv_rmse_monthly": cv_rmse(months["actual"], months["predicted"], n_params=n_params),
        "nmbe_monthly": nmbe(months["actual"], months["predicted"], n_params=n_params),
    }
