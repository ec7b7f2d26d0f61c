"""The working-day calendar every install needs: public holidays, make-up working days (调休) and
the heating season, one row per day of ``calendar_day``.

Years 2023–2026 follow the State Council's published holiday schedules (``OFFICIAL_SCHEDULES``).
Other years use a fixed approximation: New Year's Day, seven days from the eve of the Spring
Festival, Qingming, 1–5 May, Dragon Boat, Mid-Autumn and 1–7 October, without make-up days. Lunar
dates come from a table (2018–2035); outside it they are approximated by fixed Gregorian dates.

``data.seed`` stores the years of the lunar table (``SEEDED_YEARS``) in every database; the demo
generator reuses those rows. When the schedule of a further year is published, add it to
``OFFICIAL_SCHEDULES``: the next ``seed_reference`` replaces the approximated days of that year
that nobody edited. Pure Python: no database, no pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import MappingProxyType

HOLIDAY_NAMES = MappingProxyType(
    {
        "new_year": ("元旦", "New Year's Day"),
        "spring": ("春节", "Spring Festival"),
        "qingming": ("清明节", "Qingming Festival"),
        "labour": ("劳动节", "Labour Day"),
        "dragon_boat": ("端午节", "Dragon Boat Festival"),
        "mid_autumn": ("中秋节", "Mid-Autumn Festival"),
        "national": ("国庆节", "National Day"),
        "national_mid_autumn": ("国庆节、中秋节", "National Day and Mid-Autumn Festival"),
        "makeup": ("调休上班", "Make-up working day"),
    }
)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _span(first: str, last: str) -> tuple[dt.date, ...]:
    a, b = _d(first), _d(last)
    return tuple(a + dt.timedelta(days=i) for i in range((b - a).days + 1))


# year -> ((holiday key, days off), ...), (make-up working days, ...)
OFFICIAL_SCHEDULES = MappingProxyType(
    {
        2023: (
            (
                ("new_year", _span("2023-01-01", "2023-01-02")),
                ("spring", _span("2023-01-21", "2023-01-27")),
                ("qingming", _span("2023-04-05", "2023-04-05")),
                ("labour", _span("2023-04-29", "2023-05-03")),
                ("dragon_boat", _span("2023-06-22", "2023-06-24")),
                ("national_mid_autumn", _span("2023-09-29", "2023-10-06")),
            ),
            tuple(
                map(
                    _d,
                    ("2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07", "2023-10-08"),
                )
            ),
        ),
        2024: (
            (
                ("new_year", _span("2024-01-01", "2024-01-01")),
                ("spring", _span("2024-02-10", "2024-02-17")),
                ("qingming", _span("2024-04-04", "2024-04-06")),
                ("labour", _span("2024-05-01", "2024-05-05")),
                ("dragon_boat", _span("2024-06-08", "2024-06-10")),
                ("mid_autumn", _span("2024-09-15", "2024-09-17")),
                ("national", _span("2024-10-01", "2024-10-07")),
            ),
            tuple(
                map(
                    _d,
                    (
                        "2024-02-04",
                        "2024-02-18",
                        "2024-04-07",
                        "2024-04-28",
                        "2024-05-11",
                        "2024-09-14",
                        "2024-09-29",
                        "2024-10-12",
                    ),
                )
            ),
        ),
        2025: (
            (
                ("new_year", _span("2025-01-01", "2025-01-01")),
                ("spring", _span("2025-01-28", "2025-02-04")),
                ("qingming", _span("2025-04-04", "2025-04-06")),
                ("labour", _span("2025-05-01", "2025-05-05")),
                ("dragon_boat", _span("2025-05-31", "2025-06-02")),
                ("national_mid_autumn", _span("2025-10-01", "2025-10-08")),
            ),
            tuple(map(_d, ("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"))),
        ),
        2026: (
            (
                ("new_year", _span("2026-01-01", "2026-01-03")),
                ("spring", _span("2026-02-15", "2026-02-23")),
                ("qingming", _span("2026-04-04", "2026-04-06")),
                ("labour", _span("2026-05-01", "2026-05-05")),
                ("dragon_boat", _span("2026-06-19", "2026-06-21")),
                ("mid_autumn", _span("2026-09-25", "2026-09-27")),
                ("national", _span("2026-10-01", "2026-10-07")),
            ),
            tuple(map(_d, ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"))),
        ),
    }
)

# Lunar-calendar festivals in Gregorian dates.
SPRING_FESTIVAL = MappingProxyType(
    {
        2018: "02-16",
        2019: "02-05",
        2020: "01-25",
        2021: "02-12",
        2022: "02-01",
        2023: "01-22",
        2024: "02-10",
        2025: "01-29",
        2026: "02-17",
        2027: "02-06",
        2028: "01-26",
        2029: "02-13",
        2030: "02-03",
        2031: "01-23",
        2032: "02-11",
        2033: "01-31",
        2034: "02-19",
        2035: "02-08",
    }
)
DRAGON_BOAT = MappingProxyType(
    {
        2018: "06-18",
        2019: "06-07",
        2020: "06-25",
        2021: "06-14",
        2022: "06-03",
        2023: "06-22",
        2024: "06-10",
        2025: "05-31",
        2026: "06-19",
        2027: "06-09",
        2028: "05-28",
        2029: "06-16",
        2030: "06-05",
        2031: "06-24",
        2032: "06-12",
        2033: "06-01",
        2034: "06-20",
        2035: "06-10",
    }
)
MID_AUTUMN = MappingProxyType(
    {
        2018: "09-24",
        2019: "09-13",
        2020: "10-01",
        2021: "09-21",
        2022: "09-10",
        2023: "09-29",
        2024: "09-17",
        2025: "10-06",
        2026: "09-25",
        2027: "09-15",
        2028: "10-03",
        2029: "09-22",
        2030: "09-12",
        2031: "10-01",
        2032: "09-19",
        2033: "09-08",
        2034: "09-27",
        2035: "09-16",
    }
)


def _approximate_schedule(year: int):
    def on(table, fallback: str) -> dt.date:
        return _d(f"{year}-{table.get(year, fallback)}")

    spring = on(SPRING_FESTIVAL, "02-01")
    qingming = dt.date(year, 4, 4 if year % 4 in (0, 1) else 5)
    holidays = (
        ("new_year", (dt.date(year, 1, 1),)),
        ("spring", tuple(spring + dt.timedelta(days=i) for i in range(-1, 6))),
        ("qingming", (qingming,)),
        ("labour", tuple(dt.date(year, 5, d) for d in range(1, 6))),
        ("dragon_boat", (on(DRAGON_BOAT, "06-10"),)),
        ("mid_autumn", (on(MID_AUTUMN, "09-20"),)),
        ("national", tuple(dt.date(year, 10, d) for d in range(1, 8))),
    )
    return holidays, ()


def is_heating_season(day: dt.date) -> bool:
    """15 November to 15 March, as in most northern Chinese cities."""
    return (day.month, day.day) >= (11, 15) or (day.month, day.day) <= (3, 15)


# The years every database gets: those of the lunar table (official schedules included).
SEEDED_YEARS: tuple[int, int] = (min(SPRING_FESTIVAL), max(SPRING_FESTIVAL))

# (day, is_workday, holiday_zh, holiday_en, heating_season): a row of calendar_day.
CalendarRow = tuple[dt.date, bool, str | None, str | None, bool]


def is_official(year: int) -> bool:
    """Whether ``year`` follows a published State Council schedule (not the approximation)."""
    return year in OFFICIAL_SCHEDULES


def calendar_rows(first: dt.date, last: dt.date, *, approximate: bool = False) -> Iterator[CalendarRow]:
    """One row per day in [first, last]; ``approximate`` ignores the official schedules (what
    a year looked like before its schedule was known)."""
    holiday: dict[dt.date, str] = {}
    makeup: set[dt.date] = set()
    for year in range(first.year, last.year + 1):
        schedule = None if approximate else OFFICIAL_SCHEDULES.get(year)
        holidays, makeups = schedule or _approximate_schedule(year)
        for key, off_days in holidays:
            for day in off_days:
                holiday[day] = key
        makeup.update(makeups)
    day = first
    while day <= last:
        key = holiday.get(day)
        if day in makeup:
            is_workday, key = True, "makeup"
        else:
            is_workday = key is None and day.weekday() < 5
        zh, en = HOLIDAY_NAMES[key] if key else (None, None)
        yield (day, is_workday, zh, en, is_heating_season(day))
        day += dt.timedelta(days=1)
