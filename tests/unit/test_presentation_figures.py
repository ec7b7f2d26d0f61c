"""Figure builders as data: a three-row frame in, the traces and layout out; empty frames give
the "暂无数据" figure; builders share no mutable state between calls."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from presentation.figures import (
    make_asset_status_figure,
    make_energy_trend_figure,
    make_message_figure,
    make_office_area_figure,
    make_vehicle_trend_figure,
)
from presentation.theme import PALETTES

NAN = float("nan")
MONTHS = [dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)]


def energy_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": MONTHS,
            "electricity_kwh": [650_000.0, 700_000.0, 420_000.0],
            "electricity_kwh_prev_year": [600_000.0, NAN, 400_000.0],
            "yoy_pct": [8.333, NAN, 5.0],
            "is_partial": [False, False, True],
        }
    )


def vehicle_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": MONTHS,
            "trips": [450.0, 470.0, 300.0],
            "km": [14_000.0, 15_500.0, 9_900.0],
            "is_partial": [False, False, True],
        }
    )


def asset_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "org_id": [3, 8, 9],
            "name_zh": ["乙县", "甲市发改委", "丙局"],
            "name_en": ["County B", "City A Dev", "Bureau C"],
            "total": [2376.0, 1271.0, 10.0],
            "in_use": [2264.0, 1201.0, 10.0],
            "idle": [67.0, 47.0, 0.0],
            "warehouse": [45.0, 23.0, 0.0],
        }
    )


def housing_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "org_id": [3, 8, 9],
            "name_zh": ["乙县", "甲市发改委", "丙局"],
            "name_en": ["County B", "City A Dev", "Bureau C"],
            "office_area_m2": [4747.0, 2763.0, 900.0],
            "occupants": [349.0, 201.0, 50.0],
            "over_standard_area_m2": [92.0, 41.0, 0.0],
            "area_per_person": [13.6, 13.75, 18.0],
            "within_standard_per_person": [13.34, 13.54, 18.0],
            "over_standard_per_person": [0.26, 0.20, 0.0],
        }
    )


def test_energy_trend_bars_labelled_with_the_change_and_last_year_as_a_line():
    fig = make_energy_trend_figure(energy_frame(), lang="zh", theme="light")
    cur, prev = fig.data
    assert [type(t) for t in fig.data] == [go.Bar, go.Scatter]
    assert (cur.name, prev.name) == ("本期", "上年同期")
    # Chinese axes read 万kWh rather than SI suffixes.
    assert list(cur.y) == [65.0, 70.0, 42.0]
    assert list(prev.y[::2]) == [60.0, 40.0] and math.isnan(prev.y[1])  # no comparison: a gap, not 0
    assert fig.layout.yaxis.title.text == "万kWh"
    assert fig.layout.xaxis.tickformat == "%Y年%-m月"
    # The change is written on the bars, increases in the "bad" colour.
    assert list(cur.text) == ["▲8.3%", "", "▲5.0%"]
    assert cur.textfont.color[0] == PALETTES["light"]["bad"]
    assert list(cur.marker.opacity) == [1.0, 1.0, 0.55]  # the partial month is lighter
    assert list(cur.x) == ["2026-09-01", "2026-10-01", "2026-11-01"]
    assert prev.line.dash == "dash"


def test_energy_trend_in_english_keeps_kwh():
    fig = make_energy_trend_figure(energy_frame().assign(yoy_pct=[-2.0, NAN, 5.0]), lang="en", theme="dark")
    assert [t.name for t in fig.data] == ["This year", "Same month last year"]
    assert list(fig.data[0].y) == [650_000.0, 700_000.0, 420_000.0]
    assert list(fig.data[0].text) == ["▼2.0%", "", "▲5.0%"]
    assert fig.data[0].textfont.color[0] == PALETTES["dark"]["good"]
    assert fig.layout.yaxis.title.text == "kWh"
    assert fig.data[0].marker.color == PALETTES["dark"]["primary"]
    assert fig.layout.font.color == PALETTES["dark"]["text"]


def test_vehicle_trend():
    fig = make_vehicle_trend_figure(vehicle_frame(), lang="zh", theme="light")
    trips, km = fig.data
    assert (trips.name, km.name) == ("出车次数", "行驶里程")
    assert list(trips.y) == [450.0, 470.0, 300.0]
    assert list(km.y) == pytest.approx([1.4, 1.55, 0.99])  # Chinese reads 万km
    assert fig.layout.yaxis.title.text == "出车次数 (次)"
    assert fig.layout.yaxis2.title.text == "行驶里程 (万km)"
    assert fig.layout.yaxis.exponentformat == "none"
    english = make_vehicle_trend_figure(vehicle_frame(), lang="en", theme="light")
    assert list(english.data[1].y) == [14_000.0, 15_500.0, 9_900.0]
    assert english.layout.yaxis2.title.text == "Mileage (km)"


def test_asset_status_stacks_statuses_first_unit_on_top():
    fig = make_asset_status_figure(asset_frame(), lang="en", theme="light")
    assert [t.name for t in fig.data] == ["In use or pending disposal", "Idle", "In the warehouse"]
    assert fig.layout.barmode == "stack"
    assert list(fig.data[0].y) == ["Bureau C", "City A Dev", "County B"]
    assert list(fig.data[1].x) == [0.0, 47.0, 67.0]
    assert all(t.orientation == "h" for t in fig.data)


def test_office_area_within_and_over_standard_largest_on_top():
    fig = make_office_area_figure(housing_frame(), lang="zh", theme="light")
    within, over = fig.data
    assert (within.name, over.name) == ("标准内面积", "超标面积")
    assert list(within.y) == ["乙县", "甲市发改委", "丙局"]  # ascending: the largest is drawn on top
    assert list(over.x) == [0.26, 0.20, 0.0]
    assert fig.layout.xaxis.title.text == "m²/人"


@pytest.mark.parametrize(
    "make", [make_energy_trend_figure, make_vehicle_trend_figure, make_asset_status_figure, make_office_area_figure]
)
@pytest.mark.parametrize(("lang", "text"), [("zh", "暂无数据"), ("en", "No data")])
def test_empty_frame_gives_the_no_data_figure(make, lang, text):
    fig = make(pd.DataFrame(), lang=lang, theme="light")
    assert fig.data == ()
    assert fig.layout.annotations[0].text == text
    assert fig.layout.meta == {"aocc_state": "empty"}


def test_all_missing_values_are_empty_too():
    fig = make_energy_trend_figure(energy_frame().assign(electricity_kwh=NAN, electricity_kwh_prev_year=NAN), lang="zh")
    assert fig.layout.annotations[0].text == "暂无数据"


def test_message_figure():
    fig = make_message_figure("数据暂不可用", theme="dark")
    assert fig.layout.annotations[0].text == "数据暂不可用"
    assert fig.layout.xaxis.visible is False


def test_builders_share_no_mutable_state():
    default_template = pio.templates.default
    first = make_energy_trend_figure(energy_frame(), lang="zh", theme="light")
    snapshot = first.to_json()
    first.update_layout(xaxis={"range": ["2026-01-01", "2026-02-01"]}, title="zoomed by one user")
    second = make_energy_trend_figure(energy_frame(), lang="zh", theme="light")
    assert second.to_json() == snapshot
    assert pio.templates.default == default_template


def test_figures_and_messages_draw_without_dash_or_a_database():
    """The snapshot job and the wall renderer run without Dash: building every figure must not
    import dash, flask or sqlalchemy (import-linter holds the static side of this)."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, datetime as dt, pandas as pd\n"
        "from presentation.figures import make_energy_trend_figure, make_message_figure\n"
        "from presentation.format import format_quantity, format_time\n"
        "from presentation.i18n import t\n"
        "frame = pd.DataFrame({'month': [dt.date(2026, 10, 1), dt.date(2026, 11, 1)], 'electricity_kwh': [1.0e5, 1.2e5],\n"
        "                      'electricity_kwh_prev_year': [1.1e5, 1.3e5], 'yoy_pct': [-9.1, -7.7],\n"
        "                      'is_partial': [False, True]})\n"
        "make_energy_trend_figure(frame, lang='zh', theme='dark').to_dict()\n"
        "make_message_figure(t('state.empty', 'zh'), theme='dark').to_dict()\n"
        "format_quantity(123456, 'kWh', 'zh'); format_time(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))\n"
        "loaded = sorted(m for m in ('dash', 'flask', 'sqlalchemy', 'dash_ag_grid') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_wall_charts_scale_their_text_with_the_screen():
    """The wall theme follows the page's type scale (clamp(16px, 0.95vw, 40px)): a 3840-pixel wall
    gets chart text twice the size of a 1920 one; the desk theme keeps its size."""
    from presentation.figures import make_energy_trend_figure, make_message_figure
    from presentation.theme import FONT_SIZES, chart_font_size

    assert chart_font_size("dark", 1920) == 18 and chart_font_size("dark", 3840) == 36
    assert chart_font_size("dark", 6656) == 40 and chart_font_size("dark", 800) == 16
    assert chart_font_size("dark", None) == FONT_SIZES["dark"]
    assert chart_font_size("light", 3840) == FONT_SIZES["light"]
    frame = pd.DataFrame(
        {
            "month": [dt.date(2026, 10, 1), dt.date(2026, 11, 1)],
            "electricity_kwh": [1.0e5, 1.2e5],
            "electricity_kwh_prev_year": [1.1e5, 1.3e5],
            "yoy_pct": [-9.1, -7.7],
            "is_partial": [False, True],
        }
    )
    wall = make_energy_trend_figure(frame, lang="zh", theme="dark", font_size=chart_font_size("dark", 3840))
    assert wall.layout.font.size == 36 and wall.layout.legend.font.size == 36
    assert make_energy_trend_figure(frame, lang="zh", theme="dark").layout.font.size == FONT_SIZES["dark"]
    message = make_message_figure("暂无数据", theme="dark", font_size=36)
    assert message.layout.annotations[0].font.size == 40
