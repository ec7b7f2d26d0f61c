"""The alert indicator of baseline anomalies: ``energy.anomaly_extra_kwh``, a building's
electricity above its baseline over the rule's window, from ``energy_anomaly``
(``data.baseline.store`` writes it nightly).

Per day the largest ``extra_kwh`` of the building's anomaly rows counts (a night's excess is part
of its day's, so the two are never added), summed over the window's days. A building with a
stored baseline and no anomaly scores 0; one without a baseline has no figure (NaN: its alerts
stay as they are). Registered with ``indicators`` when ``data.alerts`` is imported.
"""

from __future__ import annotations

from .indicators import FAMILY_SQL, FLOW_WINDOWS, INDICATORS, Indicator

METRIC_ID = "energy.anomaly_extra_kwh"
FAMILY = "energy_anomaly"


def anomaly_sql(q, ind: Indicator, kind: str, window, as_of, now) -> tuple[str, str, str]:
    """``(joins, value_sql, reference_sql)`` over the building alias ``e``, in one statement."""
    start, end = window.span(as_of)
    per_day = (
        "SELECT building_id, day, MAX(extra_kwh) AS extra FROM energy_anomaly "
        f"WHERE day BETWEEN {q.day(start)} AND {q.day(end)} GROUP BY building_id, day"
    )
    total = f"SELECT building_id, SUM(extra) AS extra FROM ({per_day}) d GROUP BY building_id"
    joins = f"LEFT JOIN ({total}) ax ON ax.building_id = e.id LEFT JOIN building_baseline bb ON bb.building_id = e.id"
    return joins, "(CASE WHEN bb.building_id IS NULL THEN NULL ELSE COALESCE(ax.extra, 0) END)", "NULL"


INDICATORS[METRIC_ID] = Indicator(METRIC_ID, FAMILY, ("building",), FLOW_WINDOWS)
FAMILY_SQL[FAMILY] = anomaly_sql

__all__ = ["FAMILY", "METRIC_ID", "anomaly_sql"]
