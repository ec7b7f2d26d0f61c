"""``project_year_end`` with known answers: on track, at risk, exceeding the limit in October by
12 %, a node without a quota, the rest of a partial month, the pace where no expectation is given."""

from __future__ import annotations

import datetime as dt

import pytest

from data.queries.energy_projection import PROJECTION_COLUMNS, project_year_end, projection_frame, projection_summary

D = dt.date
TIERS = {"limit": 1000.0, "benchmark": 900.0, "guide": 800.0}
# A year of 1 120 kgce: a heating winter, a mild summer, a heavy October.
YEAR = [120, 120, 120, 80, 80, 80, 80, 80, 80, 170, 50, 60]


def months(values, first=1):
    return {D(2026, first + i, 1): float(v) for i, v in enumerate(values)}


def split(values, as_of_month):
    """(actual, expected) of ``values`` with the months up to ``as_of_month`` (its end) used."""
    return months(values[:as_of_month]), months(values[as_of_month:], as_of_month + 1)


def test_will_exceed_its_limit_in_october_by_12_percent():
    actual, expected = split(YEAR, 6)
    p = project_year_end(2026, D(2026, 6, 30), actual, expected, TIERS)
    assert p.projected_total == pytest.approx(1120.0)
    assert p.status == "will_exceed"
    assert p.exceed_month == D(2026, 10, 1)  # 840 by September, 1 010 by October
    assert p.exceed_pct == pytest.approx(0.12)
    assert [m.cumulative for m in p.months][8:10] == pytest.approx([840.0, 1010.0])
    assert [m.is_projected for m in p.months] == [False] * 6 + [True] * 6
    assert [m.actual for m in p.months][5:7] == [80.0, None] and [m.expected for m in p.months][5:7] == [None, 80.0]


def test_at_risk_between_the_benchmark_and_the_limit():
    values = [v * 950 / 1120 for v in YEAR]
    actual, expected = split(values, 6)
    p = project_year_end(2026, D(2026, 6, 30), actual, expected, TIERS)
    assert p.projected_total == pytest.approx(950.0)
    assert p.status == "at_risk"
    assert p.exceed_month is None
    assert p.exceed_pct == pytest.approx(-0.05)


def test_on_track_at_or_under_the_benchmark():
    values = [75.0] * 12  # 900: exactly the benchmark
    actual, expected = split(values, 3)
    p = project_year_end(2026, D(2026, 3, 31), actual, expected, TIERS)
    assert p.projected_total == pytest.approx(900.0)
    assert (p.status, p.exceed_month) == ("on_track", None)
    assert p.exceed_pct == pytest.approx(-0.10)


def test_a_node_without_a_quota_is_projected_but_not_judged():
    actual, expected = split(YEAR, 6)
    for tiers in (None, {}, {"limit": None, "benchmark": None, "guide": None}):
        p = project_year_end(2026, D(2026, 6, 30), actual, expected, tiers)
        assert p.projected_total == pytest.approx(1120.0)
        assert (p.status, p.exceed_month, p.exceed_pct, p.limit) == ("no_quota", None, None, None)
    summary = projection_summary(p)
    assert summary["status"] == "no_quota" and summary["limit_kgce"] is None
    frame = projection_frame(p)
    assert list(frame.columns) == PROJECTION_COLUMNS and len(frame) == 12
    assert frame["limit_kgce"].isna().all()


def test_the_as_of_month_is_its_days_so_far_plus_the_rest_expected():
    # 15 June: 40 used, 45 expected of the rest of June; 300 used before.
    actual = {**months([60, 60, 60, 60, 60]), D(2026, 6, 1): 40.0}
    expected = {D(2026, 6, 1): 45.0, **months([90] * 6, 7)}
    p = project_year_end(2026, D(2026, 6, 15), actual, expected, {"limit": 900.0, "benchmark": 850.0, "guide": 700.0})
    june = p.months[5]
    assert (june.actual, june.expected, june.value, june.is_projected) == (40.0, 45.0, 85.0, True)
    assert p.projected_total == pytest.approx(300 + 85 + 540)
    assert p.status == "will_exceed" and p.exceed_month == D(2026, 12, 1)
    assert p.exceed_pct == pytest.approx(25 / 900)


def test_months_without_an_expectation_follow_the_year_to_date_pace():
    # 31 January, 310 kgce: 10 kgce a day; no expectation at all (no data for last year).
    p = project_year_end(2026, D(2026, 1, 31), {D(2026, 1, 1): 310.0}, {}, TIERS)
    assert p.months[1].expected == pytest.approx(280.0)  # February 2026: 28 days
    assert p.projected_total == pytest.approx(3650.0)
    assert p.status == "will_exceed" and p.exceed_month == D(2026, 4, 1)  # 310+280+310 = 900, +300 in April
    assert p.exceed_pct == pytest.approx(2.65)


def test_a_past_year_is_all_actual():
    p = project_year_end(2025, D(2026, 3, 1), {D(2025, m, 1): 80.0 for m in range(1, 13)}, {}, TIERS)
    assert p.projected_total == pytest.approx(960.0) and p.status == "at_risk"
    assert not any(m.is_projected for m in p.months)
    assert projection_summary(None)["status"] == "no_data"
