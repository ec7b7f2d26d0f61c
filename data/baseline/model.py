"""A building's energy baseline: the consumption expected from the outside temperature, the day
type of the working-day calendar and the hour, fitted on the building's own history.

``fit_baseline(frame)`` fits hourly readings, ``fit_daily_baseline(frame)`` daily totals; both
return a ``BaselineModel`` whose ``predict(frame)`` gives ``expected_kwh`` with a prediction
interval (``lower_kwh``, ``upper_kwh``) for anomaly detection, and whose ``to_json()`` holds only
numbers (knots, occupancy, coefficients, residual spreads) so a fitted model can live in a table.

The regression is least squares by scikit-learn on the design of ``features`` (time-of-week
levels plus occupied/unoccupied piecewise-linear temperature slopes), each row weighted by its
recency: a row ``HALF_LIFE_DAYS`` older than the last one weighs half as much. A building's use
drifts (a tenant leaves, a household economises), and the months just before the forecast tell
more about its level than the same months a year earlier; the older rows still pin the slopes of
the season the recent ones do not reach. The interval is the prediction ± z times the spread of
the training residuals of the same time-of-week level: an office's residuals at 10:00 on a
workday are far wider than at 03:00, and one global spread would flag every working morning or
miss every night.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .features import (
    DAILY,
    HOURLY,
    categories,
    choose_knots,
    design_matrix,
    n_categories,
    occupied_levels,
)
from .metrics import cv_rmse, nmbe

FORMAT_VERSION = 1
Z_95 = 1.959963984540054  # two-sided 95 % of the normal distribution
FIT_COLUMNS = ("ts", "kwh", "temp_c", "is_workday")
PREDICT_COLUMNS = ("ts", "temp_c", "is_workday")
# Fewer rows than this per parameter and the slopes are noise (two weeks of hours is ~5 per parameter).
MIN_ROWS_PER_PARAMETER = 3
# Half-life of a row's weight in the fit, days. On the eemeter UK samples of bench_baseline
# 120 days cut the held-out bias where the use had drifted (sample-0 hourly |NMBE| 5.4 % → 4.7 %,
# sample-2 7.3 % → 2.8 %) at a small cost where it had not (sample-1 5.8 % → 6.5 %); 90 days
# cost sample-1 more (6.8 %), 180 and 365 days gained less on sample-0 (5.0 %, 5.2 %).
HALF_LIFE_DAYS = 120.0


@dataclass
class BaselineModel:
    """A fitted baseline. Build it with ``fit_baseline``/``fit_daily_baseline`` or ``from_json``."""

    resolution: str  # "hourly" | "daily"
    knots: list[float]
    occupied: list[bool]  # per time-of-week level
    coef: list[float]
    residual_std: list[float]  # per time-of-week level, kWh
    z: float = Z_95
    train_start: str | None = None  # ISO timestamps of the first and last fitted period
    train_end: str | None = None
    n_train: int = 0
    fit_metrics: dict = field(default_factory=dict)  # in-sample CV(RMSE), NMBE (p = n_params), recency-weighted
    half_life_days: float | None = None  # recency weighting of the fit; None: unweighted
    version: int = FORMAT_VERSION

    @property
    def n_params(self) -> int:
        return len(self.coef)

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Expected consumption of each row of ``frame`` (columns ``ts``, ``temp_c``,
        ``is_workday``), on the frame's index: ``expected_kwh``, ``lower_kwh`` and ``upper_kwh``
        (the interval at ``z`` residual spreads, never below 0). A row without temperature gets NaN."""
        _require(frame, PREDICT_COLUMNS)
        temp = frame["temp_c"].to_numpy(dtype=float)
        known = np.isfinite(temp)
        category = categories(frame["ts"], frame["is_workday"].fillna(False).astype(bool), self.resolution)
        x = design_matrix(
            category[known],
            temp[known],
            knots=self.knots,
            occupied=np.asarray(self.occupied),
            resolution=self.resolution,
        )
        expected = np.full(len(frame), np.nan)
        spread = np.full(len(frame), np.nan)
        # Consumption is never negative; a line extrapolated past the history may be.
        expected[known] = np.maximum(x @ np.asarray(self.coef), 0.0)
        spread[known] = self.z * np.asarray(self.residual_std)[category[known]]
        return pd.DataFrame(
            {
                "expected_kwh": expected,
                "lower_kwh": np.maximum(expected - spread, 0.0),
                "upper_kwh": expected + spread,
            },
            index=frame.index,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> BaselineModel:
        data = json.loads(text)
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"baseline model format {data.get('version')!r} is not {FORMAT_VERSION}")
        model = cls(**data)
        if model.resolution not in (HOURLY, DAILY):
            raise ValueError(f"unknown resolution {model.resolution!r}")
        levels = n_categories(model.resolution)
        if len(model.occupied) != levels or len(model.residual_std) != levels:
            raise ValueError("occupancy and residual spreads must have one entry per time-of-week level")
        if len(model.coef) != levels + 2 * (len(model.knots) + 1):
            raise ValueError("coefficient count does not match the knots")
        return model


def _require(frame: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks columns {missing}")


def recency_weights(ts, half_life_days: float | None) -> np.ndarray:
    """Each row's weight in the fit: 1 for the last timestamp, halving every ``half_life_days``
    before it (all 1 when ``half_life_days`` is None)."""
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(ts)))
    if half_life_days is None:
        return np.ones(len(stamps))
    if not half_life_days > 0:
        raise ValueError("half_life_days must be positive")
    age = ((stamps.max() - stamps) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    return 0.5 ** (age / half_life_days)


def _weighted_fit_metrics(kwh: np.ndarray, fitted: np.ndarray, weight: np.ndarray, *, n_params: int) -> dict:
    """In-sample CV(RMSE) and NMBE (Guideline 14, p = ``n_params``) with each row counted at its
    weight in the fit, as the fit saw the history: the sums and the mean are weighted, n stays the
    row count. With equal weights these are ``cv_rmse`` and ``nmbe``; a least-squares fit with the
    time-of-week intercepts has a weighted NMBE of 0 whatever the weights."""
    n = len(kwh)
    if n - n_params <= 0:
        return {"cv_rmse": cv_rmse(kwh, fitted, n_params=n_params), "nmbe": nmbe(kwh, fitted, n_params=n_params)}
    share = weight / weight.sum()
    mean = float(np.sum(share * kwh))
    residual = kwh - fitted
    scale = n / (n - n_params)
    return {
        "cv_rmse": float(np.sqrt(np.sum(share * residual**2) * scale) / mean),
        "nmbe": float(np.sum(share * residual) * scale / mean),
    }


def _fit(
    frame: pd.DataFrame, resolution: str, *, min_count: int, z: float, half_life_days: float | None
) -> BaselineModel:
    from sklearn.linear_model import LinearRegression

    _require(frame, FIT_COLUMNS)
    data = frame.loc[frame["kwh"].notna() & frame["temp_c"].notna() & frame["is_workday"].notna()]
    if data.empty:
        raise ValueError("no row has consumption, temperature and day type together")
    kwh = data["kwh"].to_numpy(dtype=float)
    temp = data["temp_c"].to_numpy(dtype=float)
    category = categories(data["ts"], data["is_workday"].astype(bool), resolution)
    knots = choose_knots(temp, min_count=min_count)
    occupied = occupied_levels(category, kwh, temp, resolution=resolution)
    x = design_matrix(category, temp, knots=knots, occupied=occupied, resolution=resolution)
    if len(kwh) < MIN_ROWS_PER_PARAMETER * x.shape[1]:
        raise ValueError(f"{len(kwh)} rows are too few to fit {x.shape[1]} parameters")
    # No intercept: the time-of-week indicators are the intercepts. A level or segment absent from
    # the history gets the minimum-norm coefficient 0 instead of an error (lstsq).
    weight = recency_weights(data["ts"], half_life_days)
    regression = LinearRegression(fit_intercept=False).fit(x, kwh, sample_weight=weight)
    fitted = regression.predict(x)
    residual = kwh - fitted
    levels = n_categories(resolution)
    count = np.bincount(category, minlength=levels)
    square = np.bincount(category, weights=residual**2, minlength=levels)
    overall = float(np.sqrt(np.mean(residual**2)))
    # A level seen fewer than twice has no spread of its own: it borrows the overall one.
    residual_std = np.where(count >= 2, np.sqrt(square / np.maximum(count - 1, 1)), overall)
    stamps = pd.to_datetime(data["ts"])
    n_params = x.shape[1]
    metrics = {}
    if kwh.mean() > 0:
        metrics = _weighted_fit_metrics(kwh, fitted, weight, n_params=n_params)
    return BaselineModel(
        resolution=resolution,
        knots=knots,
        occupied=[bool(v) for v in occupied],
        coef=[float(v) for v in regression.coef_],
        residual_std=[float(v) for v in residual_std],
        z=float(z),
        train_start=stamps.min().isoformat(),
        train_end=stamps.max().isoformat(),
        n_train=int(len(kwh)),
        fit_metrics=metrics,
        half_life_days=None if half_life_days is None else float(half_life_days),
    )


def fit_baseline(
    frame: pd.DataFrame, *, z: float = Z_95, half_life_days: float | None = HALF_LIFE_DAYS
) -> BaselineModel:
    """Fit the hourly baseline of one building.

    Args:
        frame: hourly rows with ``ts`` (local naive datetime of the hour start), ``kwh``,
            ``temp_c`` (outside temperature, °C) and ``is_workday`` (from ``calendar_day``).
            Rows missing any of these are left out.
        z: half-width of the prediction interval in residual spreads (1.96: 95 %).
        half_life_days: age at which a row weighs half as much as the last one in the fit
            (``HALF_LIFE_DAYS``); None weighs all rows alike.

    Raises:
        ValueError: missing columns, or too little history for the parameters.
    """
    # A segment's slope needs about a week of hours on each side of its knot.
    return _fit(frame, HOURLY, min_count=max(168, len(frame) // 100), z=z, half_life_days=half_life_days)


def fit_daily_baseline(
    frame: pd.DataFrame, *, z: float = Z_95, half_life_days: float | None = HALF_LIFE_DAYS
) -> BaselineModel:
    """Fit the daily baseline of one building: the same design with the day type alone as the
    time-of-week level, for daily totals (``ts`` at the day's midnight, ``kwh`` the day's total,
    ``temp_c`` the day's mean temperature, ``is_workday``), weighted by recency alike."""
    return _fit(frame, DAILY, min_count=max(10, len(frame) // 50), z=z, half_life_days=half_life_days)
