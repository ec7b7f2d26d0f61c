"""The vehicle page's org-level panels: the fleet against its quota by class, the vehicle list,
the fuel and charging cross-check (多源校核), maintenance and insurance due, idle vehicles.

Every function takes ``(conn, view)`` (a ``ViewContext`` resolved within the user's scope) and
reads only the vehicles whose unit lies in the subtree of ``view.node`` (at a vehicle, that one
vehicle). Disposed vehicles are left out, as in the fleet roll-up and the alert entities. Figures
per vehicle come from the roll-ups (``entity_kind = 'vehicle'``); lists read the small vehicle,
maintenance, insurance and fuel tables for one subtree through their ``vehicle_id`` indexes.

Grids are capped (``*_LIMIT`` rows); their frames carry ``total``, the number of rows before the
cap, on every row. Rows carry ``_drill`` (``"vehicle:<id>"``) so a click opens the vehicle.
Functions bind every parameter, never commit and return an empty frame with the documented
columns when there is nothing to list.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from data.calendar import configured_calendar
from data.models import OrgNode, RollupDaily, Vehicle
from data.models.vehicle import VEHICLE_CLASSES, FuelRecord, InsurancePolicy, MaintenanceRecord, VehicleQuota
from data.rollup import workday_flags
from data.scope import OutOfScope

from .rollup_read import flow_sums
from .view import ViewContext

#: Fuel (or charging) within ±15 % of mileage × rated consumption is normal (the demo's own
#: fills vary by ±10 %); outside it a vehicle is listed by the cross-check.
FUEL_TOLERANCE = 0.15
#: How far back the cross-check looks for the fill before the period's first one (its odometer
#: reading starts the first interval), as the fuel-ratio alert indicator does.
FUEL_LEAD_DAYS = 120
#: A vehicle without a trip in this many working days is idle.
IDLE_WORKING_DAYS = 10
#: Maintenance and insurance falling due within this many days are listed (overdue always).
DUE_WITHIN_DAYS = 30
VEHICLE_LIST_LIMIT = 500
CROSSCHECK_LIMIT = 200
DUE_LIMIT = 500
IDLE_LIMIT = 500
NEV_TYPES = ("electric", "hybrid")

FLEET_CLASS_COLUMNS = ["vehicle_class", "fleet", "quota", "nev", "nev_share", "over_quota"]
_IDENTITY = ["_drill", "vehicle_id", "plate", "org_id", "org_name_zh", "org_name_en", "vehicle_class", "energy_type"]
VEHICLE_LIST_COLUMNS = [
    *_IDENTITY,
    "model",
    "status",
    "km",
    "trips",
    "used_days",
    "utilization",
    "energy_cost_yuan",
    "maintenance_cost_yuan",
    "cost_per_100km",
    "last_trip_on",
    "idle_workdays",
    "total",
]
CROSSCHECK_COLUMNS = [
    *_IDENTITY,
    "kind",
    "unit",
    "fills",
    "quantity",
    "odometer_km",
    "trip_km",
    "rated_consumption",
    "expected",
    "ratio",
    "excess",
    "excess_cost_yuan",
    "total",
]
DUE_COLUMNS = [*_IDENTITY, "item", "due_on", "days_left", "due_status", "total"]
IDLE_COLUMNS = [*_IDENTITY, "status", "last_trip_on", "idle_workdays", "idle_days", "total"]

_LIST_FLOWS = (
    "vehicle.km",
    "vehicle.trips",
    "vehicle.used_vehicle_days",
    "vehicle.energy_cost_yuan",
    "vehicle.maintenance_cost_yuan",
)


# --- shared pieces (the trips module uses them too) ------------------------------------------


def check_scope(view: ViewContext) -> None:
    """Refuse a view whose node lies outside its scope (``resolve_view`` never builds one; a
    hand-made context must not read around it)."""
    if not view.scope.contains(view.node["path"]):
        raise OutOfScope(f"org node {view.node['org_id']} is outside the scope")


def subtree_vehicles(view: ViewContext, *columns):
    """``SELECT columns FROM vehicle JOIN org_node`` for the vehicles (not disposed) under the
    view's node, or the view's one vehicle. The subtree is a range on the indexed path."""
    check_scope(view)
    path = view.node["path"]
    stmt = (
        select(*columns)
        .select_from(Vehicle)
        .join(OrgNode, OrgNode.id == Vehicle.org_id)
        .where(OrgNode.path >= path, OrgNode.path < path + "~", Vehicle.status != "disposed")
    )
    if view.entity_kind == "vehicle":
        stmt = stmt.where(Vehicle.id == view.entity_id)
    return stmt


IDENTITY_SELECT = (
    Vehicle.id.label("vehicle_id"),
    Vehicle.plate,
    Vehicle.org_id,
    OrgNode.name_zh.label("org_name_zh"),
    OrgNode.name_en.label("org_name_en"),
    Vehicle.vehicle_class,
    Vehicle.energy_type,
)


def reference_day(view: ViewContext) -> dt.date:
    """The day "due" and "idle" are counted to: the data's as-of day, today before any data."""
    return view.as_of or configured_calendar().today()


def with_drill(frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(0, "_drill", [f"vehicle:{int(v)}" for v in frame["vehicle_id"]])
    return frame


def capped(frame: pd.DataFrame, limit: int, columns: list[str]) -> pd.DataFrame:
    """The first ``limit`` rows with ``total`` (the rows before the cap), in ``columns`` order."""
    total = len(frame)
    frame = frame.head(limit).reset_index(drop=True)
    frame["total"] = total
    return frame[columns]


def _frame(result) -> pd.DataFrame:
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def working_days_after(conn: Connection, last: list[dt.date | None], through: dt.date) -> np.ndarray:
    """For each day in ``last``, the working days after it up to ``through`` (calendar_day,
    Monday–Friday where it has no rows); NaN where the day is None."""
    known = [d for d in last if d is not None]
    out = np.full(len(last), np.nan)
    if not known:
        return out
    first = min(min(known), through)
    numbers = np.arange(np.datetime64(first, "D"), np.datetime64(through, "D") + 1).astype(np.int64)
    cumulative = np.cumsum(workday_flags(conn, numbers).astype(np.int64))  # working days in [first, day]
    present = np.array([d is not None for d in last], dtype=bool)
    index = np.array([d for d in last if d is not None], dtype="datetime64[D]").astype(np.int64) - numbers[0]
    inside = (index >= 0) & (index < len(cumulative))
    before = np.where(inside, cumulative[np.clip(index, 0, len(cumulative) - 1)], 0)
    out[present] = cumulative[-1] - before
    return out


def _last_trip_day(as_of: dt.date):
    """The vehicle's latest day with a trip on or before ``as_of``: one backward seek on the
    roll-up's primary key per vehicle (a GROUP BY would read every vehicle-day of the subtree)."""
    r = RollupDaily
    return (
        select(func.max(r.day))
        .where(r.metric_id == "vehicle.trips", r.entity_kind == "vehicle", r.entity_id == Vehicle.id, r.day <= as_of)
        .scalar_subquery()
    )


# --- fleet by class ------------------------------------------------------------------------------


def fetch_fleet_by_class(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The subtree's fleet against its approved quota (编制) by vehicle class.

    Fleet: vehicles acquired by the reference day and not disposed (the ``vehicle.fleet``
    roll-up's definition); quota: the sum of ``vehicle_quota.approved`` over the subtree's units.

    Returns:
        DataFrame with ``FLEET_CLASS_COLUMNS``: ``vehicle_class`` (a code of ``VEHICLE_CLASSES``,
        in that order, then any other), ``fleet``, ``quota``, ``nev`` (electric and plug-in hybrid),
        ``nev_share`` (fraction of the fleet, NaN without fleet), ``over_quota`` (fleet − quota,
        positive when over). One row per class with vehicles or a quota.
    """
    day = reference_day(view)
    nev = func.sum(case((Vehicle.energy_type.in_(NEV_TYPES), 1), else_=0))
    fleet = {}
    stmt = subtree_vehicles(view, Vehicle.vehicle_class, func.count(), nev).where(Vehicle.acquired_on <= day)
    for vehicle_class, count, nev_count in conn.execute(stmt.group_by(Vehicle.vehicle_class)):
        fleet[vehicle_class] = (int(count), int(nev_count or 0))
    quota: dict[str, int] = {}
    if view.entity_kind == "org":
        path = view.node["path"]
        rows = conn.execute(
            select(VehicleQuota.vehicle_class, func.sum(VehicleQuota.approved))
            .join(OrgNode, OrgNode.id == VehicleQuota.org_id)
            .where(OrgNode.path >= path, OrgNode.path < path + "~")
            .group_by(VehicleQuota.vehicle_class)
        )
        quota = {vehicle_class: int(approved or 0) for vehicle_class, approved in rows}
    order = {c: i for i, c in enumerate(VEHICLE_CLASSES)}
    classes = sorted(set(fleet) | set(quota), key=lambda c: (order.get(c, len(order)), c))
    records = []
    for vehicle_class in classes:
        count, nev_count = fleet.get(vehicle_class, (0, 0))
        approved = quota.get(vehicle_class, 0)
        records.append(
            {
                "vehicle_class": vehicle_class,
                "fleet": count,
                "quota": approved,
                "nev": nev_count,
                "nev_share": nev_count / count if count else np.nan,
                "over_quota": count - approved,
            }
        )
    return pd.DataFrame(records, columns=FLEET_CLASS_COLUMNS)


# --- the vehicle list ------------------------------------------------------------------------------


def fetch_vehicle_list(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The vehicles under the node with their figures for the period, by unit and plate.

    Returns:
        DataFrame with ``VEHICLE_LIST_COLUMNS``: identity (``_drill``, ``vehicle_id``, ``plate``,
        ``org_id``, ``org_name_zh``/``_en``, ``vehicle_class``, ``energy_type``), ``model``,
        ``status``; over the period from the roll-ups ``km``, ``trips``, ``used_days``,
        ``utilization`` (days used / working days, a fraction), ``energy_cost_yuan``,
        ``maintenance_cost_yuan``, ``cost_per_100km`` (both costs per 100 km, NaN without km);
        ``last_trip_on`` (the latest day with a trip up to the as-of day), ``idle_workdays``
        (working days since then); ``total`` vehicles before the cap (``VEHICLE_LIST_LIMIT``).
        Figures are NaN when the page has no data yet (a vehicle's missing day counts 0).
    """
    day = reference_day(view)
    stmt = subtree_vehicles(
        view,
        *IDENTITY_SELECT,
        Vehicle.model,
        Vehicle.status,
        Vehicle.acquired_on,
        _last_trip_day(day).label("last"),
        func.count().over().label("total"),  # the vehicles before the cap, in the same statement
    ).order_by(OrgNode.path, Vehicle.plate)
    result = conn.execute(stmt.limit(VEHICLE_LIST_LIMIT))
    names = list(result.keys())
    rows = result.fetchall()
    if not rows:
        return pd.DataFrame(columns=VEHICLE_LIST_COLUMNS)
    at = {name: i for i, name in enumerate(names)}
    columns = list(zip(*rows))
    ids = [int(v) for v in columns[at["vehicle_id"]]]
    data = {name: list(columns[at[name]]) for name in (*_IDENTITY[1:], "model", "status")}
    if view.period is not None:
        period = view.period
        sums = flow_sums(conn, _LIST_FLOWS, ids, {"p": (period.start, period.end)}, entity_kind="vehicle")
        workdays = int(workday_flags(conn, _day_numbers(period.start, period.end)).sum())
        for metric, column in zip(
            _LIST_FLOWS, ("km", "trips", "used_days", "energy_cost_yuan", "maintenance_cost_yuan")
        ):
            data[column] = np.array([sums.get(("p", v, metric), 0.0) for v in ids], dtype=float)
        data["utilization"] = data["used_days"] / workdays if workdays else np.full(len(ids), np.nan)
        km = data["km"]
        cost = data["energy_cost_yuan"] + data["maintenance_cost_yuan"]
        with np.errstate(divide="ignore", invalid="ignore"):
            data["cost_per_100km"] = np.where(km > 0, cost / np.where(km > 0, km, 1.0) * 100.0, np.nan)
    else:
        for column in ("km", "trips", "used_days", "utilization", "energy_cost_yuan", "maintenance_cost_yuan"):
            data[column] = np.full(len(ids), np.nan)
        data["cost_per_100km"] = np.full(len(ids), np.nan)
    last = [_as_date(v) for v in columns[at["last"]]]
    acquired = [_as_date(v) for v in columns[at["acquired_on"]]]
    data["last_trip_on"] = last
    since = [t or (a - dt.timedelta(days=1) if a else None) for t, a in zip(last, acquired)]
    data["idle_workdays"] = working_days_after(conn, since, day)
    data["total"] = np.full(len(ids), int(columns[at["total"]][0]), dtype=np.int64)
    data["_drill"] = [f"vehicle:{v}" for v in ids]
    return pd.DataFrame(data, columns=VEHICLE_LIST_COLUMNS)


def _day_numbers(start: dt.date, end: dt.date) -> np.ndarray:
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1).astype(np.int64)


def _as_date(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _idle_since(frame: pd.DataFrame) -> list[dt.date | None]:
    """The latest trip day, or for a vehicle never used the day before it was acquired."""
    return [
        _as_date(last) or (_as_date(acquired) - dt.timedelta(days=1) if _as_date(acquired) else None)
        for last, acquired in zip(frame["last"], frame["acquired_on"])
    ]


# --- fuel and charging against mileage -----------------------------------------------------------


def fetch_fuel_crosscheck(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Fuel (or charging) against mileage × rated consumption per vehicle over the period, listed
    where the ratio lies outside 1 ± ``FUEL_TOLERANCE``, the largest excess cost first.

    The definition is the fuel-ratio alert indicator's (``vehicle.fuel_ratio`` in
    ``data.alerts.indicators``): each fill replaces what was burned since the previous fill of
    the same vehicle and kind, so the period's fills (those with an earlier fill, looked for up to
    ``FUEL_LEAD_DAYS`` back) are compared with the odometer kilometres between fills × the rated
    L/100 km (kWh/100 km for charging). The trip log's own kilometres are shown beside them.

    Returns:
        DataFrame with ``CROSSCHECK_COLUMNS``: identity; ``kind`` (``fuel``/``charge``), ``unit``
        (``L``/``kWh``), ``fills``, ``quantity``, ``odometer_km``, ``trip_km`` (the period's trip
        kilometres from the roll-ups), ``rated_consumption``, ``expected`` (odometer km × rated /
        100), ``ratio`` (quantity / expected), ``excess`` (quantity − expected, negative when
        less was bought than burned), ``excess_cost_yuan`` (the excess at the fills' average price),
        ``total`` mismatches before the cap (``CROSSCHECK_LIMIT``).
    """
    if view.period is None:
        return pd.DataFrame(columns=CROSSCHECK_COLUMNS)
    calendar = configured_calendar()
    start, end = view.period.start, view.period.end
    ts_lead = calendar.day_start_utc(start - dt.timedelta(days=FUEL_LEAD_DAYS))
    ts_from = calendar.day_start_utc(start)
    ts_to = calendar.day_start_utc(end + dt.timedelta(days=1))
    f = FuelRecord
    previous = func.lag(f.odometer_km).over(partition_by=(f.vehicle_id, f.kind), order_by=f.ts)
    fills = (
        subtree_vehicles(
            view, f.vehicle_id, f.kind, f.ts, f.quantity, f.cost_yuan, (f.odometer_km - previous).label("km")
        )
        .join(f, f.vehicle_id == Vehicle.id)
        .where(f.ts >= ts_lead, f.ts < ts_to)
        .subquery()
    )
    sums = (
        select(
            fills.c.vehicle_id,
            fills.c.kind,
            func.count().label("fills"),
            func.sum(fills.c.quantity).label("quantity"),
            func.sum(fills.c.km).label("odometer_km"),
            func.sum(fills.c.cost_yuan).label("cost"),
        )
        .where(fills.c.ts >= ts_from, fills.c.km > 0)
        .group_by(fills.c.vehicle_id, fills.c.kind)
        .subquery()
    )
    stmt = (
        select(*IDENTITY_SELECT, Vehicle.rated_consumption, sums.c.kind, sums.c.fills, sums.c.quantity)
        .add_columns(sums.c.odometer_km, sums.c.cost)
        .select_from(sums)
        .join(Vehicle, Vehicle.id == sums.c.vehicle_id)
        .join(OrgNode, OrgNode.id == Vehicle.org_id)
    )
    frame = _frame(conn.execute(stmt))
    if frame.empty:
        return pd.DataFrame(columns=CROSSCHECK_COLUMNS)
    frame = frame.astype({"quantity": float, "odometer_km": float, "cost": float, "rated_consumption": float})
    frame["expected"] = frame["odometer_km"] * frame["rated_consumption"] / 100.0
    frame["ratio"] = frame["quantity"] / frame["expected"].where(frame["expected"] > 0)
    frame = frame[(frame["ratio"] - 1.0).abs() > FUEL_TOLERANCE].copy()
    if frame.empty:
        return pd.DataFrame(columns=CROSSCHECK_COLUMNS)
    frame["excess"] = frame["quantity"] - frame["expected"]
    frame["excess_cost_yuan"] = frame["excess"] * frame["cost"] / frame["quantity"].where(frame["quantity"] > 0)
    frame["unit"] = np.where(frame["kind"] == "charge", "kWh", "L")
    frame = frame.sort_values(["excess_cost_yuan", "vehicle_id"], ascending=[False, True]).reset_index(drop=True)
    total = len(frame)
    frame = frame.head(CROSSCHECK_LIMIT).copy()
    ids = [int(v) for v in frame["vehicle_id"]]
    km = flow_sums(conn, ["vehicle.km"], ids, {"p": (start, end)}, entity_kind="vehicle")
    frame["trip_km"] = [km.get(("p", v, "vehicle.km"), 0.0) for v in ids]
    frame["total"] = total
    return with_drill(frame)[CROSSCHECK_COLUMNS]


# --- maintenance and insurance due; idle vehicles ------------------------------------------------


def fetch_vehicle_due(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Maintenance and insurance overdue or falling due within ``DUE_WITHIN_DAYS`` of the
    reference day (the data's as-of day), soonest (most overdue) first.

    Maintenance is due on the latest ``next_due_on`` of the records performed by then (the
    ``vehicle.maintenance_overdue_days`` alert indicator's definition); insurance ends on the
    latest ``ends_on`` of the policies started by then. A vehicle without either record is not
    listed for it.

    Returns:
        DataFrame with ``DUE_COLUMNS``: identity; ``item`` (``maintenance``/``insurance``),
        ``due_on``, ``days_left`` (negative: days overdue), ``due_status`` (``overdue``/``due_soon``),
        ``total`` rows before the cap (``DUE_LIMIT``).
    """
    day = reference_day(view)
    m, p = MaintenanceRecord, InsurancePolicy
    maintenance = (
        select(func.max(m.next_due_on)).where(m.vehicle_id == Vehicle.id, m.performed_on <= day).scalar_subquery()
    )
    insurance = select(func.max(p.ends_on)).where(p.vehicle_id == Vehicle.id, p.starts_on <= day).scalar_subquery()
    frame = _frame(
        conn.execute(
            subtree_vehicles(view, *IDENTITY_SELECT, maintenance.label("maintenance"), insurance.label("insurance"))
        )
    )
    if frame.empty:
        return pd.DataFrame(columns=DUE_COLUMNS)
    horizon = day + dt.timedelta(days=DUE_WITHIN_DAYS)
    parts = []
    for item in ("maintenance", "insurance"):
        part = frame.drop(columns=["maintenance", "insurance"]).assign(due_on=[_as_date(v) for v in frame[item]])
        part = part[[d is not None and d <= horizon for d in part["due_on"]]].copy()
        part["item"] = item
        parts.append(part)
    due = pd.concat(parts, ignore_index=True)
    if due.empty:
        return pd.DataFrame(columns=DUE_COLUMNS)
    due["days_left"] = [(d - day).days for d in due["due_on"]]
    due["due_status"] = np.where(due["days_left"] < 0, "overdue", "due_soon")
    due = due.sort_values(["days_left", "vehicle_id", "item"]).reset_index(drop=True)
    return capped(with_drill(due), DUE_LIMIT, DUE_COLUMNS)


def fetch_idle_vehicles(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Vehicles without a trip in the last ``IDLE_WORKING_DAYS`` working days up to the
    reference day (a vehicle never used counts from its acquisition), longest idle first.

    Returns:
        DataFrame with ``IDLE_COLUMNS``: identity; ``status``, ``last_trip_on`` (None: never),
        ``idle_workdays`` (working days after the last trip), ``idle_days`` (calendar days),
        ``total`` idle vehicles before the cap (``IDLE_LIMIT``).
    """
    day = reference_day(view)
    stmt = subtree_vehicles(
        view, *IDENTITY_SELECT, Vehicle.status, Vehicle.acquired_on, _last_trip_day(day).label("last")
    ).where(Vehicle.acquired_on <= day)
    frame = _frame(conn.execute(stmt))
    if frame.empty:
        return pd.DataFrame(columns=IDLE_COLUMNS)
    since = _idle_since(frame)
    frame["last_trip_on"] = [_as_date(v) for v in frame["last"]]
    frame["idle_workdays"] = working_days_after(conn, since, day)
    frame["idle_days"] = [(day - s).days if s is not None else np.nan for s in since]
    frame = frame[frame["idle_workdays"] >= IDLE_WORKING_DAYS]
    if frame.empty:
        return pd.DataFrame(columns=IDLE_COLUMNS)
    frame = frame.sort_values(["idle_workdays", "vehicle_id"], ascending=[False, True]).reset_index(drop=True)
    return capped(with_drill(frame), IDLE_LIMIT, IDLE_COLUMNS)


__all__ = [
    "CROSSCHECK_COLUMNS",
    "DUE_COLUMNS",
    "DUE_WITHIN_DAYS",
    "FLEET_CLASS_COLUMNS",
    "FUEL_TOLERANCE",
    "IDLE_COLUMNS",
    "IDLE_WORKING_DAYS",
    "VEHICLE_LIST_COLUMNS",
    "fetch_fleet_by_class",
    "fetch_fuel_crosscheck",
    "fetch_idle_vehicles",
    "fetch_vehicle_due",
    "fetch_vehicle_list",
]
