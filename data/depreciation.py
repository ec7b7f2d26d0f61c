"""Depreciation of fixed assets by a standard method per category (政府会计准则第3号——固定资产).

A category names its method, its useful life in years and its residual rate (reference data an
administrator edits, ``asset_category``):

* ``straight_line`` (年限平均法): the depreciable amount spread evenly over the useful life;
* ``double_declining`` (双倍余额递减法): twice the straight-line rate applied to the book value at
  the start of each year, switching to straight line over the last two years;
* ``none`` (不计提折旧): land, cultural relics, assets kept at their original value.

Depreciation is charged by month and starts in the month the asset is acquired (government
accounting: 当月增加的固定资产，当月开始计提折旧), so an asset acquired on any day of March has
one month charged at the end of March and is fully depreciated after ``12 × life`` months.
The residual value (``original × residual_rate``) is never depreciated; government units use a
rate of 0.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

METHODS = ("straight_line", "double_declining", "none")
DEFAULT_METHOD = "straight_line"


def months_charged(acquired_on: dt.date, at: dt.date) -> int:
    """Months of depreciation charged at ``at`` for an asset acquired on ``acquired_on``: the
    acquisition month counts; 0 before it."""
    if at < acquired_on:
        return 0
    return (at.year - acquired_on.year) * 12 + at.month - acquired_on.month + 1


def accumulated_share(months, life_years, method) -> np.ndarray:
    """The share of the depreciable amount charged after ``months`` months (0..1), vectorized.

    Args:
        months: months charged (array-like of ints ≥ 0).
        life_years: useful life in years (≤ 0: depreciated at once, except for ``none``).
        method: one of ``METHODS`` per asset (an unknown method counts as straight line).
    """
    months = np.asarray(months, dtype=float)
    life = np.asarray(life_years, dtype=float)
    method = np.broadcast_to(np.asarray(method, dtype=object), months.shape)
    life_months = np.where(life > 0, life * 12.0, 1.0)
    elapsed = np.clip(months, 0.0, life_months)
    straight = elapsed / life_months
    declining = _double_declining_share(elapsed, np.where(life > 0, life, 1.0))
    share = np.where(method == "double_declining", declining, straight)
    return np.where(method == "none", 0.0, share)


def _double_declining_share(elapsed_months: np.ndarray, life: np.ndarray) -> np.ndarray:
    """Double declining balance on a depreciable amount of 1: each of the first ``life − 2`` years
    charges ``2 / life`` of the start-of-year balance (spread evenly over its months), the last
    two years the remaining balance in equal halves. A life of two years or less is straight line."""
    rate = 2.0 / life
    years_done = np.floor(elapsed_months / 12.0)
    in_year = (elapsed_months - years_done * 12.0) / 12.0
    declining_years = np.maximum(life - 2.0, 0.0)
    # Balance left after k whole declining years, and at the switch to straight line.
    k = np.minimum(years_done, declining_years)
    balance = (1.0 - rate) ** k
    switch_balance = (1.0 - rate) ** declining_years
    in_declining = years_done < declining_years
    declining_share = 1.0 - balance + balance * rate * in_year
    tail_years = np.minimum(life, 2.0)
    tail_elapsed = np.clip(elapsed_months / 12.0 - declining_years, 0.0, tail_years)
    tail_share = 1.0 - switch_balance + switch_balance * tail_elapsed / tail_years
    share = np.where(in_declining, declining_share, tail_share)
    return np.where(life <= 2.0, np.clip(elapsed_months / (life * 12.0), 0.0, 1.0), np.clip(share, 0.0, 1.0))


def net_values(original, months, life_years, method, residual_rate) -> np.ndarray:
    """Net book values: ``original − (original × (1 − residual_rate)) × accumulated_share``."""
    original = np.asarray(original, dtype=float)
    residual = np.nan_to_num(np.asarray(residual_rate, dtype=float), nan=0.0)
    return original - original * (1.0 - residual) * accumulated_share(months, life_years, method)


def net_value(
    original: float, acquired_on: dt.date, at: dt.date, life_years: float, method: str, residual_rate: float = 0.0
) -> float:
    """One asset's net book value at ``at``."""
    months = months_charged(acquired_on, at)
    return float(net_values([original], [months], [life_years], [method], [residual_rate])[0])


__all__ = ["DEFAULT_METHOD", "METHODS", "accumulated_share", "months_charged", "net_value", "net_values"]
