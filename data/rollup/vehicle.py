"""Vehicle roll-ups from trips, fuel and charging records and maintenance: daily and monthly
sums per vehicle and org."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..calendar import Calendar, configured_calendar
from .metrics import FACT_METRICS, VEHICLE_FLOW_METRICS, WORK_FROM_HOUR, WORK_TO_HOUR
from .periods import _as_date, _check_range, _days_to_datetime64, _month_starts
from .store import _IDS_PER_STATEMENT, _ROWS_PER_READ, _chunks, _Db, _workday_lookup, bump_data_version
from .tables import _insert_rollup, _monthly_from_daily, _org_from_entities, _replace_rows


def refresh_vehicle(
    conn: Connection,
    *,
    vehicle_ids: Sequence[int] | None,
    day_from: dt.date,
    day_to: dt.date,
    calendar: Calendar | None = None,
) -> None:
    """Recompute the vehicle flow roll-ups of ``vehicle_ids`` (None: all) for local days in
    [day_from, day_to], their whole months, and every ancestor org of those vehicles. Local days
    are ``calendar``'s (default: the configured zone's)."""
    _check_range(day_from, day_to)
    _refresh_vehicle(_Db(conn), calendar or configured_calendar(), vehicle_ids, day_from, day_to, rebuild=False)
    bump_data_version(conn, ("vehicle",))


def _first_last(db: _Db, table: str, column: str, key: str, parent: str) -> tuple | None:
    row = db.conn.execute(
        sa.text(
            f"SELECT MIN(first_v), MAX(last_v) FROM (SELECT "
            f"(SELECT MIN(f.{column}) FROM {table} f WHERE f.{key} = p.id) AS first_v, "
            f"(SELECT MAX(f.{column}) FROM {table} f WHERE f.{key} = p.id) AS last_v FROM {parent} p) AS spans"
        )
    ).one()
    return None if row[0] is None else (row[0], row[1])


def _vehicle_fact_range(db: _Db, calendar: Calendar) -> tuple[dt.date, dt.date] | None:
    spans = []
    for table, column in (("trip", "start_ts"), ("fuel_record", "ts")):
        found = _first_last(db, table, column, "vehicle_id", "vehicle")
        if found:
            spans += [calendar.local_day(pd.Timestamp(v).to_pydatetime().replace(tzinfo=None)) for v in found]
    found = db.conn.execute(sa.text("SELECT MIN(performed_on), MAX(performed_on) FROM maintenance_record")).one()
    if found[0] is not None:
        spans += [_as_date(found[0]), _as_date(found[1])]
    return (min(spans), max(spans)) if spans else None


def _refresh_vehicle(
    db: _Db, calendar: Calendar, vehicle_ids: Sequence[int] | None, day_from: dt.date, day_to: dt.date, *, rebuild: bool
) -> pd.DataFrame | None:
    vehicles = db.fetch("SELECT id, org_id FROM vehicle", {}, ["id", "org_id"])
    selected = vehicles if vehicle_ids is None else vehicles[vehicles["id"].isin(set(int(v) for v in vehicle_ids))]
    if selected.empty:
        return None
    months = _month_starts(day_from, day_to)
    ts_from = calendar.day_start_utc_naive(day_from)
    ts_to = calendar.day_start_utc_naive(day_to + dt.timedelta(days=1))
    vehicle_list = sorted(int(v) for v in selected["id"])
    days = (day_to - day_from).days + 1
    per_chunk = max(1, _ROWS_PER_READ // max(1, days * 2))
    provenance = []
    for chunk in _chunks(vehicle_list, min(per_chunk, _IDS_PER_STATEMENT)):
        params = {"ids": chunk, "a": ts_from, "b": ts_to}
        trips = db.fetch(
            f"SELECT vehicle_id, {db.sel_ts('start_ts')} AS start_ts, km, "
            "CASE WHEN request_id IS NULL THEN 1 ELSE 0 END AS unrequested, batch_id FROM trip "
            "WHERE vehicle_id IN :ids AND start_ts >= :a AND start_ts < :b",
            params,
            ["vehicle_id", "start_ts", "km", "unrequested", "batch_id"],
            ts_columns=["start_ts"],
            bulk=True,
            expanding=("ids",),
            timestamps=("a", "b"),
        )
        fuel = db.fetch(
            f"SELECT vehicle_id, {db.sel_ts('ts')} AS ts, kind, quantity, cost_yuan, batch_id FROM fuel_record "
            "WHERE vehicle_id IN :ids AND ts >= :a AND ts < :b",
            params,
            ["vehicle_id", "ts", "kind", "quantity", "cost_yuan", "batch_id"],
            ts_columns=["ts"],
            bulk=True,
            expanding=("ids",),
            timestamps=("a", "b"),
        )
        maintenance = db.fetch(
            f"SELECT vehicle_id, {db.sel_day('performed_on')} AS day, cost_yuan, batch_id FROM maintenance_record "
            "WHERE vehicle_id IN :ids AND performed_on >= :d0 AND performed_on <= :d1",
            {"ids": chunk, "d0": day_from, "d1": day_to},
            ["vehicle_id", "day", "cost_yuan", "batch_id"],
            day_columns=["day"],
            expanding=("ids",),
            dates=("d0", "d1"),
        )
        daily, counts = _aggregate_vehicle_facts(db, calendar, trips, fuel, maintenance)
        if rebuild:
            _insert_rollup(db, "rollup_daily", daily)
            provenance.append(counts)
        else:
            _replace_rows(
                db,
                "rollup_daily",
                daily,
                metric_ids=VEHICLE_FLOW_METRICS,
                entity_kind="vehicle",
                entity_ids=chunk,
                period_column="day",
                period_from=day_from,
                period_to=day_to,
            )
    _monthly_from_daily(
        db,
        metric_ids=VEHICLE_FLOW_METRICS,
        entity_kind="vehicle",
        entity_ids=None if rebuild else vehicle_list,
        months=months,
        replace=not rebuild,
    )
    affected = None if vehicle_ids is None else db.tree.ancestors_of(selected["org_id"])
    _org_from_entities(
        db, vehicles, "vehicle", VEHICLE_FLOW_METRICS, affected, day_from, day_to, months, replace=not rebuild
    )
    if not rebuild:
        return None
    counts = pd.concat(provenance, ignore_index=True) if provenance else pd.DataFrame()
    if counts.empty:
        return counts
    counts = counts.merge(vehicles.rename(columns={"id": "vehicle_id", "org_id": "own_org_id"}), on="vehicle_id")
    frames = [
        group.assign(metric_id=metric)[["metric_id", "own_org_id", "month", "batch_id", "rows"]]
        for fact, group in counts.groupby("fact")
        for metric in FACT_METRICS[fact]
    ]
    return pd.concat(frames, ignore_index=True)


def _aggregate_vehicle_facts(
    db: _Db, calendar: Calendar, trips: pd.DataFrame, fuel: pd.DataFrame, maintenance: pd.DataFrame
):
    parts, counts = [], []

    def emit(frame: pd.DataFrame, metric: str, value: str, samples: str, *, sparse: bool = False) -> None:
        if sparse:  # conditional counts: rows only where something happened
            frame = frame[frame[value] > 0]
        parts.append(
            pd.DataFrame(
                {
                    "metric_id": metric,
                    "entity_kind": "vehicle",
                    "entity_id": frame["vehicle_id"].to_numpy(dtype=np.int64),
                    "day": _days_to_datetime64(frame["day"].to_numpy()),
                    "value": frame[value].to_numpy(dtype=float),
                    "samples": frame[samples].to_numpy(dtype=np.int64),
                }
            )
        )

    def count_batches(frame: pd.DataFrame, fact: str) -> None:
        known = frame[frame["batch_id"].notna()]
        if known.empty:
            return
        month = _days_to_datetime64(known["day"].to_numpy()).astype("datetime64[M]").astype("datetime64[D]")
        grouped = pd.DataFrame(
            {
                "batch_id": known["batch_id"].to_numpy(dtype=np.int64),
                "vehicle_id": known["vehicle_id"].to_numpy(dtype=np.int64),
                "month": month,
            }
        )
        grouped = grouped.groupby(["batch_id", "vehicle_id", "month"], as_index=False, sort=True).size()
        counts.append(grouped.rename(columns={"size": "rows"}).assign(fact=fact))

    if not trips.empty:
        day, hour = calendar.local_days_and_hours(trips["start_ts"].to_numpy())
        workday = _workday_lookup(db, day)
        offhours = ~workday | (hour < WORK_FROM_HOUR) | (hour >= WORK_TO_HOUR)
        frame = pd.DataFrame(
            {
                "vehicle_id": trips["vehicle_id"].to_numpy(dtype=np.int64),
                "day": day,
                "km": trips["km"].to_numpy(dtype=float),
                "offhours": offhours.astype(np.int64),
                "unrequested": trips["unrequested"].to_numpy(dtype=np.int64),
                "batch_id": trips["batch_id"].to_numpy(),
            }
        )
        g = frame.groupby(["vehicle_id", "day"], as_index=False, sort=True).agg(
            trips=("km", "size"), km=("km", "sum"), offhours=("offhours", "sum"), unrequested=("unrequested", "sum")
        )
        g["used"] = 1
        emit(g, "vehicle.trips", "trips", "trips")
        emit(g, "vehicle.km", "km", "trips")
        emit(g, "vehicle.offhours_trips", "offhours", "trips", sparse=True)
        emit(g, "vehicle.unrequested_trips", "unrequested", "trips", sparse=True)
        emit(g, "vehicle.used_vehicle_days", "used", "trips")
        count_batches(frame, "trip")
    if not fuel.empty:
        day = calendar.local_days(fuel["ts"].to_numpy())
        frame = pd.DataFrame(
            {
                "vehicle_id": fuel["vehicle_id"].to_numpy(dtype=np.int64),
                "day": day,
                "kind": fuel["kind"].to_numpy(),
                "quantity": fuel["quantity"].to_numpy(dtype=float),
                "cost": fuel["cost_yuan"].to_numpy(dtype=float),
                "batch_id": fuel["batch_id"].to_numpy(),
            }
        )
        for kind, metric in (("fuel", "vehicle.fuel_l"), ("charge", "vehicle.charge_kwh")):
            subset = frame[frame["kind"] == kind]
            if not subset.empty:
                g = subset.groupby(["vehicle_id", "day"], as_index=False, sort=True).agg(
                    quantity=("quantity", "sum"), n=("quantity", "size")
                )
                emit(g, metric, "quantity", "n")
        g = frame.groupby(["vehicle_id", "day"], as_index=False, sort=True).agg(
            cost=("cost", "sum"), n=("cost", "size")
        )
        emit(g, "vehicle.energy_cost_yuan", "cost", "n")
        count_batches(frame, "fuel_record")
    if not maintenance.empty:
        frame = maintenance.assign(vehicle_id=maintenance["vehicle_id"].astype(np.int64))
        g = frame.groupby(["vehicle_id", "day"], as_index=False, sort=True).agg(
            cost=("cost_yuan", "sum"), n=("cost_yuan", "size")
        )
        emit(g, "vehicle.maintenance_cost_yuan", "cost", "n")
        count_batches(frame, "maintenance_record")
    daily = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return daily, (pd.concat(counts, ignore_index=True) if counts else pd.DataFrame())
