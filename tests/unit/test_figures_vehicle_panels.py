"""The vehicle page's figures as data: fleet against quota by class, a vehicle's daily figures."""

from __future__ import annotations

import datetime as dt
import timeit

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from presentation.figures.vehicle_panels import class_label, make_fleet_class_figure, make_vehicle_daily_figure

FLEET = pd.DataFrame(
    {
        "vehicle_class": ["confidential", "law_enforcement", "general"],
        "fleet": [1, 4, 3],
        "quota": [2, 4, 0],
        "nev": [1, 1, 0],
        "nev_share": [1.0, 0.25, 0.0],
        "over_quota": [-1, 0, 3],
    }
)
DAYS = [dt.date(2026, 10, d) for d in range(1, 6)]
DAILY = pd.DataFrame(
    {
        "day": DAYS,
        "km": [0.0, 30.0, 50.0, 0.0, 12.5],
        "trips": [0.0, 1.0, 2.0, 0.0, 1.0],
        "fuel_l": [0.0, 0.0, 40.0, 0.0, 0.0],
        "charge_kwh": [0.0] * 5,
        "energy_cost_yuan": [0.0, 0.0, 320.0, 0.0, 0.0],
    }
)


def _valid(figure: go.Figure) -> go.Figure:
    return go.Figure(figure.to_dict())  # plotly validates what the builder skipped


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fleet_class_figure(lang):
    figure = _valid(make_fleet_class_figure(FLEET, lang=lang, theme="light"))
    fleet, quota, share = figure.data
    assert list(fleet.x) == [class_label(c, lang) for c in FLEET["vehicle_class"]]
    assert list(fleet.x)[0] == ("机要通信" if lang == "zh" else "Confidential communication")
    assert list(fleet.y) == [1, 4, 3] and list(quota.y) == [2, 4, 0]
    colors = list(fleet.marker.color)
    assert colors[2] != colors[0] == colors[1]  # over quota in the "bad" colour
    assert list(share.y) == [100.0, 25.0, 0.0] and share.yaxis == "y2"


def test_fleet_class_figure_unknown_class_and_no_share():
    frame = FLEET.head(1).assign(vehicle_class="mystery", fleet=0, nev=0, nev_share=np.nan)
    figure = _valid(make_fleet_class_figure(frame, lang="en", theme="dark"))
    assert list(figure.data[0].x) == ["mystery"] and list(figure.data[2].y) == [None]


def test_fleet_class_figure_empty():
    for frame in (FLEET.head(0), FLEET.assign(fleet=0, quota=0)):
        assert make_fleet_class_figure(frame, lang="zh", theme="light").layout.meta["aocc_state"] == "empty"


def test_vehicle_daily_figure_fuel_and_charge():
    figure = _valid(make_vehicle_daily_figure(DAILY, lang="zh", theme="light"))
    km, fuel = figure.data
    assert list(km.x) == [d.isoformat() for d in DAYS] and list(km.y) == [0.0, 30.0, 50.0, 0.0, 12.5]
    assert [None if v != v else v for v in fuel.y] == [None, None, 40.0, None, None] and fuel.name == "加油量"
    charged = DAILY.assign(charge_kwh=DAILY["fuel_l"], fuel_l=0.0)
    figure = _valid(make_vehicle_daily_figure(charged, lang="en", theme="dark"))
    assert figure.data[1].name == "Charging" and figure.layout.yaxis2.title.text == "kWh"
    assert make_vehicle_daily_figure(DAILY.assign(km=0.0, fuel_l=0.0), lang="zh").layout.meta["aocc_state"] == "empty"


def test_builders_are_cheap():
    """Each builder well under the callback budget (≲ 2 ms; measured with a margin for a busy machine)."""
    for build, frame in ((make_fleet_class_figure, FLEET), (make_vehicle_daily_figure, DAILY)):
        best = min(timeit.repeat(lambda b=build, f=frame: b(f, lang="zh", theme="light"), number=20, repeat=5)) / 20
        assert best < 0.01, (build.__name__, best)
