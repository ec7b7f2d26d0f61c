"""KPI tiles: a metric's name (from the metrics catalog), its value with a readable unit, the
period it covers, a comparison line and a status colour, and a "来源" link for provenance.

Large values use the units Chinese readers expect (万, 亿; 1.23亿元 rather than 123,000,000 元);
in English they read 1.23M. Rates and percentages are never scaled.

A tile carries its metric id twice: in its pattern-matching id (``ids.kpi_tile(metric_id)``) and
in ``data-metric-id``, and its sources link has ``ids.kpi_source(metric_id)``, so provenance can
attach to a tile without knowing how it was built.
"""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd
from dash import dcc, html

from components import ids
from components.i18n import has, t
from components.states import build_empty
from data.catalog import get_metric

STATUSES = ("good", "warn", "bad", "neutral", "none")
YOY_WARN = 0.03  # relative change that deserves attention in the bad direction
YOY_BAD = 0.10


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def unit_label(unit: str, lang: str) -> str:
    """The unit as shown: catalog units with words (次, 辆, 元 …) are translated, symbols are kept."""
    key = f"unit.{unit}"
    return t(key, lang) if has(key) else unit


def _digits(value: float) -> int:
    magnitude = abs(value)
    if magnitude >= 1000:
        return 0
    if magnitude >= 100:
        return 1
    return 2


def format_number(value, unit: str, lang: str) -> tuple[str, str]:
    """``(number text, unit text)`` for a tile: ``(1234567, "kWh", "zh")`` → ``("123.5", "万kWh")``.

    Missing values (None, NaN) read "—". Percentages get one decimal; rates (units with "/")
    and percentages are never scaled; whole numbers below the scaling threshold show no decimals.
    """
    label = unit_label(unit, lang)
    if _missing(value):
        return "—", label
    value = float(value)
    if unit == "%":
        return f"{value:.1f}", label
    scalable = "/" not in unit
    magnitude = abs(value)
    if scalable and lang == "zh" and magnitude >= 1e4:
        divisor, scale = (1e8, t("num.yi", lang)) if magnitude >= 1e8 else (1e4, t("num.wan", lang))
        scaled = value / divisor
        return f"{scaled:,.{_digits(scaled)}f}", f"{scale}{label}"
    if scalable and lang != "zh" and magnitude >= 1e6:
        divisor, scale = (1e9, t("num.billion", lang)) if magnitude >= 1e9 else (1e6, t("num.million", lang))
        scaled = value / divisor
        return f"{scaled:,.{_digits(scaled)}f}{scale}", label
    if value == round(value) and magnitude < 1e6:
        return f"{value:,.0f}", label
    return f"{value:,.{_digits(value)}f}", label


def format_quantity(value, unit: str, lang: str) -> str:
    """Number and unit in one string ("120辆", "120 vehicles", "18.48 kgce/m²")."""
    number, label = format_number(value, unit, lang)
    if label in ("", "%") or (lang == "zh" and not label[0].isascii()):
        return f"{number}{label}"
    return f"{number} {label}"


def kpi_status(value, reference, reference_kind: str, bad_direction: str) -> str:
    """The tile's status: ``good``, ``warn``, ``bad``, ``neutral`` or ``none`` (no value).

    * ``quota``: above the approved maximum is ``bad``, within it ``good``;
    * ``baseline``: above the national baseline is ``warn``, at or below ``good``;
    * ``yoy``: a change of more than 3 % in the bad direction is ``warn``, more than 10 % ``bad``,
      more than 3 % in the good direction ``good`` (metrics without a bad direction stay neutral);
    * anything else is ``neutral``.
    """
    if _missing(value):
        return "none"
    if _missing(reference) or not reference_kind:
        return "neutral"
    if reference_kind == "quota":
        return "bad" if value > reference else "good"
    if reference_kind == "baseline":
        return "warn" if value > reference else "good"
    if reference_kind == "yoy":
        if bad_direction not in ("up", "down") or reference == 0:
            return "neutral"
        change = (value - reference) / abs(reference)
        worse = change if bad_direction == "up" else -change
        if worse > YOY_BAD:
            return "bad"
        if worse > YOY_WARN:
            return "warn"
        if worse < -YOY_WARN:
            return "good"
    return "neutral"


def reference_text(metric_id: str, value, reference, reference_kind: str, unit: str, lang: str) -> str:
    """The comparison line under the value ("同比 ▲3.2%", "编制 120辆" …), or "" when there is none."""
    if _missing(reference) or not reference_kind:
        return ""
    if reference_kind == "yoy":
        if _missing(value) or (reference == 0 and unit != "%"):
            return ""
        if unit == "%":
            delta = value - reference
            return t("kpi.yoy_pp", lang, delta=f"{'▲' if delta > 0 else '▼' if delta < 0 else ''}{abs(delta):.1f}")
        change = (value - reference) / abs(reference) * 100.0
        arrow = "▲" if change > 0 else "▼" if change < 0 else ""
        return t("kpi.yoy", lang, delta=f"{arrow}{abs(change):.1f}%")
    if reference_kind == "quota":
        if metric_id == "vehicle.fleet":
            key = "kpi.ref.fleet_quota"
        else:
            key = "kpi.ref.energy_quota" if metric_id.startswith("energy.") else "kpi.ref.quota"
        return t(key, lang, value=format_quantity(reference, unit, lang))
    if reference_kind == "baseline":
        return t("kpi.ref.baseline", lang, value=format_quantity(reference, unit, lang))
    if reference_kind == "of_total":
        if _missing(value) or reference == 0:
            return ""
        key = f"kpi.ref.share.{metric_id}"
        return t(key if has(key) else "kpi.ref.share", lang, value=f"{value / reference * 100.0:.1f}%")
    return ""


def records(frame: pd.DataFrame) -> list[dict]:
    """A small frame's rows as dicts, without ``to_dict("records")``'s per-call cost."""
    columns = list(frame.columns)
    return [dict(zip(columns, values)) for values in zip(*(frame[column].tolist() for column in columns))]


def build_kpi_tile(row: Mapping, *, lang: str) -> html.Div:
    """One tile from a KPI row (the ``KPI_COLUMNS`` of ``data.queries``: ``metric_id``, ``period``,
    ``value``, ``unit``, ``reference``, ``reference_kind``)."""
    metric = get_metric(row["metric_id"])
    value, reference, kind = row.get("value"), row.get("reference"), row.get("reference_kind") or ""
    number, unit = format_number(value, row.get("unit") or metric.unit, lang)
    status = kpi_status(value, reference, kind, metric.bad_direction)
    comparison = reference_text(metric.id, value, reference, kind, row.get("unit") or metric.unit, lang)
    return html.Div(
        [
            html.Div(
                [html.Span(metric.name(lang), className="aocc-kpi__name"),
                 html.Span(t(f"period.{row['period']}", lang), className="aocc-kpi__period")],
                className="aocc-kpi__head",
            ),
            html.Div(
                [html.Span(number, className="aocc-kpi__number"), html.Span(unit, className="aocc-kpi__unit")],
                className="aocc-kpi__value",
            ),
            html.Div(
                [
                    html.Span(comparison, className="aocc-kpi__ref"),
                    html.A(t("kpi.sources", lang), id=ids.kpi_source(metric.id), className="aocc-kpi__sources",
                           title=t("kpi.sources_hint", lang), **{"data-metric-id": metric.id}),
                ],
                className="aocc-kpi__foot",
            ),
        ],
        id=ids.kpi_tile(metric.id),
        className=f"aocc-kpi aocc-kpi--{status}",
        **{"data-metric-id": metric.id, "data-status": status},
    )


def build_kpi_tiles(kpis: pd.DataFrame, *, lang: str) -> list:
    """The tiles of a KPI frame in its order, or the empty state when it holds no value at all."""
    if kpis is None or kpis.empty or kpis["value"].isna().all():
        return [build_empty(lang)]
    return [build_kpi_tile(row, lang=lang) for row in records(kpis)]


def build_overview_groups(kpis: pd.DataFrame, *, lang: str, hrefs: Mapping[str, str]) -> list:
    """The overview's headline tiles grouped by domain, each group titled with a link to its page.

    Args:
        kpis: ``fetch_overview_kpis`` output (``KPI_COLUMNS`` plus ``domain``).
        hrefs: the link of each domain's page by catalog domain (``energy``, ``vehicle`` …).
    """
    if kpis is None or kpis.empty or kpis["value"].isna().all():
        return [build_empty(lang)]
    by_domain: dict[str, list[dict]] = {}
    for row in records(kpis):
        by_domain.setdefault(row["domain"], []).append(row)
    groups = []
    for domain, rows in by_domain.items():
        head = html.Div(
            [html.Span(t(f"overview.domain.{domain}", lang), className="aocc-group__title"),
             dcc.Link(t("overview.details", lang), href=hrefs.get(domain, "/"), className="aocc-group__link")],
            className="aocc-group__head",
        )
        tiles = html.Div([build_kpi_tile(row, lang=lang) for row in rows], className="aocc-group__tiles")
        groups.append(html.Section([head, tiles], className=f"aocc-group aocc-group--{domain}", **{"data-domain": domain}))
    return groups
