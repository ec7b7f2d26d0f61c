"""Housing figures: office area per person of each unit, within and over the standard."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from data.catalog import get_metric
from presentation.format import unit_label
from presentation.i18n import t
from presentation.theme import palette

from .common import axis, base_layout, make_empty_figure


def make_office_area_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """Horizontal stacked bars of usable office area per person, one per unit, split into the
    part within the per-rank standard and the part over it; the largest on top.

    Args:
        df: ``fetch_office_area_by_child`` output: ``org_id``, ``name_zh``, ``name_en``,
            ``area_per_person``, ``within_standard_per_person``, ``over_standard_per_person`` ….
        lang: ``zh`` or ``en``.
        theme: ``light`` or ``dark``.
        font_size: the base font size (``presentation.theme.chart_font_size``); the theme's default when None.

    Returns:
        The figure; the "暂无数据" figure when ``df`` has no rows.
    """
    if df is None or df.empty:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    ordered = df.sort_values("area_per_person", ascending=True, kind="stable")
    names = ordered["name_zh" if lang == "zh" else "name_en"].tolist()
    unit = unit_label(get_metric("housing.area_per_person").unit, lang)
    traces = []
    for column, key, color in (
        ("within_standard_per_person", "series.within_standard", "primary"),
        ("over_standard_per_person", "series.over_standard", "bad"),
    ):
        label = t(key, lang)
        traces.append(
            go.Bar(
                y=names,
                x=ordered[column].tolist(),
                name=label,
                orientation="h",
                marker={"color": colors[color]},
                hovertemplate=f"%{{y}}<br>{label}: %{{x:,.2f}} {unit}<extra></extra>",
            )
        )
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        barmode="stack",
        bargap=0.3 if len(ordered) > 4 else 0.6,  # a few units should not become slabs
        legend={**layout["legend"], "traceorder": "normal"},  # stacked bars reverse it otherwise
        xaxis=axis(theme, lang, title={"text": unit}, rangemode="tozero"),
        yaxis=axis(theme, lang, showgrid=False, type="category"),
    )
    return go.Figure(data=traces, layout=layout)
