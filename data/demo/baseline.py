"""The demo's energy baselines and anomalies: each building fitted on the year before the last 60
days, and those 60 days compared with the fit, so the energy page's load profile and anomaly list
have something to show (the night-load leak of ``anomalies`` among them).

On the small tier this adds about 3 s to the build (60 buildings: reading a year of hours ~25 ms
and fitting ~12 ms per building, then detection); the tiny tier (75 days) fits on 50 and detects 25.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Connection

from ..baseline.store import detect_anomalies_on, fit_baselines_on
from ..calendar import Calendar

ANOMALY_DAYS = 60


def write_baselines(conn: Connection, *, as_of: dt.date, days: int, calendar: Calendar) -> dict[str, int]:
    """Fit every building on the days before the anomaly window and detect the window (the last
    ``ANOMALY_DAYS`` days before ``as_of``; a third of the tier's ``days`` of facts when that is less).
    ``fitted_at`` is the window's first local midnight, so the same build gives the same rows."""
    window = min(ANOMALY_DAYS, days // 3)
    first = as_of - dt.timedelta(days=window)
    fitted = fit_baselines_on(conn, today=first, now=calendar.day_start_utc(first), calendar=calendar)
    found = {"anomalies": 0}
    if window:
        found = detect_anomalies_on(conn, first_day=first, last_day=as_of - dt.timedelta(days=1), calendar=calendar)
    return {"building_baseline": fitted["fitted"], "energy_anomaly": found["anomalies"]}
