"""Each page's figures computed straight from raw fact tables: the yardstick roll-ups beat.

These do what a dashboard without roll-ups would do on every refresh: scan the facts of the
org subtree for the page's period, group them by local month and status, and join the
dimensions. They compute the same figures the page shows (province root, as of the demo's
last day), so the ratio between their time and the callbacks' is the roll-ups' worth. Local
months and days are those of the configured zone (``data.calendar``), as in the roll-ups.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data.calendar import Calendar, add_months, configured_calendar
from data.depreciation import net_values

READING_HOURS = 1  # the views treat every reading as hourly: its interval starts an hour before its ts


def _month_expr(
    conn: Connection, column: str, months: list[dt.date], calendar: Calendar, *, shift: dt.timedelta = dt.timedelta()
) -> tuple[str, dict]:
    """SQL for the local month (``YYYY-MM``) of ``column - shift``, and its parameters.

    PostgreSQL converts with the zone database (daylight saving included). SQLite has none: when
    the zone's offset is the same at every month start of the window, ``strftime`` shifts by it
    (as cheap as a dashboard would make it); otherwise the month is found by comparing with the
    UTC instants at which ``months`` begin.
    """
    if conn.dialect.name != "sqlite":
        return (
            f"to_char((({column} - :month_shift) AT TIME ZONE 'UTC') AT TIME ZONE :zone, 'YYYY-MM')",
            {"month_shift": shift, "zone": calendar.name},
        )
    offsets = {dt.datetime.combine(m, dt.time()) - calendar.day_start_utc_naive(m) for m in months}
    if len(offsets) == 1:
        seconds = int((offsets.pop() - shift).total_seconds())
        return f"strftime('%Y-%m', {column}, :month_modifier)", {"month_modifier": f"{seconds:+d} seconds"}
    params, cases = {}, []
    for i, month in reversed(list(enumerate(months))):
        params[f"month_{i}"] = _ts(conn, calendar.day_start_utc_naive(month) + shift)
        cases.append(f"WHEN {column} >= :month_{i} THEN '{month:%Y-%m}'")
    return f"CASE {' '.join(cases)} END", params


def _ts(conn: Connection, value: dt.datetime):
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if conn.dialect.name == "sqlite" else value


def _window(as_of: dt.date, months: int, calendar: Calendar) -> tuple[dt.datetime, dt.datetime, list[dt.date]]:
    """The UTC bounds of the local days from the first day of ``months`` months back to ``as_of``,
    and those months' first days."""
    first = add_months(dt.date(as_of.year, as_of.month, 1), 1 - months)
    start = calendar.day_start_utc_naive(first)
    end = calendar.day_start_utc_naive(as_of + dt.timedelta(days=1))
    return start, end, [add_months(first, i) for i in range(months)]


def energy_view(conn: Connection, org_path: str, as_of: dt.date, calendar: Calendar | None = None) -> pd.DataFrame:
    """Monthly consumption per meter kind over 24 months for the subtree (the trend and the tiles)."""
    calendar = calendar or configured_calendar()
    start, end, months = _window(as_of, 24, calendar)
    # A reading's ts ends its interval; the window and the months are those of the interval's start.
    shift = dt.timedelta(hours=READING_HOURS)
    month, month_params = _month_expr(conn, "r.ts", months, calendar, shift=shift)
    sql = sa.text(
        f"SELECT {month} AS month, m.kind AS kind, SUM(r.value) AS value "
        "FROM meter_reading r JOIN meter m ON m.id = r.meter_id JOIN building b ON b.id = m.building_id "
        "JOIN org_node o ON o.id = b.org_id "
        "WHERE o.path LIKE :prefix AND r.ts >= :start AND r.ts < :end GROUP BY 1, 2"
    )
    params = {
        "prefix": org_path + "%",
        "start": _ts(conn, start + shift),
        "end": _ts(conn, end + shift),
        **month_params,
    }
    return pd.DataFrame(conn.execute(sql, params).all())


def vehicle_view(conn: Connection, org_path: str, as_of: dt.date, calendar: Calendar | None = None) -> pd.DataFrame:
    """Trips, km and after-request counts per month over 24 months, plus fleet by energy type."""
    calendar = calendar or configured_calendar()
    start, end, months = _window(as_of, 24, calendar)
    month, month_params = _month_expr(conn, "t.start_ts", months, calendar)
    trips = sa.text(
        f"SELECT {month} AS month, COUNT(*) AS trips, SUM(t.km) AS km, "
        "SUM(CASE WHEN t.request_id IS NULL THEN 1 ELSE 0 END) AS unrequested "
        "FROM trip t JOIN vehicle v ON v.id = t.vehicle_id JOIN org_node o ON o.id = v.org_id "
        "WHERE o.path LIKE :prefix AND t.start_ts >= :start AND t.start_ts < :end GROUP BY 1"
    )
    fleet = sa.text(
        "SELECT v.energy_type, COUNT(*) FROM vehicle v JOIN org_node o ON o.id = v.org_id "
        "WHERE o.path LIKE :prefix AND v.status != 'disposed' GROUP BY 1"
    )
    params = {"prefix": org_path + "%", "start": _ts(conn, start), "end": _ts(conn, end), **month_params}
    frame = pd.DataFrame(conn.execute(trips, params).all())
    conn.execute(fleet, {"prefix": org_path + "%"}).all()
    return frame


def _child_of(frame: pd.DataFrame, org_path: str) -> pd.Series:
    """The root's child each row's org belongs to (the chart's bars), from the org path."""
    depth = org_path.count("/") - 1
    return frame["path"].str.split("/").str[depth + 1]


def asset_view(conn: Connection, org_path: str, as_of: dt.date, calendar: Calendar | None = None) -> pd.DataFrame:
    """The asset tiles and chart: counts, original and net value (straight-line by category) by
    status and child unit; idle, warehouse, no custodian, audit overdue; redeployment savings
    this year."""
    calendar = calendar or configured_calendar()
    assets = pd.DataFrame(
        conn.execute(
            sa.text(
                "SELECT a.id, o.path, a.status, a.original_value_yuan, a.acquired_on, c.useful_life_years, c.residual_rate, "
                "c.depreciation_method, "
                "a.custodian_name, a.last_audit_on, (SELECT MAX(au.audited_on) FROM asset_audit au WHERE au.asset_id = a.id) AS audited "
                "FROM asset a JOIN asset_category c ON c.id = a.category_id JOIN org_node o ON o.id = a.org_id "
                "WHERE o.path LIKE :prefix AND a.status != 'disposed'"
            ),
            {"prefix": org_path + "%"},
        ).all()
    )
    saved = conn.execute(
        sa.text(
            "SELECT COUNT(*), SUM(m.value_saved_yuan) FROM asset_movement m JOIN org_node o ON o.id = m.to_org_id "
            "WHERE o.path LIKE :prefix AND m.kind = 'redeploy' AND m.ts >= :start"
        ),
        {"prefix": org_path + "%", "start": _ts(conn, calendar.day_start_utc_naive(dt.date(as_of.year, 1, 1)))},
    ).one()
    if assets.empty:
        return assets
    # The roll-ups' depreciation: the category's method, charged by month from the acquisition month.
    acquired = pd.to_datetime(assets["acquired_on"])
    months = (as_of.year - acquired.dt.year) * 12 + as_of.month - acquired.dt.month + 1
    assets["net_value"] = net_values(
        assets["original_value_yuan"],
        months.clip(lower=0),
        assets["useful_life_years"],
        assets["depreciation_method"].fillna("straight_line"),
        assets["residual_rate"],
    )
    last_audit = pd.to_datetime(assets[["last_audit_on", "audited"]].max(axis=1))
    assets["audit_overdue"] = last_audit.isna() | ((pd.Timestamp(as_of) - last_audit).dt.days > 365)
    assets["no_custodian"] = assets["custodian_name"].isna() & (assets["status"] == "in_use")
    assets["child"] = _child_of(assets, org_path)
    by_child = assets.groupby(["child", "status"]).size()
    totals = (
        assets.groupby("status")
        .agg(
            count=("id", "size"),
            original=("original_value_yuan", "sum"),
            net=("net_value", "sum"),
            overdue=("audit_overdue", "sum"),
            no_custodian=("no_custodian", "sum"),
        )
        .reset_index()
    )
    return totals.assign(redeployed=saved[0], saved=saved[1], children=len(by_child))


def housing_view(conn: Connection, org_path: str, as_of: dt.date, calendar: Calendar | None = None) -> pd.DataFrame:
    """The housing tiles and charts: office area and occupants per child unit, over-standard rooms
    and area against the rank limits of the org's administrative level, vacant rooms; office area
    per person by rank against its limit (a shared room's area and excess split evenly among its
    occupants); turnover units occupied, leases expiring within 30, 60 and 90 days, tenants
    overstaying, arrears; waiting list."""
    rooms = pd.DataFrame(
        conn.execute(
            sa.text(
                "SELECT r.id AS room_id, o.path, r.usable_area_m2 AS area, COUNT(oc.id) AS occupants, MAX(s.limit_m2) AS limit_m2 "
                "FROM office_room r JOIN org_node o ON o.id = r.org_id "
                "LEFT JOIN office_occupancy oc ON oc.room_id = r.id AND oc.since <= :as_of AND (oc.until IS NULL OR oc.until > :as_of) "
                "LEFT JOIN office_space_standard s ON s.admin_level = o.admin_level AND s.rank_code = oc.rank_code "
                "WHERE o.path LIKE :prefix AND r.purpose = 'office' GROUP BY r.id, o.path, r.usable_area_m2"
            ),
            {"prefix": org_path + "%", "as_of": as_of},
        ).all()
    )
    leases = conn.execute(
        sa.text(
            "SELECT COUNT(DISTINCT l.unit_id), "
            "SUM(CASE WHEN l.ends_on >= :as_of AND l.ends_on <= :horizon THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN l.ends_on >= :as_of AND l.ends_on <= :h30 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN l.ends_on >= :as_of AND l.ends_on <= :h60 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN l.ends_on < :as_of THEN 1 ELSE 0 END), SUM(l.arrears_yuan) "
            "FROM lease l JOIN housing_unit u ON u.id = l.unit_id JOIN org_node o ON o.id = u.org_id "
            "WHERE o.path LIKE :prefix AND l.starts_on <= :as_of AND (l.moved_out_on IS NULL OR l.moved_out_on > :as_of)"
        ),
        {
            "prefix": org_path + "%",
            "as_of": as_of,
            "horizon": as_of + dt.timedelta(days=90),
            "h30": as_of + dt.timedelta(days=30),
            "h60": as_of + dt.timedelta(days=60),
        },
    ).one()
    conn.execute(
        sa.text(
            "SELECT COUNT(*) FROM housing_application a JOIN org_node o ON o.id = a.org_id WHERE o.path LIKE :prefix "
            "AND a.applied_on <= :as_of AND (a.status = 'waiting' OR (a.status = 'allocated' AND a.allocated_on > :as_of))"
        ),
        {"prefix": org_path + "%", "as_of": as_of},
    ).one()
    conn.execute(
        sa.text("SELECT COUNT(*) FROM housing_unit u JOIN org_node o ON o.id = u.org_id WHERE o.path LIKE :prefix"),
        {"prefix": org_path + "%"},
    ).one()
    occupants = pd.DataFrame(
        conn.execute(
            sa.text(
                "SELECT oc.room_id, o.admin_level, oc.rank_code, s.limit_m2 "
                "FROM office_occupancy oc JOIN office_room r ON r.id = oc.room_id JOIN org_node o ON o.id = r.org_id "
                "LEFT JOIN office_space_standard s ON s.admin_level = o.admin_level AND s.rank_code = oc.rank_code "
                "WHERE o.path LIKE :prefix AND r.purpose = 'office' AND oc.since <= :as_of "
                "AND (oc.until IS NULL OR oc.until > :as_of)"
            ),
            {"prefix": org_path + "%", "as_of": as_of},
        ).all(),
        columns=["room_id", "admin_level", "rank_code", "limit_m2"],
    )
    if rooms.empty:
        return rooms
    allowed = rooms["limit_m2"] * rooms["occupants"]
    rooms["over_area"] = (rooms["area"] - allowed).where((rooms["occupants"] > 0) & (rooms["area"] > allowed), 0.0)
    # the rank panel: each occupant's share of its room's area and excess, per (admin level, rank)
    shares = occupants.merge(rooms[["room_id", "area", "occupants", "over_area"]], on="room_id")
    shares = shares.assign(
        share=shares["area"] / shares["occupants"],
        over_share=shares["over_area"] / shares["occupants"],
        allowed=shares["limit_m2"].fillna(0.0),
    )
    by_rank = shares.groupby(["admin_level", "rank_code"]).agg(
        people=("room_id", "size"), area=("share", "sum"), allowed=("allowed", "sum"), over=("over_share", "sum")
    )
    by_rank["per_person"] = by_rank["area"] / by_rank["people"]
    rooms["vacant"] = rooms["occupants"] == 0
    rooms["child"] = _child_of(rooms, org_path)
    per_child = (
        rooms.groupby("child")
        .agg(area=("area", "sum"), people=("occupants", "sum"), over=("over_area", "sum"), vacant=("vacant", "sum"))
        .reset_index()
    )
    return per_child.assign(
        occupied_units=leases[0],
        expiring=leases[1],
        expiring_30=leases[2],
        expiring_60=leases[3],
        overstaying=leases[4],
        arrears=leases[5],
        over_rooms=int((rooms["over_area"] > 0).sum()),
        ranks=len(by_rank),
    )


def overview_view(
    conn: Connection, org_path: str, as_of: dt.date, calendar: Calendar | None = None
) -> list[pd.DataFrame]:
    """The overview's headline figures come from every domain."""
    calendar = calendar or configured_calendar()
    return [view(conn, org_path, as_of, calendar) for view in (energy_view, vehicle_view, asset_view, housing_view)]


RAW_VIEWS = {
    "overview": overview_view,
    "energy": energy_view,
    "vehicles": vehicle_view,
    "assets": asset_view,
    "housing": housing_view,
}
