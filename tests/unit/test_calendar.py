"""The calendar: local days and months of instants in the configured zone, scalar and vectorised,
with zones that have daylight saving."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from data.calendar import add_months, calendar_for, configured_calendar, days_in_month, month_end, shift_years

UTC = dt.UTC


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 3, 15), -3, dt.date(2025, 12, 15)),
        (dt.date(2026, 12, 1), 1, dt.date(2027, 1, 1)),
        (dt.date(2026, 5, 31), -12, dt.date(2025, 5, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_month_helpers():
    assert days_in_month(dt.date(2026, 2, 10)) == 28
    assert month_end(dt.date(2026, 12, 3)) == dt.date(2026, 12, 31)
    assert shift_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)


def test_local_day_depends_on_the_zone():
    instant = dt.datetime(2026, 1, 1, 20, 0, tzinfo=UTC)
    assert calendar_for("UTC").local_day(instant) == dt.date(2026, 1, 1)
    assert calendar_for("Asia/Shanghai").local_day(instant) == dt.date(2026, 1, 2)
    assert calendar_for("America/New_York").local_day(instant) == dt.date(2026, 1, 1)
    assert calendar_for("Asia/Shanghai").local_month(dt.datetime(2026, 1, 31, 17, tzinfo=UTC)) == dt.date(2026, 2, 1)


def test_day_start():
    shanghai = calendar_for("Asia/Shanghai")
    assert shanghai.day_start_utc(dt.date(2026, 1, 1)) == dt.datetime(2025, 12, 31, 16, tzinfo=UTC)
    assert shanghai.day_start_utc_naive(dt.date(2026, 1, 1)) == dt.datetime(2025, 12, 31, 16)
    assert shanghai.next_midnight_utc(dt.datetime(2026, 1, 1, 15, 59, tzinfo=UTC)) == dt.datetime(
        2026, 1, 1, 16, tzinfo=UTC
    )


def test_vectorised_helpers_agree_with_the_scalar_ones_across_daylight_saving():
    berlin = calendar_for("Europe/Berlin")
    start = np.datetime64("2026-03-28T00:00", "us")
    stamps = start + np.arange(0, 72 * 3600, 1800).astype("timedelta64[s]")
    days, hours = berlin.local_days_and_hours(stamps)
    for stamp, day, hour in zip(stamps.tolist(), days.tolist(), hours.tolist()):
        local = berlin.local(stamp.replace(tzinfo=UTC))
        assert (dt.date(1970, 1, 1) + dt.timedelta(days=day), hour) == (local.date(), local.hour)
    seconds = stamps.astype("datetime64[s]").astype(np.int64)
    wall = berlin.local_wall_seconds(seconds)
    assert (wall - seconds).tolist()[0] == 3600 and (wall - seconds).tolist()[-1] == 7200
    back = berlin.utc_from_wall(berlin.local_wall(stamps))
    assert (back == stamps).all()


def test_configured_calendar_reads_the_setting(monkeypatch):
    monkeypatch.setenv("AOCC_TIMEZONE", "UTC")
    assert configured_calendar().name == "UTC"
    monkeypatch.delenv("AOCC_TIMEZONE")
    assert configured_calendar().name == "Asia/Shanghai"
    assert configured_calendar("Europe/Berlin").name == "Europe/Berlin"
    with pytest.raises(ValueError):
        calendar_for("Mars/Olympus")


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"])
@pytest.mark.parametrize("start", ["2026-01-10T00:00", "2026-03-07T12:00", "2026-10-24T00:00", "2026-07-01T00:00"])
def test_the_one_addition_shortcut_agrees_with_the_full_conversion(zone, start):
    """Spans without a change of offset take a shortcut; spans with one (Berlin and New York in
    March and October) take pandas' conversion. Both give what pandas gives."""
    import pandas as pd

    calendar = calendar_for(zone)
    seconds = np.datetime64(start, "s").astype(np.int64) + np.arange(0, 14 * 86400, 900, dtype=np.int64)
    expected = (
        pd.DatetimeIndex(seconds.astype("datetime64[s]"))
        .tz_localize("UTC")
        .tz_convert(calendar.zone)
        .tz_localize(None)
        .to_numpy()
        .astype("datetime64[s]")
        .astype(np.int64)
    )
    assert (calendar.local_wall_seconds(seconds) == expected).all()
    assert (
        calendar.local_wall(seconds.astype("datetime64[s]")).astype("datetime64[s]").astype(np.int64) == expected
    ).all()
