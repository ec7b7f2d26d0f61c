"""Energy roll-ups from meter readings: daily and monthly sums per building and org (the meter
kinds' metrics, night and off-day electricity) and the hour × weekday profile of electricity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..calendar import Calendar, configured_calendar
from ..models.rollup import PROFILE_HOUR_COLUMNS
from .metrics import (
    ENERGY_FLOW_METRICS,
    FACT_METRICS,
    METER_KIND_METRIC,
    NIGHT_FROM_HOUR,
    NIGHT_TO_HOUR,
    PROFILE_METRIC,
)
from .periods import _check_range, _day_number, _day_runs, _days_to_datetime64, _month_end, _month_starts
from .store import _IDS_PER_STATEMENT, _ROWS_PER_READ, _chunks, _Db, _workday_lookup, bump_data_version
from .tables import _PROFILE_COLUMNS, _insert_rollup, _monthly_from_daily, _org_from_entities, _replace_rows


def refresh_energy(
    conn: Connection,
    *,
    building_ids: Sequence[int] | None,
    day_from: dt.date,
    day_to: dt.date,
    calendar: Calendar | None = None,
) -> None:
    """Recompute the energy flow roll-ups of ``building_ids`` (None: all) for local days in
    [day_from, day_to], their whole months (monthly rows and the hourly profile), and every
    ancestor org of those buildings. Cost is proportional to the buildings and days affected.
    Local days are ``calendar``'s (default: the configured zone's).
    """
    _check_range(day_from, day_to)
    _refresh_energy(_Db(conn), calendar or configured_calendar(), building_ids, day_from, day_to, rebuild=False)
    bump_data_version(conn, ("energy",))


def _energy_fact_range(db: _Db, calendar: Calendar) -> tuple[dt.date, dt.date] | None:
    """First and last local day with readings, found through the (meter_id, ts) key."""
    row = db.conn.execute(
        sa.text(
            "SELECT MIN(first_ts), MAX(last_ts) FROM (SELECT "
            "(SELECT MIN(r.ts) FROM meter_reading r WHERE r.meter_id = m.id) AS first_ts, "
            "(SELECT MAX(r.ts) FROM meter_reading r WHERE r.meter_id = m.id) AS last_ts FROM meter m) AS spans"
        )
    ).one()
    if row[0] is None:
        return None
    first = pd.Timestamp(row[0]).to_pydatetime().replace(tzinfo=None)
    last = pd.Timestamp(row[1]).to_pydatetime().replace(tzinfo=None)
    # Widest possible interval (a day) before the first reading, the reading itself after.
    return calendar.local_day(first - dt.timedelta(days=1)), calendar.local_day(last)


def _refresh_energy(
    db: _Db,
    calendar: Calendar,
    building_ids: Sequence[int] | None,
    day_from: dt.date,
    day_to: dt.date,
    *,
    rebuild: bool,
) -> pd.DataFrame | None:
    """Building-level then org-level energy roll-ups. On ``rebuild`` the tables were emptied by the
    caller (no deletes needed) and the provenance counts of the raw rows are returned."""
    buildings = db.fetch("SELECT id, org_id FROM building", {}, ["id", "org_id"])
    if building_ids is not None:
        wanted = set(int(b) for b in building_ids)
        buildings = buildings[buildings["id"].isin(wanted)]
    if buildings.empty:
        return None
    meters = db.fetch(
        "SELECT id, building_id, kind, interval_minutes FROM meter",
        {},
        ["id", "building_id", "kind", "interval_minutes"],
    )
    meters = meters[meters["building_id"].isin(set(buildings["id"]))]

    months = _month_starts(day_from, day_to)
    span_days = (day_to - day_from).days + 1
    weekdays = (
        set(range(7)) if span_days >= 7 else {(day_from + dt.timedelta(days=i)).weekday() for i in range(span_days)}
    )
    # The profile of a month × weekday cell needs every such day of the month, not only the refreshed ones.
    profile_days = [
        d
        for m in months
        for d in (m + dt.timedelta(days=i) for i in range((_month_end(m) - m).days + 1))
        if d.weekday() in weekdays
    ]
    main_runs = [(day_from, day_to)]
    profile_runs = _day_runs([*profile_days, *(day_from + dt.timedelta(days=i) for i in range(span_days))])

    provenance: list[pd.DataFrame] = []
    building_list = sorted(int(b) for b in buildings["id"])
    hours = max(1, ((months[-1].replace(day=28) - months[0]).days + 31) * 24)
    per_chunk = max(1, _ROWS_PER_READ // hours)
    for chunk in _chunks(building_list, per_chunk):
        chunk_meters = meters[meters["building_id"].isin(chunk)]
        readings = _read_meter_readings(db, calendar, chunk_meters, main_runs, profile_runs)
        daily, profile, counts = _aggregate_readings(db, calendar, readings, day_from, day_to, months, weekdays)
        if rebuild:
            _insert_rollup(db, "rollup_daily", daily)
            _insert_rollup(db, "rollup_hourly_profile", profile)
            provenance.append(counts)
        else:
            _replace_rows(
                db,
                "rollup_daily",
                daily,
                metric_ids=ENERGY_FLOW_METRICS,
                entity_kind="building",
                entity_ids=chunk,
                period_column="day",
                period_from=day_from,
                period_to=day_to,
            )
            _replace_rows(
                db,
                "rollup_hourly_profile",
                profile,
                metric_ids=(PROFILE_METRIC,),
                entity_kind="building",
                entity_ids=chunk,
                period_column="month",
                period_from=months[0],
                period_to=months[-1],
                extra_where=" AND weekday IN :weekdays",
                extra_params={"weekdays": sorted(weekdays)},
                extra_expanding=("weekdays",),
            )
    _monthly_from_daily(
        db,
        metric_ids=ENERGY_FLOW_METRICS,
        entity_kind="building",
        entity_ids=None if rebuild else building_list,
        months=months,
        replace=not rebuild,
    )

    # Org level: every ancestor of the refreshed buildings, from all buildings below them.
    all_buildings = db.fetch("SELECT id, org_id FROM building", {}, ["id", "org_id"])
    affected = None if building_ids is None else db.tree.ancestors_of(buildings["org_id"])
    _org_from_entities(
        db, all_buildings, "building", ENERGY_FLOW_METRICS, affected, day_from, day_to, months, replace=not rebuild
    )
    _org_profile(db, all_buildings, affected, months, weekdays, replace=not rebuild)

    if not rebuild:
        return None
    counts = pd.concat(provenance, ignore_index=True) if provenance else pd.DataFrame()
    if counts.empty:
        return counts
    counts = counts.merge(buildings.rename(columns={"id": "building_id", "org_id": "own_org_id"}), on="building_id")
    frames = []
    for kind, group in counts.groupby("kind"):
        for metric in FACT_METRICS.get(f"meter_reading:{kind}", ()):
            frames.append(group.assign(metric_id=metric)[["metric_id", "own_org_id", "month", "batch_id", "rows"]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _read_meter_readings(db: _Db, calendar: Calendar, meters: pd.DataFrame, main_runs, profile_runs) -> pd.DataFrame:
    """Raw readings of ``meters`` whose local interval falls on the runs' days (electricity meters
    also on the profile days), with the meter's building, kind and interval attached."""
    frames = []
    for (kind_is_electricity, interval), group in meters.groupby(
        [meters["kind"].eq("electricity"), "interval_minutes"]
    ):
        runs = profile_runs if kind_is_electricity else main_runs
        # Readings whose interval starts on the run's local days end one interval after those starts.
        shift = dt.timedelta(minutes=int(interval))
        meter_ids = sorted(int(m) for m in group["id"])
        for first, last in runs:
            ts_from = calendar.day_start_utc_naive(first) + shift
            ts_to = calendar.day_start_utc_naive(last + dt.timedelta(days=1)) + shift
            for ids in _chunks(meter_ids, _IDS_PER_STATEMENT):
                frames.append(
                    db.fetch(
                        f"SELECT meter_id, {db.sel_ts('ts')} AS ts, value, batch_id FROM meter_reading "
                        "WHERE meter_id IN :ids AND ts >= :a AND ts < :b",
                        {"ids": ids, "a": ts_from, "b": ts_to},
                        ["meter_id", "ts", "value", "batch_id"],
                        ts_columns=["ts"],
                        bulk=True,
                        expanding=("ids",),
                        timestamps=("a", "b"),
                    )
                )
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({"meter_id": [], "ts": np.array([], dtype="datetime64[us]"), "value": [], "batch_id": []})
    readings = pd.concat(frames, ignore_index=True)
    info = meters.rename(columns={"id": "meter_id"})
    return readings.merge(info, on="meter_id")


def _aggregate_readings(
    db: _Db,
    calendar: Calendar,
    readings: pd.DataFrame,
    day_from: dt.date,
    day_to: dt.date,
    months: Sequence[dt.date],
    weekdays: set[int],
):
    """Daily rows, hourly-profile rows and (batch, building, kind, month) counts from raw readings.

    A reading belongs to the interval (ts − interval, ts], so the first reading of local day D has
    ``ts = start of D + interval``: the read window is [start of D + interval, start of D+1 + interval),
    the starts being the UTC instants of local midnight. Day, hour and month are the local wall
    time of the interval's start (one vectorised zone conversion for the whole frame).
    """
    empty_daily = pd.DataFrame(columns=["metric_id", "entity_kind", "entity_id", "day", "value", "samples"])
    if readings.empty:
        return empty_daily, pd.DataFrame(columns=_PROFILE_COLUMNS), pd.DataFrame()
    interval = readings["interval_minutes"].to_numpy(dtype=np.int64).astype("timedelta64[m]")
    local = calendar.local_wall(readings["ts"].to_numpy().astype("datetime64[us]") - interval.astype("timedelta64[us]"))
    day = local.astype("datetime64[D]").astype(np.int64)
    hour = ((local - local.astype("datetime64[D]")) // np.timedelta64(1, "h")).astype(np.int64)
    month = local.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    weekday = (day + 3) % 7
    value = readings["value"].to_numpy(dtype=float)
    frame = pd.DataFrame(
        {
            "building_id": readings["building_id"].to_numpy(dtype=np.int64),
            "kind": readings["kind"].to_numpy(),
            "day": day,
            "hour": hour,
            "weekday": weekday,
            "month": month,
            "value": value,
            "batch_id": readings["batch_id"].to_numpy(),
        }
    )
    d0, d1 = _day_number(day_from), _day_number(day_to)
    in_range = frame[(frame["day"] >= d0) & (frame["day"] <= d1)]

    parts = []
    base = in_range.groupby(["building_id", "kind", "day"], as_index=False, sort=True).agg(
        value=("value", "sum"), samples=("value", "size")
    )
    base["metric_id"] = base["kind"].map(dict(METER_KIND_METRIC))
    parts.append(base.dropna(subset=["metric_id"]))
    electricity = in_range[in_range["kind"] == "electricity"]
    if not electricity.empty:
        is_night = (electricity["hour"] >= NIGHT_FROM_HOUR) | (electricity["hour"] < NIGHT_TO_HOUR)
        night = electricity.assign(
            value=np.where(is_night, electricity["value"], 0.0), samples=is_night.astype(np.int64)
        )
        night = night.groupby(["building_id", "day"], as_index=False, sort=True).agg(
            value=("value", "sum"), samples=("samples", "sum")
        )
        parts.append(night.assign(metric_id="energy.night_electricity_kwh"))
        offday_rows = base[base["kind"] == "electricity"]
        workday = _workday_lookup(db, offday_rows["day"].to_numpy(dtype=np.int64))
        parts.append(offday_rows[~workday].assign(metric_id="energy.offday_electricity_kwh"))
    daily = pd.concat(parts, ignore_index=True)
    daily = pd.DataFrame(
        {
            "metric_id": daily["metric_id"].to_numpy(),
            "entity_kind": "building",
            "entity_id": daily["building_id"].to_numpy(dtype=np.int64),
            "day": _days_to_datetime64(daily["day"].to_numpy()),
            "value": daily["value"].to_numpy(dtype=float),
            "samples": daily["samples"].to_numpy(dtype=np.int64),
        }
    )

    month_set = [_day_number(m) for m in months]
    in_profile = frame[
        (frame["kind"] == "electricity") & frame["month"].isin(month_set) & frame["weekday"].isin(sorted(weekdays))
    ]
    profile = _profile_frame(
        "building",
        in_profile["building_id"].to_numpy(dtype=np.int64),
        in_profile["month"].to_numpy(dtype=np.int64),
        in_profile["weekday"].to_numpy(dtype=np.int64),
        in_profile["hour"].to_numpy(dtype=np.int64),
        in_profile["value"].to_numpy(dtype=float),
    )

    with_batch = in_range[in_range["batch_id"].notna()]
    counts = with_batch.groupby(["batch_id", "building_id", "kind", "month"], as_index=False, sort=True).size()
    counts = counts.rename(columns={"size": "rows"})
    counts["batch_id"] = counts["batch_id"].astype(np.int64)
    counts["month"] = _days_to_datetime64(counts["month"].to_numpy())
    return daily, profile, counts


def _profile_frame(
    entity_kind: str, entity_id: np.ndarray, month: np.ndarray, weekday: np.ndarray, hour: np.ndarray, value: np.ndarray
) -> pd.DataFrame:
    """Wide profile rows from single readings (month as a day number): one row per entity, month
    and weekday, ``hNN`` the sum of the readings of hour NN, ``samples`` how many readings."""
    if len(entity_id) == 0:
        return pd.DataFrame(columns=_PROFILE_COLUMNS)
    keys = pd.DataFrame({"entity_id": entity_id, "month": month, "weekday": weekday})
    grouped = keys.groupby(["entity_id", "month", "weekday"], sort=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    cells = grouped.size().reset_index()  # the same (sorted) group order as the codes
    n = len(cells)
    sums = np.bincount(codes * 24 + hour, weights=value, minlength=n * 24).reshape(n, 24)
    return pd.DataFrame(
        {
            "metric_id": PROFILE_METRIC,
            "entity_kind": entity_kind,
            "entity_id": cells["entity_id"].to_numpy(dtype=np.int64),
            "month": _days_to_datetime64(cells["month"].to_numpy()),
            "weekday": cells["weekday"].to_numpy(dtype=np.int64),
            **{name: sums[:, h] for h, name in enumerate(PROFILE_HOUR_COLUMNS)},
            "samples": np.bincount(codes, minlength=n).astype(np.int64),
        }
    )


def _org_profile(
    db: _Db,
    entities: pd.DataFrame,
    affected: set[int] | None,
    months: Sequence[dt.date],
    weekdays: set[int],
    *,
    replace: bool,
) -> None:
    """Org hourly profile = the sum of its subtree's building profiles, month by month (hour
    columns and samples alike)."""
    owners = entities.rename(columns={"id": "entity_id", "org_id": "own_org_id"})
    if affected is not None:
        under = db.tree.pairs(owners["own_org_id"].unique(), affected)["own_org_id"].unique()
        owners = owners[owners["own_org_id"].isin(under)]
    ids = sorted(int(i) for i in owners["entity_id"])
    hours = list(PROFILE_HOUR_COLUMNS)
    for month in months:
        parts = []
        for chunk in _chunks(ids, _IDS_PER_STATEMENT):
            parts.append(
                db.fetch(
                    f"SELECT entity_id, weekday, {', '.join(hours)}, samples FROM rollup_hourly_profile WHERE metric_id = :m "
                    "AND entity_kind = 'building' AND month = :month AND weekday IN :weekdays AND entity_id IN :ids",
                    {"m": PROFILE_METRIC, "month": month, "weekdays": sorted(weekdays), "ids": chunk},
                    ["entity_id", "weekday", *hours, "samples"],
                    bulk=True,
                    expanding=("weekdays", "ids"),
                    dates=("month",),
                )
            )
        rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if not rows.empty:
            rows = rows.merge(owners, on="entity_id")
            rolled = db.tree.roll_up(rows, ["weekday"], [*hours, "samples"], affected)
            frame = pd.DataFrame(
                {
                    "metric_id": PROFILE_METRIC,
                    "entity_kind": "org",
                    "entity_id": rolled["org_id"].to_numpy(dtype=np.int64),
                    "month": np.datetime64(month, "D"),
                    "weekday": rolled["weekday"].to_numpy(dtype=np.int64),
                    **{name: rolled[name].to_numpy(dtype=float) for name in hours},
                    "samples": rolled["samples"].to_numpy(dtype=np.int64),
                }
            )
        else:
            frame = pd.DataFrame()
        if replace:
            _replace_rows(
                db,
                "rollup_hourly_profile",
                frame,
                metric_ids=(PROFILE_METRIC,),
                entity_kind="org",
                entity_ids=affected,
                period_column="month",
                period_from=month,
                period_to=month,
                extra_where=" AND weekday IN :weekdays",
                extra_params={"weekdays": sorted(weekdays)},
                extra_expanding=("weekdays",),
            )
        else:
            _insert_rollup(db, "rollup_hourly_profile", frame)
