"""Time's one home: instants (stored in UTC) turned into the configured zone's days and months.

Every roll-up day and month, every loader's "local day of a reading", every page's as-of day and
every schedule slot is computed here, in the zone of ``AOCC_TIMEZONE`` (``config.Config.timezone``,
default Asia/Shanghai). No other module adds a fixed offset: a deployment in another zone, or a
test run under ``UTC``, gets days and months of that zone everywhere.

Changing the zone of a database that already holds roll-ups needs ``manage.py rebuild-rollups``:
the days and months stored in the roll-ups are those of the zone they were computed in.

Scalar helpers take and return ``datetime``/``date``; the ``*_wall`` helpers work on numpy arrays
(naive ``datetime64`` in UTC, or epoch seconds) for the bulk paths of loaders and roll-ups, and
handle zones with daylight saving through pandas' vectorised conversion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

UTC = dt.UTC


# --- calendar arithmetic (no zone) ---------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, the day clamped to the target month's length
    (31 January + 1 month is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first = dt.date(year, month + 1, 1)
    return first.replace(day=min(day.day, days_in_month(first)))


def days_in_month(day: dt.date) -> int:
    """How many days ``day``'s month has."""
    first = day.replace(day=1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (following - first).days


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return day.replace(day=days_in_month(day))


def shift_years(day: dt.date, years: int) -> dt.date:
    """``day`` in ``years`` years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --- the zone --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """Local days and months of instants in one zone. Build it with ``calendar_for(name)`` or
    ``configured_calendar()``."""

    name: str
    zone: ZoneInfo

    # scalar instants
    def now(self) -> dt.datetime:
        """The current local time, aware."""
        return dt.datetime.now(self.zone)

    def local(self, instant: dt.datetime) -> dt.datetime:
        """``instant`` (aware; naive means UTC) as an aware local datetime."""
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        return instant.astimezone(self.zone)

    def local_day(self, instant: dt.datetime) -> dt.date:
        """The local calendar day ``instant`` falls on."""
        return self.local(instant).date()

    def local_month(self, instant: dt.datetime) -> dt.date:
        """The first day of the local month ``instant`` falls in."""
        return month_start(self.local_day(instant))

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The as-of day: the local day of ``now`` (the current time when not given)."""
        return self.local_day(now) if now is not None else self.now().date()

    def day_start_utc(self, day: dt.date) -> dt.datetime:
        """The aware UTC instant at which local ``day`` begins."""
        return dt.datetime(day.year, day.month, day.day, tzinfo=self.zone).astimezone(UTC)

    def day_start_utc_naive(self, day: dt.date) -> dt.datetime:
        """``day_start_utc`` without its tzinfo, the form raw SQL parameters compare with."""
        return self.day_start_utc(day).replace(tzinfo=None)

    def next_midnight_utc(self, instant: dt.datetime) -> dt.datetime:
        """The aware UTC instant of the first local midnight after ``instant``."""
        return self.day_start_utc(self.local_day(instant) + dt.timedelta(days=1))

    def at_local(self, day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
        """Aware local datetime of ``day`` at ``hour:minute``."""
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)

    def to_utc(self, naive_local: dt.datetime) -> dt.datetime:
        """A naive local wall-clock datetime as an aware UTC instant."""
        return naive_local.replace(tzinfo=self.zone).astimezone(UTC)

    # arrays
    def local_wall(self, utc_stamps) -> np.ndarray:
        """Naive UTC ``datetime64`` values as naive local wall-clock ``datetime64[us]``."""
        stamps = np.asarray(utc_stamps).astype("datetime64[us]")
        if stamps.size == 0:
            return stamps
        seconds = stamps.astype("datetime64[s]").astype(np.int64)
        offset = _constant_offset(self.name, int(seconds.min()), int(seconds.max()))
        if offset is not None:  # the usual case (no daylight saving in the span): one addition
            return stamps + np.timedelta64(offset, "s")
        index = pd.DatetimeIndex(stamps).tz_localize("UTC").tz_convert(self.zone).tz_localize(None)
        return index.to_numpy().astype("datetime64[us]")

    def local_wall_seconds(self, epoch_seconds) -> np.ndarray:
        """Epoch seconds (UTC) as local wall-clock seconds since 1970-01-01 00:00 local."""
        seconds = np.asarray(epoch_seconds, dtype=np.int64)
        if seconds.size == 0:
            return seconds
        offset = _constant_offset(self.name, int(seconds.min()), int(seconds.max()))
        if offset is not None:
            return seconds + offset
        wall = self.local_wall(seconds.astype("datetime64[s]"))
        return wall.astype("datetime64[s]").astype(np.int64)

    def utc_from_wall(self, local_stamps) -> np.ndarray:
        """Naive local wall-clock ``datetime64`` values as naive UTC ``datetime64[us]``.

        A wall time that does not exist (the hour skipped when clocks go forward) is moved
        forward; an ambiguous one (the hour repeated when they go back) is read as standard time.
        """
        stamps = np.asarray(local_stamps).astype("datetime64[us]")
        if stamps.size == 0:
            return stamps
        index = pd.DatetimeIndex(stamps).tz_localize(self.zone, ambiguous=False, nonexistent="shift_forward")
        return index.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[us]")

    def local_days(self, utc_stamps) -> np.ndarray:
        """Local day numbers (days since 1970-01-01) of naive UTC ``datetime64`` values."""
        return self.local_wall(utc_stamps).astype("datetime64[D]").astype(np.int64)

    def local_days_and_hours(self, utc_stamps) -> tuple[np.ndarray, np.ndarray]:
        """Local day numbers and local hours (0–23) of naive UTC ``datetime64`` values."""
        wall = self.local_wall(utc_stamps)
        day = wall.astype("datetime64[D]")
        hour = ((wall - day) // np.timedelta64(1, "h")).astype(np.int64)
        return day.astype(np.int64), hour


_OFFSET_SAMPLE_SECONDS = 6 * 3600  # zones change their offset at most a few times a year


def _constant_offset(zone_name: str, first: int, last: int) -> int | None:
    """The zone's UTC offset in seconds if it is the same at every instant of [first, last] (epoch
    seconds), else None. The offset is sampled at both ends and every six hours between them (no
    zone changes its offset twice within six hours), on a grid cached per zone."""
    return _constant_offset_on_grid(
        zone_name, first, last, first // _OFFSET_SAMPLE_SECONDS, last // _OFFSET_SAMPLE_SECONDS
    )


def _offset_at(zone: ZoneInfo, epoch_seconds: int) -> int:
    return int(dt.datetime.fromtimestamp(epoch_seconds, tz=zone).utcoffset().total_seconds())


def _constant_offset_on_grid(zone_name: str, first: int, last: int, first_step: int, last_step: int) -> int | None:
    zone = calendar_for(zone_name).zone
    offset = _offset_at(zone, first)
    if _offset_at(zone, last) != offset:
        return None
    steps = _grid_offsets(zone_name, first_step, last_step)
    return offset if steps == {offset} or not steps else None


@lru_cache(maxsize=256)
def _grid_offsets(zone_name: str, first_step: int, last_step: int) -> frozenset:
    zone = calendar_for(zone_name).zone
    return frozenset(_offset_at(zone, step * _OFFSET_SAMPLE_SECONDS) for step in range(first_step + 1, last_step + 1))


@lru_cache(maxsize=16)
def calendar_for(name: str) -> Calendar:
    """The calendar of the IANA zone ``name``; ``ValueError`` for an unknown zone."""
    try:
        return Calendar(name, ZoneInfo(name))
    except (KeyError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"unknown time zone: {name!r}") from exc


def configured_calendar(timezone: str | None = None) -> Calendar:
    """The calendar of ``timezone`` if given, else of the configured zone (``AOCC_TIMEZONE``).

    Read at every call, not at import, so that every process (web, scheduler, loaders, tools)
    follows the setting it was started with.
    """
    if timezone:
        return calendar_for(timezone)
    from config import load_config  # config reads the environment; data/ depends on nothing else of the app

    return calendar_for(load_config().timezone)
