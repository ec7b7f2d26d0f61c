"""How a KPI tile is judged by an alert rule (data.kpi_status): the figure the rule forms for the
tile's period, levels in the indicator's unit, and the judgement without a rule where none applies."""

from __future__ import annotations

import datetime as dt

import pytest

from data.alerts.indicators import INDICATORS
from data.kpi_status import FRACTION_METRICS, KpiRule, kpi_status, rule_figure

NAN = float("nan")


def rule(metric="asset.idle_rate", comparison="above", warning=0.30, critical=0.50, window="latest", **kw):
    return KpiRule(metric, comparison, warning, critical, window, **kw)


def row(value, *, period="now", unit="%", reference=NAN, kind="", as_of=dt.date(2026, 11, 24)):
    return {
        "value": value,
        "reference": reference,
        "reference_kind": kind,
        "period": period,
        "unit": unit,
        "as_of": as_of,
    }


def test_fraction_metrics_are_the_ratio_indicators():
    ratios = {m for m, i in INDICATORS.items() if i.family in ("state_ratio", "night_share")}
    assert set(FRACTION_METRICS) == ratios


@pytest.mark.parametrize(("value", "expected"), [(10.0, "good"), (30.0, "good"), (40.0, "warn"), (60.0, "bad")])
def test_a_tile_in_percent_is_judged_by_a_rule_in_fractions(value, expected):
    r = rule()
    assert rule_figure(r, row(value)) == pytest.approx(value / 100)
    assert kpi_status(value, NAN, "", "up", rule=r, row=row(value)) == expected


def test_below_rule_and_missing_value():
    r = rule("housing.occupancy_rate", "below", 0.60, 0.40)
    assert kpi_status(70.0, NAN, "", "down", rule=r, row=row(70.0)) == "good"
    assert kpi_status(50.0, NAN, "", "down", rule=r, row=row(50.0)) == "warn"
    assert kpi_status(30.0, NAN, "", "down", rule=r, row=row(30.0)) == "bad"
    assert kpi_status(NAN, NAN, "", "down", rule=r, row=row(NAN)) == "none"


def test_change_rule_uses_the_tiles_year_earlier_reference():
    r = rule("energy.electricity_kwh", "change_pct", 20.0, 50.0, "mtd")
    tile = row(130.0, period="mtd", unit="kWh", reference=100.0, kind="yoy")
    assert rule_figure(r, tile) == pytest.approx(30.0)
    assert kpi_status(130.0, 100.0, "yoy", "up", rule=r, row=tile) == "warn"
    # Without the rule the same tile is judged by the written yoy bands: +30 % is bad.
    assert kpi_status(130.0, 100.0, "yoy", "up") == "bad"


def test_ytd_pace_rule_projects_the_year_against_the_quota():
    r = rule("energy.kgce_per_m2", "above", 100.0, 110.0, "ytd_pace")
    as_of = dt.date(2026, 6, 30)  # 181 of 365 days
    tile = row(9.0, period="ytd", unit="kgce/m²", reference=16.0, kind="quota", as_of=as_of)
    assert rule_figure(r, tile) == pytest.approx(9.0 * 365 / 181 * 100 / 16.0)
    assert kpi_status(9.0, 16.0, "quota", "up", rule=r, row=tile) == "bad"  # 113 % of the quota


def test_tce_tile_is_compared_in_kgce():
    r = rule("energy.total_kgce", "above", 5000.0, None, "mtd")
    assert kpi_status(6.0, NAN, "", "up", rule=r, row=row(6.0, period="mtd", unit="tce")) == "warn"
    assert kpi_status(4.0, NAN, "", "up", rule=r, row=row(4.0, period="mtd", unit="tce")) == "good"


@pytest.mark.parametrize(
    ("r", "tile"),
    [
        (rule(window="last_days:7"), row(40.0)),  # another window than the tile's period
        (rule(window="mtd"), row(40.0)),
        (rule("energy.electricity_kwh", "change_pct", 20.0, 50.0, "mtd"), row(130.0, period="mtd", unit="kWh")),
        (
            rule("energy.electricity_kwh", "change_prev", 20.0, 50.0, "mtd"),
            row(130.0, period="mtd", reference=100.0, kind="yoy"),
        ),
        (
            rule("energy.kgce_per_m2", "above", 100.0, 110.0, "ytd_pace"),
            row(9.0, period="ytd", reference=18.0, kind="baseline"),
        ),
    ],
)
def test_a_rule_that_cannot_form_the_tiles_figure_leaves_the_written_judgement(r, tile):
    assert rule_figure(r, tile) is None
    expected = kpi_status(tile["value"], tile["reference"], tile["reference_kind"], "up")
    assert kpi_status(tile["value"], tile["reference"], tile["reference_kind"], "up", rule=r, row=tile) == expected


def test_scope_of_a_rule():
    r = rule(scope_prefix="/1/2/", org_levels=("agency",))
    assert r.covers("/1/2/7/", "agency")
    assert not r.covers("/1/2/7/", "county")
    assert not r.covers("/1/3/", "agency")
    assert rule().covers("/1/", "province")
