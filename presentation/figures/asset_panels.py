"""Figures of the asset page's panels: assets by category (原值 and 净值, the depreciation between
them), by child unit and status, the public property warehouse month by month (handed in,
redeployed, the money redeploying saved and its running total for the year) and disposals.

Plain trace and layout dicts, not validated by plotly (as the comparison figures); a unit's bar
carries its drill target in ``customdata``, so a click opens it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from data.catalog import get_metric
from presentation.format import unit_label
from presentation.i18n import t
from presentation.theme import palette

from .common import axis, base_layout, make_empty_figure, value_scale
from .compare import month_ticks, unvalidated_figure


def _names(df: pd.DataFrame, lang: str) -> list[str]:
    return df["name_zh" if lang == "zh" else "name_en"].astype(str).tolist()


def _money_scale(values: np.ndarray, lang: str) -> tuple[float, str]:
    finite = np.abs(values[np.isfinite(values)])
    return value_scale(
        float(finite.max()) if finite.size else 0.0,
        unit_label(get_metric("asset.original_value_yuan").unit, lang),
        lang,
    )


def _months(df: pd.DataFrame) -> list[str]:
    return [m.isoformat() if hasattr(m, "isoformat") else str(m) for m in df["month"].tolist()]


def _nan_to_none(values: np.ndarray) -> list:
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(values, dtype=float).tolist()]


def make_asset_category_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """Horizontal bars per category (类), the largest original value on top: the net value and the
    accumulated depreciation stacked to the original value; hover adds the count, idle and
    warehoused assets.

    Args:
        df: ``data.queries.asset_panels.fetch_asset_by_category`` output.
        lang: ``zh`` or ``en``. theme: ``light`` or ``dark``. font_size: the base font size.

    Returns:
        The figure; the "暂无数据" figure without categories.
    """
    if df is None or df.empty or not np.nansum(df["original_value_yuan"].to_numpy(dtype=float)):
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    ordered = df.iloc[::-1]
    names = _names(ordered, lang)
    divisor, money = _money_scale(ordered["original_value_yuan"].to_numpy(dtype=float), lang)
    pieces = unit_label(get_metric("asset.count").unit, lang)
    custom = np.column_stack(
        [
            ordered["count"].to_numpy(dtype=float),
            ordered["idle_count"].to_numpy(dtype=float),
            ordered["warehouse_count"].to_numpy(dtype=float),
            ordered["original_value_yuan"].to_numpy(dtype=float) / divisor,
        ]
    ).tolist()
    net_name, dep_name = t("asset_page.series.net", lang), t("asset_page.series.depreciation", lang)
    detail = (
        f"{t('asset_page.series.count', lang)}: %{{customdata[0]:,.0f}} {pieces}<br>"
        f"{t('asset_page.series.idle', lang)}: %{{customdata[1]:,.0f}} · "
        f"{t('asset_page.series.warehouse', lang)}: %{{customdata[2]:,.0f}}<br>"
        f"{t('asset_page.series.original', lang)}: %{{customdata[3]:,.1f}} {money}"
    )
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "y": names,
            "x": (ordered["net_value_yuan"].to_numpy(dtype=float) / divisor).tolist(),
            "customdata": custom,
            "name": net_name,
            "marker": {"color": colors["primary"]},
            "hovertemplate": f"%{{y}}<br>{net_name}: %{{x:,.1f}} {money}<br>{detail}<extra></extra>",
        },
        {
            "type": "bar",
            "orientation": "h",
            "y": names,
            "x": (ordered["depreciation_yuan"].to_numpy(dtype=float) / divisor).tolist(),
            "name": dep_name,
            "marker": {"color": colors["muted"], "opacity": 0.55},
            "hovertemplate": f"%{{y}}<br>{dep_name}: %{{x:,.1f}} {money}<extra></extra>",
        },
    ]
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        barmode="stack",
        bargap=0.3 if len(ordered) > 4 else 0.6,
        legend={**layout["legend"], "traceorder": "normal"},
        xaxis=axis(theme, lang, title={"text": money}, rangemode="tozero"),
        yaxis=axis(theme, lang, type="category", showgrid=False, automargin=True),
    )
    return unvalidated_figure(traces, layout)


UNIT_SERIES = (
    ("in_use", "asset_page.series.in_use", "primary"),
    ("idle", "asset_page.series.idle", "warn"),
    ("warehouse", "asset_page.series.warehouse", "teal"),
)


def make_asset_units_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """Horizontal stacked bars, one per child unit in the tree's order (first on top): in use,
    idle, in the warehouse; hover adds the idle rate. A bar's ``customdata[0]`` is the unit's
    drill target.

    Args:
        df: ``data.queries.asset_panels.fetch_asset_units`` output.

    Returns:
        The figure; the "暂无数据" figure without units.
    """
    if df is None or df.empty:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    ordered = df.iloc[::-1]
    names = _names(ordered, lang)
    pieces = unit_label(get_metric("asset.count").unit, lang)
    rate_name = t("asset_page.series.idle_rate", lang)
    custom = [[d, float(r) if np.isfinite(r) else 0.0] for d, r in zip(ordered["_drill"], ordered["idle_rate"])]
    traces = []
    for column, key, color in UNIT_SERIES:
        label = t(key, lang)
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": names,
                "x": ordered[column].to_numpy(dtype=float).tolist(),
                "customdata": custom,
                "name": label,
                "marker": {"color": colors[color]},
                "hovertemplate": f"%{{y}}<br>{label}: %{{x:,.0f}} {pieces}<br>{rate_name}: "
                "%{customdata[1]:.1f}%<extra></extra>",
            }
        )
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        barmode="stack",
        bargap=0.3 if len(ordered) > 4 else 0.6,
        legend={**layout["legend"], "traceorder": "normal"},
        xaxis=axis(theme, lang, title={"text": pieces}, rangemode="tozero", tickformat=",d"),
        yaxis=axis(theme, lang, type="category", showgrid=False, automargin=True),
    )
    return unvalidated_figure(traces, layout)


def make_warehouse_flows_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """The warehouse month by month: bars of the money redeploying saved, its running total for
    the year as a line (the answer to "how much did redeploying save this year" is its last
    point), and the assets handed in and redeployed as markers on a count axis. The partial last
    month is drawn lighter.

    Args:
        df: ``data.queries.asset_panels.fetch_warehouse_flows`` output.

    Returns:
        The figure; the "暂无数据" figure when nothing moved through the warehouse.
    """
    if df is None or df.empty:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    saved = df["saved_yuan"].to_numpy(dtype=float)
    running = df["saved_ytd_yuan"].to_numpy(dtype=float)
    inflow = df["inflow_count"].to_numpy(dtype=float)
    redeployed = df["redeployed_count"].to_numpy(dtype=float)
    if not (np.nansum(saved) or np.nansum(inflow) or np.nansum(redeployed)):
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    months = _months(df)
    divisor, money = _money_scale(np.concatenate([saved, running]), lang)
    pieces = unit_label(get_metric("asset.count").unit, lang)
    saved_name, ytd_name = t("asset_page.series.saved", lang), t("asset_page.series.saved_ytd", lang)
    inflow_name, redeployed_name = t("asset_page.series.inflow", lang), t("asset_page.series.redeployed", lang)
    traces = [
        {
            "type": "bar",
            "x": months,
            "y": _nan_to_none(saved / divisor),
            "name": saved_name,
            "marker": {
                "color": colors["good"],
                "opacity": np.where(df["is_partial"].to_numpy(bool), 0.55, 1.0).tolist(),
            },
            "hovertemplate": f"{saved_name}: %{{y:,.2f}} {money}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": months,
            "y": _nan_to_none(running / divisor),
            "name": ytd_name,
            "mode": "lines+markers",
            "line": {"color": colors["primary"], "width": 2},
            "hovertemplate": f"{ytd_name}: %{{y:,.2f}} {money}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": months,
            "y": _nan_to_none(inflow),
            "name": inflow_name,
            "yaxis": "y2",
            "mode": "markers",
            "marker": {"color": colors["muted"], "size": 9, "symbol": "triangle-down"},
            "hovertemplate": f"{inflow_name}: %{{y:,.0f}} {pieces}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": months,
            "y": _nan_to_none(redeployed),
            "name": redeployed_name,
            "yaxis": "y2",
            "mode": "markers",
            "marker": {"color": colors["accent"], "size": 9, "symbol": "triangle-up"},
            "hovertemplate": f"{redeployed_name}: %{{y:,.0f}} {pieces}<extra></extra>",
        },
    ]
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        xaxis=axis(theme, lang, type="category", showgrid=False, **month_ticks(months, lang)),
        yaxis=axis(theme, lang, title={"text": money}, rangemode="tozero"),
        yaxis2=axis(
            theme, lang, overlaying="y", side="right", showgrid=False, rangemode="tozero", title={"text": pieces}
        ),
        hovermode="x unified",
    )
    return unvalidated_figure(traces, layout)


def make_disposals_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """Disposals month by month: bars of the assets disposed, their original value as a line on
    a money axis.

    Args:
        df: ``data.queries.asset_panels.fetch_disposals`` output.

    Returns:
        The figure; the "暂无数据" figure when nothing was disposed.
    """
    if df is None or df.empty or not np.nansum(df["disposed_count"].to_numpy(dtype=float)):
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    months = _months(df)
    value = df["disposed_value_yuan"].to_numpy(dtype=float)
    divisor, money = _money_scale(value, lang)
    pieces = unit_label(get_metric("asset.count").unit, lang)
    count_name, value_name = t("asset_page.series.disposed", lang), t("asset_page.series.disposed_value", lang)
    traces = [
        {
            "type": "bar",
            "x": months,
            "y": _nan_to_none(df["disposed_count"].to_numpy(dtype=float)),
            "name": count_name,
            "marker": {"color": colors["warn"]},
            "hovertemplate": f"{count_name}: %{{y:,.0f}} {pieces}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": months,
            "y": _nan_to_none(value / divisor),
            "name": value_name,
            "yaxis": "y2",
            "mode": "lines+markers",
            "line": {"color": colors["primary"], "width": 2},
            "hovertemplate": f"{value_name}: %{{y:,.2f}} {money}<extra></extra>",
        },
    ]
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        xaxis=axis(theme, lang, type="category", showgrid=False, **month_ticks(months, lang)),
        yaxis=axis(theme, lang, title={"text": pieces}, rangemode="tozero", tickformat=",d"),
        yaxis2=axis(
            theme, lang, overlaying="y", side="right", showgrid=False, rangemode="tozero", title={"text": money}
        ),
        hovermode="x unified",
    )
    return unvalidated_figure(traces, layout)


__all__ = [
    "make_asset_category_figure",
    "make_asset_units_figure",
    "make_disposals_figure",
    "make_warehouse_flows_figure",
]
