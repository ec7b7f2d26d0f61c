"""Incremental energy roll-ups: add what a load batch changed instead of recomputing.

A batch of meter readings changes the energy roll-ups by exactly its own rows: a new reading
adds its value and one sample to the daily, monthly and hourly-profile cells of its building
and of every org above it; a corrected reading adds ``new − old`` and no sample. Those changes
are additive, so they are written as upserts (``value = value + delta``) and commute with
any other batch's. The cost is proportional to the cells the batch touches (one per building,
metric and day, not per reading), never to what is already stored; ``data.rollup.refresh_energy``
(recompute from raw readings) stays the reconciler for the maintenance job and for
``rebuild_all``. The definitions are those of ``data.rollup``'s module docstring; a test checks
that a batch applied here leaves exactly what a rebuild from raw readings gives.

Usage, inside the batch's transaction::

    deltas = EnergyDeltas(conn)
    deltas.add(building_id=..., org_id=..., kind=..., interval_minutes=..., ts=..., value=..., samples=...)
    ...                      # once per chunk; accumulates building-level sums, flushes when large
    deltas.finish()          # writes what is left and bumps the energy data version
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from .models.rollup import PROFILE_HOUR_COLUMNS
from .rollup import (
    METER_KIND_METRIC,
    NIGHT_FROM_HOUR,
    NIGHT_TO_HOUR,
    PROFILE_METRIC,
    bump_data_version,
    days_to_datetime64,
    format_days,
    month_numbers,
    org_tree,
    workday_flags,
)

# Meter kinds by code: the loader passes the code (an int array) rather than strings.
METER_KINDS = ("electricity", "water", "gas", "heat")
ELECTRICITY = METER_KINDS.index("electricity")
_KIND_METRICS = np.array([METER_KIND_METRIC[k] for k in METER_KINDS], dtype=object)
NIGHT_METRIC = "energy.night_electricity_kwh"
OFFDAY_METRIC = "energy.offday_electricity_kwh"

_SECONDS_PER_DAY = 86_400
_LOCAL_OFFSET_SECONDS = 8 * 3600
_DAY_BITS = 1 << 17  # day numbers (days since 1970) stay below 131 072 until the year 2328
_FLUSH_ROWS = 200_000  # building-level cells held before they are written (bounds memory on huge files)


class EnergyDeltas:
    """Building-level sums of reading changes, accumulated chunk by chunk and written as upserts."""

    def __init__(self, conn: Connection, *, flush_rows: int = _FLUSH_ROWS):
        self.conn = conn
        self.flush_rows = flush_rows
        self._daily: list[pd.DataFrame] = []
        self._profile: list[pd.DataFrame] = []
        self._held = 0
        self.cells_written = 0
        self._touched = False
        self._tree = None

    @property
    def tree(self):
        if self._tree is None:
            self._tree = org_tree(self.conn)
        return self._tree

    # -- accumulate ---------------------------------------------------------------------------
    def add(self, *, building_id: np.ndarray, org_id: np.ndarray, kind: np.ndarray, interval_minutes: np.ndarray,
            ts: np.ndarray, value: np.ndarray, samples: np.ndarray) -> None:
        """Changes of single readings: ``ts`` is the interval's end in epoch seconds (UTC),
        ``kind`` an index into ``METER_KINDS``, ``value`` the change of value, ``samples`` +1 for a
        new reading and 0 for a correction."""
        n = len(ts)
        if n == 0:
            return
        building_id = np.asarray(building_id, dtype=np.int64)
        kind = np.asarray(kind, dtype=np.int64)
        value = np.asarray(value, dtype=np.float64)
        samples = np.asarray(samples, dtype=np.int64)
        # The local day and hour of the interval's start (see data.rollup: a reading belongs to the
        # interval that ends at ts).
        local = np.asarray(ts, dtype=np.int64) + _LOCAL_OFFSET_SECONDS - np.asarray(interval_minutes, dtype=np.int64) * 60
        day = local // _SECONDS_PER_DAY
        hour = (local - day * _SECONDS_PER_DAY) // 3600
        electric = kind == ELECTRICITY
        night = electric & ((hour >= NIGHT_FROM_HOUR) | (hour < NIGHT_TO_HOUR))

        key = (building_id * len(METER_KINDS) + kind) * _DAY_BITS + day
        codes, uniques = pd.factorize(key, sort=False)
        groups = len(uniques)
        first = _first_positions(codes, groups)
        self._daily.append(pd.DataFrame({
            "key": uniques, "org_id": np.asarray(org_id, dtype=np.int64)[first],
            "value": np.bincount(codes, weights=value, minlength=groups),
            "samples": np.bincount(codes, weights=samples, minlength=groups).astype(np.int64),
            "night_value": np.bincount(codes, weights=np.where(night, value, 0.0), minlength=groups),
            "night_samples": np.bincount(codes, weights=np.where(night, samples, 0), minlength=groups).astype(np.int64),
        }))
        self._held += groups

        if electric.any():
            e_day, e_hour = day[electric], hour[electric]
            weekday = (e_day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
            month = month_numbers(e_day)
            pkey = (building_id[electric] * _DAY_BITS + month) * 7 + weekday
            pcodes, puniques = pd.factorize(pkey, sort=False)
            pgroups = len(puniques)
            hours = np.bincount(pcodes * 24 + e_hour, weights=value[electric], minlength=pgroups * 24).reshape(pgroups, 24)
            frame = pd.DataFrame(hours, columns=list(PROFILE_HOUR_COLUMNS))
            frame.insert(0, "key", puniques)
            frame.insert(1, "org_id", np.asarray(org_id, dtype=np.int64)[electric][_first_positions(pcodes, pgroups)])
            frame["samples"] = np.bincount(pcodes, weights=samples[electric], minlength=pgroups).astype(np.int64)
            self._profile.append(frame)
            self._held += pgroups
        self._touched = True
        if self._held >= self.flush_rows:
            self.flush()

    # -- write ---------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write the accumulated changes (building cells, then every ancestor org's)."""
        if self._daily:
            daily = pd.concat(self._daily, ignore_index=True)
            daily = daily.groupby(["key", "org_id"], as_index=False, sort=False).sum()
            self._write_daily_and_monthly(daily)
        if self._profile:
            profile = pd.concat(self._profile, ignore_index=True)
            profile = profile.groupby(["key", "org_id"], as_index=False, sort=False).sum()
            self._write_profile(profile)
        self._daily, self._profile, self._held = [], [], 0

    def finish(self) -> None:
        self.flush()
        if self._touched:
            bump_data_version(self.conn, ("energy",))

    def _write_daily_and_monthly(self, cells: pd.DataFrame) -> None:
        key = cells["key"].to_numpy(dtype=np.int64)
        day = key % _DAY_BITS
        building_kind = key // _DAY_BITS
        kind = building_kind % len(METER_KINDS)
        building = building_kind // len(METER_KINDS)
        org = cells["org_id"].to_numpy(dtype=np.int64)
        value = cells["value"].to_numpy(dtype=np.float64)
        samples = cells["samples"].to_numpy(dtype=np.int64)

        electric = kind == ELECTRICITY
        offday = np.zeros(len(day), dtype=bool)
        if electric.any():
            offday[electric] = ~workday_flags(self.conn, day[electric])
        # One row per (metric, building, day): the kind's metric, night electricity wherever there is
        # electricity (its value may be 0), off-day electricity on non-working days only.
        parts = [
            (_KIND_METRICS[kind], building, org, day, value, samples),
            (np.full(int(electric.sum()), NIGHT_METRIC, dtype=object), building[electric], org[electric], day[electric],
             cells["night_value"].to_numpy(dtype=np.float64)[electric],
             cells["night_samples"].to_numpy(dtype=np.int64)[electric]),
            (np.full(int(offday.sum()), OFFDAY_METRIC, dtype=object), building[offday], org[offday], day[offday],
             value[offday], samples[offday]),
        ]
        rows = pd.DataFrame({
            "metric_id": np.concatenate([p[0] for p in parts]),
            "entity_id": np.concatenate([p[1] for p in parts]),
            "own_org_id": np.concatenate([p[2] for p in parts]),
            "period": np.concatenate([p[3] for p in parts]),
            "value": np.concatenate([p[4] for p in parts]),
            "samples": np.concatenate([p[5] for p in parts]),
        })
        orgs = self.tree.sum_into_ancestors(rows, ["metric_id", "period"], ["value", "samples"]).rename(
            columns={"org_id": "entity_id"})
        daily = pd.concat([rows.drop(columns="own_org_id").assign(entity_kind="building"), orgs.assign(entity_kind="org")],
                          ignore_index=True)
        self._upsert("rollup_daily", "day", daily)
        monthly = daily.assign(period=month_numbers(daily["period"].to_numpy(dtype=np.int64)))
        monthly = monthly.groupby(["metric_id", "entity_kind", "entity_id", "period"], as_index=False, sort=False)[
            ["value", "samples"]].sum()
        self._upsert("rollup_monthly", "month", monthly)

    def _write_profile(self, cells: pd.DataFrame) -> None:
        key = cells["key"].to_numpy(dtype=np.int64)
        weekday = key % 7
        month = (key // 7) % _DAY_BITS
        building = key // 7 // _DAY_BITS
        sums = [*PROFILE_HOUR_COLUMNS, "samples"]
        rows = pd.DataFrame({"entity_id": building, "own_org_id": cells["org_id"].to_numpy(dtype=np.int64),
                             "period": month, "weekday": weekday})
        rows[sums] = cells[sums].to_numpy()
        rows["samples"] = rows["samples"].astype(np.int64)
        orgs = self.tree.sum_into_ancestors(rows, ["period", "weekday"], sums).rename(columns={"org_id": "entity_id"})
        profile = pd.concat([rows.drop(columns="own_org_id").assign(entity_kind="building"), orgs.assign(entity_kind="org")],
                            ignore_index=True)
        profile["metric_id"] = PROFILE_METRIC
        self._upsert("rollup_hourly_profile", "month", profile, extra_keys=("weekday",), sums=tuple(sums))

    def _upsert(self, table: str, period_column: str, frame: pd.DataFrame, *, extra_keys: Sequence[str] = (),
                sums: Sequence[str] = ("value", "samples")) -> None:
        """``INSERT … ON CONFLICT DO UPDATE SET s = s + excluded.s`` for every row of ``frame``
        (one row per key), in primary-key order so the B-tree is walked, not jumped around."""
        if frame.empty:
            return
        keys = ["metric_id", "entity_kind", "entity_id", "period", *extra_keys]
        frame = frame.sort_values(keys, kind="stable")
        periods = format_days(days_to_datetime64(frame["period"].to_numpy(dtype=np.int64)))
        columns = ["metric_id", "entity_kind", "entity_id", period_column, *extra_keys, *sums]
        values = [frame["metric_id"].tolist(), frame["entity_kind"].tolist(), frame["entity_id"].tolist(),
                  periods.tolist(), *(frame[k].tolist() for k in extra_keys),
                  *(frame[s].astype(np.int64 if s == "samples" else np.float64).tolist() for s in sums)]
        conflict = ", ".join(["metric_id", "entity_kind", "entity_id", period_column, *extra_keys])
        assignments = ", ".join(f"{s} = {table}.{s} + excluded.{s}" for s in sums)
        cursor = self.conn.connection.dbapi_connection.cursor()
        try:
            if self.conn.dialect.name == "sqlite":
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                    f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments}", zip(*values))
            else:
                casts = ["text", "text", "integer", "date", *("integer" for _ in extra_keys),
                         *("integer" if s == "samples" else "double precision" for s in sums)]
                arrays = ", ".join(f"%s::{cast}[]" for cast in casts)
                # Each column goes as ONE array literal ('{a,b,…}'): psycopg2 would otherwise send
                # ARRAY[a, b, …], which the server parses and plans element by element.
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
                    f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments}",
                    [_array_literal(v, quoted=i < 2) for i, v in enumerate(values)])
        finally:
            cursor.close()
        self.cells_written += len(frame)


def _array_literal(values: list, *, quoted: bool) -> str:
    """A PostgreSQL array literal; ``quoted`` for text (metric ids and entity kinds: no quotes or
    backslashes in them, checked)."""
    if quoted:
        if any('"' in v or "\\" in v for v in values):
            raise ValueError("unexpected quote or backslash in a roll-up key")
        return "{" + ",".join(f'"{v}"' for v in values) + "}"
    return "{" + ",".join(map(repr, values) if values and isinstance(values[0], float) else map(str, values)) + "}"


def _first_positions(codes: np.ndarray, groups: int) -> np.ndarray:
    """For each group code 0..groups-1, the position of its first row."""
    first = np.full(groups, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    return first
