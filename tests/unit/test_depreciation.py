"""Depreciation by category method (data.depreciation): known answers for the three methods."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from data.depreciation import accumulated_share, months_charged, net_value, net_values

D = dt.date


@pytest.mark.parametrize(
    ("acquired", "at", "months"),
    [
        (D(2024, 3, 15), D(2024, 3, 1), 0),  # before acquisition
        (D(2024, 3, 15), D(2024, 3, 15), 1),  # the acquisition month counts
        (D(2024, 3, 31), D(2024, 3, 31), 1),
        (D(2024, 3, 31), D(2024, 4, 1), 2),  # a new month, a day later
        (D(2024, 3, 15), D(2025, 2, 28), 12),
        (D(2023, 12, 31), D(2024, 1, 1), 2),  # across a year boundary
    ],
)
def test_months_charged_counts_the_acquisition_month(acquired, at, months):
    assert months_charged(acquired, at) == months


def test_straight_line():
    # 1,000 yuan over 5 years (60 months): 30 months charged is half
    assert net_value(1000.0, D(2020, 1, 10), D(2022, 6, 30), 5, "straight_line") == pytest.approx(500.0)
    # fully depreciated after the life, never below the residual
    assert net_value(1000.0, D(2010, 1, 1), D(2022, 6, 30), 5, "straight_line") == pytest.approx(0.0)
    assert net_value(1000.0, D(2010, 1, 1), D(2022, 6, 30), 5, "straight_line", 0.05) == pytest.approx(50.0)
    # the residual value is not depreciated: 1,000 − 950 × 30/60
    assert net_value(1000.0, D(2020, 1, 10), D(2022, 6, 30), 5, "straight_line", 0.05) == pytest.approx(525.0)


@pytest.mark.parametrize(
    ("months", "net"),
    [
        (0, 1000.0),
        (6, 800.0),  # 40 % of the first year's balance, spread over its months
        (12, 600.0),
        (24, 360.0),  # 600 × 0.6
        (36, 216.0),  # 360 × 0.6: the switch to straight line over the last two years
        (48, 108.0),  # half of 216
        (60, 0.0),
        (90, 0.0),
    ],
)
def test_double_declining_balance_five_years(months, net):
    assert net_values([1000.0], [months], [5], ["double_declining"], [0.0])[0] == pytest.approx(net)


def test_double_declining_with_a_life_of_two_years_or_less_is_straight_line():
    shares = accumulated_share([6, 12, 24, 30], [2, 2, 2, 2], ["double_declining"] * 4)
    assert shares == pytest.approx([0.25, 0.5, 1.0, 1.0])
    assert accumulated_share([6], [1], ["double_declining"])[0] == pytest.approx(0.5)


def test_none_keeps_the_original_value_and_methods_mix_in_one_call():
    nets = net_values(
        [1000.0, 1000.0, 1000.0, 1000.0],
        [24, 24, 24, 24],
        [5, 5, 5, 5],
        ["none", "straight_line", "double_declining", "unknown"],
        [0.0, np.nan, 0.0, 0.0],
    )
    assert nets == pytest.approx([1000.0, 600.0, 360.0, 600.0])  # an unknown method is straight line
