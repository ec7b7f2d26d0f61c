"""How an alert's figure and level read in the alerts list, the overview panel and the ticker."""

from __future__ import annotations

from components.alerts import value_text


def test_a_change_rule_shows_the_change_in_percent_against_its_level():
    row = {"unit": "kWh", "comparison": "change_pct", "figure": 85.4, "value": 18_500.0, "threshold": 60.0}
    assert value_text(row, "zh") == "+85% / +60%"


def test_a_band_rule_shows_the_deviation_against_the_allowed_band():
    row = {"unit": "×", "comparison": "outside", "figure": 0.91, "value": 1.91, "threshold": 0.5}
    text = value_text(row, "zh")
    assert text.startswith("±0.91") and "/ ±0.5" in text, text


def test_a_level_rule_shows_the_value_and_the_level_in_the_indicator_unit():
    row = {"unit": "m²", "comparison": "above", "figure": 28.0, "value": 28.0, "threshold": 12.0}
    assert value_text(row, "zh") == "28 m² / 12 m²"


def test_a_share_judged_as_a_fraction_reads_as_a_percentage():
    row = {"unit": "%", "comparison": "above", "figure": 0.499, "value": 0.499, "threshold": 0.45}
    assert value_text(row, "zh") == "49.9% / 45.0%"


def test_a_year_to_date_pace_reads_in_percent_of_the_quota():
    row = {"unit": "tce", "comparison": "above", "window": "ytd_pace", "value": 112.4, "threshold": 105.0}
    assert value_text(row, "zh") == "112% / 105%"
