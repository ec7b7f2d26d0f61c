"""The inputs of the baseline regression: an hourly temperature curve from the daily weather, the
time-of-week categories, and the piecewise-linear temperature terms.

The design follows LBNL's time-of-week-and-temperature model (TOWT) as CalTRACK's hourly method
uses it: one level per (day type, hour), where the day type comes from the working-day calendar
(调休 Saturdays are workdays, holidays are not) rather than from the weekday, and temperature
enters as continuous piecewise-linear segments between fixed knots. Hours are split into occupied
and unoccupied ones, each with its own segment slopes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Candidate knots, °C. CalTRACK's hourly bins are 30/45/55/65/75/90 °F (−1, 7, 13, 18, 24, 32 °C);
# these are a little denser so an office's cooling, which starts in the low 20s, gets its own slope.
CANDIDATE_KNOTS_C = (0.0, 5.0, 10.0, 14.0, 18.0, 22.0, 26.0, 30.0)

# Hours of the two-piece diurnal curve: the daily minimum near dawn and the maximum after noon.
HOUR_OF_MIN = 5.0
HOUR_OF_MAX = 14.0

HOURLY = "hourly"
DAILY = "daily"


def hourly_temperature(
    daily: pd.DataFrame, *, hour_of_min: float = HOUR_OF_MIN, hour_of_max: float = HOUR_OF_MAX
) -> pd.DataFrame:
    """An hourly temperature curve from daily minima and maxima (table ``weather_daily``).

    The standard two-piece cosine interpolation: the temperature rises from the day's minimum at
    ``hour_of_min`` (05:00) to its maximum at ``hour_of_max`` (14:00) along half a cosine, then falls
    along another half cosine to the next day's minimum; before dawn it is still falling from the
    previous day's maximum. Each hour is evaluated at its midpoint (the reading of 08:00–09:00
    sees 08:30). A day without min/max is flat at its mean; where a neighbouring day is missing,
    the day's own min/max stand in for it.

    Args:
        daily: columns ``day`` (date), ``temp_min_c``, ``temp_max_c`` and ``temp_mean_c`` (the
            latter used only where min or max is missing), one row per day.

    Returns:
        DataFrame with ``ts`` (local naive datetime of the hour start) and ``temp_c``, 24 rows per
        day, ordered by ``ts``.
    """
    if not 0 <= hour_of_min < hour_of_max < 24:
        raise ValueError("need 0 ≤ hour_of_min < hour_of_max < 24")
    if daily.empty:
        return pd.DataFrame({"ts": pd.Series([], dtype="datetime64[us]"), "temp_c": pd.Series([], dtype=float)})
    frame = daily.assign(day=pd.to_datetime(daily["day"])).sort_values("day").set_index("day")
    full = pd.date_range(frame.index.min(), frame.index.max(), freq="D")
    frame = frame.reindex(full)
    mean = frame["temp_mean_c"].astype(float) if "temp_mean_c" in frame else pd.Series(np.nan, index=full)
    low = frame["temp_min_c"].astype(float).fillna(mean).to_numpy()
    high = frame["temp_max_c"].astype(float).fillna(mean).to_numpy()
    # Neighbours for the evening fall and the pre-dawn tail; at the edges (or a gap) the day itself.
    next_low = np.r_[low[1:], np.nan]
    next_low = np.where(np.isnan(next_low), low, next_low)
    prev_high = np.r_[np.nan, high[:-1]]
    prev_high = np.where(np.isnan(prev_high), high, prev_high)

    h = np.arange(24) + 0.5
    rise = (h >= hour_of_min) & (h < hour_of_max)
    fall = h >= hour_of_max
    dawn = h < hour_of_min
    # Position within each half cosine, 0 at its start and 1 at its end.
    night = 24.0 - hour_of_max + hour_of_min
    w_rise = (1 - np.cos(np.pi * (h - hour_of_min) / (hour_of_max - hour_of_min))) / 2
    w_fall = (1 - np.cos(np.pi * (h - hour_of_max) / night)) / 2
    w_dawn = (1 - np.cos(np.pi * (h + 24.0 - hour_of_max) / night)) / 2

    lo, hi = low[:, None], high[:, None]
    temp = np.where(
        rise,
        lo + (hi - lo) * w_rise,
        np.where(
            fall,
            hi - (hi - next_low[:, None]) * w_fall,
            prev_high[:, None] - (prev_high[:, None] - lo) * w_dawn,
        ),
    )
    assert dawn.sum() + rise.sum() + fall.sum() == 24
    stamps = (full.to_numpy().astype("datetime64[h]")[:, None] + np.arange(24).astype("timedelta64[h]")).ravel()
    return pd.DataFrame({"ts": stamps.astype("datetime64[us]"), "temp_c": temp.ravel()})


def categories(ts, is_workday, resolution: str) -> np.ndarray:
    """The time-of-week level of each row: ``day type × 24 + hour`` hourly (0–47, workdays first),
    the day type alone daily (0 workday, 1 other day)."""
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(ts)))
    off = 1 - np.asarray(is_workday, dtype=bool).astype(np.int64)
    if resolution == HOURLY:
        return off * 24 + stamps.hour.to_numpy(dtype=np.int64)
    if resolution == DAILY:
        return off
    raise ValueError(f"unknown resolution {resolution!r}")


def n_categories(resolution: str) -> int:
    return 48 if resolution == HOURLY else 2


def choose_knots(temp, *, min_count: int, candidates=CANDIDATE_KNOTS_C) -> list[float]:
    """The candidate knots with at least ``min_count`` observations on each side: a slope needs
    data to be estimated, so a segment the history barely reaches is merged with its neighbour
    (CalTRACK drops bins of fewer than 20 hours the same way)."""
    values = np.asarray(temp, dtype=float)
    values = values[np.isfinite(values)]
    return [float(k) for k in candidates if (values < k).sum() >= min_count and (values >= k).sum() >= min_count]


def temperature_segments(temp, knots: list[float]) -> np.ndarray:
    """Continuous piecewise-linear segments (TOWT): with knots k1 < … < km, column 0 is
    ``min(T, k1)``, column j is ``clip(T − kj, 0, k(j+1) − kj)`` and the last is ``max(T − km, 0)``;
    the columns sum to T, so each coefficient is the slope within one segment."""
    t = np.asarray(temp, dtype=float)
    if not knots:
        return t[:, None]
    columns = [np.minimum(t, knots[0])]
    for lower, upper in zip(knots[:-1], knots[1:]):
        columns.append(np.clip(t - lower, 0.0, upper - lower))
    columns.append(np.maximum(t - knots[-1], 0.0))
    return np.column_stack(columns)


def design_matrix(
    category: np.ndarray, temp, *, knots: list[float], occupied: np.ndarray, resolution: str
) -> np.ndarray:
    """One indicator column per time-of-week level, then the temperature segments of occupied
    rows and those of unoccupied rows (each set of slopes is zero on the other's rows)."""
    levels = n_categories(resolution)
    indicators = np.zeros((len(category), levels))
    indicators[np.arange(len(category)), category] = 1.0
    segments = temperature_segments(temp, knots)
    occ = np.asarray(occupied, dtype=bool)[category][:, None]
    return np.hstack([indicators, segments * occ, segments * ~occ])


def occupied_levels(category: np.ndarray, kwh, temp, *, resolution: str, share: float = 0.65) -> np.ndarray:
    """Which time-of-week levels are occupied, as CalTRACK estimates occupancy: fit consumption
    on heating and cooling degrees alone; a level is occupied when consumption exceeds that fit in
    more than ``share`` of its rows."""
    from sklearn.linear_model import LinearRegression

    y = np.asarray(kwh, dtype=float)
    t = np.asarray(temp, dtype=float)
    degrees = np.column_stack([np.maximum(t - 18.0, 0.0), np.maximum(12.0 - t, 0.0)])
    residual = y - LinearRegression().fit(degrees, y).predict(degrees)
    levels = n_categories(resolution)
    above = np.bincount(category, weights=(residual > 0).astype(float), minlength=levels)
    count = np.bincount(category, minlength=levels)
    return np.divide(above, count, out=np.zeros(levels), where=count > 0) > share
