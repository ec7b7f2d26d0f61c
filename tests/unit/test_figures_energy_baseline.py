"""The load profile against the baseline as data: the band between the lower and upper bound,
the expected and actual lines, the hours above the band marked; the note of a clipped period;
the "no data" figure; valid plotly."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from presentation.figures.energy_baseline import make_load_profile_figure
from presentation.theme import PALETTES

NAN = float("nan")


def profile_frame() -> pd.DataFrame:
    """Three hours: inside the band, above it, and without a reading."""
    return pd.DataFrame(
        {
            "ts": pd.to_datetime(["2026-03-04 08:00", "2026-03-04 09:00", "2026-03-04 10:00"]),
            "actual_kwh": [50.0, 95.0, NAN],
            "expected_kwh": [52.0, 60.0, 61.0],
            "lower_kwh": [45.0, 50.0, 51.0],
            "upper_kwh": [59.0, 70.0, 71.0],
        }
    )


def test_band_lines_and_marked_hours():
    figure = make_load_profile_figure(profile_frame(), lang="zh", theme="light")
    go.Figure(figure.to_dict())  # valid plotly
    upper, band, expected, actual, above = figure.data
    assert list(upper.y) == [59.0, 70.0, 71.0] and upper.showlegend is False
    assert band.fill == "tonexty" and list(band.y) == [45.0, 50.0, 51.0] and band.name == "预测区间（95%）"
    assert expected.line.dash == "dash" and list(expected.y) == [52.0, 60.0, 61.0] and expected.name == "基线预期"
    assert actual.name == "实际用电" and actual.line.color == PALETTES["light"]["primary"]
    assert list(actual.x) == ["2026-03-04T08:00", "2026-03-04T09:00", "2026-03-04T10:00"]
    assert np.isnan(actual.y[2])
    assert list(above.x) == ["2026-03-04T09:00"] and list(above.y) == [95.0]
    assert above.marker.color == PALETTES["light"]["bad"] and above.visible is True
    assert figure.layout.hovermode == "x unified" and not figure.layout.annotations


def test_english_names_dark_theme_and_no_hour_above():
    frame = profile_frame()
    frame.loc[1, "actual_kwh"] = 65.0
    figure = make_load_profile_figure(frame, lang="en", theme="dark", font_size=24)
    go.Figure(figure.to_dict())
    names = [trace.name for trace in figure.data[1:]]
    assert names == ["Prediction band (95 %)", "Expected", "Actual", "Above the band"]
    assert len(figure.data[4].x) == 0 and figure.data[4].visible == "legendonly"
    assert figure.layout.font.size == 24 and figure.data[3].line.color == PALETTES["dark"]["primary"]


def test_a_clipped_period_names_the_days_shown():
    frame = pd.DataFrame(
        {
            "ts": pd.date_range("2026-02-13", periods=31 * 24, freq="h"),
            "actual_kwh": 50.0,
            "expected_kwh": 50.0,
            "lower_kwh": 40.0,
            "upper_kwh": 60.0,
        }
    )
    frame.attrs.update(first_day=dt.date(2026, 2, 13), last_day=dt.date(2026, 3, 15), clipped=True)
    zh = make_load_profile_figure(frame, lang="zh")
    en = make_load_profile_figure(frame, lang="en")
    assert zh.layout.annotations[0].text == "仅显示最近31天（2026-02-13起）"
    assert en.layout.annotations[0].text == "Last 31 days shown (from 2026-02-13)"


def test_no_data_gives_the_empty_figure():
    empty = pd.DataFrame(columns=["ts", "actual_kwh", "expected_kwh", "lower_kwh", "upper_kwh"])
    for frame in (empty, profile_frame().assign(actual_kwh=NAN, expected_kwh=NAN), None):
        figure = make_load_profile_figure(frame, lang="zh")
        assert figure.layout.meta == {"aocc_state": "empty"}
