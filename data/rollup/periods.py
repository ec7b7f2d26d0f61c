"""Day numbers (days since 1970-01-01), months and day runs: the periods the roll-ups are keyed
on. Which local day an instant falls on is ``data.calendar``'s business (the configured zone);
this module only counts days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

from ..calendar import Calendar, add_months, configured_calendar, month_end

_EPOCH_DAY = dt.date(1970, 1, 1)


def local_day_start_utc(day: dt.date, calendar: Calendar | None = None) -> dt.datetime:
    """The naive UTC instant at which local day ``day`` begins (in ``calendar``, by default the
    configured zone's)."""
    return (calendar or configured_calendar()).day_start_utc_naive(day)


def month_numbers(day_numbers: np.ndarray) -> np.ndarray:
    """The first day of each day's month, as days since 1970-01-01."""
    days = np.asarray(day_numbers, dtype=np.int64).astype("datetime64[D]")
    return days.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def days_to_datetime64(day_numbers: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 as datetime64[D]."""
    return _days_to_datetime64(day_numbers)


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _day_number(day: dt.date) -> int:
    return (day - _EPOCH_DAY).days


def _day_from_number(number: int) -> dt.date:
    return _EPOCH_DAY + dt.timedelta(days=int(number))


def _days_to_datetime64(numbers: np.ndarray) -> np.ndarray:
    return np.asarray(numbers, dtype=np.int64).astype("datetime64[D]")


def _month_starts(day_from: dt.date, day_to: dt.date) -> list[dt.date]:
    months, month = [], day_from.replace(day=1)
    while month <= day_to:
        months.append(month)
        month = add_months(month, 1)
    return months


def _month_end(month: dt.date) -> dt.date:
    return month_end(month)


def _check_range(day_from: dt.date, day_to: dt.date) -> None:
    if day_from > day_to:
        raise ValueError(f"day_from {day_from} is after day_to {day_to}")


def _day_runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days merged into contiguous [first, last] runs."""
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(a, b) for a, b in runs]
