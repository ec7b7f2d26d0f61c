"""Schedules that know their own slots.

A job run is identified by ``(job_id, scheduled_for)``; ``scheduled_for`` is the slot, the
latest fire time at or before ``now``, computed from ``now`` alone. Two scheduler processes
(or a scheduler restarted mid-interval) therefore agree on which run a firing is, and the
unique constraint on ``job_run`` lets exactly one of them have it. The same object builds the
APScheduler trigger, so the trigger's fire times and the slots are the same instants.

Local times are those of a ``timezone``: a zone name, a ``data.calendar.Calendar``, or None for
the configured zone (``AOCC_TIMEZONE``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from data.calendar import Calendar, configured_calendar

UTC = dt.UTC
# Interval slots are counted from this instant (a multiple of every sensible interval in seconds).
ANCHOR = dt.datetime(2000, 1, 1, tzinfo=UTC)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Zone = str | Calendar | None


def _calendar(timezone: Zone) -> Calendar:
    return timezone if isinstance(timezone, Calendar) else configured_calendar(timezone)


@dataclass(frozen=True)
class Every:
    """Every ``seconds``, at multiples of ``seconds`` since 2000-01-01 00:00 UTC."""

    seconds: int

    def slot(self, now: dt.datetime, timezone: Zone = None) -> dt.datetime:
        elapsed = int((now - ANCHOR).total_seconds())
        return ANCHOR + dt.timedelta(seconds=elapsed // self.seconds * self.seconds)

    def trigger(self, timezone: Zone = None):
        return IntervalTrigger(seconds=self.seconds, start_date=ANCHOR, timezone=UTC)

    def describe(self) -> str:
        return f"every {self.seconds}s"


@dataclass(frozen=True)
class DailyAt:
    """Every day at ``hour:minute`` local time."""

    hour: int
    minute: int = 0

    def slot(self, now: dt.datetime, timezone: Zone = None) -> dt.datetime:
        local = _calendar(timezone).local(now)
        candidate = local.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        if candidate > local:
            candidate -= dt.timedelta(days=1)
        return candidate.astimezone(UTC)

    def trigger(self, timezone: Zone = None):
        return CronTrigger(hour=self.hour, minute=self.minute, second=0, timezone=_calendar(timezone).zone)

    def describe(self) -> str:
        return f"daily {self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class WeeklyAt:
    """Every week on ``weekday`` (0 = Monday) at ``hour:minute`` local time."""

    weekday: int
    hour: int
    minute: int = 0

    def slot(self, now: dt.datetime, timezone: Zone = None) -> dt.datetime:
        calendar = _calendar(timezone)
        local = calendar.local(now)
        day = local.date() - dt.timedelta(days=(local.weekday() - self.weekday) % 7)
        candidate = calendar.at_local(day, self.hour, self.minute)
        if candidate > local:
            candidate -= dt.timedelta(days=7)
        return candidate.astimezone(UTC)

    def trigger(self, timezone: Zone = None):
        return CronTrigger(
            day_of_week=WEEKDAYS[self.weekday],
            hour=self.hour,
            minute=self.minute,
            second=0,
            timezone=_calendar(timezone).zone,
        )

    def describe(self) -> str:
        return f"weekly {WEEKDAYS[self.weekday]} {self.hour:02d}:{self.minute:02d}"


def parse_hhmm(text: str) -> tuple[int, int]:
    hour, _, minute = text.partition(":")
    h, m = int(hour), int(minute or 0)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"not a time of day: {text!r}")
    return h, m
