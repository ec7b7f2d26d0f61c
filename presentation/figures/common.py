"""What every figure shares: the theme's colours and fonts, axis scaling and the message figure.

``base_layout`` returns a new dict on every call; nothing here is a plotly template registered
globally, because a mutated shared template leaks one user's view into everyone's.
"""

from __future__ import annotations

import plotly.graph_objects as go

from presentation.i18n import t
from presentation.theme import FONT_FAMILY, FONT_SIZES, PALETTES, normalize_theme


def base_layout(theme: str | None, lang: str, *, font_size: float | None = None) -> dict:
    """A fresh layout dict for ``theme``: transparent background, theme fonts (``font_size``, or
    the theme's default), horizontal legend."""
    theme = normalize_theme(theme)
    colors = PALETTES[theme]
    size = font_size or FONT_SIZES[theme]
    return {
        "font": {"family": FONT_FAMILY, "size": size, "color": colors["text"]},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 16, "r": 16, "t": 40, "b": 16, "pad": 4},
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "xanchor": "left",
            "x": 0,
            "font": {"size": size, "color": colors["text"]},
            "bgcolor": "rgba(0,0,0,0)",
        },
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": size}},
        "separators": ".,",
        "uirevision": "aocc",
        "autosize": True,
        "xaxis": axis(theme, lang),
        "yaxis": axis(theme, lang),
    }


def axis(theme: str | None, lang: str | None = None, **overrides) -> dict:
    """An axis with the theme's grid and text colours. Chinese axes write whole numbers with
    separators (8,000) instead of SI suffixes (8k), which Chinese readers do not use."""
    colors = PALETTES[normalize_theme(theme)]
    spec = {
        "gridcolor": colors["grid"],
        "zerolinecolor": colors["zero"],
        "linecolor": colors["grid"],
        "tickfont": {"color": colors["muted"]},
        "title": {"font": {"color": colors["muted"]}},
        "automargin": True,
        "showgrid": True,
    }
    if lang == "zh":
        spec.update(exponentformat="none", separatethousands=True)
    spec.update(overrides)
    return spec


def value_scale(max_value: float, unit_text: str, lang: str) -> tuple[float, str]:
    """``(divisor, axis unit)`` so that Chinese axes read 万/亿 instead of SI suffixes
    (1.2M means nothing to most readers of 万千瓦时); English axes keep plotly's SI ticks."""
    if lang == "zh":
        if max_value >= 1e9:
            return 1e8, f"{t('num.yi', lang)}{unit_text}"
        if max_value >= 1e4:
            return 1e4, f"{t('num.wan', lang)}{unit_text}"
    return 1.0, unit_text


def make_message_figure(text: str, *, theme: str | None = "light", font_size: float | None = None) -> go.Figure:
    """An empty figure that says ``text`` in its middle (no data, data unavailable)."""
    size = font_size or FONT_SIZES[normalize_theme(theme)]
    colors = PALETTES[normalize_theme(theme)]
    layout = {
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": FONT_FAMILY, "size": size, "color": colors["muted"]},
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "annotations": [
            {
                "text": text,
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "font": {"size": size + 4, "color": colors["muted"]},
            }
        ],
        "meta": {"aocc_state": "message"},
    }
    return go.Figure(layout=layout)


def make_empty_figure(*, lang: str, theme: str | None, font_size: float | None = None) -> go.Figure:
    """The "暂无数据" figure."""
    figure = make_message_figure(t("state.empty", lang), theme=theme, font_size=font_size)
    figure.update_layout(meta={"aocc_state": "empty"})
    return figure
