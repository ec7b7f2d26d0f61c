"""KPI tiles: a metric's name (from the metrics catalog), its value with a readable unit, the
period it covers, a comparison line and a status colour, and a "来源" link for provenance.

Large values use the units Chinese readers expect (万, 亿; 1.23亿元 rather than 123,000,000 元);
in English they read 1.23M. Rates and percentages are never scaled.

A tile carries its metric id twice: in its pattern-matching id (``ids.kpi_tile(metric_id)``) and
in ``data-metric-id``, and its sources link has ``ids.kpi_source(metric_id)``, so provenance can
attach to a tile without knowing how it was built.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from dash import dcc, html

from components import ids
from components.states import build_empty
from data.catalog import get_metric
from data.frames import frame_records
from data.kpi_status import kpi_status
from presentation.format import format_number, reference_text
from presentation.i18n import t


def build_kpi_tile(row: Mapping, *, lang: str) -> html.Div:
    """One tile from a KPI row (the ``KPI_COLUMNS`` of ``data.queries``: ``metric_id``, ``period``,
    ``value``, ``unit``, ``reference``, ``reference_kind``, and ``status`` where the read judged it)."""
    metric = get_metric(row["metric_id"])
    value, reference, kind = row.get("value"), row.get("reference"), row.get("reference_kind") or ""
    number, unit = format_number(value, row.get("unit") or metric.unit, lang)
    # The page reads judge each tile by the alert rules (data.kpi_status.with_kpi_status); a row
    # built without them (a test frame, an older cache entry) is judged without rules.
    status = row.get("status") or kpi_status(value, reference, kind, metric.bad_direction)
    comparison = reference_text(metric.id, value, reference, kind, row.get("unit") or metric.unit, lang)
    return html.Div(
        [
            html.Div(
                [
                    html.Span(metric.name(lang), className="aocc-kpi__name"),
                    html.Span(t(f"period.{row['period']}", lang), className="aocc-kpi__period"),
                ],
                className="aocc-kpi__head",
            ),
            html.Div(
                [html.Span(number, className="aocc-kpi__number"), html.Span(unit, className="aocc-kpi__unit")],
                className="aocc-kpi__value",
            ),
            html.Div(
                [
                    html.Span(comparison, className="aocc-kpi__ref"),
                    html.A(
                        t("kpi.sources", lang),
                        id=ids.kpi_source(metric.id),
                        className="aocc-kpi__sources",
                        title=t("kpi.sources_hint", lang),
                        **{"data-metric-id": metric.id},
                    ),
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
    return [build_kpi_tile(row, lang=lang) for row in frame_records(kpis)]


def build_overview_groups(kpis: pd.DataFrame, *, lang: str, hrefs: Mapping[str, str]) -> list:
    """The overview's headline tiles grouped by domain, each group titled with a link to its page.

    Args:
        kpis: ``fetch_overview_kpis`` output (``KPI_COLUMNS`` plus ``domain``).
        hrefs: the link of each domain's page by catalog domain (``energy``, ``vehicle`` …).
    """
    if kpis is None or kpis.empty or kpis["value"].isna().all():
        return [build_empty(lang)]
    by_domain: dict[str, list[dict]] = {}
    for row in frame_records(kpis):
        by_domain.setdefault(row["domain"], []).append(row)
    groups = []
    for domain, rows in by_domain.items():
        head = html.Div(
            [
                html.Span(t(f"overview.domain.{domain}", lang), className="aocc-group__title"),
                dcc.Link(t("overview.details", lang), href=hrefs.get(domain, "/"), className="aocc-group__link"),
            ],
            className="aocc-group__head",
        )
        tiles = html.Div([build_kpi_tile(row, lang=lang) for row in rows], className="aocc-group__tiles")
        groups.append(
            html.Section([head, tiles], className=f"aocc-group aocc-group--{domain}", **{"data-domain": domain})
        )
    return groups
