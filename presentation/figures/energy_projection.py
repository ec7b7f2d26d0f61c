"""The year-end projection figure: the node's cumulative energy through the year against its
annual quota tiers (约束值, 基准值, 引导值)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from presentation.format import unit_label
from presentation.i18n import t
from presentation.theme import palette

from .common import axis, base_layout, make_empty_figure, value_scale
from .compare import month_ticks, unvalidated_figure

# Tier -> (column of the frame, catalog key, palette colour): the limit in the "bad" colour.
TIER_LINES = (
    ("limit", "limit_kgce", "energy.tier.limit", "bad"),
    ("benchmark", "benchmark_kgce", "energy.tier.benchmark", "warn"),
    ("guide", "guide_kgce", "energy.tier.guide", "good"),
)


def _tier_value(df: pd.DataFrame, column: str) -> float | None:
    if column not in df:
        return None
    values = df[column].dropna()
    return float(values.iloc[0]) if len(values) else None


def make_energy_projection_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """The cumulative total energy of the year: a solid line through the months that are over,
    dashed from there to the year end (what is expected at this pace), and one horizontal line per
    quota tier, labelled at its right end.

    The values are shown in tce (吨标准煤; 万吨标准煤 on Chinese axes when large), the unit of the
    energy page's total. The dashed part starts at the last month that is over so that the two
    read as one line; a year whose first month is still running is dashed throughout.

    Args:
        df: ``fetch_energy_projection`` output: ``month``, ``actual_kgce``, ``expected_kgce``,
            ``cumulative_kgce``, ``limit_kgce``, ``benchmark_kgce``, ``guide_kgce``,
            ``is_projected``.
        lang: ``zh`` or ``en``.
        theme: ``light`` or ``dark``.
        font_size: the base font size (``presentation.theme.chart_font_size``); the theme's default when None.

    Returns:
        The figure; the "暂无数据" figure when ``df`` is empty or holds no cumulative value.
    """
    if df is None or df.empty or df["cumulative_kgce"].isna().all():
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    months = [pd.Timestamp(m).strftime("%Y-%m-%d") for m in df["month"]]
    tiers = [(name, _tier_value(df, column), key, color) for name, column, key, color in TIER_LINES]
    tiers = [tier for tier in tiers if tier[1] is not None]
    peak = max([float(df["cumulative_kgce"].max())] + [value for _, value, _, _ in tiers]) / 1000.0
    divisor, axis_unit = value_scale(peak, unit_label("tce", lang), lang)
    scale = 1000.0 * divisor
    cumulative = (df["cumulative_kgce"] / scale).tolist()
    projected = df["is_projected"].astype(bool).tolist()
    month_format = t("fmt.month_hover", lang)
    actual_name, projected_name = t("energy.projection.actual", lang), t("energy.projection.projected", lang)

    done = [i for i, p in enumerate(projected) if not p]
    to_come = [i for i, p in enumerate(projected) if p]
    traces = []
    if done:
        traces.append(
            dict(
                type="scatter",
                x=[months[i] for i in done],
                y=[cumulative[i] for i in done],
                name=actual_name,
                mode="lines+markers",
                line={"color": colors["primary"], "width": 3},
                marker={"size": 7, "color": colors["primary"]},
                hovertemplate=f"%{{x|{month_format}}}<br>{actual_name}: %{{y:,.2f}} {axis_unit}<extra></extra>",
            )
        )
    if to_come:
        # From the last month that is over, so that the dashed part continues the solid one.
        dashed = ([done[-1]] if done else []) + to_come
        traces.append(
            dict(
                type="scatter",
                x=[months[i] for i in dashed],
                y=[cumulative[i] for i in dashed],
                name=projected_name,
                mode="lines+markers",
                line={"color": colors["primary"], "width": 3, "dash": "dash"},
                marker={"size": 7, "color": colors["primary"], "symbol": "circle-open"},
                hovertemplate=f"%{{x|{month_format}}}<br>{projected_name}: %{{y:,.2f}} {axis_unit}<extra></extra>",
            )
        )
    for _name, value, key, color in tiers:
        label = t(key, lang)
        level = value / scale
        traces.append(
            dict(
                type="scatter",
                x=[months[0], months[-1]],
                y=[level, level],
                name=label,
                mode="lines+text",
                text=["", label],
                textposition="top left",
                textfont={"color": colors[color]},
                line={"color": colors[color], "width": 1.5, "dash": "dot"},
                hovertemplate=f"{label}: %{{y:,.2f}} {axis_unit}<extra></extra>",
            )
        )
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        xaxis=axis(theme, lang, type="date", showgrid=False, **month_ticks(months, lang)),
        yaxis=axis(theme, lang, title={"text": axis_unit}, rangemode="tozero"),
        hovermode="x unified",
    )
    return unvalidated_figure(traces, layout)
