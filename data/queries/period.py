"""Reporting periods: the windows a page's figures are summed over, anchored on *as of*.

*As of* is the latest day present in the roll-ups (the demo's ``as_of``, or the last day a
loader delivered), not the wall clock, so a wall screen over a database that stopped receiving
data shows that data's day and a test over a fixed demo gets fixed numbers.

* ``mtd``  month to date: first day of the as-of month .. as of
* ``ytd``  year to date: 1 January .. as of
* ``l12m`` the last twelve months, rolling: the day after as-of-minus-one-year .. as of
* ``now``  a state measure's value at the end of the as-of month (or the latest month before it)

A ``_py`` suffix (``mtd_py``, ``ytd_py``) is the same window one year earlier, for year on year.
Month arithmetic is ``data.calendar``'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from data.calendar import month_start, shift_years
from data.scope import Scope

from .kpi import NAN
from .rollup_read import fetch_data_span

# The daily flow metrics whose latest day says how current a domain is.
ANCHOR_METRICS: dict[str, tuple[str, ...]] = {
    "energy": ("energy.electricity_kwh",),
    "vehicle": ("vehicle.trips", "vehicle.km"),
    "asset": (),  # redeployments are sparse: the latest day of any flow says how current the data is
    "housing": (),
}


@dataclass(frozen=True)
class Periods:
    """The reporting windows anchored on ``as_of`` (inclusive date ranges).

    ``first_day`` is where the roll-ups begin: a window starting before it is only partly
    covered, and a comparison with it (last year's figure, a twelve-month intensity) would
    mislead, so ``covers`` says no and the queries leave that figure out.
    """

    as_of: dt.date
    first_day: dt.date | None = None

    def covers(self, name_or_start) -> bool:
        """Whether the window (by name, or a start date) lies within the data."""
        start = self.window(name_or_start)[0] if isinstance(name_or_start, str) else name_or_start
        return self.first_day is None or start >= self.first_day

    def if_covered(self, name_or_start, value: float) -> float:
        """``value`` when the window lies within the data, else NaN."""
        return value if self.covers(name_or_start) else NAN

    @property
    def month(self) -> dt.date:
        return month_start(self.as_of)

    def window(self, name: str) -> tuple[dt.date, dt.date]:
        base, _, prior = name.partition("_")
        if base == "mtd":
            start = month_start(self.as_of)
        elif base == "ytd":
            start = self.as_of.replace(month=1, day=1)
        elif base == "l12m":
            start = shift_years(self.as_of, -1) + dt.timedelta(days=1)
        else:
            raise ValueError(f"unknown period {name!r}")
        if prior == "py":
            return shift_years(start, -1), shift_years(self.as_of, -1)
        if prior:
            raise ValueError(f"unknown period {name!r}")
        return start, self.as_of

    def windows(self, *names: str) -> dict[str, tuple[dt.date, dt.date]]:
        return {name: self.window(name) for name in names}


@dataclass(frozen=True)
class PickedPeriods(Periods):
    """``Periods`` whose to-date windows are a period a user picked: ``mtd`` and ``ytd`` are
    ``start`` .. ``end`` and their ``_py`` twins the comparison period (the same days a year
    earlier, or the period before), with ``as_of`` the period's last day (so ``l12m`` and state
    measures end there). A domain's KPI reads then follow the period bar without a second copy
    of their formulas."""

    start: dt.date | None = None
    compare_start: dt.date | None = None
    compare_end: dt.date | None = None

    def window(self, name: str) -> tuple[dt.date, dt.date]:
        base, _, prior = name.partition("_")
        if base in ("mtd", "ytd") and self.start is not None:
            if prior == "py":
                return self.compare_start, self.compare_end
            return self.start, self.as_of
        return super().window(name)


def picked_periods(view) -> PickedPeriods:
    """The ``PickedPeriods`` of a resolved ``data.queries.view.ViewContext`` (with data)."""
    period, compare = view.period, view.compare_period
    return PickedPeriods(
        period.end,
        first_day=view.first_day,
        start=period.start,
        compare_start=compare.start,
        compare_end=compare.end,
    )


def period_code(view) -> str:
    """A tile's period label for a picked period: 本月 / 本年累计 (``mtd``, ``ytd``) where the
    period is the month or year to date, else the period's kind (``day``, ``week``, ``month``,
    ``year``, ``custom``: 当日, 本周, 当月, 当年, 所选期间)."""
    period = view.period
    to_date = period.end == view.as_of
    if to_date and period.kind == "month" and period.start.day == 1:
        return "mtd"
    if to_date and period.kind == "year" and (period.start.month, period.start.day) == (1, 1):
        return "ytd"
    return period.kind


def fetch_as_of(conn: Connection, org_id: int, metric_ids: tuple[str, ...] | None = None) -> dt.date | None:
    """The latest day present in the roll-ups for ``org_id`` (see ``rollup_read.fetch_data_span``)."""
    return fetch_data_span(conn, org_id, metric_ids)[1]


def domain_periods(conn: Connection, scope: Scope, domain: str | None, as_of: dt.date | None = None) -> Periods | None:
    """The reporting periods of a domain page: as of ``as_of`` if given, else the latest day of
    the domain's anchor metrics (all flows when it has none) at the scope root; ``first_day`` is
    where those roll-ups begin. None when the roll-ups hold nothing."""
    anchors = ANCHOR_METRICS.get(domain, ()) if domain else ()
    first, last = fetch_data_span(conn, scope.org_id, anchors or None)
    if last is None and as_of is None:
        return None
    return Periods(as_of or last, first_day=first)


__all__ = [
    "ANCHOR_METRICS",
    "Periods",
    "PickedPeriods",
    "domain_periods",
    "fetch_as_of",
    "period_code",
    "picked_periods",
]
