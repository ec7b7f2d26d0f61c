"""A building's hourly load against its baseline: the actual line, the expected line inside its
prediction band (a filled band between the lower and upper bound), and the hours above the band
marked. Plain trace dicts (``compare.unvalidated_figure``): about a millisecond for a month of hours.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from presentation.i18n import t
from presentation.theme import palette

from .common import axis, base_layout, make_empty_figure
from .compare import unvalidated_figure

BAND_OPACITY = 0.18


def _rgba(color: str, alpha: float) -> str:
    """A ``#rrggbb`` colour with ``alpha`` (other notations are returned as they are)."""
    if not (color.startswith("#") and len(color) == 7):
        return color
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    return df[name].to_numpy(dtype=float) if name in df.columns else np.full(len(df), np.nan)


def make_load_profile_figure(
    df: pd.DataFrame,
    *,
    lang: str,
    theme: str | None = "light",
    font_size: float | None = None,
) -> go.Figure:
    """Hourly actual electricity against the baseline's expectation and 95 % band.

    Args:
        df: ``data.queries.energy_baseline.fetch_building_load_profile`` output (``ts``,
            ``actual_kwh``, ``expected_kwh``, ``lower_kwh``, ``upper_kwh``); when its ``attrs``
            say ``clipped``, a note names the days shown.
        lang: ``zh`` or ``en``.
        theme: ``light`` or ``dark``.
        font_size: the base font size; the theme's default when None.

    Returns:
        The figure: the band (upper bound, then the lower bound filled up to it), the expected
        line (dashed), the actual line, and markers on hours whose actual exceeds the upper
        bound; the "暂无数据" figure when ``df`` has no actual and no expected value.
    """
    if df is None or df.empty:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    actual, expected = _column(df, "actual_kwh"), _column(df, "expected_kwh")
    if np.isnan(actual).all() and np.isnan(expected).all():
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    lower, upper = _column(df, "lower_kwh"), _column(df, "upper_kwh")
    colors = palette(theme)
    x = np.datetime_as_string(pd.to_datetime(df["ts"]).to_numpy().astype("datetime64[m]"), unit="m")
    hour_format = t("energy_baseline.fmt.hour_hover", lang)
    names = {key: t(f"energy_baseline.series.{key}", lang) for key in ("actual", "expected", "band", "above")}
    with np.errstate(invalid="ignore"):
        above = np.isfinite(actual) & np.isfinite(upper) & (actual > upper)
    traces = [
        dict(
            type="scatter",
            x=x,
            y=upper,
            mode="lines",
            line={"width": 0, "color": colors["secondary"]},
            showlegend=False,
            hoverinfo="skip",
            legendgroup="band",
        ),
        dict(
            type="scatter",
            x=x,
            y=lower,
            mode="lines",
            line={"width": 0, "color": colors["secondary"]},
            fill="tonexty",
            fillcolor=_rgba(colors["primary"], BAND_OPACITY),
            name=names["band"],
            legendgroup="band",
            customdata=upper,
            hovertemplate=f"{names['band']}: %{{y:,.1f}} – %{{customdata:,.1f}} kWh<extra></extra>",
        ),
        dict(
            type="scatter",
            x=x,
            y=expected,
            mode="lines",
            name=names["expected"],
            line={"color": colors["muted"], "width": 1.5, "dash": "dash"},
            hovertemplate=f"{names['expected']}: %{{y:,.1f}} kWh<extra></extra>",
        ),
        dict(
            type="scatter",
            x=x,
            y=actual,
            mode="lines",
            name=names["actual"],
            line={"color": colors["primary"], "width": 2},
            connectgaps=False,
            hovertemplate=f"%{{x|{hour_format}}}<br>{names['actual']}: %{{y:,.1f}} kWh<extra></extra>",
        ),
        dict(
            type="scatter",
            x=x[above],
            y=actual[above],
            mode="markers",
            name=names["above"],
            marker={"color": colors["bad"], "size": 7},
            hovertemplate=f"{names['above']}: %{{y:,.1f}} kWh<extra></extra>",
            visible=True if above.any() else "legendonly",
        ),
    ]
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        xaxis=axis(theme, lang, type="date", tickformat=t("energy_baseline.fmt.day_axis", lang), showgrid=False),
        yaxis=axis(theme, lang, title={"text": "kWh"}, rangemode="tozero"),
        hovermode="x unified",
    )
    notes = []
    if df.attrs.get("clipped"):
        notes.append(t("energy_baseline.clipped", lang, days=len(df) // 24, start=str(df.attrs.get("first_day"))))
    if df.attrs.get("has_model") is False:
        notes.append(t("energy_baseline.no_model", lang))
    if notes:
        layout["annotations"] = [
            {
                "text": "；".join(notes) if lang == "zh" else "; ".join(notes),
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 1.02,
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"color": colors["muted"]},
            }
        ]
    return unvalidated_figure(traces, layout)


__all__ = ["make_load_profile_figure"]
