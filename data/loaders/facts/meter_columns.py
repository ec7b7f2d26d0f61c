"""Meter readings column-wise: every meter of the province as arrays (``MeterTable``), converted
readings as arrays (``Readings``), and their upsert by (meter, ts) in one pass (``write_readings``).

``write_readings`` hands the changes to ``data.rollup_delta.EnergyDeltas``, which adds them to the
energy roll-ups instead of having them recomputed; a reading counts on the local day (in the
batch's calendar) its interval starts on.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from data.models import Building, Meter, ReadingCeiling
from data.models.energy import METER_UNITS
from data.rollup import format_timestamps, month_numbers
from data.rollup_delta import METER_KINDS, EnergyDeltas

from ..extract import RawRow
from ..parsing import is_blank
from .base import BatchContext, Rejection, WriteResult, _chunks, _issue


class MeterInfo:
    """A meter as the loader needs it (a plain slotted class: thousands are built per batch).

    ``reading_hour`` is the local hour a daily meter's interval ends at (0 for sub-daily meters);
    ``ceiling`` the highest plausible reading of one interval, ``ceiling_basis`` where it comes
    from (``MeterTable`` computes both).
    """

    __slots__ = (
        "id",
        "code",
        "building_id",
        "org_id",
        "building_code",
        "kind",
        "unit",
        "interval_minutes",
        "active",
        "prov_key",
        "reading_hour",
        "ceiling",
        "ceiling_basis",
    )

    def __init__(
        self,
        id,
        code,
        building_id,
        org_id,
        building_code,
        kind,
        unit,
        interval_minutes,
        active,
        reading_hour=0,
        ceiling=math.inf,
        ceiling_basis=None,
    ):
        self.id, self.code, self.building_id, self.org_id = id, code, building_id, org_id
        self.building_code, self.kind, self.unit = building_code, kind, unit
        self.interval_minutes, self.active = interval_minutes, bool(active)
        self.prov_key = "meter_reading:" + kind
        self.reading_hour = reading_hour if interval_minutes >= 1440 else 0
        self.ceiling, self.ceiling_basis = ceiling, ceiling_basis or {}


_KEY_SPAN = 1 << 34  # epoch seconds stay below 2^34 until the year 2514
_DAY_SPAN = 1 << 17  # day numbers stay below 2^17 until the year 2328
_EPOCH = dt.date(1970, 1, 1)


class MeterTable:
    """Every meter of the province, as arrays by position (the column-wise path), with the
    ``MeterInfo`` objects the row path needs built only when it needs them.

    ``rows``: (id, code, building id, org id, building code, kind, unit, interval minutes, active,
    reading hour, rated capacity per hour or None, building floor area or None); ``ceilings``:
    kind -> (per m² and hour, minimum per hour), the ``reading_ceiling`` reference table.
    """

    def __init__(self, rows: list[tuple], ceilings: dict[str, tuple[float, float]] | None = None):
        columns = list(zip(*rows)) if rows else [()] * 12
        ids, codes, buildings, orgs, _building_codes, kinds, _units, intervals, active, hours, capacity, area = columns
        self._rows = rows
        self.id = np.array(ids, dtype=np.int64)
        self.building = np.array(buildings, dtype=np.int64)
        self.org = np.array(orgs, dtype=np.int64)
        kind_code = {k: i for i, k in enumerate(METER_KINDS)}
        self.kind = np.array([kind_code[k] for k in kinds], dtype=np.int64)
        self.interval = np.array(intervals, dtype=np.int64)
        self.active = np.array([bool(a) for a in active], dtype=bool)
        # The local hour a daily meter is read at; sub-daily meters end their intervals on their own grid.
        self.reading_hour = np.where(self.interval >= 1440, np.array([h or 0 for h in hours], dtype=np.int64), 0)
        # What decides a reading's time: its interval and, for a daily meter, its reading hour.
        self.time_class = self.interval * 24 + self.reading_hour
        self.ceiling, self._basis, self._figures = _ceilings(kinds, self.interval, capacity, area, ceilings or {})
        self.position_by_code = {code: i for i, code in enumerate(codes)}
        self._position: dict[int, int] | None = None
        self._infos: list[MeterInfo | None] = [None] * len(rows)
        self._by_code: dict[str, MeterInfo] | None = None
        self._by_building_kind: dict | None = None
        self.example = {kind: MeterInfo(0, "", 0, 0, "", kind, METER_UNITS[kind], 60, True) for kind in METER_KINDS}

    @classmethod
    def load(cls, conn: Connection) -> MeterTable:
        stmt = (
            select(
                Meter.id,
                Meter.code,
                Meter.building_id,
                Building.org_id,
                Building.code.label("building_code"),
                Meter.kind,
                Meter.unit,
                Meter.interval_minutes,
                Meter.active,
                Meter.reading_hour,
                Meter.capacity_per_hour,
                Building.floor_area_m2,
            )
            .join(Building, Building.id == Meter.building_id)
            .order_by(Meter.id)
        )
        result = conn.execute(stmt)
        rows = result.cursor.fetchall()  # plain tuples: a province has thousands of meters
        result.close()
        ceilings = {
            kind: (float(per_m2), float(floor))
            for kind, per_m2, floor in conn.execute(
                select(ReadingCeiling.kind, ReadingCeiling.per_m2_hour, ReadingCeiling.min_per_hour)
            )
        }
        return cls(rows, ceilings)

    def info(self, position: int) -> MeterInfo:
        info = self._infos[position]
        if info is None:
            info = self._infos[position] = MeterInfo(
                *self._rows[position][:9],
                int(self.reading_hour[position]),
                float(self.ceiling[position]),
                _basis_text(
                    int(self._basis[position]),
                    self._figures[position],
                    self._rows[position][6],
                    int(self.interval[position]),
                ),
            )
        return info

    @property
    def position(self) -> dict[int, int]:
        """Meter id -> position."""
        if self._position is None:
            self._position = {int(m): i for i, m in enumerate(self.id.tolist())}
        return self._position

    @property
    def by_code(self) -> dict[str, MeterInfo]:
        if self._by_code is None:
            self._by_code = {code: self.info(i) for code, i in self.position_by_code.items()}
        return self._by_code

    @property
    def by_building_kind(self) -> dict[tuple[str, str], list[MeterInfo]]:
        """(building code, kind) -> the active meters (a file may name a meter by its building)."""
        if self._by_building_kind is None:
            out: dict[tuple[str, str], list[MeterInfo]] = {}
            for i in np.flatnonzero(self.active).tolist():
                info = self.info(i)
                out.setdefault((info.building_code, info.kind), []).append(info)
            self._by_building_kind = out
        return self._by_building_kind

    @property
    def active_per_building_kind(self) -> dict[tuple[int, str], int]:
        keys, counts = np.unique(
            self.building[self.active] * len(METER_KINDS) + self.kind[self.active], return_counts=True
        )
        return {
            (key // len(METER_KINDS), METER_KINDS[key % len(METER_KINDS)]): n
            for key, n in zip(keys.tolist(), counts.tolist())
        }


def _ceilings(kinds, interval, capacity, area, ceilings: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per meter, the highest plausible reading of one interval, where it comes from (0: the
    rated capacity per hour, 1: floor area × per m² and hour, 2: the minimum per hour of small
    buildings, -1: no ceiling) and the hourly figure it comes from. The rated capacity when known,
    else max(floor area × per m² and hour, the minimum per hour) of ``reading_ceiling``; times the
    interval's hours. Infinite for a kind without a row in ``reading_ceiling`` and no capacity."""
    n = len(kinds)
    hours = np.asarray(interval, dtype=np.float64) / 60
    rated = np.array([np.nan if c is None else float(c) for c in capacity], dtype=np.float64).reshape(n)
    floor_area = np.array([0.0 if a is None else float(a) for a in area], dtype=np.float64).reshape(n)
    rule = [ceilings.get(k, (np.nan, np.nan)) for k in kinds]
    per_m2 = np.array([r[0] for r in rule], dtype=np.float64).reshape(n)
    minimum = np.array([r[1] for r in rule], dtype=np.float64).reshape(n)
    by_area = floor_area * per_m2
    has_rating = rated > 0
    basis = np.where(has_rating, 0, np.where(np.isnan(per_m2), -1, np.where(by_area >= minimum, 1, 2)))
    per_hour = np.where(has_rating, rated, np.where(basis == 1, by_area, minimum))
    ceiling = np.where(basis >= 0, per_hour * hours, np.inf)
    return ceiling, basis, np.column_stack([rated, floor_area, per_m2, minimum]) if n else np.zeros((0, 4))


def _basis_text(code: int, figures, unit: str, interval: int) -> dict:
    """What a meter's ceiling comes from, as the parameters of ``above_ceiling``: ``basis`` names
    the rule (the message catalog words it, ``data.reason.above_ceiling.basis.*``) and the
    figures it multiplies."""
    rated, floor_area, per_m2, minimum = (float(x) for x in figures)
    hours = {"hours": _num(interval / 60), "unit": unit}
    if code == 0:
        return {"basis": "rated", "rated": _num(rated), **hours}
    if code == 1:
        return {"basis": "area", "area": _num(floor_area), "per_m2": _num(per_m2), **hours}
    if code == 2:
        return {"basis": "minimum", "minimum": _num(minimum), **hours}
    return {}


def _num(x) -> str:
    return f"{float(x):,.6g}"


@dataclass
class Readings:
    """Converted readings of a chunk, column-wise: meter position, interval end (epoch seconds,
    UTC), value in the canonical unit, source line; ``row(i)`` gives the raw row for a rejection.
    ``reader`` and ``note`` (object arrays, None where blank) only when the file has those columns."""

    meter: np.ndarray
    ts: np.ndarray
    value: np.ndarray
    line: np.ndarray
    rows: object
    reader: np.ndarray | None = None
    note: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ts)

    def row(self, i: int) -> RawRow | None:
        return self.rows.row(i)

    @staticmethod
    def concat(a: Readings, b: Readings) -> Readings:
        if not len(b):
            return a
        if not len(a):
            return b
        return Readings(
            np.concatenate([a.meter, b.meter]),
            np.concatenate([a.ts, b.ts]),
            np.concatenate([a.value, b.value]),
            np.concatenate([a.line, b.line]),
            _JoinedRows(a.rows, len(a), b.rows),
            None if a.reader is None else np.concatenate([a.reader, b.reader]),
            None if a.note is None else np.concatenate([a.note, b.note]),
        )


class _BlockRows:
    def __init__(self, block, positions: np.ndarray):
        self.block, self.positions = block, positions

    def row(self, i: int) -> RawRow:
        return self.block.raw_row(int(self.positions[i]))


class _RecordRows:
    def __init__(self, rows: list):
        self.rows = rows

    def row(self, i: int) -> RawRow | None:
        return self.rows[i]


class _JoinedRows:
    def __init__(self, first, split: int, second):
        self.first, self.split, self.second = first, split, second

    def row(self, i: int) -> RawRow | None:
        return self.first.row(i) if i < self.split else self.second.row(i - self.split)


def _floats(cells: np.ndarray) -> np.ndarray:
    """Cells as floats the way ``float()`` reads them; NaN where it cannot (the row path decides)."""
    try:
        return cells.astype(np.float64)
    except (TypeError, ValueError):
        return np.fromiter((_float_or_nan(c) for c in cells.tolist()), dtype=np.float64, count=len(cells))


def _float_or_nan(cell) -> float:
    try:
        return float(cell)
    except (TypeError, ValueError):
        return math.nan


def _blank_mask(cells: np.ndarray) -> np.ndarray:
    return np.fromiter((is_blank(c) for c in cells.tolist()), dtype=bool, count=len(cells))


def _close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``_same`` (``math.isclose`` with rel_tol = abs_tol = 1e-9) for arrays of floats."""
    return np.abs(a - b) <= np.maximum(1e-9 * np.maximum(np.abs(a), np.abs(b)), 1e-9)


def _utc_texts(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds as the naive UTC text both databases store and parse (each distinct
    instant formatted once: a batch has thousands of rows per timestamp)."""
    codes, uniques = pd.factorize(np.asarray(seconds, dtype=np.int64))
    return format_timestamps(uniques.astype("datetime64[s]")).astype(object)[codes]


def _paramstyle(conn, sql: str) -> str:
    return sql.replace("?", "%s") if conn.dialect.name == "postgresql" else sql


# --- the upsert --------------------------------------------------------------------------


def write_readings(ctx: BatchContext, table: MeterTable, readings: Readings) -> WriteResult:
    """Upsert by (meter, ts) in one pass over arrays: in-file duplicates, the comparison with
    what is stored, the insert and the corrections, and the changes for the roll-ups and the
    provenance.

    A reading with a reader's name or a note (抄表人, 备注) has them upserted into
    ``meter_reading_note``; a row whose value is stored already but whose note is new or
    different is an update of the note (accepted, nothing for the roll-ups). A row without
    either leaves a stored note as it is."""
    result = WriteResult()
    n = len(readings)
    if n == 0:
        return result
    conn = ctx.conn
    batch_id = ctx.batch_id
    order = np.lexsort((readings.line, readings.ts, readings.meter))
    meter, ts, value, line = (readings.meter[order], readings.ts[order], readings.value[order], readings.line[order])
    meter_id = table.id[meter]
    notes = readings.note is not None
    if notes:
        reader, note = readings.reader[order], readings.note[order]
        with_note = ~(pd.isna(reader) & pd.isna(note))
    # In-file duplicates: the first line of a key wins; the same value (and note) again is a
    # duplicate, another one is refused.
    repeat = np.zeros(n, dtype=bool)
    repeat[1:] = (meter[1:] == meter[:-1]) & (ts[1:] == ts[:-1])
    first_of = np.maximum.accumulate(np.where(repeat, 0, np.arange(n)))
    same_as_first = _close(value, value[first_of])
    if notes:
        same_as_first &= (reader == reader[first_of]) & (note == note[first_of])
    for i in np.flatnonzero(repeat & ~same_as_first).tolist():
        result.rejections.append(
            Rejection(
                int(line[i]),
                _issue("duplicate_in_file", first_line=int(line[first_of[i]])),
                readings.row(int(order[i])),
            )
        )
    duplicates = int((repeat & same_as_first).sum())
    keep = ~repeat
    # What is stored under the same keys (an earlier file, or an earlier chunk of this one).
    old_value, old_batch, stored = _stored(conn, meter_id, ts, keep)
    same_value = stored & _close(value, old_value)
    same_stored = same_value
    if notes:
        old_reader, old_note, note_batch, has_note = _stored_notes(conn, meter_id, ts, keep & with_note)
        same_note = ~with_note | (has_note & (reader == old_reader) & (note == old_note))
        same_stored = same_value & same_note
        old_batch = np.where(same_value & has_note & ~same_note, np.maximum(old_batch, note_batch), old_batch)
    duplicates += int((keep & same_stored).sum())
    clash = keep & stored & ~same_stored & (old_batch == batch_id)
    for i in np.flatnonzero(clash).tolist():
        result.rejections.append(
            Rejection(int(line[i]), _issue("duplicate_in_file", first_line="?"), readings.row(int(order[i])))
        )
    insert_mask = keep & ~stored
    update_mask = keep & stored & ~same_value & ~clash
    note_only = keep & same_value & ~same_stored & ~clash
    result.duplicates = duplicates
    result.accepted = int(insert_mask.sum() + update_mask.sum() + note_only.sum())
    if not result.accepted:
        return result
    if insert_mask.any():
        _insert(conn, meter_id[insert_mask], ts[insert_mask], value[insert_mask], batch_id)
    if update_mask.any():
        stamps = _utc_texts(ts[update_mask]).tolist()
        conn.exec_driver_sql(
            _paramstyle(conn, "UPDATE meter_reading SET value = ?, batch_id = ? WHERE meter_id = ? AND ts = ?"),
            list(zip(value[update_mask].tolist(), [batch_id] * len(stamps), meter_id[update_mask].tolist(), stamps)),
        )
    if notes:
        written = (insert_mask | update_mask | note_only) & with_note
        if written.any():
            _upsert_notes(conn, meter_id[written], ts[written], reader[written], note[written], batch_id)
        if note_only.any():
            ctx.affected.span(dt.datetime.fromtimestamp(int(ts[note_only].min()), dt.UTC))
            ctx.affected.span(dt.datetime.fromtimestamp(int(ts[note_only].max()), dt.UTC))
    changed = insert_mask | update_mask
    if changed.any():
        # a correction adds its change (a stored NULL counted as nothing); a new reading its value and one sample
        change = np.where(update_mask, value - np.nan_to_num(old_value), value)
        _note_changes(ctx, table, meter[changed], ts[changed], change[changed], insert_mask[changed].astype(np.int64))
    return result


def _key_match(found_ids: list, found_ts: list, meter_id: np.ndarray, ts: np.ndarray, wanted: np.ndarray):
    """(position in the found rows, found) for each (meter_id, ts)."""
    found_key = np.asarray(found_ids, dtype=np.int64) * _KEY_SPAN + np.asarray(found_ts, dtype=np.int64)
    sorter = np.argsort(found_key)
    found_key = found_key[sorter]
    key = meter_id * _KEY_SPAN + ts
    at = np.clip(np.searchsorted(found_key, key), 0, len(found_key) - 1)
    return sorter[at], (found_key[at] == key) & wanted


def _fetch_keyed(conn: Connection, sql: str, meter_id: np.ndarray, ts: np.ndarray, wanted: np.ndarray) -> list:
    """Rows of ``sql`` (``{epoch}`` and ``{marks}`` to fill; meter ids then the ts bounds bound) for
    the meters and the ts range of the ``wanted`` keys."""
    ids = np.unique(meter_id[wanted]).tolist()
    low, high = int(ts[wanted].min()), int(ts[wanted].max())
    sqlite = conn.dialect.name == "sqlite"
    epoch = "CAST(strftime('%s', ts) AS INTEGER)" if sqlite else "CAST(EXTRACT(EPOCH FROM ts) AS BIGINT)"
    bounds = _utc_texts(np.array([low, high], dtype=np.int64)).tolist()
    rows: list = []
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        for part in _chunks(ids, 2000):
            cursor.execute(
                _paramstyle(conn, sql.format(epoch=epoch, marks=", ".join(["?"] * len(part)))), [*part, *bounds]
            )
            rows.extend(cursor.fetchall())
    finally:
        cursor.close()
    return rows


def _stored_notes(conn: Connection, meter_id: np.ndarray, ts: np.ndarray, wanted: np.ndarray):
    """(stored reader, stored note, note's batch, has a note) for each (meter_id, ts)."""
    n = len(ts)
    old_reader = np.full(n, None, dtype=object)
    old_note = np.full(n, None, dtype=object)
    note_batch = np.full(n, -1, dtype=np.int64)
    has = np.zeros(n, dtype=bool)
    if not wanted.any():
        return old_reader, old_note, note_batch, has
    rows = _fetch_keyed(
        conn,
        "SELECT meter_id, {epoch}, reader_name, note, batch_id FROM meter_reading_note "
        "WHERE meter_id IN ({marks}) AND ts >= ? AND ts <= ?",
        meter_id,
        ts,
        wanted,
    )
    if not rows:
        return old_reader, old_note, note_batch, has
    ids, stamps, readers, texts, batches = zip(*rows)
    hit, has = _key_match(ids, stamps, meter_id, ts, wanted)
    old_reader = np.where(has, np.asarray(readers, dtype=object)[hit], None)
    old_note = np.where(has, np.asarray(texts, dtype=object)[hit], None)
    note_batch = np.where(has, np.asarray([-1 if b is None else b for b in batches], dtype=np.int64)[hit], -1)
    return old_reader, old_note, note_batch, has


def _upsert_notes(conn: Connection, meter_id, ts, reader, note, batch_id: int) -> None:
    stamps = _utc_texts(ts).tolist()
    conn.exec_driver_sql(
        _paramstyle(
            conn,
            "INSERT INTO meter_reading_note (meter_id, ts, reader_name, note, batch_id) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (meter_id, ts) DO UPDATE SET reader_name = excluded.reader_name, note = excluded.note, "
            "batch_id = excluded.batch_id",
        ),
        list(zip(meter_id.tolist(), stamps, reader.tolist(), note.tolist(), itertools.repeat(batch_id))),
    )


def _stored(conn: Connection, meter_id: np.ndarray, ts: np.ndarray, wanted: np.ndarray):
    """(stored value, stored batch, is stored) for each (meter_id, ts)."""
    n = len(ts)
    old_value = np.zeros(n)
    old_batch = np.full(n, -1, dtype=np.int64)
    stored = np.zeros(n, dtype=bool)
    rows = _fetch_keyed(
        conn,
        "SELECT meter_id, {epoch}, value, batch_id FROM meter_reading WHERE meter_id IN ({marks}) AND ts >= ? AND ts <= ?",
        meter_id,
        ts,
        wanted,
    )
    if not rows:
        return old_value, old_batch, stored
    found_ids, found_ts, found_value, found_batch = zip(*rows)
    hit, stored = _key_match(found_ids, found_ts, meter_id, ts, wanted)
    old_value = np.where(stored, np.asarray(found_value, dtype=np.float64)[hit], 0.0)
    old_batch = np.where(stored, np.asarray([-1 if b is None else b for b in found_batch], dtype=np.int64)[hit], -1)
    return old_value, old_batch, stored


def _insert(conn: Connection, meter_id: np.ndarray, ts: np.ndarray, value: np.ndarray, batch_id: int) -> None:
    stamps = _utc_texts(ts)
    if conn.dialect.name == "postgresql":
        batch = str(batch_id)
        text = "".join(
            f"{m}\t{t}\t{v!r}\t{batch}\n" for m, t, v in zip(meter_id.tolist(), stamps.tolist(), value.tolist())
        )
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.copy_expert("COPY meter_reading (meter_id, ts, value, batch_id) FROM STDIN", io.StringIO(text))
        finally:
            cursor.close()
        return
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(
            "INSERT INTO meter_reading (meter_id, ts, value, batch_id) VALUES (?, ?, ?, ?)",
            zip(meter_id.tolist(), stamps.tolist(), value.tolist(), itertools.repeat(batch_id)),
        )
    finally:
        cursor.close()


def _note_changes(
    ctx: BatchContext, table: MeterTable, meter: np.ndarray, ts: np.ndarray, delta: np.ndarray, samples: np.ndarray
) -> None:
    """What the roll-ups, the provenance and the batch record need from the written rows."""
    affected = ctx.affected
    interval = table.interval[meter]
    building, org, kind = table.building[meter], table.org[meter], table.kind[meter]
    if affected.energy_deltas is None:
        affected.energy_deltas = EnergyDeltas(ctx.conn, calendar=ctx.calendar)
    affected.energy_deltas.add(
        building_id=building, org_id=org, kind=kind, interval_minutes=interval, ts=ts, value=delta, samples=samples
    )
    affected.buildings.update(np.unique(building).tolist())
    affected.span(dt.datetime.fromtimestamp(int(ts.min()), dt.UTC))
    affected.span(dt.datetime.fromtimestamp(int(ts.max()), dt.UTC))
    # The local day of the interval's start is the day the roll-ups count it on (each distinct
    # start converted once: a batch has thousands of rows per timestamp).
    start_codes, starts = pd.factorize(ts - interval * 60)
    day = (ctx.calendar.local_wall_seconds(starts) // 86_400)[start_codes]
    affected.span_day(_EPOCH + dt.timedelta(days=int(day.min())))
    affected.span_day(_EPOCH + dt.timedelta(days=int(day.max())))
    month = month_numbers(day)
    codes, keys = pd.factorize((org * _DAY_SPAN + month) * len(METER_KINDS) + kind)
    for key, count in zip(keys.tolist(), np.bincount(codes).tolist()):
        org_month, k = divmod(key, len(METER_KINDS))
        o, m = divmod(org_month, _DAY_SPAN)
        affected.count("meter_reading:" + METER_KINDS[k], o, _EPOCH + dt.timedelta(days=m), count)
