"""Asset figures: each unit's assets by status."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from data.catalog import get_metric
from presentation.format import unit_label
from presentation.i18n import t
from presentation.theme import palette

from .common import axis, base_layout, make_empty_figure

STATUS_SERIES = (
    ("in_use", "series.in_use", "primary"),
    ("idle", "series.idle", "warn"),
    ("warehouse", "series.warehouse", "teal"),
)


def make_asset_status_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """Horizontal stacked bars, one per unit (first unit on top): in use, idle, in the warehouse.

    Args:
        df: ``fetch_asset_status_by_child`` output: ``org_id``, ``name_zh``, ``name_en``,
            ``total``, ``in_use``, ``idle``, ``warehouse``.
        lang: ``zh`` or ``en``.
        theme: ``light`` or ``dark``.
        font_size: the base font size (``presentation.theme.chart_font_size``); the theme's default when None.

    Returns:
        The figure; the "暂无数据" figure when ``df`` has no rows.
    """
    if df is None or df.empty:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    ordered = df.iloc[::-1]
    names = ordered["name_zh" if lang == "zh" else "name_en"].tolist()
    unit = unit_label(get_metric("asset.count").unit, lang)
    traces = []
    for column, key, color in STATUS_SERIES:
        label = t(key, lang)
        traces.append(
            go.Bar(
                y=names,
                x=ordered[column].tolist(),
                name=label,
                orientation="h",
                marker={"color": colors[color]},
                hovertemplate=f"%{{y}}<br>{label}: %{{x:,.0f}} {unit}<extra></extra>",
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
