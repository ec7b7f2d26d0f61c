"""The energy page's own figures as data: the mix donut, the hour × weekday heat map and the
intensity bullets; empty frames give the "no data" figure; the output is valid plotly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from presentation.figures.energy_panels import (
    make_energy_breakdown_figure,
    make_energy_heatmap_figure,
    make_energy_intensity_figure,
)
from presentation.theme import PALETTES

NAN = float("nan")


def breakdown_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "carrier": ["electricity", "gas", "water"],
            "metric_id": ["energy.electricity_kwh", "energy.gas_m3", "energy.water_m3"],
            "quantity": [10_000.0, 500.0, 60.0],
            "unit": ["kWh", "m³", "m³"],
            "tce": [1.229, 0.607, NAN],
            "share": [0.67, 0.33, NAN],
            "tce_compare": [1.0, 0.6, NAN],
            "change_pct": [22.9, 1.2, NAN],
        }
    )


def heatmap_frame() -> pd.DataFrame:
    values = np.zeros((7, 24))
    values[:, 9] = 10.0
    return pd.DataFrame(
        {"weekday": np.repeat(np.arange(7), 24), "hour": np.tile(np.arange(24), 7), "value": values.reshape(-1)}
    )


def intensity_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "basis": ["per_m2", "per_person", "per_heated_m2"],
            "unit": ["kgce/m²", "kgce/person", "kgce/m²"],
            "value": [13.0, 250.0, 6.0],
            "limit": [12.0, NAN, NAN],
            "benchmark": [10.0, NAN, NAN],
            "guide": [8.0, NAN, NAN],
            "plan_target": [17.556, 309.79, NAN],
        }
    )


def valid(figure: go.Figure) -> None:
    go.Figure(figure.to_dict())


def test_breakdown_donut_without_water_and_water_written_apart():
    figure = make_energy_breakdown_figure(breakdown_frame(), lang="zh", theme="light")
    valid(figure)
    (pie,) = figure.data
    assert pie.type == "pie" and list(pie.labels) == ["电力", "天然气"]
    assert list(pie.values) == pytest.approx([1.229, 0.607])
    total, water = figure.layout.annotations
    assert "吨标准煤" in total.text and total.y == 0.5  # the total in the hole
    assert "用水量" in water.text and "m³" in water.text and water.y < 0  # water under the chart


def test_heatmap_is_weekdays_by_hours():
    figure = make_energy_heatmap_figure(heatmap_frame(), lang="en", theme="dark")
    valid(figure)
    (heatmap,) = figure.data
    z = np.asarray(heatmap.z)
    assert z.shape == (7, 24) and z[0, 9] == 10.0 and z[6, 8] == 0.0
    assert list(heatmap.y) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert heatmap.x[9] == "9:00"


def test_intensity_bullets_with_tier_marks():
    figure = make_energy_intensity_figure(intensity_frame(), lang="zh", theme="light")
    valid(figure)
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert [bar.x[0] for bar in bars] == [13.0, 250.0, 6.0]
    assert bars[0].marker.color == PALETTES["light"]["bad"]  # above the limit
    assert bars[1].marker.color == PALETTES["light"]["primary"]
    marks = [(trace.name, trace.x[0]) for trace in figure.data if trace.type == "scatter"]
    assert marks == [
        ("约束值", 12.0),
        ("基准值", 10.0),
        ("引导值", 8.0),
        ("“十四五”目标", 17.556),
        ("“十四五”目标", 309.79),
    ]
    assert [trace.showlegend for trace in figure.data if trace.type == "scatter"] == [True, True, True, True, False]
    assert figure.layout.xaxis2.anchor == "y2" and figure.layout.yaxis3.anchor == "x3"


@pytest.mark.parametrize(
    ("builder", "frame"),
    [
        (make_energy_breakdown_figure, breakdown_frame),
        (make_energy_heatmap_figure, heatmap_frame),
        (make_energy_intensity_figure, intensity_frame),
    ],
)
def test_empty_frames_give_the_no_data_figure(builder, frame):
    assert builder(frame().iloc[0:0], lang="zh", theme="light").layout.meta == {"aocc_state": "empty"}
