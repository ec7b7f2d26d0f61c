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
