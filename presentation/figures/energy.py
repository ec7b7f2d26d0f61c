"""Energy figures: monthly electricity beside the same month a year earlier, with the change."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from presentation.format import unit_label
from presentation.i18n import t
from presentation.theme import palette

from .common import axis, base_layout, make_empty_figure, value_scale


def _change_label(change: float) -> str:
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return ""
    arrow = "▲" if change > 0 else "▼" if change < 0 else ""
    return f"{arrow}{abs(change):.1f}%"


def make_energy_trend_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """Bars of this year's monthly electricity, each labelled with its change on the same month a
    year earlier, and last year's months as a dashed line over them.

    Last year is a line rather than a second bar so that months without a comparison (data
    younger than a year) leave no empty slots, and the change is written on the bars rather than
    drawn on a second axis, which a wall screen's viewers read at a glance. Increases are in the
    "bad" colour: more electricity is worse.

    Args:
        df: ``fetch_energy_trend`` output: ``month``, ``electricity_kwh``,
            ``electricity_kwh_prev_year``, ``yoy_pct``, ``is_partial``.
        lang: ``zh`` or ``en``.
        theme: ``light`` or ``dark``.
        font_size: the base font size (``presentation.theme.chart_font_size``); the theme's default when None.

    Returns:
        The figure; the "暂无数据" figure when ``df`` holds no value.
    """
    if df is None or df.empty or df[["electricity_kwh", "electricity_kwh_prev_year"]].isna().all().all():
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    months = [pd.Timestamp(m).strftime("%Y-%m-%d") for m in df["month"]]
    peak = float(pd.concat([df["electricity_kwh"], df["electricity_kwh_prev_year"]]).max(skipna=True))
    divisor, axis_unit = value_scale(peak, unit_label("kWh", lang), lang)
    month_format = t("fmt.month_hover", lang)
    this_year, last_year, yoy = t("series.this_year", lang), t("series.prev_year", lang), t("series.yoy", lang)
    changes = df["yoy_pct"].tolist()
    labels = [_change_label(c) for c in changes]
    label_colors = [colors["bad"] if (c or 0) > 0 else colors["good"] for c in changes]
    traces = [
        go.Bar(
            x=months,
            y=(df["electricity_kwh"] / divisor).tolist(),
            name=this_year,
            marker={"color": colors["primary"], "opacity": [0.55 if partial else 1.0 for partial in df["is_partial"]]},
            text=labels,
            textposition="outside",
            cliponaxis=False,
            textfont={"color": label_colors},
            customdata=labels,
            hovertemplate=f"%{{x|{month_format}}}<br>{this_year}: %{{y:,.2f}} {axis_unit}<br>{yoy}: %{{customdata}}<extra></extra>",
        ),
        go.Scatter(
            x=months,
            y=(df["electricity_kwh_prev_year"] / divisor).tolist(),
            name=last_year,
            mode="lines+markers",
            line={"color": colors["muted"], "width": 2, "dash": "dash"},
            marker={"size": 7, "color": colors["muted"]},
            connectgaps=False,
            hovertemplate=f"%{{x|{month_format}}}<br>{last_year}: %{{y:,.2f}} {axis_unit}<extra></extra>",
        ),
    ]
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        bargap=0.35,
        xaxis=axis(theme, lang, type="date", tickformat=t("fmt.month_axis", lang), dtick="M1", showgrid=False),
        yaxis=axis(theme, lang, title={"text": axis_unit}, rangemode="tozero"),
        hovermode="x unified",
    )
    return go.Figure(data=traces, layout=layout)
