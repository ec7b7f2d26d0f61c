"""Incremental energy roll-ups: add what a load batch changed instead of recomputing.

A batch of meter readings changes the energy roll-ups by exactly its own rows: a new reading
adds its value and one sample to the daily, monthly and hourly-profile cells of its building
and of every org above it; a corrected reading adds ``new − old`` and no sample. Those changes
are additive, so they are written as upserts (``value = value + delta``) and commute with
any other batch's. The cost is proportional to the cells the batch touches (one per building,
metric and day, not per reading), never to what is already stored. Recomputing from raw
readings (``data.rollup.rebuild_all``, ``python manage.py rebuild-rollups``) stays the
reconciler, e.g. after the holiday calendar changes which days are off-days. The definitions are
those of ``data.rollup``'s module docstring; a test checks that a batch applied here leaves
exactly what a rebuild from raw readings gives.

Local days and hours are those of the configured zone (``data.calendar``), or of the
``calendar`` passed to ``EnergyDeltas``; a rebuild must use the same zone.

Usage, inside the batch's transaction::

    deltas = EnergyDeltas(conn)
    deltas.add(building_id=..., org_id=..., kind=..., interval_minutes=..., ts=..., value=..., samples=...)
    ...                      # once per chunk; accumulates building-level sums, flushes when large
    deltas.finish()          # writes what is left and bumps the energy data version
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from .calendar import Calendar, configured_calendar
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
NIGHT_METRIC = "energy.night_electricity_kwh"
OFFDAY_METRIC = "energy.offday_electricity_kwh"

_SECONDS_PER_DAY = 86_400
_DAY_BITS = 1 << 17  # day numbers (days since 1970) stay below 131 072 until the year 2328
_FLUSH_ROWS = 50_000  # cells held before they are written: bounds memory (and statement size) on huge files


class EnergyDeltas:
    """Building-level sums of reading changes, accumulated chunk by chunk and written as upserts.

    Everything is kept as plain arrays keyed by one packed integer per cell: a batch's few
    thousand cells are summed with ``bincount`` instead of DataFrames with dozens of columns.
    """

    def __init__(self, conn: Connection, *, flush_rows: int = _FLUSH_ROWS, calendar: Calendar | None = None):
        self.conn = conn
        self.flush_rows = flush_rows
        self.calendar = calendar or configured_calendar()
        self._daily: list[_Cells] = []
        self._profile: list[_Cells] = []
        self._held = 0
        self._touched = False
        self._tree = None

    @property
    def tree(self):
        if self._tree is None:
            self._tree = org_tree(self.conn)
        return self._tree

    # -- accumulate ---------------------------------------------------------------------------
    def add(
        self,
        *,
        building_id: np.ndarray,
        org_id: np.ndarray,
        kind: np.ndarray,
        interval_minutes: np.ndarray,
        ts: np.ndarray,
        value: np.ndarray,
        samples: np.ndarray,
    ) -> None:
        """Changes of single readings: ``ts`` is the interval's end in epoch seconds (UTC),
        ``kind`` an index into ``METER_KINDS``, ``value`` the change of value, ``samples`` +1 for a
        new reading and 0 for a correction."""
        if len(ts) == 0:
            return
        building_id = np.asarray(building_id, dtype=np.int64)
        org_id = np.asarray(org_id, dtype=np.int64)
        kind = np.asarray(kind, dtype=np.int64)
        value = np.asarray(value, dtype=np.float64)
        samples = np.asarray(samples, dtype=np.float64)
        # The local day and hour of the interval's start (see data.rollup: a reading belongs to the
        # interval that ends at ts), as wall-clock seconds of the calendar's zone.
        start = np.asarray(ts, dtype=np.int64) - np.asarray(interval_minutes, dtype=np.int64) * 60
        local = self.calendar.local_wall_seconds(start)
        day = local // _SECONDS_PER_DAY
        hour = (local - day * _SECONDS_PER_DAY) // 3600
        electric = kind == ELECTRICITY
        night = electric & ((hour >= NIGHT_FROM_HOUR) | (hour < NIGHT_TO_HOUR))

        # daily cells: (building, kind, day) -> value, samples, night value, night samples
        key = (building_id * len(METER_KINDS) + kind) * _DAY_BITS + day
        sums = np.stack([value, samples, np.where(night, value, 0.0), np.where(night, samples, 0.0)], axis=1)
        self._daily.append(_Cells.summed(key, org_id, sums))
        self._held += len(self._daily[-1])

        if electric.any():
            # profile cells: (building, month, weekday) -> 24 hour sums, samples
            e_day = day[electric]
            weekday = (e_day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
            pkey = (building_id[electric] * _DAY_BITS + month_numbers(e_day)) * 7 + weekday
            codes, uniques = pd.factorize(pkey)
            groups = len(uniques)
            sums = np.empty((groups, 25))
            sums[:, :24] = np.bincount(
                codes * 24 + hour[electric], weights=value[electric], minlength=groups * 24
            ).reshape(groups, 24)
            sums[:, 24] = np.bincount(codes, weights=samples[electric], minlength=groups)
            self._profile.append(
                _Cells(np.asarray(uniques, dtype=np.int64), org_id[electric][_first(codes, groups)], sums)
            )
            self._held += len(self._profile[-1])
        self._touched = True
        if self._held >= self.flush_rows:
            self.flush()

    # -- write ---------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write the accumulated changes (building cells, then every ancestor org's)."""
        if self._daily:
            self._write_daily_and_monthly(_Cells.merged(self._daily))
        if self._profile:
            self._write_profile(_Cells.merged(self._profile))
        self._daily, self._profile, self._held = [], [], 0

    def finish(self) -> None:
        self.flush()
        if self._touched:
            bump_data_version(self.conn, ("energy",))

    def _write_daily_and_monthly(self, cells: _Cells) -> None:
        day = cells.key % _DAY_BITS
        building_kind = cells.key // _DAY_BITS
        kind = building_kind % len(METER_KINDS)
        building = building_kind // len(METER_KINDS)
        value, samples, night_value, night_samples = cells.sums.T

        electric = kind == ELECTRICITY
        offday = np.zeros(len(day), dtype=bool)
        if electric.any():
            offday[electric] = ~workday_flags(self.conn, day[electric])
        # One row per (metric, building, day): the kind's metric, night electricity wherever there is
        # electricity (its value may be 0), off-day electricity on non-working days only.
        metric_code = np.concatenate([kind, np.full(int(electric.sum()), _NIGHT), np.full(int(offday.sum()), _OFFDAY)])
        building_rows = np.concatenate([np.arange(len(day)), np.flatnonzero(electric), np.flatnonzero(offday)])
        row_sums = np.stack(
            [
                np.concatenate([value, night_value[electric], value[offday]]),
                np.concatenate([samples, night_samples[electric], samples[offday]]),
            ],
            axis=1,
        )
        # building cells, then the same cells summed into every org above each building
        daily_key = metric_code * _DAY_BITS + day[building_rows]
        entity = building[building_rows]
        org_key, org_entity, org_sums = _sum_into_ancestors(self.tree, cells.org[building_rows], daily_key, row_sums)
        self._upsert_flow(
            "rollup_daily",
            "day",
            np.concatenate([daily_key, org_key]),
            np.concatenate([entity, org_entity]),
            len(entity),
            np.concatenate([row_sums, org_sums]),
        )

    def _write_profile(self, cells: _Cells) -> None:
        weekday_key = cells.key % (_DAY_BITS * 7)  # (month, weekday) packed
        building = cells.key // (_DAY_BITS * 7)
        org_key, org_entity, org_sums = _sum_into_ancestors(self.tree, cells.org, weekday_key, cells.sums)
        key = np.concatenate([weekday_key, org_key])
        entity = np.concatenate([building, org_entity])
        sums = np.concatenate([cells.sums, org_sums])
        kinds = np.concatenate([np.zeros(len(building), dtype=np.int64), np.ones(len(org_entity), dtype=np.int64)])
        order = np.lexsort((key % 7, key // 7, entity, kinds))
        month = days_to_datetime64((key // 7)[order])
        columns = {
            "metric_id": [PROFILE_METRIC] * len(order),
            "entity_kind": _ENTITY_KINDS[kinds[order]].tolist(),
            "entity_id": entity[order].tolist(),
            "month": format_days(month).tolist(),
            "weekday": (key % 7)[order].tolist(),
        }
        for i, name in enumerate(PROFILE_HOUR_COLUMNS):
            columns[name] = sums[order, i].tolist()
        columns["samples"] = np.rint(sums[order, 24]).astype(np.int64).tolist()
        self._upsert("rollup_hourly_profile", columns, keys=5)

    def _upsert_flow(
        self, table: str, period_column: str, key: np.ndarray, entity: np.ndarray, buildings: int, sums: np.ndarray
    ) -> None:
        """Daily cells (``key`` = metric code and day packed), then the same summed by month."""
        kinds = np.concatenate([np.zeros(buildings, dtype=np.int64), np.ones(len(entity) - buildings, dtype=np.int64)])
        self._upsert_cells(table, period_column, key, entity, kinds, sums)
        # monthly cells: the same rows with the day replaced by its month, summed
        month_key = (key // _DAY_BITS) * _DAY_BITS + month_numbers(key % _DAY_BITS)
        packed = (entity * 2 + kinds) * (len(_METRICS) * _DAY_BITS) + month_key
        codes, uniques = pd.factorize(packed)
        summed = np.stack([np.bincount(codes, weights=sums[:, i], minlength=len(uniques)) for i in range(2)], axis=1)
        entity_kind, month_key = uniques // (len(_METRICS) * _DAY_BITS), uniques % (len(_METRICS) * _DAY_BITS)
        self._upsert_cells("rollup_monthly", "month", month_key, entity_kind // 2, entity_kind % 2, summed)

    def _upsert_cells(
        self, table: str, period_column: str, key: np.ndarray, entity: np.ndarray, kinds: np.ndarray, sums: np.ndarray
    ) -> None:
        metric, period = key // _DAY_BITS, key % _DAY_BITS
        # primary-key order: metric id (text), entity kind, entity, period
        order = np.lexsort((period, entity, kinds, _METRIC_RANK[metric]))
        self._upsert(
            table,
            {
                "metric_id": _METRICS[metric[order]].tolist(),
                "entity_kind": _ENTITY_KINDS[kinds[order]].tolist(),
                "entity_id": entity[order].tolist(),
                period_column: format_days(days_to_datetime64(period[order])).tolist(),
                "value": sums[order, 0].tolist(),
                "samples": np.rint(sums[order, 1]).astype(np.int64).tolist(),
            },
            keys=4,
        )

    def _upsert(self, table: str, columns: dict[str, list], *, keys: int) -> None:
        """``INSERT … ON CONFLICT DO UPDATE SET s = s + excluded.s`` for every row (one per key, in
        primary-key order so the B-tree is walked, not jumped around). The first ``keys`` columns
        are the primary key; the others are added."""
        names = list(columns)
        values = list(columns.values())
        if not values or not values[0]:
            return
        conflict = ", ".join(names[:keys])
        sums = names[keys:]
        assignments = ", ".join(f"{s} = {table}.{s} + excluded.{s}" for s in sums)
        cursor = self.conn.connection.dbapi_connection.cursor()
        try:
            if self.conn.dialect.name == "sqlite":
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
                    f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments}",
                    zip(*values),
                )
            else:
                casts = [_PG_TYPES[name] for name in names]
                arrays = ", ".join(f"%s::{cast}[]" for cast in casts)
                # Each column goes as ONE array literal ('{a,b,…}'): psycopg2 would otherwise send
                # ARRAY[a, b, …], which the server parses and plans element by element.
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM unnest({arrays}) "
                    f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments}",
                    [_array_literal(v, quoted=name in ("metric_id", "entity_kind")) for name, v in zip(names, values)],
                )
        finally:
            cursor.close()


class _Cells:
    """Cells keyed by one packed integer, with the building's org and one or more sums each."""

    def __init__(self, key: np.ndarray, org: np.ndarray, sums: np.ndarray):
        self.key, self.org, self.sums = key, org, sums

    def __len__(self) -> int:
        return len(self.key)

    @classmethod
    def summed(cls, key: np.ndarray, org: np.ndarray, sums: np.ndarray) -> _Cells:
        """Rows with equal keys summed (a key determines its building, hence its org)."""
        codes, uniques = pd.factorize(key)
        groups = len(uniques)
        total = np.stack(
            [np.bincount(codes, weights=sums[:, i], minlength=groups) for i in range(sums.shape[1])], axis=1
        )
        return cls(np.asarray(uniques, dtype=np.int64), org[_first(codes, groups)], total)

    @classmethod
    def merged(cls, parts: list[_Cells]) -> _Cells:
        if len(parts) == 1:
            return parts[0]
        return cls.summed(
            np.concatenate([p.key for p in parts]),
            np.concatenate([p.org for p in parts]),
            np.concatenate([p.sums for p in parts]),
        )


def _first(codes: np.ndarray, groups: int) -> np.ndarray:
    """For each group code 0..groups-1, the position of its first row."""
    first = np.full(groups, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    return first


def _sum_into_ancestors(tree, own_org: np.ndarray, key: np.ndarray, sums: np.ndarray):
    """Cells of buildings summed into the org of each building and every ancestor:
    (key, org id, sums) per org cell."""
    rows, orgs = tree.ancestor_pairs(own_org)
    packed = orgs * (key.max() + 1) + key[rows]
    codes, uniques = pd.factorize(packed)
    total = np.stack(
        [np.bincount(codes, weights=sums[rows, i], minlength=len(uniques)) for i in range(sums.shape[1])], axis=1
    )
    return uniques % (key.max() + 1), uniques // (key.max() + 1), total


_METRICS = np.array([*(METER_KIND_METRIC[k] for k in METER_KINDS), NIGHT_METRIC, OFFDAY_METRIC], dtype=object)
_NIGHT, _OFFDAY = len(METER_KINDS), len(METER_KINDS) + 1
_METRIC_RANK = np.argsort(np.argsort(_METRICS.astype(str)))  # metric code -> position in text order
_ENTITY_KINDS = np.array(["building", "org"], dtype=object)
_PG_TYPES = {
    "metric_id": "text",
    "entity_kind": "text",
    "entity_id": "integer",
    "day": "date",
    "month": "date",
    "weekday": "integer",
    "value": "double precision",
    "samples": "integer",
    **{name: "double precision" for name in PROFILE_HOUR_COLUMNS},
}


def _array_literal(values: list, *, quoted: bool) -> str:
    """A PostgreSQL array literal; ``quoted`` for text (metric ids and entity kinds: no quotes or
    backslashes in them, checked)."""
    if quoted:
        if any('"' in v or "\\" in v for v in values):
            raise ValueError("unexpected quote or backslash in a roll-up key")
        return "{" + ",".join(f'"{v}"' for v in values) + "}"
    return "{" + ",".join(map(repr, values) if values and isinstance(values[0], float) else map(str, values)) + "}"
