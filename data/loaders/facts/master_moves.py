"""The roll-ups after a master batch moved something in the org tree.

An org row of the roll-ups is the total of the node's subtree, so when a node is re-parented, or
a building, meter or vehicle changes org, only the orgs on the two ancestor chains that are not
common to both change: the orgs it *left* and the orgs it *joined*. For those orgs, and only
them, the org-level rows are recomputed from the entity rows below them (which do not change),
over every day with facts — the same functions and the same sums a rebuild uses:

* energy: daily and monthly rows and the hour × weekday profile (from the building rows);
* vehicles: daily and monthly rows (from the vehicle rows);
* asset redeployments, counted at the receiving org, when an org moved;
* month-end states (fleet, assets, offices, housing) of every month that has states;
* the provenance (which batch fed which org-month): the moved thing's own counts are taken
  from the orgs it left and added to the orgs it joined.

A meter that moves to another building is a change of building rows: both buildings' energy
roll-ups are refreshed (``Affected.buildings`` over the meter's days) and the provenance moves.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data.calendar import Calendar
from data.rollup.asset import _asset_flow_range, _refresh_asset_flows
from data.rollup.energy import _energy_fact_range, _org_profile
from data.rollup.metrics import ENERGY_FLOW_METRICS, FACT_METRICS, STATE_DOMAINS, STATE_METRICS, VEHICLE_FLOW_METRICS
from data.rollup.periods import _month_end, _month_starts
from data.rollup.state import _write_states
from data.rollup.store import _Db, bump_data_version
from data.rollup.tables import _org_from_entities
from data.rollup.vehicle import _vehicle_fact_range

from .master_common import Moves


def refresh_after_moves(
    conn: Connection, moves: Moves, *, calendar: Calendar, as_of: dt.date, affected=None
) -> set[int]:
    """Bring the org roll-ups and the provenance up to date after ``moves``; the orgs rewritten.

    ``affected`` (the batch's ``Affected``) receives the buildings and days a meter move touches.
    """
    db = _Db(conn)  # reads the tree as it is now, after the batch's path rewrites
    chains = db.tree.chains
    changed: dict[str, set[int]] = {"energy": set(), "vehicle": set(), "asset": set(), "state": set()}
    state_domains: set[str] = set()
    shifts: list[tuple[pd.DataFrame, set[int], set[int]]] = []

    for org_id, left, joined in moves.orgs:
        orgs = set(left) | set(joined)
        for key in ("energy", "vehicle", "asset", "state"):
            changed[key] |= orgs
        state_domains.update(STATE_DOMAINS)
        shifts.append((_org_provenance(db, org_id), set(left), set(joined)))
    building_org = dict(conn.execute(sa.text("SELECT id, org_id FROM building")).tuples().all())
    for building_id, old_org, new_org in moves.buildings:
        left, joined = _sides(chains, old_org, new_org)
        changed["energy"] |= left | joined
        shifts.append((_reading_counts(db, calendar, "building_id", building_id), left, joined))
    for meter_id, old_building, new_building in moves.meters:
        first_last = _meter_days(db, calendar, meter_id)
        if first_last is not None and affected is not None:
            affected.buildings.update((old_building, new_building))
            affected.span_day(first_last[0])
            affected.span_day(first_last[1])
        old_org, new_org = building_org.get(old_building), building_org.get(new_building)
        if old_org != new_org and old_org is not None and new_org is not None:
            left, joined = _sides(chains, old_org, new_org)
            shifts.append((_reading_counts(db, calendar, "id", meter_id), left, joined))
    for vehicle_id, old_org, new_org in moves.vehicles:
        left, joined = _sides(chains, old_org, new_org)
        changed["vehicle"] |= left | joined
        changed["state"] |= left | joined
        state_domains.add("vehicle")
        shifts.append((_vehicle_counts(db, calendar, vehicle_id), left, joined))

    if changed["energy"]:
        span = _energy_fact_range(db, calendar)
        if span is not None:
            months = _month_starts(*span)
            buildings = db.fetch("SELECT id, org_id FROM building", {}, ["id", "org_id"])
            _org_from_entities(
                db, buildings, "building", ENERGY_FLOW_METRICS, changed["energy"], *span, months, replace=True
            )
            _org_profile(db, buildings, changed["energy"], months, set(range(7)), replace=True)
    if changed["vehicle"]:
        span = _vehicle_fact_range(db, calendar)
        if span is not None:
            vehicles = db.fetch("SELECT id, org_id FROM vehicle", {}, ["id", "org_id"])
            _org_from_entities(
                db,
                vehicles,
                "vehicle",
                VEHICLE_FLOW_METRICS,
                changed["vehicle"],
                *span,
                _month_starts(*span),
                replace=True,
            )
    if changed["asset"]:
        span = _asset_flow_range(db, calendar)
        if span is not None:
            _refresh_asset_flows(db, calendar, *span, replace=True)
    if changed["state"] and state_domains:
        _rewrite_states(db, sorted(state_domains), changed["state"], as_of)
    for counts, left, joined in shifts:
        _shift_provenance(db, counts, left, joined)
    rewritten = set().union(*changed.values())
    if rewritten:
        bump_data_version(conn, ("energy", "vehicle", "asset", "housing"))
    return rewritten


def _sides(chains: dict, old_org: int, new_org: int) -> tuple[set[int], set[int]]:
    before = set(chains.get(int(old_org), (int(old_org),)))
    after = set(chains.get(int(new_org), (int(new_org),)))
    return before - after, after - before


def _rewrite_states(db: _Db, domains: list[str], orgs: set[int], as_of: dt.date) -> None:
    """Month-end states of ``orgs`` for every month that holds states (at ``as_of`` for the current one)."""
    metrics = [m for d in domains for m in STATE_METRICS[d]]
    first = db.conn.execute(
        sa.text("SELECT MIN(month) FROM rollup_monthly WHERE entity_kind = 'org' AND metric_id IN :m").bindparams(
            sa.bindparam("m", expanding=True)
        ),
        {"m": metrics},
    ).scalar()
    start = pd.Timestamp(first).date() if first is not None else as_of.replace(day=1)
    dates = [min(_month_end(m), as_of) for m in _month_starts(min(start, as_of), as_of)]
    _write_states(db, domains, dates, org_ids=sorted(orgs), replace=True)


# --- provenance -------------------------------------------------------------------------


def _org_provenance(db: _Db, org_id: int) -> pd.DataFrame:
    """A node's provenance rows: the counts of its whole subtree, which move with it."""
    return db.fetch(
        f"SELECT metric_id, {db.sel_day('month')} AS month, batch_id, rows FROM rollup_provenance WHERE org_id = :o",
        {"o": int(org_id)},
        ["metric_id", "month", "batch_id", "rows"],
        day_columns=["month"],
    )


def _meter_days(db: _Db, calendar: Calendar, meter_id: int) -> tuple[dt.date, dt.date] | None:
    row = db.conn.execute(
        sa.text("SELECT MIN(ts), MAX(ts) FROM meter_reading WHERE meter_id = :m"), {"m": int(meter_id)}
    ).one()
    if row[0] is None:
        return None
    first, last = (pd.Timestamp(v).to_pydatetime().replace(tzinfo=None) for v in row)
    return calendar.local_day(first - dt.timedelta(days=1)), calendar.local_day(last)


def _reading_counts(db: _Db, calendar: Calendar, column: str, value: int) -> pd.DataFrame:
    """Readings per (metric, local month of the interval's start, batch) of a building's meters
    (``column`` = "building_id") or of one meter (``column`` = "id")."""
    readings = db.fetch(
        f"SELECT m.kind, m.interval_minutes, {db.sel_ts('r.ts')} AS ts, r.batch_id FROM meter_reading r "
        f"JOIN meter m ON m.id = r.meter_id WHERE m.{column} = :v AND r.batch_id IS NOT NULL",
        {"v": int(value)},
        ["kind", "interval", "ts", "batch_id"],
        ts_columns=["ts"],
    )
    if readings.empty:
        return _empty_counts()
    starts = readings["ts"].to_numpy() - readings["interval"].to_numpy(dtype=np.int64).astype("timedelta64[m]")
    frame = pd.DataFrame(
        {
            "key": "meter_reading:" + readings["kind"].astype(str),
            "month": _month_numbers(calendar.local_days(starts.astype("datetime64[us]"))),
            "batch_id": readings["batch_id"].astype(np.int64),
        }
    )
    return _per_metric(frame)


def _vehicle_counts(db: _Db, calendar: Calendar, vehicle_id: int) -> pd.DataFrame:
    frames = []
    for key, table, column in (("trip", "trip", "start_ts"), ("fuel_record", "fuel_record", "ts")):
        rows = db.fetch(
            f"SELECT {db.sel_ts(column)} AS ts, batch_id FROM {table} WHERE vehicle_id = :v AND batch_id IS NOT NULL",
            {"v": int(vehicle_id)},
            ["ts", "batch_id"],
            ts_columns=["ts"],
        )
        if not rows.empty:
            days = calendar.local_days(rows["ts"].to_numpy())
            frames.append(pd.DataFrame({"key": key, "month": _month_numbers(days), "batch_id": rows["batch_id"]}))
    rows = db.fetch(
        f"SELECT {db.sel_day('performed_on')} AS day, batch_id FROM maintenance_record "
        "WHERE vehicle_id = :v AND batch_id IS NOT NULL",
        {"v": int(vehicle_id)},
        ["day", "batch_id"],
        day_columns=["day"],
    )
    if not rows.empty:
        frames.append(
            pd.DataFrame(
                {
                    "key": "maintenance_record",
                    "month": _month_numbers(rows["day"].to_numpy()),
                    "batch_id": rows["batch_id"],
                }
            )
        )
    if not frames:
        return _empty_counts()
    frame = pd.concat(frames, ignore_index=True)
    frame["batch_id"] = frame["batch_id"].astype(np.int64)
    return _per_metric(frame)


def _month_numbers(day_numbers: np.ndarray) -> np.ndarray:
    """Day numbers (days since 1970-01-01) of the first day of each day's month."""
    days = np.asarray(day_numbers, dtype=np.int64).astype("datetime64[D]")
    return days.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _per_metric(frame: pd.DataFrame) -> pd.DataFrame:
    counts = frame.groupby(["key", "month", "batch_id"], as_index=False).size().rename(columns={"size": "rows"})
    parts = [
        group.assign(metric_id=metric)[["metric_id", "month", "batch_id", "rows"]]
        for key, group in counts.groupby("key")
        for metric in FACT_METRICS.get(key, ())
    ]
    return pd.concat(parts, ignore_index=True) if parts else _empty_counts()


def _empty_counts() -> pd.DataFrame:
    return pd.DataFrame({"metric_id": [], "month": [], "batch_id": [], "rows": []})


def _shift_provenance(db: _Db, counts: pd.DataFrame, left: set[int], joined: set[int]) -> None:
    """Take ``counts`` (metric_id, month as a day number, batch_id, rows) from the orgs in
    ``left`` and give them to the orgs in ``joined``."""
    if counts.empty or not (left or joined):
        return
    update = sa.text(
        "UPDATE rollup_provenance SET rows = rows + :d "
        "WHERE metric_id = :m AND org_id = :o AND month = :mo AND batch_id = :b"
    ).bindparams(sa.bindparam("mo", type_=sa.Date()))
    insert = sa.text(
        "INSERT INTO rollup_provenance (metric_id, org_id, month, batch_id, rows) VALUES (:m, :o, :mo, :b, :d)"
    ).bindparams(sa.bindparam("mo", type_=sa.Date()))
    epoch = dt.date(1970, 1, 1)
    for sign, orgs in ((-1, left), (1, joined)):
        for org in sorted(orgs):
            for row in counts.itertuples(index=False):
                params = {
                    "d": sign * int(row.rows),
                    "m": row.metric_id,
                    "o": int(org),
                    "mo": epoch + dt.timedelta(days=int(row.month)),
                    "b": int(row.batch_id),
                }
                if not db.conn.execute(update, params).rowcount and sign > 0:
                    db.conn.execute(insert, params)
    if left:
        db.execute(
            "DELETE FROM rollup_provenance WHERE org_id IN :orgs AND rows <= 0",
            {"orgs": sorted(left)},
            expanding=("orgs",),
        )
