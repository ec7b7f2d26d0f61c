"""The comparison figures as data: traces, drill targets in customdata, highlight colour, the
"no data" figure, plotly-valid output (the builders skip validation for speed), and their cost."""

from __future__ import annotations

import datetime as dt
import timeit

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from presentation.figures.compare import (
    ROWS_IN_PANEL,
    WALL_ROWS,
    make_metric_trend_figure,
    make_peer_matrix_figure,
    make_ranking_figure,
)
from presentation.theme import PALETTES

NAN = float("nan")
MONTHS = [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]


def trend_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": MONTHS,
            "value": [650_000.0, 700_000.0, 420_000.0],
            "value_prev_year": [600_000.0, NAN, 400_000.0],
            "yoy_pct": [8.333, NAN, 5.0],
            "is_partial": [False, False, True],
        }
    )


def ranking_frame(n: int = 3) -> pd.DataFrame:
    values = [100.0, 300.0, NAN, 200.0][:n] if n <= 4 else list(np.arange(n, dtype=float))
    return pd.DataFrame(
        {
            "entity_kind": "org",
            "entity_id": range(1, n + 1),
            "drill": [f"org:{i}" for i in range(1, n + 1)],
            "name_zh": [f"单位{i}" for i in range(1, n + 1)],
            "name_en": [f"Unit {i}" for i in range(1, n + 1)],
            "value": values,
            "value_compare": [90.0] * n,
            "change_pct": [11.1] * n,
            "rank": range(1, n + 1),
            "is_current": [i == 1 for i in range(n)],
        }
    )


def matrix_frame(units: int = 2, months: int = 3) -> pd.DataFrame:
    month_list = [dt.date(2026, m, 1) for m in range(1, months + 1)]
    return pd.DataFrame(
        {
            "entity_kind": "org",
            "entity_id": np.repeat(np.arange(1, units + 1), months),
            "drill": np.repeat([f"org:{i}" for i in range(1, units + 1)], months),
            "name_zh": np.repeat([f"单位{i}" for i in range(1, units + 1)], months),
            "name_en": np.repeat([f"Unit {i}" for i in range(1, units + 1)], months),
            "month": month_list * units,
            "value": np.arange(units * months, dtype=float) * 1000.0,
        }
    )


def valid(figure: go.Figure) -> dict:
    """The figure as plotly would validate it (raises on a misspelt property)."""
    return go.Figure(figure.to_dict()).to_plotly_json()


def test_trend_bars_line_and_labels():
    figure = make_metric_trend_figure(
        trend_frame(), lang="zh", theme="light", metric_id="energy.electricity_kwh", unit="kWh"
    )
    valid(figure)
    bar, line = figure.data
    assert bar.type == "bar" and line.type == "scatter" and line.line.dash == "dash"
    assert list(bar.y) == pytest.approx([65.0, 70.0, 42.0])  # 万kWh
    assert figure.layout.yaxis.title.text == "万kWh"
    assert list(bar.text) == ["▲8.3%", "", "▲5.0%"]
    assert list(bar.marker.opacity) == [1.0, 1.0, 0.55]
    assert bar.textfont.color[0] == PALETTES["light"]["bad"]  # more electricity is worse


def test_trend_of_a_rate_is_not_scaled_and_good_direction_is_green():
    frame = trend_frame().assign(
        value=[40.0, 42.0, 50.0], value_prev_year=[30.0, NAN, 60.0], yoy_pct=[33.3, NAN, -16.7]
    )
    figure = make_metric_trend_figure(frame, lang="zh", theme="dark", metric_id="vehicle.nev_share", unit="%")
    assert list(figure.data[0].y) == [40.0, 42.0, 50.0] and figure.layout.yaxis.title.text == "%"
    assert figure.data[0].textfont.color[0] == PALETTES["dark"]["good"]  # more new-energy vehicles is better


def test_ranking_bars_sorted_with_drill_targets_and_highlight():
    figure = make_ranking_figure(ranking_frame(4), lang="en", theme="light", unit="kWh", highlight="org:4")
    valid(figure)
    (bar,) = figure.data
    assert bar.orientation == "h"
    assert [row[0] for row in bar.customdata] == ["org:2", "org:4", "org:1", "org:3"]  # largest first, no value last
    assert list(figure.layout.yaxis.ticktext) == ["Unit 2", "Unit 4", "Unit 1", "Unit 3"]
    accent, primary = PALETTES["light"]["accent"], PALETTES["light"]["primary"]
    # Unit 2 is_current, unit 4 highlighted.
    assert list(bar.marker.color) == [accent, accent, primary, primary]
    assert figure.layout.height is None


def test_ranking_grows_with_many_units():
    figure = make_ranking_figure(ranking_frame(59), lang="zh", theme="light", unit="kWh", font_size=18)
    assert figure.layout.height > 59 * 18
    assert len(figure.data[0].x) == 59


def test_the_wall_ranks_its_largest_ten_and_keeps_the_unit_in_question():
    frame = ranking_frame(59)
    last = frame.sort_values("value")["drill"].iloc[0]
    figure = make_ranking_figure(frame, lang="zh", theme="dark", unit="kWh", font_size=36, highlight=last)
    (bar,) = figure.data
    assert len(bar.x) == WALL_ROWS + 2 and last in list(bar.y)  # the current unit and the highlighted one stay
    assert figure.layout.height is None  # a wall panel neither grows nor scrolls
    assert bar.textfont.size == 36 and bar.constraintext == "none"


def test_peer_matrix_cells_carry_drill_targets():
    figure = make_peer_matrix_figure(matrix_frame(), lang="zh", theme="light", unit="kWh")
    valid(figure)
    (heatmap,) = figure.data
    assert heatmap.type == "heatmap"
    assert np.asarray(heatmap.z).shape == (2, 3)
    assert np.asarray(heatmap.customdata).tolist() == [["org:1"] * 3, ["org:2"] * 3]
    assert list(figure.layout.yaxis.ticktext) == ["单位1", "单位2"]
    assert heatmap.texttemplate  # few rows: values written in the cells


def test_peer_matrix_of_59_units_and_a_shuffled_frame():
    wall = make_peer_matrix_figure(matrix_frame(59, 12), lang="en", theme="dark", unit="kWh", font_size=36)
    assert np.asarray(wall.data[0].z).shape == (WALL_ROWS, 12) and wall.layout.height is None
    figure = make_peer_matrix_figure(matrix_frame(59, 12), lang="en", theme="light", unit="kWh", font_size=18)
    assert np.asarray(figure.data[0].z).shape == (59, 12)
    assert figure.data[0].texttemplate is None and figure.layout.height > 59 * 18
    shuffled = matrix_frame().sample(frac=1.0, random_state=3)
    heatmap = make_peer_matrix_figure(shuffled, lang="en", theme="light", unit="kWh").data[0]
    rows = {drills[0]: z for drills, z in zip(np.asarray(heatmap.customdata).tolist(), np.asarray(heatmap.z).tolist())}
    assert rows == {"org:1": [0.0, 1000.0, 2000.0], "org:2": [3000.0, 4000.0, 5000.0]}


@pytest.mark.parametrize("builder", [make_metric_trend_figure, make_ranking_figure, make_peer_matrix_figure])
def test_empty_frames_give_the_no_data_figure(builder):
    frames = {
        make_metric_trend_figure: trend_frame(),
        make_ranking_figure: ranking_frame(),
        make_peer_matrix_figure: matrix_frame(),
    }
    empty = frames[builder].iloc[0:0]
    assert builder(empty, lang="zh", theme="light").layout.meta == {"aocc_state": "empty"}
    no_values = frames[builder].assign(value=NAN)
    if builder is make_metric_trend_figure:
        no_values = no_values.assign(value_prev_year=NAN)
    assert builder(no_values, lang="en", theme="dark").layout.meta == {"aocc_state": "empty"}


def test_builders_share_no_state():
    first = make_ranking_figure(ranking_frame(), lang="zh", theme="light", unit="kWh")
    first.layout.xaxis.title.text = "changed"
    second = make_ranking_figure(ranking_frame(), lang="zh", theme="light", unit="kWh")
    assert second.layout.xaxis.title.text == "kWh"


def test_builders_are_cheap_on_59_units():
    """A loose bound (the measured cost is about 1-2 ms each on this machine): a builder that
    started validating or looping per point would take several times that."""
    matrix, ranking = matrix_frame(59, 12), ranking_frame(59)
    for build in (
        lambda: make_peer_matrix_figure(matrix, lang="zh", theme="dark", unit="kWh"),
        lambda: make_ranking_figure(ranking, lang="zh", theme="dark", unit="kWh"),
    ):
        build()
        assert min(timeit.repeat(build, number=5, repeat=5)) / 5 < 0.015
