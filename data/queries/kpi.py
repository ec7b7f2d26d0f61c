"""The KPI frame every ``fetch_*_kpis`` returns, and the small helpers the page reads share.

One row per KPI tile, in display order, with the columns ``KPI_COLUMNS``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data.catalog import get_metric

#: Columns of every ``fetch_*_kpis`` frame (one row per KPI tile, in display order).
KPI_COLUMNS = ["metric_id", "period", "value", "unit", "reference", "reference_kind", "as_of", "org_id"]
# reference_kind: "yoy"      reference is the same period one year earlier
#                 "quota"    reference is an approved maximum (fleet quota, energy quota 约束值)
#                 "baseline" reference is a national baseline the value should stay under
#                 "of_total" reference is the whole the value is a part of (value / reference is a share)
#                 ""         no reference
# The page reads (fetch_*_kpis) add a ``status`` column after these: the tile's colour, judged by
# the enabled org-level alert rule of the metric where one applies (data.kpi_status).

NAN = float("nan")


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float:
    """``numerator / denominator × scale``, NaN when either is missing or the denominator is 0."""
    if pd.isna(numerator) or pd.isna(denominator) or denominator == 0:
        return NAN
    return numerator / denominator * scale


def kpi_frame(rows: list[dict], as_of: dt.date | None, org_id: int) -> pd.DataFrame:
    """A frame with ``KPI_COLUMNS`` from tile rows (``metric_id``, ``period``, ``value`` …); ``unit``
    defaults to the metric's catalog unit."""
    records = [
        {
            "reference": NAN,
            "reference_kind": "",
            "unit": get_metric(row["metric_id"]).unit,
            **row,
            "as_of": as_of,
            "org_id": org_id,
        }
        for row in rows
    ]
    columns = {column: [record[column] for record in records] for column in KPI_COLUMNS}
    columns["value"] = [float(v) for v in columns["value"]]
    columns["reference"] = [float(v) for v in columns["reference"]]
    return pd.DataFrame(columns, columns=KPI_COLUMNS)


def empty_kpis() -> pd.DataFrame:
    """A KPI frame without rows (the domain has no data)."""
    return pd.DataFrame(columns=KPI_COLUMNS)


__all__ = ["KPI_COLUMNS", "NAN", "empty_kpis", "kpi_frame", "ratio"]
