"""Figures of the housing page's office-space panels: area per person by rank against the
standard's per-rank limit. Plain trace and layout dicts, not validated by plotly (as the
comparison figures); the rankings use ``views.panels.make_ranking_with_position_figure``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from presentation.i18n import t
from presentation.theme import palette

from .common import axis, base_layout, make_empty_figure
from .vehicle_panels import unvalidated_figure


def rank_label(row: dict, lang: str, *, with_level: bool) -> str:
    """A rank's name in ``lang`` (the standard's 处级正职 …), with its administrative level
    (省级/市级/县级 …) when ranks of several levels are shown together."""
    name = row["rank_zh"] if lang == "zh" else row["rank_en"]
    if not with_level:
        return str(name)
    level = t(f"housing_page.admin_level.{row['admin_level']}", lang)
    return f"{level} · {name}"


def make_office_rank_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """Horizontal bars of the usable office area per person of each rank, in the "bad" colour
    where it exceeds the rank's limit, the limit as a marker beside each bar, and the rank's
    area over the standard (its share of over-standard rooms) in the hover.

    Args:
        df: ``data.queries.housing_panels.fetch_office_ranks`` output (``admin_level``,
            ``rank_code``, ``rank_zh``, ``rank_en``, ``occupants``, ``area_per_person``,
            ``limit_m2``, ``over_m2``, ``over_occupants`` …), in display order.
        lang: ``zh`` or ``en``. theme: ``light`` or ``dark``. font_size: the base font size.

    Returns:
        The figure, the first rank at the top; the "暂无数据" figure without occupants.
    """
    if df is None or df.empty or df["occupants"].fillna(0).sum() == 0:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    records = df.to_dict("records")
    several = df["admin_level"].nunique() > 1
    labels = [rank_label(r, lang, with_level=several) for r in records]
    per_person = df["area_per_person"].to_numpy(dtype=float)
    limit = df["limit_m2"].to_numpy(dtype=float)
    over_limit = ~np.isnan(limit) & (per_person > limit + 1e-9)
    m2 = "m²"
    per_name, limit_name = t("housing_page.series.area_per_person", lang), t("housing_page.series.limit", lang)
    people, over_name = t("housing_page.series.occupants", lang), t("housing_page.series.over_area", lang)
    custom = [[int(r["occupants"]), float(r["over_m2"]), int(r["over_occupants"])] for r in records]
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": [round(float(v), 2) for v in per_person],
            "name": per_name,
            "customdata": custom,
            "marker": {"color": [colors["bad"] if o else colors["primary"] for o in over_limit]},
            "hovertemplate": (
                f"%{{y}}<br>{per_name}: %{{x:,.1f}} {m2}<br>{people}: %{{customdata[0]:,d}}"
                f"<br>{over_name}: %{{customdata[1]:,.1f}} {m2} (%{{customdata[2]:,d}})<extra></extra>"
            ),
        },
        {
            "type": "scatter",
            "mode": "markers",
            "y": labels,
            "x": [None if np.isnan(v) else float(v) for v in limit],
            "name": limit_name,
            "marker": {
                "color": colors["muted"],
                "symbol": "line-ns",
                "size": 22,
                "line": {"width": 3, "color": colors["muted"]},
            },
            "hovertemplate": f"%{{y}}<br>{limit_name}: %{{x:,.0f}} {m2}<extra></extra>",
        },
    ]
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        xaxis=axis(theme, lang, title={"text": t("housing_page.axis.m2_per_person", lang)}, rangemode="tozero"),
        yaxis=axis(theme, lang, type="category", autorange="reversed", showgrid=False, automargin=True),
        bargap=0.35,
        hovermode="closest",
    )
    return unvalidated_figure(traces, layout)


__all__ = ["make_office_rank_figure", "rank_label"]
