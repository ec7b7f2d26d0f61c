"""Comparison figures for any indicator: its monthly trend beside last year, the ranking of the
units one level down (标杆管理) and the peer matrix (units × months).

Built as plain ``graph_objects`` traces from whole columns (no per-point figure calls and no
``update_*`` chains), so each builds in about a millisecond on 59 units × 12 months. Points of
the ranking and the matrix carry their unit's drill target in ``customdata``, so a click opens it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from data.catalog import METRICS_BY_ID
from presentation.format import unit_label
from presentation.i18n import t
from presentation.theme import FONT_SIZES, normalize_theme, palette

from .common import axis, base_layout, make_empty_figure, value_scale

#: Bars or matrix rows a panel shows at its own height; beyond that the figure grows with them.
ROWS_IN_PANEL = 12
#: The units a wall panel shows (the largest ones): a wall's text is read from 5 m, and a panel
#: there neither scrolls nor grows, so more rows would print their names over each other.
#: (seven rows of 18 px text fill the chart of a 1920×1080 wall's panel without their labels overlapping)
WALL_ROWS = 7
# The matrix's colour ramp per theme: from a faint tint of the theme's primary to the primary.
RAMP_LOW = {"light": "#eff6ff", "dark": "#0b2236"}


def unvalidated_figure(traces: list[dict], layout: dict) -> go.Figure:
    """A figure of plain trace and layout dicts, without plotly's per-property validation, which
    costs several milliseconds a figure (more than the rest of a panel's callback). The builders'
    tests validate what these builders return (``go.Figure(fig.to_dict())``).

    The layout names its own small template: otherwise plotly copies its default template (some
    8 KB of JSON the theme overrides anyway) into every figure, which costs another millisecond
    and is sent to the browser with each panel."""
    layout["template"] = {"layout": {"hoverlabel": {"align": "left"}}}
    return go.Figure(data=traces, layout=layout, _validate=False)


def month_ticks(months: list[str], lang: str) -> dict:
    """Axis ticks for a run of months (ISO first days): the month alone ("3月", "Mar"), with the
    year under the first month and under every January. Twelve full dates side by side do not fit
    a half-width panel or a wall at 5 m without turning sideways; these stay level."""
    texts = []
    for i, month in enumerate(months):
        year, number = int(month[:4]), int(month[5:7])
        short = t("fmt.month_short", lang, month=number if lang == "zh" else MONTH_NAMES[number - 1])
        texts.append(f"{short}<br>{year}" if i == 0 or number == 1 else short)
    return {"tickmode": "array", "tickvals": months, "ticktext": texts, "tickangle": 0}


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _is_empty(df: pd.DataFrame | None, columns) -> bool:
    return df is None or df.empty or all(np.isnan(df[c].to_numpy(dtype=float)).all() for c in columns)


def _scale(values: np.ndarray, unit: str, lang: str) -> tuple[float, str]:
    """The divisor and unit text of an axis: 万/亿 for Chinese readers, never for rates and %."""
    label = unit_label(unit, lang)
    if unit == "%" or "/" in unit:
        return 1.0, label
    finite = np.abs(values[np.isfinite(values)])
    return value_scale(float(finite.max()) if finite.size else 0.0, label, lang)


def _change_labels(changes: np.ndarray) -> list[str]:
    return [
        "" if not np.isfinite(c) else f"{'▲' if c > 0 else '▼' if c < 0 else ''}{abs(c):.1f}%" for c in changes.tolist()
    ]


def _change_colors(changes: np.ndarray, metric_id: str | None, colors: dict) -> list[str]:
    """Worse in the "bad" colour: an increase for indicators where up is bad, a decrease where down is."""
    metric = METRICS_BY_ID.get(metric_id) if metric_id else None
    bad = metric.bad_direction if metric is not None else "up"
    if bad == "none":
        return [colors["muted"]] * len(changes)
    sign = 1.0 if bad == "up" else -1.0
    return [colors["bad"] if sign * c > 0 else colors["good"] for c in np.nan_to_num(changes).tolist()]


def _grown_height(rows: int, font_size: float) -> int | None:
    """A figure height that keeps each row readable once there are more rows than a panel holds."""
    if rows <= ROWS_IN_PANEL:
        return None
    return int(rows * font_size * 1.9 + 110)


def make_metric_trend_figure(
    df: pd.DataFrame,
    *,
    lang: str,
    theme: str | None = "light",
    font_size: float | None = None,
    metric_id: str | None = None,
    unit: str = "",
) -> go.Figure:
    """Bars of the indicator month by month, each labelled with its change on the same month a
    year earlier, and last year's months as a dashed line (``make_energy_trend_figure`` for any
    indicator). The partial last month is drawn lighter.

    Args:
        df: ``data.queries.compare.fetch_metric_trend`` output (``month``, ``value``,
            ``value_prev_year``, ``yoy_pct``, ``is_partial``).
        lang: ``zh`` or ``en``.
        theme: ``light`` or ``dark``.
        font_size: the base font size; the theme's default when None.
        metric_id: the indicator (its bad direction colours the changes).
        unit: the indicator's catalog unit.

    Returns:
        The figure; the "暂无数据" figure when ``df`` holds no value.
    """
    if _is_empty(df, ("value", "value_prev_year")):
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    value = df["value"].to_numpy(dtype=float)
    prev = df["value_prev_year"].to_numpy(dtype=float)
    divisor, axis_unit = _scale(np.concatenate([value, prev]), unit, lang)
    months = [m.isoformat() if hasattr(m, "isoformat") else str(m) for m in df["month"].tolist()]
    changes = df["yoy_pct"].to_numpy(dtype=float)
    labels = _change_labels(changes)
    month_format = t("fmt.month_hover", lang)
    this_year, last_year, yoy = t("series.this_year", lang), t("series.prev_year", lang), t("series.yoy", lang)
    traces = [
        dict(
            type="bar",
            x=months,
            y=value / divisor,
            name=this_year,
            marker={"color": colors["primary"], "opacity": np.where(df["is_partial"].to_numpy(bool), 0.55, 1.0)},
            text=labels,
            textposition="outside",
            constraintext="none",  # at the chart's text size, never shrunk to the bar's width
            cliponaxis=False,
            textfont={"color": _change_colors(changes, metric_id, colors)},
            customdata=labels,
            hovertemplate=f"%{{x|{month_format}}}<br>{this_year}: %{{y:,.2f}} {axis_unit}<br>{yoy}: %{{customdata}}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=months,
            y=prev / divisor,
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
        xaxis=axis(theme, lang, type="date", showgrid=False, **month_ticks(months, lang)),
        yaxis=axis(theme, lang, title={"text": axis_unit}, rangemode="tozero"),
        hovermode="x unified",
    )
    return unvalidated_figure(traces, layout)


def make_ranking_figure(
    df: pd.DataFrame,
    *,
    lang: str,
    theme: str | None = "light",
    font_size: float | None = None,
    unit: str = "",
    highlight: str | None = None,
    metric_id: str | None = None,
) -> go.Figure:
    """Horizontal bars of the units one level down, the largest on top; the current unit
    (``is_current``, or the drill target ``highlight``) in the accent colour. Each bar's
    ``customdata`` is ``[drill, name, change]``: a click drills into that unit.

    Args:
        df: ``data.queries.compare.fetch_child_ranking`` output.
        unit: the indicator's catalog unit.
        highlight: a drill target (``"org:12"``) to mark besides ``is_current``.
        metric_id: the indicator (its bad direction colours the change in the hover).

    Returns:
        The figure (taller than a panel when there are more than ``ROWS_IN_PANEL`` units); the
        "暂无数据" figure when no unit has a value.
    """
    if _is_empty(df, ("value",)):
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    size = font_size or FONT_SIZES[normalize_theme(theme)]
    colors = palette(theme)
    # Largest first, units without a value last (argsort of the negated values puts NaN last).
    value = df["value"].to_numpy(dtype=float)
    order = np.argsort(-value, kind="stable")
    value = value[order]
    drills = df["drill"].to_numpy(dtype=object)[order]
    names = df["name_zh" if lang == "zh" else "name_en"].to_numpy(dtype=object)[order]
    current = df["is_current"].to_numpy(dtype=bool)[order] if "is_current" in df else np.zeros(len(df), bool)
    if highlight:
        current = current | (drills == highlight)
    changes = df["change_pct"].to_numpy(dtype=float)[order] if "change_pct" in df else np.full(len(df), np.nan)
    wall = normalize_theme(theme) == "dark"
    if wall and len(value) > WALL_ROWS:
        keep = np.arange(len(value)) < WALL_ROWS
        keep |= current  # the unit in question stays on screen, even when it ranks lower
        value, drills, names, current, changes = value[keep], drills[keep], names[keep], current[keep], changes[keep]
    divisor, axis_unit = _scale(value, unit, lang)
    change_text = _change_labels(changes)
    compare = t("compare.change", lang)
    bar = dict(
        type="bar",
        x=value / divisor,
        y=drills,
        orientation="h",
        marker={"color": np.where(current, colors["accent"], colors["primary"])},
        # Whole numbers once the bars reach 100 (no "4.4e+3"); at the chart's own size, never
        # shrunk to fit the bar's end.
        texttemplate="%{x:,.0f}" if np.nanmax(np.abs(value / divisor)) >= 100 else "%{x:,.3~g}",
        textposition="outside",
        constraintext="none",
        textfont={"size": size},
        cliponaxis=False,
        customdata=np.column_stack([drills.astype(str), names.astype(str), change_text]),
        hovertemplate=f"%{{customdata[1]}}<br>%{{x:,.2f}} {axis_unit}<br>{compare}: %{{customdata[2]}}<extra></extra>",
    )
    layout = base_layout(theme, lang, font_size=font_size)
    height = None if wall else _grown_height(len(value), size)
    layout.update(
        showlegend=False,
        bargap=0.25,
        margin={"l": 16, "r": 48, "t": 24, "b": 16, "pad": 4},
        xaxis=axis(theme, lang, title={"text": axis_unit}, rangemode="tozero"),
        yaxis=axis(
            theme,
            lang,
            type="category",
            tickmode="array",
            tickvals=drills,
            ticktext=names,
            autorange="reversed",
            showgrid=False,
        ),
    )
    if height:
        layout["height"] = height
    return unvalidated_figure([bar], layout)


def _grid(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list, np.ndarray]:
    """``(values units × months, drill per unit, months, first row of each unit)``. The query
    returns the full grid unit by unit, months in order: then it is a reshape; any other frame
    is placed cell by cell."""
    values = df["value"].to_numpy(dtype=float)
    drill = df["drill"].to_numpy(dtype=object)
    month = df["month"].to_numpy(dtype=object)
    cols = int(np.argmax(drill != drill[0])) or len(drill)
    if len(drill) % cols == 0:
        rows = len(drill) // cols
        firsts = np.arange(rows) * cols
        head = list(month[:cols])
        if head == sorted(head) and (drill.reshape(rows, cols) == drill[firsts][:, None]).all():
            if (month.reshape(rows, cols) == month[:cols]).all():
                return values.reshape(rows, cols), drill[firsts], head, firsts
    unit_codes, drills = pd.factorize(drill, sort=False)
    month_codes, months = pd.factorize(month, sort=True)
    z = np.full((len(drills), len(months)), np.nan)
    z[unit_codes, month_codes] = values
    return z, np.asarray(drills, dtype=object), list(months), np.unique(unit_codes, return_index=True)[1]


def make_peer_matrix_figure(
    df: pd.DataFrame,
    *,
    lang: str,
    theme: str | None = "light",
    font_size: float | None = None,
    unit: str = "",
) -> go.Figure:
    """The peer comparison as a heat map: a row per unit (in the tree's order, top down), a
    column per month. Each cell's ``customdata`` is its unit's drill target and its hover names
    the unit in full with the month and value; cells write their value while the rows leave room
    for it (up to ``ROWS_IN_PANEL`` units), and the figure grows with more units so each row
    keeps a readable label.

    Args:
        df: ``data.queries.compare.fetch_peer_matrix`` output (``drill``, ``name_zh``,
            ``name_en``, ``month``, ``value``).
        unit: the indicator's catalog unit.

    Returns:
        The figure; the "暂无数据" figure when no cell has a value.
    """
    if _is_empty(df, ("value",)):
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    theme = normalize_theme(theme)
    size = font_size or FONT_SIZES[theme]
    colors = palette(theme)
    z, drills, months, first = _grid(df)
    if theme == "dark" and len(drills) > WALL_ROWS:  # the wall shows the largest units
        top = np.sort(np.argsort(-np.nan_to_num(np.nansum(z, axis=1), nan=-np.inf), kind="stable")[:WALL_ROWS])
        z, drills, first = z[top], drills[top], first[top]
    rows, cols = z.shape
    divisor, axis_unit = _scale(z.reshape(-1), unit, lang)
    z = z / divisor
    names = df["name_zh" if lang == "zh" else "name_en"].to_numpy(dtype=object)[first]
    # Fixed-width string arrays, not object arrays: plotly deep-copies trace data, which for an
    # object array means element by element (most of this builder's time with 59 × 12 cells).
    drill_grid = np.repeat(drills.astype(str)[:, None], cols, axis=1)
    name_grid = np.repeat(names.astype(str)[:, None], cols, axis=1)
    x = [m.isoformat() if hasattr(m, "isoformat") else str(m) for m in months]
    month_format = t("fmt.month_hover", lang)
    heatmap = dict(
        type="heatmap",
        z=z,
        x=x,
        y=np.arange(rows),
        customdata=drill_grid,
        text=name_grid,
        hovertemplate=f"%{{text}}<br>%{{x|{month_format}}}: %{{z:,.2f}} {axis_unit}<extra></extra>",
        texttemplate=(
            ("%{z:,.0f}" if np.nanmax(np.abs(z)) >= 100 else "%{z:,.3~g}") if rows <= ROWS_IN_PANEL else None
        ),
        textfont={"size": max(10, round(size * 0.8))},
        colorscale=[[0.0, RAMP_LOW[theme]], [1.0, colors["primary"]]],
        colorbar={"title": {"text": axis_unit}, "thickness": 12, "outlinewidth": 0},
        xgap=1,
        ygap=1,
        hoverongaps=False,
    )
    layout = base_layout(theme, lang, font_size=font_size)
    height = None if theme == "dark" else _grown_height(rows, size)
    layout.update(
        margin={"l": 16, "r": 16, "t": 24, "b": 16, "pad": 4},
        xaxis=axis(theme, lang, type="date", showgrid=False, **month_ticks(x, lang)),
        yaxis=axis(
            theme,
            lang,
            tickmode="array",
            tickvals=list(range(rows)),
            ticktext=names.tolist(),
            autorange="reversed",
            showgrid=False,
            tickfont={"color": colors["muted"], "size": max(10, round(size * 0.85))},
        ),
    )
    if height:
        layout["height"] = height
    return unvalidated_figure([heatmap], layout)


__all__ = ["ROWS_IN_PANEL", "make_metric_trend_figure", "make_peer_matrix_figure", "make_ranking_figure"]
