"""The demo's calendar frame (from the working-day calendar of ``data.workdays``) and daily weather."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..workdays import calendar_rows

CALENDAR_COLUMNS = ["day", "is_workday", "holiday_zh", "holiday_en", "heating_season"]


def calendar_frame(first: dt.date, last: dt.date) -> pd.DataFrame:
    """One row per day in [first, last] with the calendar_day columns (the defaults of ``data.workdays``)."""
    frame = pd.DataFrame(list(calendar_rows(first, last)), columns=CALENDAR_COLUMNS)
    frame["day"] = frame["day"].to_numpy(dtype="datetime64[D]")
    return frame


def weather_frames(
    rng: np.random.Generator, city_ids: np.ndarray, latitudes: np.ndarray, first: dt.date, n_days: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Daily mean/min/max temperature per city: a seasonal cycle (warm-temperate, monsoon) plus
    persistent day-to-day anomalies. Returns the weather_daily rows and the mean temperatures as an
    array (cities × days) for the load models."""
    days = np.arange(n_days)
    dates = np.datetime64(first, "D") + days
    day_of_year = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
    n = len(city_ids)
    annual_mean = 14.5 - 0.9 * (latitudes - 36.0) + rng.normal(0, 0.4, n)
    amplitude = 14.0 + 0.5 * (latitudes - 36.0)
    seasonal = annual_mean[:, None] + amplitude[:, None] * np.cos(2 * np.pi * (day_of_year[None, :] - 201) / 365.25)
    # AR(1) anomalies shared in part by all cities (weather systems are regional)
    shock_common = rng.normal(0, 1.6, n_days)
    shock_local = rng.normal(0, 1.0, (n, n_days))
    anomaly = np.zeros((n, n_days))
    for i in range(1, n_days):
        anomaly[:, i] = 0.72 * anomaly[:, i - 1] + shock_common[i] + shock_local[:, i]
    mean = np.round(seasonal + anomaly, 1)
    spread = np.clip(rng.normal(9.0, 2.0, (n, n_days)), 4.0, 15.0)
    low = np.round(mean - spread / 2, 1)
    high = np.round(mean + spread / 2, 1)
    frame = pd.DataFrame(
        {
            "city_id": np.repeat(city_ids, n_days),
            "day": np.tile(dates, n),
            "temp_mean_c": mean.ravel(),
            "temp_min_c": low.ravel(),
            "temp_max_c": high.ravel(),
        }
    )
    return frame, mean
