"""The housing page's rank figure as data: area per person by rank against the limit, over the
limit in the "bad" colour, both languages and themes, the empty figure without occupants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from presentation.figures.housing_panels import make_office_rank_figure
from presentation.theme import palette

RANKS = pd.DataFrame(
    {
        "admin_level": ["city", "city", "city"],
        "rank_code": ["bureau_head", "below_bureau", "advisor"],
        "rank_zh": ["局级正职", "局级以下", "advisor"],
        "rank_en": ["Bureau head", "Below bureau level", "advisor"],
        "sort_order": [3, 5, None],
        "occupants": [2.0, 3.0, 1.0],
        "area_m2": [40.0, 50.0, 25.0],
        "area_per_person": [20.0, 50 / 3, 25.0],
        "limit_m2": [24.0, 9.0, np.nan],
        "allowed_m2": [48.0, 27.0, np.nan],
        "over_m2": [6.0, 22.0, 0.0],
        "over_occupants": [1.0, 2.0, 0.0],
    }
)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_rank_figure_marks_ranks_over_their_limit(lang, theme):
    figure = go.Figure(make_office_rank_figure(RANKS, lang=lang, theme=theme, font_size=18).to_dict())
    bars, limits = figure.data
    assert list(bars.y) == (
        ["局级正职", "局级以下", "advisor"] if lang == "zh" else ["Bureau head", "Below bureau level", "advisor"]
    )
    colors = palette(theme)
    # 20 m² within 24; 16.7 m² over 9; no standard: never over
    assert list(bars.marker.color) == [colors["primary"], colors["bad"], colors["primary"]]
    assert list(limits.x) == [24.0, 9.0, None]
    assert figure.layout.font.size == 18


def test_rank_figure_names_the_level_when_several_are_shown():
    mixed = RANKS.assign(admin_level=["province", "city", "city"])
    labels = list(make_office_rank_figure(mixed, lang="zh", theme="light").data[0].y)
    assert labels[0] == "省级 · 局级正职" and labels[1] == "市级 · 局级以下"


def test_rank_figure_without_occupants_is_the_empty_figure():
    figure = make_office_rank_figure(RANKS.iloc[0:0], lang="en", theme="light")
    assert not figure.data and figure.layout.annotations
