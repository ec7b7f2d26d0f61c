"""The energy page's own figures: the energy mix in standard coal, the hour × weekday heat map,
and intensity against the quota tiers. Plain trace dicts, like ``compare``'s builders."""

from __future__ import annotations

import numpy as np
import pandas as pd

from presentation.format import format_quantity, unit_label
from presentation.i18n import t
from presentation.theme import FONT_SIZES, normalize_theme, palette

from .common import axis, base_layout, make_empty_figure
from .compare import RAMP_LOW, unvalidated_figure

CARRIER_COLORS = ("primary", "accent", "warn", "teal")
# tier, colour, marker symbol
TIERS = (
    ("limit", "bad", "line-ns"),
    ("benchmark", "warn", "line-ns"),
    ("guide", "good", "line-ns"),
    ("plan_target", "text", "diamond-open"),
)


def make_energy_breakdown_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
):
    """A donut of the energy mix in tce (electricity, natural gas, heat, vehicle fuel) with the
    total in its middle; water, which is not energy, is written under the total in m³.

    Args:
        df: ``data.queries.energy_panels.fetch_energy_breakdown`` output.

    Returns:
        The figure; the "暂无数据" figure without any value.
    """
    if df is None or df.empty:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    size = font_size or FONT_SIZES[normalize_theme(theme)]
    energy = df[df["carrier"] != "water"]
    water = df[df["carrier"] == "water"]
    tce = energy["tce"].to_numpy(dtype=float)
    labels = [t(f"energy_page.carrier.{c}", lang) for c in energy["carrier"]]
    quantities = [format_quantity(q, u, lang) for q, u in zip(energy["quantity"], energy["unit"])]
    tce_unit = unit_label("tce", lang)
    lines = [f"{format_quantity(float(np.nansum(tce)), 'tce', lang)}"] if len(energy) else []
    if len(water):
        lines.append(
            f"{t('energy_page.carrier.water', lang)} {format_quantity(float(water['quantity'].iloc[0]), 'm³', lang)}"
        )
    traces = []
    if len(energy):
        traces.append(
            {
                "type": "pie",
                "labels": labels,
                "values": tce,
                "hole": 0.6,
                "sort": False,
                "direction": "clockwise",
                "marker": {"colors": [colors[CARRIER_COLORS[i % len(CARRIER_COLORS)]] for i in range(len(labels))]},
                "textinfo": "percent",
                "customdata": quantities,
                "hovertemplate": f"%{{label}}<br>%{{value:,.2f}} {tce_unit} (%{{percent}})<br>%{{customdata}}<extra></extra>",
            }
        )
    layout = base_layout(theme, lang, font_size=font_size)
    layout.pop("xaxis"), layout.pop("yaxis")
    # The total sits in the hole; water (not energy) under the chart, where a long line fits.
    layout["annotations"] = [
        {"text": lines[0], "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper", "font": {"size": size, "color": colors["text"]}}
    ][: 1 if len(energy) else 0] + [
        {"text": line, "showarrow": False, "x": 0.5, "y": -0.02, "xref": "paper", "yref": "paper", "yanchor": "top", "font": {"size": size, "color": colors["muted"]}}
        for line in lines[1 if len(energy) else 0 :]
    ]  # fmt: skip
    layout["margin"] = {"l": 8, "r": 8, "t": 32, "b": 8 + (2 * size if len(water) else 0)}
    return unvalidated_figure(traces, layout)


def make_energy_heatmap_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
):
    """Average kWh per hour (columns 0..23) of each weekday (rows, Monday on top).

    Args:
        df: ``data.queries.energy_panels.fetch_energy_heatmap`` output (``weekday``, ``hour``, ``value``).

    Returns:
        The figure; the "暂无数据" figure without any value.
    """
    if df is None or df.empty or df["value"].isna().all():
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    theme = normalize_theme(theme)
    colors = palette(theme)
    z = np.full((7, 24), np.nan)
    z[df["weekday"].to_numpy(dtype=int), df["hour"].to_numpy(dtype=int)] = df["value"].to_numpy(dtype=float)
    days = [t(f"energy_page.weekday.{w}", lang) for w in range(7)]
    hours = [t("energy_page.hour", lang, hour=h) for h in range(24)]
    average = t("energy_page.hourly_average", lang)
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": hours,
        "y": days,
        "colorscale": [[0.0, RAMP_LOW[theme]], [1.0, colors["primary"]]],
        "colorbar": {"title": {"text": "kWh"}, "thickness": 12, "outlinewidth": 0},
        "xgap": 1,
        "ygap": 1,
        "hoverongaps": False,
        "hovertemplate": f"%{{y}} %{{x}}<br>{average}: %{{z:,.1f}} kWh<extra></extra>",
    }
    layout = base_layout(theme, lang, font_size=font_size)
    layout["xaxis"] = axis(theme, lang, type="category", showgrid=False, dtick=3)
    layout["yaxis"] = axis(theme, lang, type="category", autorange="reversed", showgrid=False)
    layout["margin"] = {"l": 16, "r": 16, "t": 24, "b": 16, "pad": 4}
    return unvalidated_figure([heatmap], layout)


def make_energy_intensity_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
):
    """A bullet per basis (per m², per person, per heated m²), each on its own axis since the
    units differ: the bar is the value, the marks the quota's limit, benchmark and guide and the
    five-year-plan target. The bar is in the "bad" colour above the limit, "warn" above the
    benchmark, else the primary colour.

    Args:
        df: ``data.queries.energy_panels.fetch_energy_intensity`` output.

    Returns:
        The figure; the "暂无数据" figure without any value.
    """
    if df is None or df.empty or df["value"].isna().all():
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    rows = df.to_dict("records")
    count = len(rows)
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(barmode="overlay", hovermode="closest", margin={"l": 16, "r": 24, "t": 40, "b": 16, "pad": 4})
    traces = []
    gap = 0.12 / count
    for i, row in enumerate(rows):
        suffix = "" if i == 0 else str(i + 1)
        top = 1 - i / count
        value, limit, benchmark = row["value"], row["limit"], row["benchmark"]
        color = colors["primary"]
        if np.isfinite(limit) and value > limit:
            color = colors["bad"]
        elif np.isfinite(benchmark) and value > benchmark:
            color = colors["warn"]
        name = t(f"energy_page.basis.{row['basis']}", lang)
        unit = unit_label(row["unit"], lang)
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "x": [value],
                "y": [name],
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
                "marker": {"color": color},
                "width": 0.5,
                "showlegend": False,
                "texttemplate": "%{x:,.2f}",
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": f"{name}<br>{t('energy_page.tier.value', lang)}: %{{x:,.2f}} {unit}<extra></extra>",
            }
        )
        for tier, tone, symbol in TIERS:
            mark = row[tier]
            if not np.isfinite(mark):
                continue
            label = t(f"energy_page.tier.{tier}", lang)
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [mark],
                    "y": [name],
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                    "name": label,
                    "legendgroup": tier,
                    "showlegend": not any(tr.get("legendgroup") == tier for tr in traces[:-1] if tr["type"] == "scatter"),
                    "marker": {"symbol": symbol, "size": 26 if symbol == "line-ns" else 12, "color": colors[tone], "line": {"width": 3, "color": colors[tone]}},
                    "hovertemplate": f"{label}: %{{x:,.2f}} {unit}<extra></extra>",
                }
            )  # fmt: skip
        layout[f"xaxis{suffix}"] = axis(
            theme, lang, anchor=f"y{suffix}", rangemode="tozero", title={"text": unit}, domain=[0, 1]
        )
        layout[f"yaxis{suffix}"] = axis(
            theme, lang, anchor=f"x{suffix}", domain=[max(0.0, top - 1 / count + gap), top - gap], showgrid=False
        )
    return unvalidated_figure(traces, layout)


__all__ = ["make_energy_breakdown_figure", "make_energy_heatmap_figure", "make_energy_intensity_figure"]
