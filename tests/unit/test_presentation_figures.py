"""Figure builders as data: a three-row frame in, the traces and layout out; empty frames give
the "暂无数据" figure; builders share no mutable state between calls."""

from __future__ import annotations

import pandas as pd
import plotly.io as pio
import pytest

from presentation.figures import make_message_figure, make_office_area_figure


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


def test_office_area_within_and_over_standard_largest_on_top():
    fig = make_office_area_figure(housing_frame(), lang="zh", theme="light")
    within, over = fig.data
    assert (within.name, over.name) == ("标准内面积", "超标面积")
    assert list(within.y) == ["乙县", "甲市发改委", "丙局"]  # ascending: the largest is drawn on top
    assert list(over.x) == [0.26, 0.20, 0.0]
    assert fig.layout.xaxis.title.text == "m²/人"


@pytest.mark.parametrize(("lang", "text"), [("zh", "暂无数据"), ("en", "No data")])
def test_empty_frame_gives_the_no_data_figure(lang, text):
    fig = make_office_area_figure(pd.DataFrame(), lang=lang, theme="light")
    assert fig.data == ()
    assert fig.layout.annotations[0].text == text
    assert fig.layout.meta == {"aocc_state": "empty"}


def test_message_figure():
    fig = make_message_figure("数据暂不可用", theme="dark")
    assert fig.layout.annotations[0].text == "数据暂不可用"
    assert fig.layout.xaxis.visible is False


def test_builders_share_no_mutable_state():
    default_template = pio.templates.default
    first = make_office_area_figure(housing_frame(), lang="zh", theme="light")
    snapshot = first.to_json()
    first.update_layout(xaxis={"range": [0, 5]}, title="zoomed by one user")
    second = make_office_area_figure(housing_frame(), lang="zh", theme="light")
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
        "from presentation.figures import make_message_figure, make_office_area_figure\n"
        "from presentation.format import format_quantity, format_time\n"
        "from presentation.i18n import t\n"
        "frame = pd.DataFrame({'org_id': [3], 'name_zh': ['乙县'], 'name_en': ['County B'], 'area_per_person': [13.6],\n"
        "                      'within_standard_per_person': [13.34], 'over_standard_per_person': [0.26]})\n"
        "make_office_area_figure(frame, lang='zh', theme='dark').to_dict()\n"
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
    from presentation.theme import FONT_SIZES, chart_font_size

    assert chart_font_size("dark", 1920) == 18 and chart_font_size("dark", 3840) == 36
    assert chart_font_size("dark", 6656) == 40 and chart_font_size("dark", 800) == 16
    assert chart_font_size("dark", None) == FONT_SIZES["dark"]
    assert chart_font_size("light", 3840) == FONT_SIZES["light"]
    wall = make_office_area_figure(housing_frame(), lang="zh", theme="dark", font_size=chart_font_size("dark", 3840))
    assert wall.layout.font.size == 36 and wall.layout.legend.font.size == 36
    assert make_office_area_figure(housing_frame(), lang="zh", theme="dark").layout.font.size == FONT_SIZES["dark"]
    message = make_message_figure("暂无数据", theme="dark", font_size=36)
    assert message.layout.annotations[0].font.size == 40
