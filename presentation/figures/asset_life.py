"""One asset's book value over its life: the month-end net value by its category's depreciation
method, under its original value. Plain trace and layout dicts (``unvalidated_figure``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from data.catalog import get_metric
from presentation.format import unit_label
from presentation.i18n import t
from presentation.theme import palette

from .common import axis, base_layout, make_empty_figure
from .compare import unvalidated_figure


def make_book_value_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """The net book value at each month end as a step line, the original value as a dashed
    line over it (the gap is the accumulated depreciation).

    Args:
        df: ``data.queries.asset_lists.fetch_book_value_curve`` output (``month``,
            ``net_value_yuan``, ``original_value_yuan``, ``accumulated_depreciation_yuan``).
        lang: ``zh`` or ``en``. theme: ``light`` or ``dark``. font_size: the base font size.

    Returns:
        The figure; the "暂无数据" figure without months.
    """
    if df is None or df.empty:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    months = np.asarray(pd.to_datetime(df["month"]).to_numpy(), dtype="datetime64[D]").astype(str).tolist()
    net = df["net_value_yuan"].to_numpy(dtype=float).round(2).tolist()
    original = df["original_value_yuan"].to_numpy(dtype=float).round(2).tolist()
    charged = df["accumulated_depreciation_yuan"].to_numpy(dtype=float).round(2).tolist()
    yuan = unit_label(get_metric("asset.net_value_yuan").unit, lang)
    net_name = t("asset_lists.series.net_value", lang)
    original_name = t("asset_lists.series.original_value", lang)
    charged_name = t("asset_lists.series.depreciation", lang)
    traces = [
        {
            "type": "scatter",
            "x": months,
            "y": net,
            "customdata": charged,
            "name": net_name,
            "mode": "lines",
            "line": {"color": colors["primary"], "width": 3, "shape": "hv"},
            "hovertemplate": (
                f"%{{x|%Y-%m}}<br>{net_name}: %{{y:,.2f}} {yuan}<br>{charged_name}: %{{customdata:,.2f}} {yuan}"
                "<extra></extra>"
            ),
        },
        {
            "type": "scatter",
            "x": months,
            "y": original,
            "name": original_name,
            "mode": "lines",
            "line": {"color": colors["muted"], "width": 2, "dash": "dash"},
            "hovertemplate": f"{original_name}: %{{y:,.2f}} {yuan}<extra></extra>",
        },
    ]
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        xaxis=axis(theme, lang, type="date", showgrid=False, tickformat="%Y-%m"),
        yaxis=axis(theme, lang, title={"text": yuan}, rangemode="tozero", tickformat=",.0f"),
        hovermode="x unified",
    )
    return unvalidated_figure(traces, layout)


__all__ = ["make_book_value_figure"]
