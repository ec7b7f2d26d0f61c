"""Times and missing values as the pages, the wall and the snapshot show them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.calendar import calendar_for
from presentation.format import format_time, is_missing
from presentation.i18n import LANGUAGE_COOKIE

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = calendar_for("Asia/Shanghai")
UTC = calendar_for("UTC")


@pytest.mark.parametrize("value", [None, float("nan"), pd.NaT, np.datetime64("NaT"), pd.Timestamp("NaT")])
def test_no_time_reads_empty(value):
    # A source that has never succeeded has no last success: NaT must not fail the page.
    assert is_missing(value)
    assert format_time(value, SHANGHAI) == ""


def test_times_are_shown_in_the_calendar_zone():
    instant = dt.datetime(2026, 11, 20, 6, 5, tzinfo=dt.UTC)
    assert format_time(instant, SHANGHAI) == "2026-11-20 14:05"
    assert format_time(instant, UTC) == "2026-11-20 06:05"
    # Naive values are stored UTC; pandas timestamps (from read_sql) alike.
    assert format_time(instant.replace(tzinfo=None), SHANGHAI) == "2026-11-20 14:05"
    assert format_time(pd.Timestamp("2026-11-20 23:30"), SHANGHAI) == "2026-11-21 07:30"


def test_the_configured_zone_is_the_default(monkeypatch):
    monkeypatch.setenv("AOCC_TIMEZONE", "UTC")
    assert format_time(dt.datetime(2026, 11, 20, 6, 5, tzinfo=dt.UTC)) == "2026-11-20 06:05"
    monkeypatch.setenv("AOCC_TIMEZONE", "Asia/Shanghai")
    assert format_time(dt.datetime(2026, 11, 20, 6, 5, tzinfo=dt.UTC)) == "2026-11-20 14:05"


def test_the_shell_switches_use_the_cookie_names_the_server_reads():
    from components.shell import THEME_COOKIE

    script = (ROOT / "assets" / "aocc_shell.js").read_text(encoding="utf-8")
    assert f'"{LANGUAGE_COOKIE}"' in script and f'"{THEME_COOKIE}"' in script
