"""The generic comparisons (trend, ranking, peer position, peer matrix) on a tiny province with
round numbers, on SQLite and PostgreSQL; expected figures worked out from compare_world's constants."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from compare_world import ELECTRICITY, FUEL_PER_DAY, GAS_PER_DAY, world  # noqa: F401  (fixture)

from data.db import get_engine
from data.queries.compare import (
    MATRIX_COLUMNS,
    RANKING_COLUMNS,
    TREND_COLUMNS,
    fetch_child_ranking,
    fetch_metric_trend,
    fetch_peer_matrix,
    fetch_peer_position,
)
from data.reference import ENERGY_COEFFICIENTS

D = dt.date
COEF = {code: value for code, value, *_ in ENERGY_COEFFICIENTS}


def _run(world, fn, view, *args, **kwargs):
    with get_engine(world.url).connect() as conn:
        return fn(conn, view, *args, **kwargs)


def test_trend_compares_the_partial_month_like_with_like(world):
    trend = _run(world, fetch_metric_trend, world.view(4), ELECTRICITY)
    assert list(trend.columns) == TREND_COLUMNS
    assert len(trend) == 12
    assert trend["month"].tolist()[0] == D(2025, 4, 1) and trend["month"].tolist()[-1] == D(2026, 3, 1)
    last = trend.iloc[-1]
    assert bool(last["is_partial"]) and not trend["is_partial"].iloc[:-1].any()
    assert last["value"] == pytest.approx(300 * 15) and last["value_prev_year"] == pytest.approx(230 * 15)
    assert last["yoy_pct"] == pytest.approx((4500 - 3450) / 3450 * 100)
    february = trend.iloc[-2]
    assert february["value"] == pytest.approx(300 * 28) and february["value_prev_year"] == pytest.approx(230 * 28)
    # April 2025's year-earlier month lies before the data: no comparison, not a short one.
    first = trend.iloc[0]
    assert first["value"] == pytest.approx(230 * 30) and math.isnan(first["value_prev_year"])
    assert math.isnan(first["yoy_pct"])


def test_trend_of_a_derived_metric_and_of_a_building(world):
    trend = _run(world, fetch_metric_trend, world.view(4), "energy.total_kgce")
    fixed = 15 * (GAS_PER_DAY * COEF["gas_kgce_per_m3"] + FUEL_PER_DAY * COEF["petrol_kgce_per_l"])
    assert trend.iloc[-1]["value"] == pytest.approx(4500 * COEF["electricity_kgce_per_kwh"] + fixed)
    assert trend.iloc[-1]["value_prev_year"] == pytest.approx(3450 * COEF["electricity_kgce_per_kwh"] + fixed)
    share = _run(world, fetch_metric_trend, world.view(4), "energy.night_share")
    assert share.iloc[-1]["value"] == pytest.approx(20.0)
    building = _run(world, fetch_metric_trend, world.view(building_id=10), ELECTRICITY)
    assert building.iloc[-1][["value", "value_prev_year"]].tolist() == pytest.approx([1500.0, 1200.0])


def test_trend_without_data_is_empty(world):
    for view, metric in ((world.view(3), ELECTRICITY), (world.view(4), "vehicle.fleet")):
        trend = _run(world, fetch_metric_trend, view, metric)
        assert trend.empty and list(trend.columns) == TREND_COLUMNS


def test_ranking_of_child_nodes(world):
    ranking = _run(world, fetch_child_ranking, world.view(), ELECTRICITY)
    assert list(ranking.columns) == RANKING_COLUMNS
    assert ranking["drill"].tolist() == ["org:2", "org:3"]
    top = ranking.iloc[0]
    assert top["value"] == pytest.approx(350 * 15) and top["value_compare"] == pytest.approx(280 * 15)
    assert top["change_pct"] == pytest.approx(25.0) and top["rank"] == 1
    assert math.isnan(ranking.iloc[1]["value"]) and ranking["rank"].isna().iloc[1]
    assert not ranking["is_current"].any()


def test_ranking_of_an_agency_lists_its_buildings(world):
    ranking = _run(world, fetch_child_ranking, world.view(4), ELECTRICITY)
    assert ranking["drill"].tolist() == ["building:11", "building:10"]
    assert ranking["value"].tolist() == pytest.approx([3000.0, 1500.0])
    assert ranking["rank"].tolist() == [1, 2]
    assert _run(world, fetch_child_ranking, world.view(4), ELECTRICITY, leaf=None).empty
    current = _run(world, fetch_child_ranking, world.view(building_id=10), ELECTRICITY)
    assert current.set_index("drill")["is_current"].to_dict() == {"building:11": False, "building:10": True}


def test_ranking_against_the_previous_period(world):
    ranking = _run(world, fetch_child_ranking, world.view(compare="prev"), ELECTRICITY)
    assert ranking.iloc[0]["value_compare"] == pytest.approx(350 * 15)  # 1-15 February
    assert ranking.iloc[0]["change_pct"] == pytest.approx(0.0)


def test_peer_position(world):
    assert _run(world, fetch_peer_position, world.view(4), ELECTRICITY) == {"rank": 1, "count": 2, "value": 4500.0}
    assert _run(world, fetch_peer_position, world.view(5), ELECTRICITY)["rank"] == 2
    assert _run(world, fetch_peer_position, world.view(), ELECTRICITY) is None
    # The scope's own root has no visible siblings.
    assert _run(world, fetch_peer_position, world.view(2, root=2), ELECTRICITY) is None
    assert _run(world, fetch_peer_position, world.view(building_id=12), ELECTRICITY) == {
        "rank": 1,
        "count": 1,
        "value": 750.0,
    }


def test_peer_matrix(world):
    matrix = _run(world, fetch_peer_matrix, world.view(2), ELECTRICITY)
    assert list(matrix.columns) == MATRIX_COLUMNS
    assert len(matrix) == 2 * 12
    assert matrix["drill"].unique().tolist() == ["org:4", "org:5"]
    cells = matrix.set_index(["entity_id", "month"])["value"]
    assert cells[(4, D(2026, 3, 1))] == pytest.approx(300 * 15)
    assert cells[(4, D(2025, 4, 1))] == pytest.approx(230 * 30)
    assert cells[(5, D(2025, 12, 1))] == pytest.approx(50 * 31)
    assert matrix.iloc[0][["name_zh", "name_en"]].tolist() == ["甲市财政局", "City A Finance"]


def test_peer_matrix_keeps_units_without_data_and_lists_leaves(world):
    root = _run(world, fetch_peer_matrix, world.view(), ELECTRICITY)
    assert len(root) == 24 and root[root["entity_id"] == 3]["value"].isna().all()
    agency = _run(world, fetch_peer_matrix, world.view(4), "energy.total_kgce", months=3)
    assert agency["drill"].unique().tolist() == ["building:10", "building:11"]
    assert agency["month"].tolist()[:3] == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    b11 = agency[agency["entity_id"] == 11]["value"].tolist()
    assert b11 == pytest.approx([200 * d * COEF["electricity_kgce_per_kwh"] for d in (31, 28, 15)])
    assert _run(world, fetch_peer_matrix, world.view(3), ELECTRICITY).empty
