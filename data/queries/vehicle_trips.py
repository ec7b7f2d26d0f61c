"""The vehicle page's trip panels and its one-vehicle view: trips flagged (after hours, on
weekends and holidays, without a request), a vehicle's trip log, KPI tiles and daily figures.

Functions take ``(conn, view)`` like those of ``vehicle_panels`` (same scope rule, same caps and
``total``), bind every parameter and never commit. Driver names are masked unless
``view.scope.can_view_personal_data`` (``data.masking``). Local times are the configured zone's
(``data.calendar``); working hours are the roll-ups' (``data.rollup.WORK_FROM_HOUR`` ..
``WORK_TO_HOUR`` on working days of ``calendar_day``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from data.calendar import configured_calendar
from data.catalog import get_metric
from data.kpi_status import kpi_status
from data.masking import mask_frame
from data.models import CalendarDay, OrgNode, RollupDaily, Vehicle
from data.models.vehicle import Trip, TripRequest
from data.rollup import WORK_FROM_HOUR, WORK_TO_HOUR

from .kpi import KPI_COLUMNS, NAN, empty_kpis, kpi_frame, ratio
from .rollup_read import flow_sums
from .vehicle_panels import IDENTITY_SELECT, check_scope, subtree_vehicles, with_drill
from .view import ViewContext

FLAGGED_TRIPS_LIMIT = 500
TRIP_LOG_LIMIT = 1000
#: Reason codes of a flagged trip, in display order (message keys ``vehicle_page.flag.<code>``).
FLAG_CODES = ("after_hours", "weekend", "holiday", "no_request")

_TRIP_COLUMNS = ["trip_id", "start_local", "end_local", "day", "driver_name", "km", "purpose"]
FLAGGED_TRIP_COLUMNS = [
    "_drill",
    "vehicle_id",
    "plate",
    "org_id",
    "org_name_zh",
    "org_name_en",
    *_TRIP_COLUMNS,
    "flags",
    "total",
    "total_exact",
]
TRIP_LOG_COLUMNS = [*_TRIP_COLUMNS, "request_code", "request_status", "flags", "total"]
VEHICLE_DAILY_COLUMNS = ["day", "km", "trips", "fuel_l", "charge_kwh", "energy_cost_yuan"]
VEHICLE_TILE_METRICS = ("vehicle.km", "vehicle.trips", "vehicle.fuel_l", "vehicle.cost_per_km", "vehicle.utilization")

_DAILY_FLOWS = ("vehicle.km", "vehicle.trips", "vehicle.fuel_l", "vehicle.charge_kwh", "vehicle.energy_cost_yuan")
_TILE_FLOWS = (*_DAILY_FLOWS, "vehicle.maintenance_cost_yuan", "vehicle.used_vehicle_days")


def _frame(result) -> pd.DataFrame:
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _calendar_days(conn: Connection, start: dt.date, end: dt.date) -> dict[dt.date, tuple[bool, bool]]:
    """``{day: (is_workday, is_holiday)}`` for every day of ``[start, end]``; Monday–Friday
    working, no holiday where ``calendar_day`` has no row."""
    rows = conn.execute(
        select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.holiday_zh).where(
            CalendarDay.day.between(start, end)
        )
    ).all()
    known = {day: (bool(workday), bool(holiday) and not bool(workday)) for day, workday, holiday in rows}
    out, day = {}, start
    while day <= end:
        out[day] = known.get(day, (day.weekday() < 5, False))
        day += dt.timedelta(days=1)
    return out


def _local_times(conn: Connection, start_ts, end_ts, no_request: np.ndarray):
    """Local start/end (``datetime64[s]``), local day (``datetime64[D]``) and the reason flags
    (space-separated codes, ``""`` for none) of trips given as sequences of aware UTC stamps,
    converted as arrays (a row at a time costs a zone lookup each)."""
    calendar = configured_calendar()

    def wall(values) -> np.ndarray:
        utc = pd.to_datetime(pd.Series(values), utc=True).dt.tz_localize(None).to_numpy()
        return calendar.local_wall(utc)

    start, end = wall(start_ts), wall(end_ts)
    day = start.astype("datetime64[D]")
    hour = (start - day) // np.timedelta64(1, "h")
    if not len(day):
        return start.astype("datetime64[s]"), end.astype("datetime64[s]"), day, np.array([], dtype=object)
    first, last = day.min(), day.max()
    days = _calendar_days(conn, first.item(), last.item())
    workday = np.array([w for w, _ in days.values()], dtype=bool)  # days in order from ``first``
    holiday = np.array([h for _, h in days.values()], dtype=bool)
    index = (day - first).astype(np.int64)
    on_workday, on_holiday = workday[index], holiday[index]
    after_hours = on_workday & ((hour < WORK_FROM_HOUR) | (hour >= WORK_TO_HOUR))
    # one code per combination: after hours (1), weekend (2) / holiday (4), no request (8)
    combo = (
        after_hours.astype(np.int64)
        + np.where(on_workday, 0, np.where(on_holiday, 4, 2))
        + np.asarray(no_request, dtype=bool).astype(np.int64) * 8
    )
    names = [
        " ".join(
            code for code, bit in (("after_hours", 1), ("weekend", 2), ("holiday", 4), ("no_request", 8)) if n & bit
        )
        for n in range(16)
    ]
    flags = np.array(names, dtype=object)[combo]
    return start.astype("datetime64[s]"), end.astype("datetime64[s]"), day, flags


_TRIP_SELECT = (
    Trip.id.label("trip_id"),
    Trip.vehicle_id,
    Trip.start_ts,
    Trip.end_ts,
    Trip.km,
    Trip.purpose,
    Trip.driver_name,
    Trip.request_id,
)


# --- flagged trips -------------------------------------------------------------------------------


def fetch_trips_flagged(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Trips of the period after working hours, on weekends or holidays, or without a request,
    newest first.

    The roll-ups say which vehicle-days had such trips (``vehicle.offhours_trips`` and
    ``vehicle.unrequested_trips`` are stored only where not 0), so only the trips of those
    vehicle-days are read, newest days first, until the cap is filled.

    Returns:
        DataFrame with ``FLAGGED_TRIP_COLUMNS``: vehicle identity, ``trip_id``, ``start_local`` and
        ``end_local`` (local wall-clock datetimes), ``day``, ``driver_name`` (masked per scope),
        ``km``, ``purpose``, ``flags`` (space-separated codes of ``FLAG_CODES``), ``total`` flagged
        trips of the period and ``total_exact``: when the list is capped (``FLAGGED_TRIPS_LIMIT``)
        the trips of the vehicle-days not read are counted from the roll-ups as
        ``min(trips, off-hours + unrequested)`` per vehicle-day, which can count a trip that is
        both twice (``total_exact`` False).
    """
    if view.period is None:
        return pd.DataFrame(columns=FLAGGED_TRIP_COLUMNS)
    r = RollupDaily
    metrics = ("vehicle.offhours_trips", "vehicle.unrequested_trips", "vehicle.trips")

    def summed(metric: str):
        return func.sum(case((r.metric_id == metric, r.value), else_=0))

    off, unrequested, trips = (summed(m) for m in metrics)
    vehicles = subtree_vehicles(view, Vehicle.id)
    days = conn.execute(
        select(r.entity_id, r.day, off, unrequested, trips)
        .where(
            r.metric_id.in_(metrics),
            r.entity_kind == "vehicle",
            r.entity_id.in_(vehicles),
            r.day.between(view.period.start, view.period.end),
        )
        .group_by(r.entity_id, r.day)
        .having((off > 0) | (unrequested > 0))
        .order_by(r.day.desc(), r.entity_id)
    ).all()
    if not days:
        return pd.DataFrame(columns=FLAGGED_TRIP_COLUMNS)
    chosen, at_least = [], 0
    for vehicle_id, day, n_off, n_unrequested, _ in days:
        if at_least >= FLAGGED_TRIPS_LIMIT:
            break
        chosen.append((int(vehicle_id), _day(day)))
        at_least += max(n_off, n_unrequested)  # a day's flagged trips are at least this many
    rest = days[len(chosen) :]
    calendar = configured_calendar()
    first, last = min(d for _, d in chosen), max(d for _, d in chosen)
    result = conn.execute(
        subtree_vehicles(view, *IDENTITY_SELECT[1:], *_TRIP_SELECT)
        .join(Trip, Trip.vehicle_id == Vehicle.id)
        .where(
            Trip.vehicle_id.in_(sorted({v for v, _ in chosen})),
            Trip.start_ts >= calendar.day_start_utc(first),
            Trip.start_ts < calendar.day_start_utc(last + dt.timedelta(days=1)),
        )
    )
    names = list(result.keys())
    rows = result.fetchall()
    if not rows:
        return pd.DataFrame(columns=FLAGGED_TRIP_COLUMNS)
    at = {name: i for i, name in enumerate(names)}
    columns = list(zip(*rows))
    vehicle_ids = np.asarray(columns[at["vehicle_id"]], dtype=np.int64)
    no_request = np.array([r is None for r in columns[at["request_id"]]], dtype=bool)
    start, end, day, flags = _local_times(conn, columns[at["start_ts"]], columns[at["end_ts"]], no_request)
    # only the trips of the chosen vehicle-days with a reason, newest first (vehicle id on a tie)
    day_number = day.astype(np.int64)
    base = int(np.datetime64(first, "D").astype(np.int64))
    span = int(np.datetime64(last, "D").astype(np.int64)) - base + 1
    chosen_keys = np.array(
        [v * span + (np.datetime64(d, "D").astype(np.int64) - base) for v, d in chosen], dtype=np.int64
    )
    inside = (day_number >= base) & (day_number < base + span)
    keep = inside & np.isin(vehicle_ids * span + (day_number - base), chosen_keys) & (flags != "")
    kept = np.flatnonzero(keep)
    order = kept[np.lexsort((vehicle_ids[kept], -start[kept].astype(np.int64)))]
    frame = pd.DataFrame([rows[i] for i in order], columns=names)
    frame["start_local"] = start[order].astype(object)
    frame["end_local"] = end[order].astype(object)
    frame["day"] = day[order].astype(object)
    frame["flags"] = list(flags[order])
    counted = len(frame)
    rest_bound = sum(min(n_trips, n_off + n_unrequested) for *_, n_off, n_unrequested, n_trips in rest)
    frame = mask_frame(frame.head(FLAGGED_TRIPS_LIMIT).copy(), view.scope)
    frame["total"] = int(counted + rest_bound)
    frame["total_exact"] = not rest
    return with_drill(frame)[FLAGGED_TRIP_COLUMNS]


def _day(value) -> dt.date:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


# --- one vehicle ---------------------------------------------------------------------------------


def fetch_trip_log(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The vehicle's trips in the period, newest first (empty unless the view is a vehicle).

    Returns:
        DataFrame with ``TRIP_LOG_COLUMNS``: ``trip_id``, ``start_local``, ``end_local``, ``day``,
        ``driver_name`` (masked per scope), ``km``, ``purpose``, ``request_code``,
        ``request_status`` (``approved``, ``pending``: a request not approved, ``none``),
        ``flags`` (as ``fetch_trips_flagged``), ``total`` trips before the cap (``TRIP_LOG_LIMIT``).
    """
    if view.entity_kind != "vehicle" or view.period is None:
        return pd.DataFrame(columns=TRIP_LOG_COLUMNS)
    check_scope(view)
    calendar = configured_calendar()
    where = (
        Trip.vehicle_id == view.entity_id,
        Trip.start_ts >= calendar.day_start_utc(view.period.start),
        Trip.start_ts < calendar.day_start_utc(view.period.end + dt.timedelta(days=1)),
    )
    path = view.node["path"]
    in_scope = (OrgNode.path >= path, OrgNode.path < path + "~")
    base = select(
        *_TRIP_SELECT,
        TripRequest.code.label("request_code"),
        TripRequest.approved_at,
        func.count().over().label("total"),  # the trips before the cap, in the same statement
    )
    stmt = (
        base.join(Vehicle, Vehicle.id == Trip.vehicle_id)
        .join(OrgNode, OrgNode.id == Vehicle.org_id)
        .outerjoin(TripRequest, TripRequest.id == Trip.request_id)
        .where(*where, *in_scope)
        .order_by(Trip.start_ts.desc())
        .limit(TRIP_LOG_LIMIT)
    )
    result = conn.execute(stmt)
    names = list(result.keys())
    rows = result.fetchall()
    if not rows:
        return pd.DataFrame(columns=TRIP_LOG_COLUMNS)
    at = {name: i for i, name in enumerate(names)}
    columns = list(zip(*rows))
    no_request = np.array([r is None for r in columns[at["request_id"]]], dtype=bool)
    start, end, day, flags = _local_times(conn, columns[at["start_ts"]], columns[at["end_ts"]], no_request)
    frame = pd.DataFrame(rows, columns=names)
    frame["start_local"] = start.astype(object)
    frame["end_local"] = end.astype(object)
    frame["day"] = day.astype(object)
    frame["flags"] = list(flags)
    frame["request_status"] = [
        "none" if code is None else ("pending" if approved is None else "approved")
        for code, approved in zip(columns[at["request_code"]], columns[at["approved_at"]])
    ]
    frame = mask_frame(frame, view.scope)
    frame["total"] = int(columns[at["total"]][0])
    return frame[TRIP_LOG_COLUMNS]


def _vehicle_flows(conn: Connection, view: ViewContext, metrics) -> dict[tuple[str, str], float]:
    windows = {"p": (view.period.start, view.period.end)}
    if view.compare_period is not None and view.covers(view.compare_period.start):
        windows["c"] = (view.compare_period.start, view.compare_period.end)
    sums = flow_sums(conn, metrics, [view.entity_id], windows, entity_kind="vehicle")
    # A vehicle's missing roll-up day means nothing happened: 0, within a window the data covers.
    return {(w, m): sums.get((w, view.entity_id, m), 0.0) for w in windows for m in metrics}


def fetch_vehicle_tiles(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The vehicle's KPI tiles for the period against the comparison period.

    Rows (``KPI_COLUMNS`` plus ``status``), ``period`` the period's kind, ``reference_kind``
    ``yoy`` or ``prev`` (the comparison; NaN reference where the data does not reach back):

    * ``vehicle.km``, ``vehicle.trips``;
    * ``vehicle.fuel_l``, or ``vehicle.charge_kwh`` for an electric vehicle;
    * ``vehicle.cost_per_km``: energy and maintenance cost per 100 km;
    * ``vehicle.utilization``: days used / working days, in %.

    ``status`` is judged as ``data.kpi_status`` judges a year-on-year change (org-level alert
    rules do not judge one vehicle). Empty without data or when the view is not a vehicle.
    """
    if view.entity_kind != "vehicle" or view.period is None:
        frame = empty_kpis()
        frame["status"] = pd.Series(dtype=object)
        return frame
    check_scope(view)
    flows = _vehicle_flows(conn, view, _TILE_FLOWS)
    electric = (view.entity or {}).get("energy_type") == "electric"
    energy_metric = "vehicle.charge_kwh" if electric else "vehicle.fuel_l"
    windows = {"p": view.period}
    if ("c", "vehicle.km") in flows:
        windows["c"] = view.compare_period
    workdays = {w: _workdays(conn, p.start, p.end) for w, p in windows.items()}

    def value(metric: str, w: str) -> float:
        if w not in windows:
            return NAN
        if metric == "vehicle.cost_per_km":
            cost = flows[(w, "vehicle.energy_cost_yuan")] + flows[(w, "vehicle.maintenance_cost_yuan")]
            return ratio(cost, flows[(w, "vehicle.km")] or NAN, 100.0)
        if metric == "vehicle.utilization":
            return ratio(flows[(w, "vehicle.used_vehicle_days")], workdays[w], 100.0)
        return flows[(w, metric)]

    reference_kind = "yoy" if view.compare == "yoy" else "prev"
    rows = [
        {
            "metric_id": metric,
            "period": view.period.kind,
            "value": value(metric, "p"),
            "reference": value(metric, "c"),
            "reference_kind": reference_kind,
        }
        for metric in ("vehicle.km", "vehicle.trips", energy_metric, "vehicle.cost_per_km", "vehicle.utilization")
    ]
    frame = kpi_frame(rows, view.as_of, view.node["org_id"])
    frame["status"] = [
        kpi_status(v, r, "yoy", get_metric(m).bad_direction)
        for m, v, r in zip(frame["metric_id"], frame["value"], frame["reference"])
    ]
    return frame[[*KPI_COLUMNS, "status"]]


def _workdays(conn: Connection, start: dt.date, end: dt.date) -> int:
    return sum(1 for workday, _ in _calendar_days(conn, start, end).values() if workday)


def fetch_vehicle_daily(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The vehicle's daily figures over the period, from the daily roll-up.

    Returns:
        DataFrame with ``VEHICLE_DAILY_COLUMNS``: ``day`` (every day of the period, oldest first),
        ``km``, ``trips``, ``fuel_l``, ``charge_kwh``, ``energy_cost_yuan`` (0 on a day without
        any). Empty without data or when the view is not a vehicle.
    """
    if view.entity_kind != "vehicle" or view.period is None:
        return pd.DataFrame(columns=VEHICLE_DAILY_COLUMNS)
    check_scope(view)
    r = RollupDaily
    rows = conn.execute(
        select(r.day, r.metric_id, r.value)
        .join(Vehicle, Vehicle.id == r.entity_id)
        .join(OrgNode, OrgNode.id == Vehicle.org_id)
        .where(
            r.metric_id.in_(_DAILY_FLOWS),
            r.entity_kind == "vehicle",
            r.entity_id == view.entity_id,
            r.day.between(view.period.start, view.period.end),
            OrgNode.path >= view.node["path"],
            OrgNode.path < view.node["path"] + "~",
        )
    ).all()
    days = pd.date_range(view.period.start, view.period.end, freq="D").date
    frame = pd.DataFrame(0.0, index=pd.Index(days, name="day"), columns=VEHICLE_DAILY_COLUMNS[1:])
    column = {m: m.split(".", 1)[1] for m in _DAILY_FLOWS}
    for day, metric, amount in rows:
        frame.at[_day(day), column[metric]] = float(amount or 0.0)
    return frame.reset_index()[VEHICLE_DAILY_COLUMNS]


__all__ = [
    "FLAGGED_TRIPS_LIMIT",
    "FLAGGED_TRIP_COLUMNS",
    "FLAG_CODES",
    "TRIP_LOG_COLUMNS",
    "TRIP_LOG_LIMIT",
    "VEHICLE_DAILY_COLUMNS",
    "VEHICLE_TILE_METRICS",
    "fetch_trip_log",
    "fetch_trips_flagged",
    "fetch_vehicle_daily",
    "fetch_vehicle_tiles",
]
