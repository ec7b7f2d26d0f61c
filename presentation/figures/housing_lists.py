"""Figures of the housing page's turnover-housing panels: leases expiring within 30/60/90 days,
and how long people wait for a dwelling. Plain trace and layout dicts (as the vehicle panels'
figures), built with ``plotly.graph_objects`` without validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from data.catalog import get_metric
from presentation.format import unit_label
from presentation.i18n import t
from presentation.theme import palette

from .common import axis, base_layout, make_empty_figure
from .vehicle_panels import unvalidated_figure

_WINDOW_COLORS = {30: "bad", 60: "warn", 90: "primary"}


def make_lease_expiry_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """Bars of the leases expiring within 30, 60 and 90 days (cumulative: each bar holds the
    shorter ones), the 30-day bar in the "bad" colour and the 60-day one in "warn".

    Args:
        df: ``data.queries.housing_lists.fetch_lease_expiry`` output (``window_days``,
            ``metric_id``, ``leases``).
        lang: ``zh`` or ``en``. theme: ``light`` or ``dark``. font_size: the base font size.

    Returns:
        The figure; the "暂无数据" figure without rows.
    """
    if df is None or df.empty:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    days = [int(d) for d in df["window_days"]]
    labels = [t("housing_lists.expiry.within", lang, days=d) for d in days]
    leases = unit_label(get_metric("housing.expiring_90d").unit, lang)
    values = [float(v) for v in df["leases"]]
    traces = [
        {
            "type": "bar",
            "x": labels,
            "y": values,
            "text": [f"{v:,.0f}" for v in values],
            "textposition": "outside",
            "cliponaxis": False,
            "marker": {"color": [colors[_WINDOW_COLORS.get(d, "primary")] for d in days]},
            "hovertemplate": f"%{{x}}: %{{y:,.0f}} {leases}<extra></extra>",
            "showlegend": False,
        }
    ]
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        bargap=0.35,
        xaxis=axis(theme, lang, type="category", showgrid=False),
        yaxis=axis(theme, lang, title={"text": leases}, rangemode="tozero", tickformat=",d"),
    )
    return unvalidated_figure(traces, layout)


def make_waiting_time_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """Bars of the people waiting now by how long they have waited, titled with the median and
    average days waited by the applications allocated in the last twelve months.

    Args:
        df: ``data.queries.housing_lists.fetch_waiting_time`` output (``bucket``, ``waiting``,
            ``allocated_12m``, ``median_wait_days``, ``mean_wait_days``).

    Returns:
        The figure; the "暂无数据" figure without rows.
    """
    if df is None or df.empty:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    people = unit_label(get_metric("housing.waiting").unit, lang)
    labels = [t(f"housing_lists.wait_bucket.{code}", lang) for code in df["bucket"]]
    values = [int(v) for v in df["waiting"]]
    traces = [
        {
            "type": "bar",
            "x": labels,
            "y": values,
            "text": [f"{v:,d}" for v in values],
            "textposition": "outside",
            "cliponaxis": False,
            "marker": {"color": colors["primary"]},
            "hovertemplate": f"%{{x}}: %{{y:,d}} {people}<extra></extra>",
            "showlegend": False,
        }
    ]
    allocated = int(df["allocated_12m"].iloc[0])
    median, mean = float(df["median_wait_days"].iloc[0]), float(df["mean_wait_days"].iloc[0])
    if allocated and not np.isnan(median):
        title = t("housing_lists.wait.summary", lang, count=allocated, median=f"{median:,.0f}", mean=f"{mean:,.0f}")
    else:
        title = t("housing_lists.wait.none_allocated", lang)
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        title={"text": title, "x": 0, "xanchor": "left"},
        bargap=0.3,
        xaxis=axis(theme, lang, type="category", showgrid=False),
        yaxis=axis(theme, lang, title={"text": people}, rangemode="tozero", tickformat=",d"),
    )
    layout["margin"] = {**layout["margin"], "t": 56}
    return unvalidated_figure(traces, layout)


__all__ = ["make_lease_expiry_figure", "make_waiting_time_figure"]
