"""Vehicle figures: trips and mileage by month."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from data.catalog import get_metric
from presentation.format import unit_label
from presentation.i18n import t
from presentation.theme import palette

from .common import axis, base_layout, make_empty_figure, value_scale


def make_vehicle_trend_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """Bars of trips per month and a mileage line on a second axis.

    Args:
        df: ``fetch_vehicle_trend`` output: ``month``, ``trips``, ``km``, ``is_partial``.
        lang: ``zh`` or ``en``.
        theme: ``light`` or ``dark``.
        font_size: the base font size (``presentation.theme.chart_font_size``); the theme's default when None.

    Returns:
        The figure; the "暂无数据" figure when ``df`` holds no value.
    """
    if df is None or df.empty or df[["trips", "km"]].isna().all().all():
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    months = [pd.Timestamp(m).strftime("%Y-%m-%d") for m in df["month"]]
    month_format = t("fmt.month_hover", lang)
    trips_name, km_name = t("series.trips", lang), t("series.km", lang)
    trips_unit = unit_label(get_metric("vehicle.trips").unit, lang)
    km_divisor, km_unit = value_scale(float(df["km"].max(skipna=True) or 0.0), "km", lang)
    opacity = [0.55 if partial else 1.0 for partial in df["is_partial"]]
    traces = [
        go.Bar(
            x=months,
            y=df["trips"].tolist(),
            name=trips_name,
            marker={"color": colors["primary"], "opacity": opacity},
            hovertemplate=f"%{{x|{month_format}}}<br>{trips_name}: %{{y:,.0f}} {trips_unit}<extra></extra>",
        ),
        go.Scatter(
            x=months,
            y=(df["km"] / km_divisor).tolist(),
            name=km_name,
            yaxis="y2",
            mode="lines+markers",
            line={"color": colors["accent"], "width": 2},
            marker={"size": 7},
            hovertemplate=f"%{{x|{month_format}}}<br>{km_name}: %{{y:,.1f}} {km_unit}<extra></extra>",
        ),
    ]
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        bargap=0.35,
        xaxis=axis(theme, lang, type="date", tickformat=t("fmt.month_axis", lang), dtick="M1", showgrid=False),
        yaxis=axis(theme, lang, title={"text": f"{trips_name} ({trips_unit})"}, rangemode="tozero"),
        yaxis2=axis(
            theme,
            lang,
            overlaying="y",
            side="right",
            showgrid=False,
            rangemode="tozero",
            tickmode="auto",
            title={"text": f"{km_name} ({km_unit})"},
        ),
        hovermode="x unified",
    )
    return go.Figure(data=traces, layout=layout)
