"""Figures of the vehicle page's panels: the fleet against its quota by class, and one vehicle's
daily mileage and fuel. Plain trace and layout dicts, not validated by plotly (as the
comparison figures): a panel's figure costs well under the callback's budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from data.catalog import get_metric
from presentation.format import unit_label
from presentation.i18n import has, t
from presentation.theme import palette

from .common import axis, base_layout, make_empty_figure


def unvalidated_figure(traces: list[dict], layout: dict) -> go.Figure:
    # As presentation.figures.compare builds its figures: plotly's per-property validation and
    # its default template cost more than the rest of a panel; the tests validate the output.
    layout["template"] = {"layout": {"hoverlabel": {"align": "left"}}}
    return go.Figure(data=traces, layout=layout, _validate=False)


def class_label(code: str, lang: str) -> str:
    """A vehicle class's name (机要通信 …); an unknown code shows as it is."""
    key = f"vehicle_page.class.{code}"
    return t(key, lang) if has(key) else str(code)


def make_fleet_class_figure(
    df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size: float | None = None
) -> go.Figure:
    """Bars of the fleet and the approved quota (编制) per vehicle class, the fleet bar in the
    "bad" colour where it exceeds the quota, and the new-energy share as markers on a % axis.

    Args:
        df: ``data.queries.vehicle_panels.fetch_fleet_by_class`` output (``vehicle_class``,
            ``fleet``, ``quota``, ``nev``, ``nev_share``, ``over_quota``).
        lang: ``zh`` or ``en``. theme: ``light`` or ``dark``. font_size: the base font size.

    Returns:
        The figure; the "暂无数据" figure when there is no class.
    """
    if df is None or df.empty or (df["fleet"].fillna(0).sum() == 0 and df["quota"].fillna(0).sum() == 0):
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    colors = palette(theme)
    labels = [class_label(c, lang) for c in df["vehicle_class"]]
    vehicles = unit_label(get_metric("vehicle.fleet").unit, lang)
    fleet_name, quota_name = t("vehicle_page.series.fleet", lang), t("vehicle_page.series.quota", lang)
    nev_name = t("vehicle_page.series.nev_share", lang)
    over = df["over_quota"].to_numpy(dtype=float) > 0
    share = (df["nev_share"].to_numpy(dtype=float) * 100.0).round(1)
    traces = [
        {
            "type": "bar",
            "x": labels,
            "y": df["fleet"].tolist(),
            "name": fleet_name,
            "marker": {"color": [colors["bad"] if o else colors["primary"] for o in over]},
            "hovertemplate": f"%{{x}}<br>{fleet_name}: %{{y:,.0f}} {vehicles}<extra></extra>",
        },
        {
            "type": "bar",
            "x": labels,
            "y": df["quota"].tolist(),
            "name": quota_name,
            "marker": {"color": colors["muted"], "opacity": 0.45},
            "hovertemplate": f"%{{x}}<br>{quota_name}: %{{y:,.0f}} {vehicles}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": labels,
            "y": [None if np.isnan(s) else float(s) for s in share],
            "name": nev_name,
            "yaxis": "y2",
            "mode": "markers",
            "marker": {"color": colors["good"], "size": 11, "symbol": "diamond"},
            "hovertemplate": f"%{{x}}<br>{nev_name}: %{{y:.1f}}%<extra></extra>",
        },
    ]
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        barmode="group",
        bargap=0.3,
        xaxis=axis(theme, lang, type="category", showgrid=False),
        yaxis=axis(theme, lang, title={"text": vehicles}, rangemode="tozero", tickformat=",d"),
        yaxis2=axis(theme, lang, overlaying="y", side="right", showgrid=False, range=[0, 105], ticksuffix="%"),
        hovermode="x unified",
    )
    return unvalidated_figure(traces, layout)


def make_vehicle_daily_figure(
    df: pd.DataFrame,
    *,
    lang: str,
    theme: str | None = "light",
    font_size: float | None = None,
    energy: str | None = None,
) -> go.Figure:
    """Bars of a vehicle's daily kilometres and its refuelling (or charging) as a line on a
    second axis.

    Args:
        df: ``data.queries.vehicle_trips.fetch_vehicle_daily`` output (``day``, ``km``, ``trips``,
            ``fuel_l``, ``charge_kwh``, ``energy_cost_yuan``).
        energy: ``fuel`` (litres) or ``charge`` (kWh); None picks the one with data.

    Returns:
        The figure; the "暂无数据" figure when the vehicle neither drove nor refuelled.
    """
    if df is None or df.empty:
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    km = np.nan_to_num(df["km"].to_numpy(dtype=float))
    fuel = np.nan_to_num(df["fuel_l"].to_numpy(dtype=float))
    charge = np.nan_to_num(df["charge_kwh"].to_numpy(dtype=float))
    if not (km.any() or fuel.any() or charge.any()):
        return make_empty_figure(lang=lang, theme=theme, font_size=font_size)
    if energy is None:
        energy = "charge" if charge.sum() > fuel.sum() else "fuel"
    amounts, unit = (charge, "kWh") if energy == "charge" else (fuel, "L")
    colors = palette(theme)
    days = np.asarray(df["day"].to_numpy(), dtype="datetime64[D]").astype(str).tolist()
    km_name = t("series.km", lang)
    energy_name = t(f"vehicle_page.series.{energy}", lang)
    trips = unit_label(get_metric("vehicle.trips").unit, lang)
    traces = [
        {
            "type": "bar",
            "x": days,
            "y": km.tolist(),
            "customdata": np.nan_to_num(df["trips"].to_numpy(dtype=float)).tolist(),
            "name": km_name,
            "marker": {"color": colors["primary"]},
            "hovertemplate": f"{km_name}: %{{y:,.1f}} km · %{{customdata:,.0f}} {trips}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": days,
            "y": np.where(amounts > 0, amounts, np.nan).tolist(),
            "name": energy_name,
            "yaxis": "y2",
            "mode": "markers+lines",
            "connectgaps": False,
            "line": {"color": colors["accent"], "width": 2},
            "marker": {"size": 8},
            "hovertemplate": f"{energy_name}: %{{y:,.1f}} {unit}<extra></extra>",
        },
    ]
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        bargap=0.25,
        xaxis=axis(theme, lang, type="date", tickformat=t("vehicle_page.fmt.day_axis", lang), showgrid=False),
        yaxis=axis(theme, lang, title={"text": "km"}, rangemode="tozero"),
        yaxis2=axis(
            theme, lang, overlaying="y", side="right", showgrid=False, rangemode="tozero", title={"text": unit}
        ),
        hovermode="x unified",
    )
    return unvalidated_figure(traces, layout)


__all__ = ["class_label", "make_fleet_class_figure", "make_vehicle_daily_figure"]
