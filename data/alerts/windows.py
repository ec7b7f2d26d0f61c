"""Evaluation windows of a rule, and the comparisons.

Windows (``alert_rule.window``):

* ``latest``       the as-of day for a flow; the state now for a state
* ``last_days:N``  the N days ending on the as-of day
* ``last_hours:N`` rounded up to whole days (``ceil(N / 24)``): the roll-ups keep days, and the
  hourly profile sums hours over a month × weekday, not over the last N hours
* ``mtd``          the first of the as-of month .. the as-of day
* ``ytd_pace``     1 January .. the as-of day, projected to the whole year and expressed in % of
  the org's annual energy quota (``energy_quota.limit_value``; 100 = on pace to use exactly it)

Comparisons (``alert_rule.comparison``); the *figure* compared with the levels is:

* ``above`` / ``below``  the value (breach when above / below the level)
* ``outside``            ``|value − reference|`` (the band's half-width; the reference is the
  indicator's own, e.g. 1 for fuel against mileage, else 0), breach when above the level
* ``change_pct``         the change in % against the same window one year earlier
* ``change_prev``        the change in % against the entity's own previous window of the same
  length (the N days before the window)

The *as-of* day is the data's own latest day (``data.queries.period.fetch_as_of``), not the clock.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from data.calendar import month_start, shift_years

COMPARISONS = ("above", "below", "outside", "change_pct", "change_prev")
CHANGE_COMPARISONS = ("change_pct", "change_prev")
WINDOW_KINDS = ("latest", "last_days", "last_hours", "mtd", "ytd_pace")


class WindowError(ValueError):
    """A window string that cannot be read; ``code`` is a problem key (``window_format``, ``window_zero``)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Window:
    kind: str
    n: int = 1

    @property
    def days(self) -> int | None:
        """Length in days for the fixed-length windows, None for mtd and ytd_pace."""
        if self.kind == "latest":
            return 1
        if self.kind == "last_days":
            return self.n
        if self.kind == "last_hours":
            return math.ceil(self.n / 24)
        return None

    def span(self, as_of: dt.date) -> tuple[dt.date, dt.date]:
        if self.kind == "mtd":
            return month_start(as_of), as_of
        if self.kind == "ytd_pace":
            return as_of.replace(month=1, day=1), as_of
        return as_of - dt.timedelta(days=self.days - 1), as_of

    def baseline(self, as_of: dt.date, comparison: str) -> tuple[dt.date, dt.date]:
        start, end = self.span(as_of)
        if comparison == "change_prev":
            length = (end - start).days + 1
            return start - dt.timedelta(days=length), start - dt.timedelta(days=1)
        return shift_years(start, -1), shift_years(end, -1)

    def pace_factor(self, as_of: dt.date) -> float:
        """Days in the as-of year / days elapsed (``ytd_pace`` only)."""
        year_days = (dt.date(as_of.year + 1, 1, 1) - dt.date(as_of.year, 1, 1)).days
        return year_days / ((as_of - dt.date(as_of.year, 1, 1)).days + 1)


def parse_window(text: str) -> Window:
    """``"last_days:7"`` → ``Window("last_days", 7)``; raises ``WindowError``."""
    kind, sep, count = (text or "").strip().partition(":")
    if kind not in WINDOW_KINDS:
        raise WindowError("window_format")
    if kind in ("last_days", "last_hours"):
        if not sep or not count.strip().lstrip("-").isdigit():
            raise WindowError("window_format")
        n = int(count)
        if n <= 0:
            raise WindowError("window_zero")
        if n > (3660 if kind == "last_days" else 87840):
            raise WindowError("window_format")
        return Window(kind, n)
    if sep:
        raise WindowError("window_format")
    return Window(kind)


def figure_sql(comparison: str) -> str:
    """The SQL of the compared figure over columns ``value`` and ``reference``."""
    if comparison == "outside":
        return "ABS(value - COALESCE(reference, 0))"
    if comparison in CHANGE_COMPARISONS:
        return "((value - reference) * 100.0 / NULLIF(reference, 0))"
    return "value"


def figure(comparison: str, value: float, reference: float | None) -> float:
    """The compared figure (NaN when it cannot be formed)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if comparison == "outside":
        ref = 0.0 if reference is None or math.isnan(reference) else reference
        return abs(value - ref)
    if comparison in CHANGE_COMPARISONS:
        if reference is None or math.isnan(reference) or reference == 0:
            return math.nan
        return (value - reference) * 100.0 / reference
    return float(value)


def higher_is_worse(comparison: str) -> bool:
    return comparison != "below"
