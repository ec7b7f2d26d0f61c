"""Energy figures: monthly electricity beside the same month a year earlier, with the change."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.i18n import t
from components.kpi import unit_label

from .common import axis, base_layout, make_empty_figure, palette, value_scale


def make_energy_trend_figure(df: pd.DataFrame, *, lang: str, theme: str | None = "light") -> go.Figure:
    """Grouped bars of monthly electricity (this year, same month last year) and a year-on-year
    line on a second axis.

    Args:
        df: ``fetch_energy_trend`` output: ``month``, ``electricity_kwh``,
            ``electricity_kwh_prev_year``, ``yoy_pct``, ``is_partial``.
        lang: ``zh`` or ``en``.
        theme: ``light`` or ``dark``.

    Returns:
        The figure; the "暂无数据" figure when ``df`` holds no value.
    """
    if df is None or df.empty or df[["electricity_kwh", "electricity_kwh_prev_year"]].isna().all().all():
        return make_empty_figure(lang=lang, theme=theme)
    colors = palette(theme)
    months = [pd.Timestamp(m).strftime("%Y-%m-%d") for m in df["month"]]
    peak = float(pd.concat([df["electricity_kwh"], df["electricity_kwh_prev_year"]]).max(skipna=True))
    divisor, axis_unit = value_scale(peak, unit_label("kWh", lang), lang)
    month_format = t("fmt.month_hover", lang)
    opacity = [0.55 if partial else 1.0 for partial in df["is_partial"]]

    def bars(column: str, name: str, color: str) -> go.Bar:
        return go.Bar(
            x=months, y=(df[column] / divisor).tolist(), name=name, marker={"color": color, "opacity": opacity},
            hovertemplate=f"%{{x|{month_format}}}<br>{name}: %{{y:,.2f}} {axis_unit}<extra></extra>",
        )

    yoy_name = t("series.yoy", lang)
    traces = [
        bars("electricity_kwh_prev_year", t("series.prev_year", lang), colors["secondary"]),
        bars("electricity_kwh", t("series.this_year", lang), colors["primary"]),
        go.Scatter(
            x=months, y=df["yoy_pct"].tolist(), name=yoy_name, yaxis="y2", mode="lines+markers",
            line={"color": colors["accent"], "width": 2}, marker={"size": 7},
            hovertemplate=f"%{{x|{month_format}}}<br>{yoy_name}: %{{y:+.1f}}%<extra></extra>",
        ),
    ]
    # The change axis always shows 0 % and some room around the values (a single comparable
    # month would otherwise get an axis from 1.8 % to 2.2 %).
    changes = df["yoy_pct"].dropna()
    low, high = min(0.0, float(changes.min()) if len(changes) else 0.0), max(0.0, float(changes.max()) if len(changes) else 0.0)
    pad = max((high - low) * 0.15, 2.0)
    layout = base_layout(theme, lang)
    layout.update(
        barmode="group",
        bargap=0.25,
        xaxis=axis(theme, lang, type="date", tickformat=t("fmt.month_axis", lang), dtick="M1", showgrid=False),
        yaxis=axis(theme, lang, title={"text": axis_unit}, rangemode="tozero"),
        # Its own ticks (not synced to the bars' grid, which gives 4.37 %-style ticks) and no
        # zero line, which would read as a threshold across the bars.
        yaxis2=axis(theme, lang, overlaying="y", side="right", ticksuffix="%", showgrid=False, zeroline=False,
                    tickmode="auto", title={"text": ""}, range=[low - pad, high + pad]),
        hovermode="x unified",
    )
    return go.Figure(data=traces, layout=layout)
