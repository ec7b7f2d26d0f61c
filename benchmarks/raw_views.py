"""Each page's figures computed straight from raw fact tables: the yardstick roll-ups beat.

These do what a dashboard without roll-ups would do on every refresh: scan the facts of the
org subtree for the page's period, group them by local month and status, and join the
dimensions. They compute the same figures the page shows (province root, as of the demo's
last day), so the ratio between their time and the callbacks' is the roll-ups' worth.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection


def _month_expr(conn: Connection, column: str) -> str:
    # A reading's ts ends its interval: local (UTC+8) time of the interval's start is ts + 7 h.
    if conn.dialect.name == "sqlite":
        return f"strftime('%Y-%m', {column}, '+7 hours')"
    return f"to_char({column} + interval '7 hours', 'YYYY-MM')"


def _ts(conn: Connection, value: dt.datetime):
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if conn.dialect.name == "sqlite" else value


def _window(as_of: dt.date, months: int) -> tuple[dt.datetime, dt.datetime]:
    first = dt.date(as_of.year, as_of.month, 1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    start = dt.datetime.combine(first, dt.time()) - dt.timedelta(hours=8)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()) - dt.timedelta(hours=8)
    return start, end


def energy_view(conn: Connection, org_path: str, as_of: dt.date) -> pd.DataFrame:
    """Monthly consumption per meter kind over 24 months for the subtree (the trend and the tiles)."""
    start, end = _window(as_of, 24)
    sql = sa.text(
        f"SELECT {_month_expr(conn, 'r.ts')} AS month, m.kind AS kind, SUM(r.value) AS value "
        "FROM meter_reading r JOIN meter m ON m.id = r.meter_id JOIN building b ON b.id = m.building_id "
        "JOIN org_node o ON o.id = b.org_id "
        "WHERE o.path LIKE :prefix AND r.ts >= :start AND r.ts < :end GROUP BY 1, 2"
    )
    return pd.DataFrame(conn.execute(sql, {"prefix": org_path + "%", "start": _ts(conn, start), "end": _ts(conn, end)}).all())


def vehicle_view(conn: Connection, org_path: str, as_of: dt.date) -> pd.DataFrame:
    """Trips, km and after-request counts per month over 24 months, plus fleet by energy type."""
    start, end = _window(as_of, 24)
    trips = sa.text(
        f"SELECT {_month_expr(conn, 't.start_ts')} AS month, COUNT(*) AS trips, SUM(t.km) AS km, "
        "SUM(CASE WHEN t.request_id IS NULL THEN 1 ELSE 0 END) AS unrequested "
        "FROM trip t JOIN vehicle v ON v.id = t.vehicle_id JOIN org_node o ON o.id = v.org_id "
        "WHERE o.path LIKE :prefix AND t.start_ts >= :start AND t.start_ts < :end GROUP BY 1"
    )
    fleet = sa.text(
        "SELECT v.energy_type, COUNT(*) FROM vehicle v JOIN org_node o ON o.id = v.org_id "
        "WHERE o.path LIKE :prefix AND v.status != 'disposed' GROUP BY 1"
    )
    params = {"prefix": org_path + "%", "start": _ts(conn, start), "end": _ts(conn, end)}
    frame = pd.DataFrame(conn.execute(trips, params).all())
    conn.execute(fleet, {"prefix": org_path + "%"}).all()
    return frame


def asset_view(conn: Connection, org_path: str, as_of: dt.date) -> pd.DataFrame:
    """Counts, original and net value by status (straight-line depreciation by category)."""
    sql = sa.text(
        "SELECT a.status, a.original_value_yuan, a.acquired_on, c.useful_life_years, c.residual_rate, "
        "a.custodian_name, a.last_audit_on "
        "FROM asset a JOIN asset_category c ON c.id = a.category_id JOIN org_node o ON o.id = a.org_id "
        "WHERE o.path LIKE :prefix"
    )
    frame = pd.DataFrame(conn.execute(sql, {"prefix": org_path + "%"}).all())
    if frame.empty:
        return frame
    age_years = (pd.Timestamp(as_of) - pd.to_datetime(frame["acquired_on"])).dt.days / 365.25
    life = frame["useful_life_years"].clip(lower=1)
    depreciated = (age_years / life).clip(upper=1.0) * (1 - frame["residual_rate"])
    frame["net_value"] = frame["original_value_yuan"] * (1 - depreciated)
    return frame.groupby("status").agg(count=("status", "size"), original=("original_value_yuan", "sum"),
                                       net=("net_value", "sum")).reset_index()


def housing_view(conn: Connection, org_path: str, as_of: dt.date) -> pd.DataFrame:
    """Office area per person by unit against the standard, and turnover-housing occupancy."""
    rooms = sa.text(
        "SELECT r.org_id, r.id AS room_id, r.usable_area_m2, COUNT(oc.id) AS occupants "
        "FROM office_room r JOIN org_node o ON o.id = r.org_id "
        "LEFT JOIN office_occupancy oc ON oc.room_id = r.id AND oc.since <= :as_of AND (oc.until IS NULL OR oc.until >= :as_of) "
        "WHERE o.path LIKE :prefix GROUP BY r.org_id, r.id, r.usable_area_m2"
    )
    units = sa.text(
        "SELECT u.status, COUNT(*) FROM housing_unit u JOIN org_node o ON o.id = u.org_id "
        "WHERE o.path LIKE :prefix GROUP BY u.status"
    )
    params = {"prefix": org_path + "%", "as_of": as_of}
    frame = pd.DataFrame(conn.execute(rooms, params).all())
    conn.execute(units, {"prefix": org_path + "%"}).all()
    if frame.empty:
        return frame
    return frame.groupby("org_id").agg(area=("usable_area_m2", "sum"), people=("occupants", "sum")).reset_index()


def overview_view(conn: Connection, org_path: str, as_of: dt.date) -> list[pd.DataFrame]:
    """The overview's headline figures come from every domain."""
    return [view(conn, org_path, as_of) for view in (energy_view, vehicle_view, asset_view, housing_view)]


RAW_VIEWS = {
    "overview": overview_view,
    "energy": energy_view,
    "vehicles": vehicle_view,
    "assets": asset_view,
    "housing": housing_view,
}
