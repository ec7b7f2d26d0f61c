"""One handler per fact: validate and standardise rows, then upsert them by natural key.

A handler works on a chunk of rows inside the batch's transaction:

* ``convert(rows)`` turns raw rows into records (typed, standardised: units to the canonical
  unit, local time to UTC, codes to ids) or rejections with a reason;
* ``write(records)`` compares each record with what is stored under its natural key and
  inserts the new ones, updates the changed ones (a correction), counts the identical ones as
  duplicates, and rejects a second, different row for the same key within the same file.

Everything a handler touches is noted in ``ctx.affected`` so the roll-ups of exactly those
buildings, vehicles and days are refreshed afterwards.

Meter readings, the bulk of every province's data, also have a column-wise way:
``convert_block(block)`` takes a clean stretch of CSV (``extract.ColumnBlock``) and converts
the plain rows with array operations, sending only the others through ``convert``; and
``write_readings`` upserts ``Readings`` (arrays) and hands the changes to
``data.rollup_delta.EnergyDeltas``, which adds them to the energy roll-ups instead of having
them recomputed. ``write(records)`` of the row path goes through the same ``write_readings``.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from .extract import RawRow
from .formats import FORMATS, Field, HeaderMap, choice_index
from .parsing import LocalTime, ValueProblem, clean_text, is_blank, parse_number, parse_unit
from .reasons import Issue

from data.models import (
    Asset,
    AssetCategory,
    AssetMovement,
    Building,
    FuelRecord,
    HousingUnit,
    Lease,
    MaintenanceRecord,
    Meter,
    MeterReading,
    OfficeOccupancy,
    OfficeRoom,
    OfficeSpaceStandard,
    OrgNode,
    Trip,
    TripRequest,
    Vehicle,
)
from data.models.energy import METER_UNITS
from data.rollup import format_timestamps, month_numbers
from data.rollup_delta import METER_KINDS, EnergyDeltas

IN_CHUNK = 500  # bound parameters per IN list (SQLite allows 32 766; keep statements small)

ENERGY_METRIC_BY_KIND = {"electricity": "energy.electricity_kwh", "water": "energy.water_m3",
                         "gas": "energy.gas_m3", "heat": "energy.heat_gj"}

# Number fields with a fixed canonical unit; a unit written in the cell or the header must match.
FIELD_UNITS = {"km": "km", "odometer_km": "km", "cost_yuan": "yuan", "original_value_yuan": "yuan",
               "value_saved_yuan": "yuan", "monthly_rent_yuan": "yuan", "arrears_yuan": "yuan"}
# Upper bounds that catch a misplaced decimal point or a column shift.
FIELD_MAX = {"km": 3000.0, "odometer_km": 3_000_000.0, "cost_yuan": 5_000_000.0, "quantity": 2000.0,
             "monthly_rent_yuan": 100_000.0, "arrears_yuan": 10_000_000.0,
             "original_value_yuan": 10_000_000_000.0, "value_saved_yuan": 10_000_000_000.0}
# Fields that describe something that already happened: a value in the future is an error.
PAST_FIELDS = {"trip": ("start_ts", "end_ts"), "fuel": ("ts",), "maintenance": ("performed_on",),
               "asset": ("acquired_on", "last_audit_on", "status_since"), "asset_movement": ("ts",),
               "office_occupancy": (), "lease": ("moved_out_on",), "meter_reading": ()}


@dataclass
class Settings:
    """Knobs of validation and batching; ``LoaderSettings.from_config`` fills them from ``Config``."""

    timezone: str = "Asia/Shanghai"
    chunk_rows: int = 20_000
    # Rows per chunk where a handler works column-wise (meter readings from a clean CSV): a row
    # costs ~100 bytes there, and each chunk pays one look-up of the stored keys and one pass
    # over the touched pages, so chunks are larger.
    block_rows: int = 100_000
    future_tolerance: dt.timedelta = dt.timedelta(minutes=10)
    jump_factor: float = 10.0
    log_rejects: int = 50
    sqlite_cache_mib: int = 256  # page cache of a batch's connection on SQLite (see pipeline._batch_page_cache)


@dataclass(slots=True)
class Rejection:
    line: int | None
    issue: Issue
    row: RawRow | None


@dataclass(slots=True)
class Record:
    line: int | None
    values: dict
    row: RawRow | None = None


@dataclass
class Affected:
    """What a batch touched, for the roll-up refresh and the provenance."""

    buildings: set = field(default_factory=set)
    vehicles: set = field(default_factory=set)
    state_domains: set = field(default_factory=set)
    state_orgs: set = field(default_factory=set)
    ts_min: dt.datetime | None = None
    ts_max: dt.datetime | None = None
    day_min: dt.date | None = None
    day_max: dt.date | None = None
    # (provenance key — a key of data.rollup.FACT_METRICS —, org id of the facts, month) -> rows
    provenance: dict = field(default_factory=dict)
    # Meter readings update the energy roll-ups incrementally (data.rollup_delta.EnergyDeltas);
    # the buildings above are then informational, not a recompute list.
    energy_deltas: object = None

    def count(self, key: str, org_id: int | None, month: dt.date, rows: int = 1) -> None:
        if org_id is None:
            return
        k = (key, org_id, month)
        self.provenance[k] = self.provenance.get(k, 0) + rows

    def span(self, ts: dt.datetime) -> None:
        if self.ts_min is None or ts < self.ts_min:
            self.ts_min = ts
        if self.ts_max is None or ts > self.ts_max:
            self.ts_max = ts

    def span_day(self, day: dt.date) -> None:
        if self.day_min is None or day < self.day_min:
            self.day_min = day
        if self.day_max is None or day > self.day_max:
            self.day_max = day


@dataclass
class BatchContext:
    conn: Connection
    batch_id: int
    now: dt.datetime
    clock: LocalTime
    settings: Settings
    source_name: str
    affected: Affected = field(default_factory=Affected)
    cache: dict = field(default_factory=dict)

    @property
    def is_postgres(self) -> bool:
        return self.conn.dialect.name == "postgresql"

    def local_day(self, ts: dt.datetime) -> dt.date:
        return ts.astimezone(self.clock.zone).date()


@dataclass
class WriteResult:
    accepted: int = 0
    duplicates: int = 0
    rejections: list = field(default_factory=list)


def _issue(code: str, column: str | None = None, **params) -> Issue:
    if column is not None:
        params = {"column": column, **params}
    return Issue(code, params, None, column)


def _chunks(seq, size=IN_CHUNK):
    seq = list(seq)
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


# --- base handler -----------------------------------------------------------------------

class Handler:
    """Generic handler: field conversion by kind, then ``build`` (fact-specific), then upsert."""

    fact: str = ""
    model = None
    key: tuple[str, ...] = ()

    def __init__(self, ctx: BatchContext, header: HeaderMap):
        self.ctx = ctx
        self.header = header
        self.format = FORMATS[self.fact]
        self._choices = {f.name: choice_index(f) for f in self.format.fields if f.kind == "enum"}
        self._past = set(PAST_FIELDS.get(self.fact, ()))

    # -- conversion
    def convert(self, rows: list[RawRow]) -> tuple[list[Record], list[Rejection]]:
        parsed: list[tuple[RawRow, dict]] = []
        rejections: list[Rejection] = []
        for row in rows:
            values = self.read_fields(row)
            if isinstance(values, Issue):
                rejections.append(Rejection(row.line, values, row))
            else:
                parsed.append((row, values))
        self.prepare([v for _, v in parsed])
        records: list[Record] = []
        for row, values in parsed:
            try:
                built = self.build(values)
            except ValueProblem as problem:
                column = problem.params.get("column")
                rejections.append(Rejection(row.line, Issue(problem.code, problem.params, None, column), row))
                continue
            records.append(Record(row.line, built, row))
        return records, rejections

    def read_fields(self, row: RawRow) -> dict | Issue:
        values: dict = {}
        cells = row.values
        for name, pos in self.header.positions.items():
            f = self.format.field(name)
            column = self.header.headers[pos]
            raw = cells[pos] if pos < len(cells) else None
            if is_blank(raw):
                if f.required:
                    return _issue("missing_value", column)
                values[name] = None
                continue
            try:
                values[name] = self.convert_value(f, raw, column)
            except ValueProblem as problem:
                params = {"column": column, **problem.params}
                return Issue(problem.code, params, None, column)
        return values

    def convert_value(self, f: Field, raw, column: str):
        kind = f.kind
        if kind in ("text", "code"):
            text = clean_text(raw)
            if f.max_len and len(text) > f.max_len:
                raise ValueProblem("text_too_long", length=len(text), max=f.max_len)
            return text
        if kind == "number":
            number, unit = parse_number(raw)
            unit = unit or self.header.unit_hints.get(f.name)
            canonical = FIELD_UNITS.get(f.name)
            if canonical is not None:
                if unit:
                    got, factor = parse_unit(unit)
                    if got != canonical:
                        raise ValueProblem("unit_mismatch", unit=unit, expected=canonical)
                    number *= factor
                if number < 0:
                    raise ValueProblem("negative_value", value=clean_text(raw))
                limit = FIELD_MAX.get(f.name)
                if limit is not None and number > limit:
                    raise ValueProblem("value_out_of_range", value=clean_text(raw), min=0, max=limit)
                return number
            return (number, unit)
        if kind == "timestamp":
            ts, date_only = self.ctx.clock.parse(raw)
            if f.name in self._past and ts > self.ctx.now + self.ctx.settings.future_tolerance:
                raise ValueProblem("future_timestamp", value=clean_text(raw), now=self._now_text())
            return ts
        if kind == "date":
            day = self.ctx.clock.parse_date(raw)
            if f.name in self._past and day > self.ctx.local_day(self.ctx.now):
                raise ValueProblem("future_timestamp", value=clean_text(raw), now=self._now_text())
            return day
        if kind == "enum":
            text = clean_text(raw)
            from .formats import normalize_header

            code = self._choices[f.name].get(normalize_header(text))
            if code is None:
                allowed = " / ".join(f"{c}({words[0]})" for c, words in f.choices)
                raise ValueProblem("unknown_code", value=text, allowed=allowed)
            return code
        if kind == "unit":
            return clean_text(raw)
        raise AssertionError(f"unknown field kind {kind}")

    def _now_text(self) -> str:
        return self.ctx.now.astimezone(self.ctx.clock.zone).strftime("%Y-%m-%d %H:%M")

    def prepare(self, values: list[dict]) -> None:
        """Resolve the codes of a chunk in a few queries (subclasses)."""

    def build(self, values: dict) -> dict:
        raise NotImplementedError

    # -- lookups with a per-batch cache
    def lookup(self, name: str, keys, query) -> dict:
        """``{key: row}`` for ``keys``, querying only the ones not yet cached (misses cached as None)."""
        cache = self.ctx.cache.setdefault(name, {})
        missing = [k for k in set(keys) if k is not None and k not in cache]
        for part in _chunks(missing):
            for key, row in query(part):
                cache[key] = row
            for key in part:
                cache.setdefault(key, None)
        return cache

    def vehicles(self, plates) -> dict:
        def query(part):
            stmt = select(Vehicle.plate, Vehicle.id, Vehicle.org_id, Vehicle.energy_type).where(Vehicle.plate.in_(part))
            return [(r.plate, r) for r in self.ctx.conn.execute(stmt)]
        return self.lookup("vehicle", plates, query)

    def orgs(self, codes) -> dict:
        def query(part):
            stmt = select(OrgNode.code, OrgNode.id, OrgNode.admin_level).where(OrgNode.code.in_(part))
            return [(r.code, r) for r in self.ctx.conn.execute(stmt)]
        return self.lookup("org", codes, query)

    def buildings(self, codes) -> dict:
        def query(part):
            stmt = select(Building.code, Building.id, Building.org_id).where(Building.code.in_(part))
            return [(r.code, r) for r in self.ctx.conn.execute(stmt)]
        return self.lookup("building", codes, query)

    # -- whose row it is: a quarantined row is shown only inside the data scope of its org
    org_fields: tuple[tuple[str, str], ...] = ()  # (field, resolver in ORG_RESOLVERS), tried in order

    def orgs_of_rows(self, rows: list[RawRow | None]) -> list[int | None]:
        """The org node each raw row belongs to, from the first code it names that the database
        knows; None when there is none (the row is then shown to province-wide users only)."""
        out: list[int | None] = [None] * len(rows)
        positions = self.header.positions if self.header is not None else {}
        for field_name, resolver in self.org_fields:
            pos = positions.get(field_name)
            if pos is None:
                continue
            pending = {i: clean_text(row.values[pos]) for i, row in enumerate(rows)
                       if out[i] is None and row is not None and pos < len(row.values) and not is_blank(row.values[pos])}
            if pending:
                found = ORG_RESOLVERS[resolver](self, sorted(set(pending.values())))
                for i, code in pending.items():
                    out[i] = found.get(code)
        return out

    # -- writing
    def compare_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns() if c not in self.key)

    def columns(self) -> tuple[str, ...]:
        raise NotImplementedError

    def write(self, records: list[Record]) -> WriteResult:
        """Upsert by natural key: insert new, update changed, count identical, reject in-file clashes."""
        result = WriteResult()
        table = self.model.__table__
        compare = self.compare_columns()
        first: dict[tuple, Record] = {}
        unique: list[Record] = []
        for rec in records:
            key = tuple(rec.values[k] for k in self.key)
            seen = first.get(key)
            if seen is not None:
                if all(_same(seen.values.get(c), rec.values.get(c)) for c in compare):
                    result.duplicates += 1
                else:
                    result.rejections.append(Rejection(rec.line, _issue("duplicate_in_file", first_line=seen.line), rec.row))
                continue
            first[key] = rec
            unique.append(rec)
        existing = self.fetch_existing(list(first))
        inserts, updates = [], []
        for rec in unique:
            key = tuple(rec.values[k] for k in self.key)
            old = existing.get(key)
            if old is None:
                inserts.append({**rec.values, "batch_id": self.ctx.batch_id})
            elif all(_same(getattr(old, c), rec.values.get(c)) for c in compare):
                result.duplicates += 1
            elif old.batch_id == self.ctx.batch_id:
                # Written by an earlier chunk of this same file with other values.
                result.rejections.append(Rejection(rec.line, _issue("duplicate_in_file", first_line="?"), rec.row))
            else:
                updates.append((old, rec))
        if inserts:
            self.ctx.conn.execute(insert(table), inserts)
        if updates:
            self.apply_updates(updates)
        result.accepted = len(inserts) + len(updates)
        self.after_write([{**r.values} for r in unique if tuple(r.values[k] for k in self.key) not in existing]
                         + [rec.values for _old, rec in updates], updates)
        return result

    def apply_updates(self, updates) -> None:
        table = self.model.__table__
        compare = self.compare_columns()
        stmt = update(table).where(table.c.id == _bind("_id")).values(
            {c: _bind(c) for c in compare} | {"batch_id": _bind("_batch_id")})
        self.ctx.conn.execute(stmt, [{"_id": old.id, "_batch_id": self.ctx.batch_id,
                                      **{c: rec.values.get(c) for c in compare}} for old, rec in updates])

    def fetch_existing(self, keys: list[tuple]) -> dict:
        if not keys:
            return {}
        table = self.model.__table__
        cols = [table.c.id, table.c.batch_id] + [table.c[c] for c in self.columns()]
        out = {}
        if len(self.key) == 1:
            k0 = table.c[self.key[0]]
            for part in _chunks([k[0] for k in keys]):
                for row in self.ctx.conn.execute(select(*cols).where(k0.in_(part))):
                    out[(getattr(row, self.key[0]),)] = row
            return out
        wanted = set(keys)
        k0, k1 = table.c[self.key[0]], table.c[self.key[1]]
        firsts = sorted({k[0] for k in keys})
        seconds = [k[1] for k in keys]
        low, high = min(seconds), max(seconds)
        for part in _chunks(firsts):
            stmt = select(*cols).where(k0.in_(part), k1 >= low, k1 <= high)
            for row in self.ctx.conn.execute(stmt):
                key = tuple(getattr(row, k) for k in self.key)
                if key in wanted:
                    out[key] = row
        return out

    def after_write(self, written: list[dict], updates) -> None:
        """Note what the written records affect (subclasses)."""


def _bind(name):
    from sqlalchemy import bindparam

    return bindparam(name)


# --- meter readings (the hot path) ------------------------------------------------------

class MeterInfo:
    """A meter as the loader needs it (a plain slotted class: thousands are built per batch)."""

    __slots__ = ("id", "code", "building_id", "org_id", "building_code", "kind", "unit", "interval_minutes", "active",
                 "prov_key")

    def __init__(self, id, code, building_id, org_id, building_code, kind, unit, interval_minutes, active):
        self.id, self.code, self.building_id, self.org_id = id, code, building_id, org_id
        self.building_code, self.kind, self.unit = building_code, kind, unit
        self.interval_minutes, self.active = interval_minutes, bool(active)
        self.prov_key = "meter_reading:" + kind


class MeterReadingHandler(Handler):
    """Readings: the consumption over the interval that ends at ``ts`` (UTC).

    A file gives either ``ts`` (end of interval, local time) or ``day`` (the local day of a
    daily meter's consumption, stored as the interval ending at the next local midnight).
    """

    fact = "meter_reading"
    org_fields = (("meter_code", "meter"), ("building_code", "building"))
    model = MeterReading
    key = ("meter_id", "ts")

    def __init__(self, ctx: BatchContext, header: HeaderMap):
        super().__init__(ctx, header)
        table = ctx.cache.get("meter_table")
        if table is None:
            table = ctx.cache["meter_table"] = MeterTable.load(ctx.conn)
        self.meter_table = table
        self.kind_index = choice_index(self.format.field("meter_kind"))
        self.unit_cache: dict = {}
        self.refs: dict = ctx.cache.setdefault("meter_refs", {})

    @property
    def by_code(self) -> dict[str, MeterInfo]:
        return self.meter_table.by_code

    @property
    def by_building_kind(self) -> dict[tuple[str, str], list[MeterInfo]]:
        return self.meter_table.by_building_kind

    def convert(self, rows: list[RawRow]) -> tuple[list[Record], list[Rejection]]:
        """The hot loop of a province batch: a plain code, a timestamp seen before and a plain
        number take dictionary look-ups only; anything else goes the slow way with its reason."""
        pos = self.header.positions
        headers = self.header.headers
        p_code, p_building, p_kind = pos.get("meter_code"), pos.get("building_code"), pos.get("meter_kind")
        p_ts, p_day, p_value, p_unit = pos.get("ts"), pos.get("day"), pos["value"], pos.get("unit")
        unit_hint = self.header.unit_hints.get("value")
        by_code = self.by_code
        times = self.ctx.cache.setdefault("reading_times", {})
        records: list[Record] = []
        rejections: list[Rejection] = []
        ts_col = headers[p_ts if p_ts is not None else p_day]
        value_col = headers[p_value]
        inf = math.inf
        for row in rows:
            v = row.values
            n = len(v)
            try:
                # the meter
                code = v[p_code] if p_code is not None and p_code < n else None
                meter = by_code.get(code) if code.__class__ is str else None
                if meter is None:
                    meter = self._resolve_meter(v, n, code, p_code, p_building, p_kind)
                # the time: parse, day semantics, future and alignment, once per distinct value
                raw_ts = v[p_ts] if p_ts is not None and p_ts < n else None
                if p_day is not None and (raw_ts is None or is_blank(raw_ts)):
                    raw_time, from_ts = (v[p_day] if p_day < n else None), False
                else:
                    raw_time, from_ts = raw_ts, True
                key = (raw_time, meter.interval_minutes, from_ts)
                ts = times.get(key)
                if ts is None:
                    ts = self._reading_time(raw_time, meter.interval_minutes, from_ts_column=from_ts, ts_col=ts_col,
                                            day_col=headers[p_day] if p_day is not None else ts_col)
                    times[key] = ts
                if ts.__class__ is tuple:
                    raise ValueProblem(ts[0], **ts[1])
                # the value
                raw_value = v[p_value] if p_value < n else None
                try:
                    value = float(raw_value)
                    unit = None
                    if value != value or value == inf or value == -inf:
                        raise ValueProblem("not_a_number", column=value_col, value=clean_text(raw_value))
                except (TypeError, ValueError):
                    if is_blank(raw_value):
                        raise ValueProblem("missing_value", column=value_col) from None
                    value, unit = parse_number(raw_value)
                if p_unit is not None and unit is None and p_unit < n and not is_blank(v[p_unit]):
                    unit = clean_text(v[p_unit])
                unit = unit or unit_hint
                if unit is not None:
                    value *= self._unit_factor(unit, meter, value_col)
                if value < 0:
                    raise ValueProblem("negative_value", column=value_col, value=clean_text(raw_value))
            except ValueProblem as problem:
                params = problem.params
                column = params.get("column")
                if column is None:
                    column = ts_col if problem.code == "bad_date" else value_col
                    params = {"column": column, **params}
                rejections.append(Rejection(row.line, Issue(problem.code, params, None, column), row))
                continue
            records.append(Record(row.line, (meter, ts, value), row))
        if records:
            records = self._check_jumps(records, rejections)
        return records, rejections

    def _resolve_meter(self, v, n, code, p_code, p_building, p_kind) -> MeterInfo:
        if not is_blank(code):
            text = clean_text(code)
            meter = self.by_code.get(text)
            if meter is None:
                raise ValueProblem("unknown_meter", code=text, column=self.header.headers[p_code])
            return meter
        return self._meter_by_building(v, n, p_building, p_kind)

    def _reading_time(self, raw, interval: int, *, from_ts_column: bool, ts_col: str, day_col: str):
        """The UTC end of the interval for a time cell, or ``(reason, params)`` why not."""
        clock, zone = self.ctx.clock, self.ctx.clock.zone
        column = ts_col if from_ts_column else day_col
        try:
            if is_blank(raw):
                raise ValueProblem("missing_value", column=ts_col)
            if from_ts_column:
                ts, date_only = clock.parse(raw)
                if date_only:
                    if interval < 1440:
                        raise ValueProblem("date_without_time", column=column, value=clean_text(raw))
                    ts = _next_local_midnight(ts, zone)
            else:
                day = clock.parse_date(raw)
                if interval < 1440:
                    raise ValueProblem("date_without_time", column=column, value=clean_text(raw))
                ts = clock.to_utc(dt.datetime(day.year, day.month, day.day) + dt.timedelta(days=1))
            if ts > self.ctx.now + self.ctx.settings.future_tolerance:
                raise ValueProblem("future_timestamp", column=column, value=clean_text(raw), now=self._now_text())
            if not _aligned(ts, interval, zone):
                raise ValueProblem("misaligned_timestamp", column=column, value=clean_text(raw), interval=interval)
        except ValueProblem as problem:
            params = problem.params if "column" in problem.params else {"column": column, **problem.params}
            return (problem.code, params)
        return ts

    def _meter_by_building(self, v, n, p_building, p_kind) -> MeterInfo:
        building = v[p_building] if p_building is not None and p_building < n else None
        kind_raw = v[p_kind] if p_kind is not None and p_kind < n else None
        if p_building is None or p_kind is None or is_blank(building):
            pos = self.header.positions.get("meter_code") if p_building is None else p_building
            raise ValueProblem("missing_value", column=self.header.headers[pos])
        if is_blank(kind_raw):
            raise ValueProblem("missing_value", column=self.header.headers[p_kind])
        building = clean_text(building)
        from .formats import normalize_header

        kind = self.kind_index.get(normalize_header(clean_text(kind_raw)))
        if kind is None:
            f = self.format.field("meter_kind")
            raise ValueProblem("unknown_code", column=self.header.headers[p_kind], value=clean_text(kind_raw),
                               allowed=" / ".join(f"{c}({w[0]})" for c, w in f.choices))
        meters = self.by_building_kind.get((building, kind), [])
        if not meters:
            if not any(b == building for b, _k in self.by_building_kind) and not self._building_exists(building):
                raise ValueProblem("unknown_building", code=building, column=self.header.headers[p_building])
            raise ValueProblem("unknown_meter", code=f"{building}/{kind}", column=self.header.headers[p_building])
        if len(meters) > 1:
            raise ValueProblem("ambiguous_meter", building=building, kind=kind, count=len(meters),
                               column=self.header.headers[p_building])
        return meters[0]

    def _building_exists(self, code: str) -> bool:
        return self.buildings([code]).get(code) is not None

    def _unit_factor(self, unit: str, meter: MeterInfo, column: str) -> float:
        key = (unit, meter.kind)
        hit = self.unit_cache.get(key)
        if hit is None:
            try:
                canonical, factor = parse_unit(unit, water=meter.kind == "water")
            except ValueProblem:
                hit = ("unit_not_recognized", None)
            else:
                expected = METER_UNITS[meter.kind]
                hit = ("ok", factor) if canonical == expected else ("unit_mismatch", expected)
            self.unit_cache[key] = hit
        status, data = hit
        if status == "ok":
            return data
        if status == "unit_not_recognized":
            raise ValueProblem("unit_not_recognized", column=column, unit=unit)
        raise ValueProblem("unit_mismatch", column=column, unit=unit, expected=data)

    def _check_jumps(self, records: list[Record], rejections: list[Rejection]) -> list[Record]:
        """Reject a reading far above the meter's typical interval consumption of the past year.

        The yardstick comes from ``rollup_monthly`` (one row per building and month), not from
        raw readings: a province batch must not scan millions of rows to validate 50 k.
        """
        factor = self.ctx.settings.jump_factor
        if not factor:
            return records
        limits: dict = self.ctx.cache.setdefault("jump_limits", {})  # meter id -> (limit, typical) or None
        unknown = {rec.values[0] for rec in records if rec.values[0].id not in limits}
        if unknown:
            self._fill_jump_limits(list(unknown), min(rec.values[1] for rec in records))
        kept = []
        for rec in records:
            meter, _ts, value = rec.values
            bound = limits[meter.id]
            if bound is not None:
                limit, typical = bound
                if value > limit:
                    rejections.append(Rejection(rec.line, Issue("implausible_jump", {
                        "value": round(value, 3), "reference": round(typical, 3), "factor": factor,
                        "column": self.header.headers[self.header.positions["value"]]},
                        None, self.header.headers[self.header.positions["value"]]), rec.row))
                    continue
            kept.append(rec)
        return kept

    def _fill_jump_limits(self, meters: list[MeterInfo], earliest: dt.datetime) -> None:
        """``jump_limits[meter id]`` = (limit, typical interval consumption), or None without a yardstick."""
        factor = self.ctx.settings.jump_factor
        limits: dict = self.ctx.cache.setdefault("jump_limits", {})
        missing = {(m.building_id, m.kind) for m in meters} - set(self.refs)
        if missing:
            self._load_refs(list(missing), earliest)
        for meter in meters:
            ref = self.refs.get((meter.building_id, meter.kind))
            if ref is None:
                limits[meter.id] = None
            else:
                typical = ref * meter.interval_minutes
                limits[meter.id] = (factor * max(typical, 1.0), typical)

    def _load_refs(self, wanted: list[tuple[int, str]], earliest: dt.datetime) -> None:
        """Per (building, kind): the highest monthly average consumption per minute per meter over
        the twelve months before ``earliest`` (the highest, so that the heating season's gas and
        heat are measured against last winter, not against a mild October)."""
        first_day = earliest.astimezone(self.ctx.clock.zone).date().replace(day=1)
        month_from = _add_months(first_day, -12)
        by_kind: dict[str, list[int]] = {}
        for building_id, kind in wanted:
            by_kind.setdefault(kind, []).append(building_id)
            self.refs[(building_id, kind)] = None
        meters_per = self.meter_table.active_per_building_kind
        conn = self.ctx.conn
        # The best month's consumption per minute, computed by the database: one row per building.
        if conn.dialect.name == "sqlite":
            per_minute = "MAX(value / ((julianday(month, '+1 month') - julianday(month)) * 1440.0))"
        else:
            per_minute = "MAX(value / ((CAST(month + INTERVAL '1 month' AS DATE) - month) * 1440.0))"
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            for kind, buildings in by_kind.items():
                metric = ENERGY_METRIC_BY_KIND[kind]
                for part in _chunks(sorted(buildings), 2000):
                    cursor.execute(_paramstyle(conn, (
                        f"SELECT entity_id, {per_minute} FROM rollup_monthly WHERE metric_id = ? "
                        f"AND entity_kind = 'building' AND entity_id IN ({', '.join(['?'] * len(part))}) "
                        "AND month >= ? AND month < ? AND value > 0 GROUP BY entity_id")),
                        [metric, *part, month_from.isoformat(), first_day.isoformat()])
                    for entity_id, rate in cursor.fetchall():
                        self.refs[(entity_id, kind)] = rate / max(meters_per.get((entity_id, kind), 1), 1)
        finally:
            cursor.close()

    # column-wise conversion (clean CSV stretches) ---------------------------------------
    def convert_block(self, block) -> tuple["Readings", list[Rejection]]:
        """A ``ColumnBlock`` of a CSV file, converted column by column.

        Rows whose every cell takes the plain way (a known meter code, a time already seen, a
        plain number, a known unit, within the jump limit) are converted with array operations;
        every other row goes through ``convert`` one by one, so its reason for rejection is
        exactly the one the row path gives.
        """
        pos = self.header.positions
        p_code, p_ts, p_day, p_value, p_unit = (pos.get("meter_code"), pos.get("ts"), pos.get("day"), pos["value"],
                                                pos.get("unit"))
        n = len(block)
        table = self.meter_table
        if p_code is None or n == 0:
            return self._convert_rows_of(block, np.arange(n))
        # the meter
        codes, uniques = pd.factorize(block.columns[p_code])
        found = np.fromiter((self._meter_position(u) for u in uniques), dtype=np.int64, count=len(uniques))
        meter = found[codes]
        ok = meter >= 0
        safe_meter = np.where(ok, meter, 0)
        interval = table.interval[safe_meter]
        # the time: each distinct (cell, interval) once, with the row path's own function and cache
        if p_ts is not None:
            time_cells, from_ts = block.columns[p_ts], True
            if p_day is not None:
                ok &= ~_blank_mask(time_cells)  # a blank time with a day column: the row path decides
        else:
            time_cells, from_ts = block.columns[p_day], False
        tcodes, tuniques = pd.factorize(time_cells)
        icodes, iuniques = pd.factorize(interval)
        combo_codes, combos = pd.factorize(tcodes.astype(np.int64) * len(iuniques) + icodes)
        combo_ts = np.zeros(len(combos), dtype=np.int64)
        combo_ok = np.zeros(len(combos), dtype=bool)
        for j, combo in enumerate(combos.tolist()):
            ts = self._time_of(tuniques[combo // len(iuniques)], int(iuniques[combo % len(iuniques)]), from_ts)
            if ts.__class__ is not tuple:
                combo_ts[j] = int(ts.timestamp())
                combo_ok[j] = True
        ts = combo_ts[combo_codes]
        ok &= combo_ok[combo_codes]
        # the value, in the meter's unit
        value = _floats(block.columns[p_value])
        ok &= np.isfinite(value)
        kind = table.kind[safe_meter]
        factor = self._unit_factors(block.columns[p_unit] if p_unit is not None else None, kind, n)
        ok &= ~np.isnan(factor)
        value = value * np.where(np.isnan(factor), 1.0, factor)
        ok &= value >= 0
        if self.ctx.settings.jump_factor and ok.any():
            limit = self._jump_limits(np.unique(meter[ok]), int(ts[ok].min()))
            ok &= ~(value > limit[safe_meter])
        fast = np.flatnonzero(ok)
        readings = Readings(meter[fast], ts[fast], value[fast], block.lines[fast], _BlockRows(block, fast))
        if len(fast) == n:
            return readings, []
        slow, rejections = self._convert_rows_of(block, np.flatnonzero(~ok))
        return Readings.concat(readings, slow), rejections

    def _convert_rows_of(self, block, positions: np.ndarray) -> tuple["Readings", list[Rejection]]:
        rows = [block.raw_row(int(i)) for i in positions]
        records, rejections = self.convert(rows)
        return self.readings_of(records), rejections

    def _meter_position(self, code) -> int:
        positions = self.meter_table.position_by_code
        found = positions.get(code)
        if found is None and code.__class__ is str:
            found = positions.get(clean_text(code))
        return -1 if found is None else found

    def _time_of(self, raw, interval: int, from_ts: bool):
        times = self.ctx.cache.setdefault("reading_times", {})
        key = (raw, interval, from_ts)
        ts = times.get(key)
        if ts is None:
            headers, pos = self.header.headers, self.header.positions
            ts_col = headers[pos["ts"] if pos.get("ts") is not None else pos["day"]]
            day_col = headers[pos["day"]] if pos.get("day") is not None else ts_col
            ts = times[key] = self._reading_time(raw, interval, from_ts_column=from_ts, ts_col=ts_col, day_col=day_col)
        return ts

    def _unit_factors(self, unit_cells, kind: np.ndarray, n: int) -> np.ndarray:
        """The factor to the meter's canonical unit for each row; NaN where the unit is not
        recognised or does not fit the meter (the row path then says which)."""
        hint = self.header.unit_hints.get("value")
        if unit_cells is None:
            if hint is None:
                return np.ones(n)
            per_kind = np.array([self._factor_or_nan(hint, k) for k in METER_KINDS])
            return per_kind[kind]
        ucodes, uniques = pd.factorize(unit_cells)
        units = [hint if is_blank(u) else clean_text(u) for u in uniques.tolist()]
        combo_codes, combos = pd.factorize(ucodes.astype(np.int64) * len(METER_KINDS) + kind)
        factors = np.array([1.0 if units[c // len(METER_KINDS)] is None
                            else self._factor_or_nan(units[c // len(METER_KINDS)], METER_KINDS[c % len(METER_KINDS)])
                            for c in combos.tolist()])
        return factors[combo_codes]

    def _factor_or_nan(self, unit: str, kind: str) -> float:
        try:
            return self._unit_factor(unit, self.meter_table.example[kind], "")
        except ValueProblem:
            return math.nan

    def _jump_limits(self, meter_positions: np.ndarray, earliest_ts: int) -> np.ndarray:
        """Per meter position, the highest plausible reading (inf: no yardstick)."""
        table = self.meter_table
        limits: dict = self.ctx.cache.setdefault("jump_limits", {})
        unknown = [p for p in meter_positions.tolist() if int(table.id[p]) not in limits]
        if unknown:
            self._fill_jump_limits([table.info(p) for p in unknown],
                                   dt.datetime.fromtimestamp(earliest_ts, dt.timezone.utc))
        array = self.ctx.cache.get("jump_limit_array")
        if array is None:
            array = self.ctx.cache["jump_limit_array"] = np.full(len(table.id), np.inf)
        for p in meter_positions.tolist():
            bound = limits[int(table.id[p])]
            array[p] = np.inf if bound is None else bound[0]
        return array

    def readings_of(self, records: list[Record]) -> "Readings":
        """Records of the row path as ``Readings``."""
        position = self.meter_table.position
        n = len(records)
        return Readings(
            np.fromiter((position[r.values[0].id] for r in records), dtype=np.int64, count=n),
            np.fromiter((int(r.values[1].timestamp()) for r in records), dtype=np.int64, count=n),
            np.fromiter((r.values[2] for r in records), dtype=np.float64, count=n),
            np.fromiter((r.line if r.line is not None else -1 for r in records), dtype=np.int64, count=n),
            _RecordRows([r.row for r in records]))

    # writing ---------------------------------------------------------------------------
    def write(self, records: list[Record]) -> WriteResult:
        return self.write_readings(self.readings_of(records))

    def write_readings(self, readings: "Readings") -> WriteResult:
        """Upsert by (meter, ts) in one pass over arrays: in-file duplicates, the comparison with
        what is stored, the insert and the corrections, and the changes for the roll-ups and the
        provenance."""
        result = WriteResult()
        n = len(readings)
        if n == 0:
            return result
        table = self.meter_table
        conn = self.ctx.conn
        batch_id = self.ctx.batch_id
        order = np.lexsort((readings.line, readings.ts, readings.meter))
        meter, ts, value, line = (readings.meter[order], readings.ts[order], readings.value[order],
                                  readings.line[order])
        meter_id = table.id[meter]
        # In-file duplicates: the first line of a key wins; the same value again is a duplicate,
        # another value is refused.
        repeat = np.zeros(n, dtype=bool)
        repeat[1:] = (meter[1:] == meter[:-1]) & (ts[1:] == ts[:-1])
        first_of = np.maximum.accumulate(np.where(repeat, 0, np.arange(n)))
        same_as_first = _close(value, value[first_of])
        for i in np.flatnonzero(repeat & ~same_as_first).tolist():
            result.rejections.append(Rejection(int(line[i]), _issue("duplicate_in_file", first_line=int(line[first_of[i]])),
                                               readings.row(int(order[i]))))
        duplicates = int((repeat & same_as_first).sum())
        keep = ~repeat
        # What is stored under the same keys (an earlier file, or an earlier chunk of this one).
        old_value, old_batch, stored = self._stored(meter_id, ts, keep)
        same_stored = stored & _close(value, old_value)
        duplicates += int((keep & same_stored).sum())
        clash = keep & stored & ~same_stored & (old_batch == batch_id)
        for i in np.flatnonzero(clash).tolist():
            result.rejections.append(Rejection(int(line[i]), _issue("duplicate_in_file", first_line="?"),
                                               readings.row(int(order[i]))))
        insert_mask = keep & ~stored
        update_mask = keep & stored & ~same_stored & ~clash
        result.duplicates = duplicates
        result.accepted = int(insert_mask.sum() + update_mask.sum())
        if not result.accepted:
            return result
        if insert_mask.any():
            self._insert(conn, meter_id[insert_mask], ts[insert_mask], value[insert_mask], batch_id)
        if update_mask.any():
            stamps = _utc_texts(ts[update_mask]).tolist()
            conn.exec_driver_sql(
                _paramstyle(conn, "UPDATE meter_reading SET value = ?, batch_id = ? WHERE meter_id = ? AND ts = ?"),
                list(zip(value[update_mask].tolist(), [batch_id] * len(stamps), meter_id[update_mask].tolist(), stamps)))
        changed = insert_mask | update_mask
        # a correction adds its change (a stored NULL counted as nothing); a new reading its value and one sample
        change = np.where(update_mask, value - np.nan_to_num(old_value), value)
        self._note_changes(meter[changed], ts[changed], change[changed], insert_mask[changed].astype(np.int64))
        return result

    def _stored(self, meter_id: np.ndarray, ts: np.ndarray, wanted: np.ndarray):
        """(stored value, stored batch, is stored) for each (meter_id, ts)."""
        n = len(ts)
        old_value = np.zeros(n)
        old_batch = np.full(n, -1, dtype=np.int64)
        stored = np.zeros(n, dtype=bool)
        ids = np.unique(meter_id[wanted]).tolist()
        low, high = int(ts[wanted].min()), int(ts[wanted].max())
        conn = self.ctx.conn
        sqlite = conn.dialect.name == "sqlite"
        epoch = "CAST(strftime('%s', ts) AS INTEGER)" if sqlite else "CAST(EXTRACT(EPOCH FROM ts) AS BIGINT)"
        bounds = _utc_texts(np.array([low, high], dtype=np.int64)).tolist()
        found_ids, found_ts, found_value, found_batch = [], [], [], []
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            for part in _chunks(ids, 2000):
                marks = ", ".join(["?"] * len(part))
                sql = (f"SELECT meter_id, {epoch}, value, batch_id FROM meter_reading "
                       f"WHERE meter_id IN ({marks}) AND ts >= ? AND ts <= ?")
                cursor.execute(_paramstyle(conn, sql), [*part, *bounds])
                for row in cursor.fetchall():
                    found_ids.append(row[0])
                    found_ts.append(row[1])
                    found_value.append(row[2])
                    found_batch.append(-1 if row[3] is None else row[3])
        finally:
            cursor.close()
        if not found_ids:
            return old_value, old_batch, stored
        found_key = np.asarray(found_ids, dtype=np.int64) * _KEY_SPAN + np.asarray(found_ts, dtype=np.int64)
        sorter = np.argsort(found_key)
        found_key = found_key[sorter]
        key = meter_id * _KEY_SPAN + ts
        at = np.clip(np.searchsorted(found_key, key), 0, len(found_key) - 1)
        stored = (found_key[at] == key) & wanted
        hit = sorter[at]
        old_value = np.where(stored, np.asarray(found_value, dtype=np.float64)[hit], 0.0)
        old_batch = np.where(stored, np.asarray(found_batch, dtype=np.int64)[hit], -1)
        return old_value, old_batch, stored

    def _insert(self, conn, meter_id: np.ndarray, ts: np.ndarray, value: np.ndarray, batch_id: int) -> None:
        stamps = _utc_texts(ts)
        if conn.dialect.name == "postgresql":
            batch = str(batch_id)
            text = "".join(f"{m}\t{t}\t{v!r}\t{batch}\n" for m, t, v in zip(meter_id.tolist(), stamps.tolist(), value.tolist()))
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                cursor.copy_expert("COPY meter_reading (meter_id, ts, value, batch_id) FROM STDIN", io.StringIO(text))
            finally:
                cursor.close()
            return
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.executemany("INSERT INTO meter_reading (meter_id, ts, value, batch_id) VALUES (?, ?, ?, ?)",
                               zip(meter_id.tolist(), stamps.tolist(), value.tolist(), itertools.repeat(batch_id)))
        finally:
            cursor.close()

    def _note_changes(self, meter: np.ndarray, ts: np.ndarray, delta: np.ndarray, samples: np.ndarray) -> None:
        """What the roll-ups, the provenance and the batch record need from the written rows."""
        table = self.meter_table
        affected = self.ctx.affected
        interval = table.interval[meter]
        building, org, kind = table.building[meter], table.org[meter], table.kind[meter]
        if affected.energy_deltas is None:
            affected.energy_deltas = EnergyDeltas(self.ctx.conn)
        affected.energy_deltas.add(building_id=building, org_id=org, kind=kind, interval_minutes=interval, ts=ts,
                                   value=delta, samples=samples)
        affected.buildings.update(np.unique(building).tolist())
        affected.span(dt.datetime.fromtimestamp(int(ts.min()), dt.timezone.utc))
        affected.span(dt.datetime.fromtimestamp(int(ts.max()), dt.timezone.utc))
        # The local day of the interval's start is the day the roll-ups count it on.
        day = (ts + _LOCAL_OFFSET_SECONDS - interval * 60) // 86_400
        affected.span_day(_EPOCH + dt.timedelta(days=int(day.min())))
        affected.span_day(_EPOCH + dt.timedelta(days=int(day.max())))
        month = month_numbers(day)
        codes, keys = pd.factorize((org * _DAY_SPAN + month) * len(METER_KINDS) + kind)
        for key, count in zip(keys.tolist(), np.bincount(codes).tolist()):
            org_month, k = divmod(key, len(METER_KINDS))
            o, m = divmod(org_month, _DAY_SPAN)
            affected.count("meter_reading:" + METER_KINDS[k], o, _EPOCH + dt.timedelta(days=m), count)


_KEY_SPAN = 1 << 34  # epoch seconds stay below 2^34 until the year 2514
_DAY_SPAN = 1 << 17  # day numbers stay below 2^17 until the year 2328
_LOCAL_OFFSET_SECONDS = 8 * 3600
_EPOCH = dt.date(1970, 1, 1)


class MeterTable:
    """Every meter of the province, as arrays by position (the column-wise path), with the
    ``MeterInfo`` objects the row path needs built only when it needs them."""

    def __init__(self, rows: list[tuple]):
        columns = list(zip(*rows)) if rows else [()] * 9
        ids, codes, buildings, orgs, building_codes, kinds, units, intervals, active = columns
        self._rows = rows
        self.id = np.array(ids, dtype=np.int64)
        self.building = np.array(buildings, dtype=np.int64)
        self.org = np.array(orgs, dtype=np.int64)
        kind_code = {k: i for i, k in enumerate(METER_KINDS)}
        self.kind = np.array([kind_code[k] for k in kinds], dtype=np.int64)
        self.interval = np.array(intervals, dtype=np.int64)
        self.active = np.array([bool(a) for a in active], dtype=bool)
        self.position_by_code = {code: i for i, code in enumerate(codes)}
        self._position: dict[int, int] | None = None
        self._infos: list[MeterInfo | None] = [None] * len(rows)
        self._by_code: dict[str, MeterInfo] | None = None
        self._by_building_kind: dict | None = None
        self.example = {kind: MeterInfo(0, "", 0, 0, "", kind, METER_UNITS[kind], 60, True) for kind in METER_KINDS}

    @classmethod
    def load(cls, conn: Connection) -> "MeterTable":
        stmt = select(Meter.id, Meter.code, Meter.building_id, Building.org_id, Building.code.label("building_code"),
                      Meter.kind, Meter.unit, Meter.interval_minutes, Meter.active).join(
            Building, Building.id == Meter.building_id).order_by(Meter.id)
        result = conn.execute(stmt)
        rows = result.cursor.fetchall()  # plain tuples: a province has thousands of meters
        result.close()
        return cls(rows)

    def info(self, position: int) -> MeterInfo:
        info = self._infos[position]
        if info is None:
            info = self._infos[position] = MeterInfo(*self._rows[position])
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
        keys, counts = np.unique(self.building[self.active] * len(METER_KINDS) + self.kind[self.active], return_counts=True)
        return {(key // len(METER_KINDS), METER_KINDS[key % len(METER_KINDS)]): n
                for key, n in zip(keys.tolist(), counts.tolist())}


@dataclass
class Readings:
    """Converted readings of a chunk, column-wise: meter position, interval end (epoch seconds,
    UTC), value in the canonical unit, source line; ``row(i)`` gives the raw row for a rejection."""

    meter: np.ndarray
    ts: np.ndarray
    value: np.ndarray
    line: np.ndarray
    rows: object

    def __len__(self) -> int:
        return len(self.ts)

    def row(self, i: int) -> RawRow | None:
        return self.rows.row(i)

    @staticmethod
    def concat(a: "Readings", b: "Readings") -> "Readings":
        if not len(b):
            return a
        return Readings(np.concatenate([a.meter, b.meter]), np.concatenate([a.ts, b.ts]),
                        np.concatenate([a.value, b.value]), np.concatenate([a.line, b.line]),
                        _JoinedRows(a.rows, len(a), b.rows))


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


def _next_local_midnight(ts: dt.datetime, zone) -> dt.datetime:
    local = ts.astimezone(zone)
    day = local.date() + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(dt.timezone.utc)


def _aligned(ts: dt.datetime, interval_minutes: int, zone) -> bool:
    if ts.second or ts.microsecond:
        return False
    if interval_minutes >= 1440:
        local = ts.astimezone(zone)
        return local.hour == 0 and local.minute == 0
    return (ts.hour * 60 + ts.minute) % interval_minutes == 0 if 1440 % interval_minutes == 0 else True


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _days_in_month(month: dt.date) -> int:
    return (_add_months(month, 1) - month).days


# --- vehicles ---------------------------------------------------------------------------

class _VehicleHandler(Handler):
    org_fields = (("plate", "vehicle"),)

    def prepare(self, values: list[dict]) -> None:
        self._vehicles = self.vehicles(v["plate"].upper() for v in values if v.get("plate"))

    provenance_key = ""

    def vehicle(self, values: dict):
        plate = values["plate"].upper()
        row = self._vehicles.get(plate)
        if row is None:
            raise ValueProblem("unknown_vehicle", plate=values["plate"], column=self.header.header_of("plate"))
        self.ctx.cache.setdefault("vehicle_org", {})[row.id] = row.org_id
        return row

    def note_vehicle(self, vehicle_id: int, *days: dt.date) -> None:
        aff = self.ctx.affected
        aff.vehicles.add(vehicle_id)
        for day in days:
            aff.span_day(day)
        org_id = self.ctx.cache.get("vehicle_org", {}).get(vehicle_id)
        aff.count(self.provenance_key, org_id, days[0].replace(day=1))


class TripHandler(_VehicleHandler):
    fact = "trip"
    provenance_key = "trip"
    model = Trip
    key = ("vehicle_id", "start_ts")

    def columns(self):
        return ("vehicle_id", "start_ts", "end_ts", "km", "request_id", "purpose", "driver_name")

    def prepare(self, values):
        super().prepare(values)
        codes = [v.get("request_code") for v in values if v.get("request_code")]

        def query(part):
            return [(r.code, r) for r in self.ctx.conn.execute(select(TripRequest.code, TripRequest.id).where(TripRequest.code.in_(part)))]
        self._requests = self.lookup("trip_request", codes, query)

    def build(self, v):
        vehicle = self.vehicle(v)
        if v["end_ts"] <= v["start_ts"]:
            raise ValueProblem("end_before_start", start=_fmt(v["start_ts"], self.ctx), end=_fmt(v["end_ts"], self.ctx),
                               column=self.header.header_of("end_ts"))
        request_id = None
        if v.get("request_code"):
            request = self._requests.get(v["request_code"])
            if request is None:
                raise ValueProblem("unknown_request", code=v["request_code"], column=self.header.header_of("request_code"))
            request_id = request.id
        return {"vehicle_id": vehicle.id, "start_ts": v["start_ts"], "end_ts": v["end_ts"], "km": v["km"],
                "request_id": request_id, "purpose": v.get("purpose") or None, "driver_name": v.get("driver_name") or None}

    def after_write(self, written, updates):
        for v in written:
            self.note_vehicle(v["vehicle_id"], self.ctx.local_day(v["start_ts"]), self.ctx.local_day(v["end_ts"]))
        for old, _rec in updates:
            self.note_vehicle(old.vehicle_id, self.ctx.local_day(old.start_ts), self.ctx.local_day(old.end_ts))


class FuelHandler(_VehicleHandler):
    fact = "fuel"
    provenance_key = "fuel_record"
    model = FuelRecord
    key = ("vehicle_id", "ts")

    def columns(self):
        return ("vehicle_id", "ts", "kind", "quantity", "unit", "cost_yuan", "odometer_km")

    def build(self, v):
        vehicle = self.vehicle(v)
        quantity, inline_unit = v["quantity"]
        unit_text = inline_unit or v.get("unit") or self.header.unit_hints.get("quantity")
        column = self.header.header_of("quantity")
        canonical = factor = None
        if unit_text:
            canonical, factor = parse_unit(unit_text)
            if canonical not in ("L", "kWh"):
                raise ValueProblem("unit_mismatch", unit=unit_text, expected="L / kWh", column=column)
        kind = v.get("kind")
        if kind is None:
            if canonical:
                kind = "fuel" if canonical == "L" else "charge"
            elif vehicle.energy_type in ("petrol", "diesel"):
                kind = "fuel"
            elif vehicle.energy_type == "electric":
                kind = "charge"
            else:
                raise ValueProblem("missing_value", column=self.header.header_of("kind") if "kind" in self.header.positions else column)
        expected = "L" if kind == "fuel" else "kWh"
        if canonical and canonical != expected:
            raise ValueProblem("unit_mismatch", unit=unit_text, expected=expected, column=column)
        quantity *= factor or 1.0
        if quantity < 0:
            raise ValueProblem("negative_value", value=str(v["quantity"][0]), column=column)
        if quantity > FIELD_MAX["quantity"]:
            raise ValueProblem("value_out_of_range", value=str(v["quantity"][0]), min=0, max=FIELD_MAX["quantity"], column=column)
        return {"vehicle_id": vehicle.id, "ts": v["ts"], "kind": kind, "quantity": quantity, "unit": expected,
                "cost_yuan": v["cost_yuan"], "odometer_km": v.get("odometer_km")}

    def after_write(self, written, updates):
        for v in written:
            self.note_vehicle(v["vehicle_id"], self.ctx.local_day(v["ts"]))
        for old, _rec in updates:
            self.note_vehicle(old.vehicle_id, self.ctx.local_day(old.ts))


class MaintenanceHandler(_VehicleHandler):
    fact = "maintenance"
    provenance_key = "maintenance_record"
    model = MaintenanceRecord
    key = ("vehicle_id", "performed_on", "kind")

    def columns(self):
        return ("vehicle_id", "performed_on", "kind", "cost_yuan", "odometer_km", "next_due_on")

    def build(self, v):
        vehicle = self.vehicle(v)
        return {"vehicle_id": vehicle.id, "performed_on": v["performed_on"], "kind": v["kind"], "cost_yuan": v["cost_yuan"],
                "odometer_km": v.get("odometer_km"), "next_due_on": v.get("next_due_on")}

    def after_write(self, written, updates):
        for v in written:
            self.note_vehicle(v["vehicle_id"], v["performed_on"])
        for old, _rec in updates:
            self.note_vehicle(old.vehicle_id, old.performed_on)


# --- assets -----------------------------------------------------------------------------

class AssetHandler(Handler):
    fact = "asset"
    org_fields = (("org_code", "org"), ("code", "asset"))
    model = Asset
    key = ("code",)

    def columns(self):
        return ("code", "org_id", "category_id", "name_zh", "name_en", "status", "status_since", "original_value_yuan",
                "acquired_on", "building_id", "custodian_name", "custodian_phone", "last_audit_on")

    def prepare(self, values):
        self._orgs = self.orgs(v["org_code"] for v in values)
        codes = [v["category_code"] for v in values]

        def query(part):
            stmt = select(AssetCategory.code, AssetCategory.id).where(AssetCategory.code.in_(part))
            return [(r.code, r) for r in self.ctx.conn.execute(stmt)]
        self._categories = self.lookup("asset_category", codes, query)
        self._buildings = self.buildings(v.get("building_code") for v in values if v.get("building_code"))

    def build(self, v):
        org = self._orgs.get(v["org_code"])
        if org is None:
            raise ValueProblem("unknown_org", code=v["org_code"], column=self.header.header_of("org_code"))
        category = self._categories.get(v["category_code"])
        if category is None:
            raise ValueProblem("unknown_category", code=v["category_code"], column=self.header.header_of("category_code"))
        building_id = None
        if v.get("building_code"):
            building = self._buildings.get(v["building_code"])
            if building is None:
                raise ValueProblem("unknown_building", code=v["building_code"], column=self.header.header_of("building_code"))
            building_id = building.id
        return {"code": v["code"], "org_id": org.id, "category_id": category.id, "name_zh": v["name_zh"],
                "name_en": v.get("name_en") or None, "status": v["status"],
                "status_since": v.get("status_since") or v["acquired_on"], "original_value_yuan": v["original_value_yuan"],
                "acquired_on": v["acquired_on"], "building_id": building_id, "custodian_name": v.get("custodian_name") or None,
                "custodian_phone": v.get("custodian_phone") or None, "last_audit_on": v.get("last_audit_on")}

    def after_write(self, written, updates):
        aff = self.ctx.affected
        aff.state_domains.add("asset")
        aff.state_orgs.update(v["org_id"] for v in written)
        aff.state_orgs.update(old.org_id for old, _rec in updates)
        month = self.ctx.local_day(self.ctx.now).replace(day=1)
        for v in written:
            aff.count("asset", v["org_id"], month)


class AssetMovementHandler(Handler):
    fact = "asset_movement"
    org_fields = (("asset_code", "asset"), ("to_org_code", "org"))
    model = AssetMovement
    key = ("asset_id", "ts", "kind")

    def columns(self):
        return ("asset_id", "ts", "kind", "from_org_id", "to_org_id", "from_status", "to_status", "value_saved_yuan", "note")

    def prepare(self, values):
        def query(part):
            stmt = select(Asset.code, Asset.id, Asset.org_id, Asset.status, Asset.status_since).where(Asset.code.in_(part))
            return [(r.code, r) for r in self.ctx.conn.execute(stmt)]
        self._assets = self.lookup("asset", (v["asset_code"] for v in values), query)
        self._orgs = self.orgs([c for v in values for c in (v.get("from_org_code"), v.get("to_org_code")) if c])

    def build(self, v):
        asset = self._assets.get(v["asset_code"])
        if asset is None:
            raise ValueProblem("unknown_asset", code=v["asset_code"], column=self.header.header_of("asset_code"))
        self._asset_org = getattr(self, "_asset_org", {})
        self._asset_org[asset.id] = asset.org_id
        ids = {}
        for name in ("from_org_code", "to_org_code"):
            code = v.get(name)
            ids[name] = None
            if code:
                org = self._orgs.get(code)
                if org is None:
                    raise ValueProblem("unknown_org", code=code, column=self.header.header_of(name))
                ids[name] = org.id
        return {"asset_id": asset.id, "ts": v["ts"], "kind": v["kind"], "from_org_id": ids["from_org_code"],
                "to_org_id": ids["to_org_code"], "from_status": v.get("from_status"), "to_status": v.get("to_status"),
                "value_saved_yuan": v.get("value_saved_yuan"), "note": v.get("note") or None}

    def after_write(self, written, updates):
        """A movement is an event; the asset row is the current state, so apply the newest ones."""
        aff = self.ctx.affected
        aff.state_domains.add("asset")
        conn = self.ctx.conn
        for v in sorted(written, key=lambda v: v["ts"]):
            asset = conn.execute(select(Asset.id, Asset.org_id, Asset.status, Asset.status_since)
                                 .where(Asset.id == v["asset_id"])).one()
            aff.state_orgs.add(asset.org_id)
            aff.span_day(self.ctx.local_day(v["ts"]))
            day = self.ctx.local_day(v["ts"])
            changes = {}
            if day >= asset.status_since:
                if v.get("to_org_id") and v["to_org_id"] != asset.org_id:
                    changes["org_id"] = v["to_org_id"]
                    aff.state_orgs.add(v["to_org_id"])
                if v.get("to_status") and v["to_status"] != asset.status:
                    changes["status"] = v["to_status"]
                    changes["status_since"] = day
            if changes:
                conn.execute(update(Asset).where(Asset.id == asset.id).values(**changes, batch_id=self.ctx.batch_id))
        for v in written:
            for key in ("from_org_id", "to_org_id"):
                if v.get(key):
                    aff.state_orgs.add(v[key])
            owner = v.get("to_org_id") or self._asset_org.get(v["asset_id"])
            aff.count("asset_movement", owner, self.ctx.local_day(v["ts"]).replace(day=1))


# --- housing ----------------------------------------------------------------------------

class OfficeOccupancyHandler(Handler):
    fact = "office_occupancy"
    org_fields = (("building_code", "building"),)  # the building's org: the room may not be known
    model = OfficeOccupancy
    key = ("room_id", "staff_no", "since")

    def columns(self):
        return ("room_id", "staff_no", "person_name", "rank_code", "since", "until")

    def prepare(self, values):
        self._buildings = self.buildings(v["building_code"] for v in values)
        wanted = {(v["building_code"], v["room_no"]) for v in values}

        def query(part):
            building_ids = {self._buildings[b].id: b for b, _r in part if self._buildings.get(b) is not None}
            if not building_ids:
                return []
            rooms = {r for _b, r in part}
            stmt = (select(OfficeRoom.building_id, OfficeRoom.room_no, OfficeRoom.id, OfficeRoom.org_id, OrgNode.admin_level)
                    .join(OrgNode, OrgNode.id == OfficeRoom.org_id)
                    .where(OfficeRoom.building_id.in_(list(building_ids)), OfficeRoom.room_no.in_(list(rooms))))
            return [((building_ids[r.building_id], r.room_no), r) for r in self.ctx.conn.execute(stmt)]
        self._rooms = self.lookup("office_room", wanted, query)
        ranks = self.ctx.cache.get("ranks")
        if ranks is None:
            ranks = {}
            from .formats import normalize_header

            for r in self.ctx.conn.execute(select(OfficeSpaceStandard.admin_level, OfficeSpaceStandard.rank_code,
                                                  OfficeSpaceStandard.rank_zh, OfficeSpaceStandard.rank_en)):
                level = ranks.setdefault(r.admin_level, {})
                for word in (r.rank_code, r.rank_zh, r.rank_en):
                    if word:
                        level.setdefault(normalize_header(word), r.rank_code)
            self.ctx.cache["ranks"] = ranks
        self._ranks = ranks

    def build(self, v):
        building = self._buildings.get(v["building_code"])
        if building is None:
            raise ValueProblem("unknown_building", code=v["building_code"], column=self.header.header_of("building_code"))
        room = self._rooms.get((v["building_code"], v["room_no"]))
        if room is None:
            raise ValueProblem("unknown_room", building=v["building_code"], room=v["room_no"], column=self.header.header_of("room_no"))
        from .formats import normalize_header

        level = self._ranks.get(room.admin_level, {})
        rank = level.get(normalize_header(v["rank_code"]))
        if rank is None:
            raise ValueProblem("unknown_code", column=self.header.header_of("rank_code"), value=v["rank_code"],
                               allowed=" / ".join(sorted(set(level.values()))))
        if v.get("until") and v["until"] < v["since"]:
            raise ValueProblem("end_before_start", start=v["since"].isoformat(), end=v["until"].isoformat(),
                               column=self.header.header_of("until"))
        self._room_orgs = getattr(self, "_room_orgs", {})
        self._room_orgs[room.id] = room.org_id
        return {"room_id": room.id, "staff_no": v["staff_no"], "person_name": v["person_name"], "rank_code": rank,
                "since": v["since"], "until": v.get("until")}

    def after_write(self, written, updates):
        aff = self.ctx.affected
        aff.state_domains.add("housing")
        orgs = getattr(self, "_room_orgs", {})
        aff.state_orgs.update(orgs[v["room_id"]] for v in written if v["room_id"] in orgs)
        aff.state_orgs.update(orgs.get(old.room_id) for old, _rec in updates if old.room_id in orgs)
        month = self.ctx.local_day(self.ctx.now).replace(day=1)
        for v in written:
            aff.count("office_occupancy", orgs.get(v["room_id"]), month)


class LeaseHandler(Handler):
    fact = "lease"
    org_fields = (("unit_code", "unit"), ("tenant_org_code", "org"))
    model = Lease
    key = ("unit_id", "starts_on")

    def columns(self):
        return ("unit_id", "tenant_name", "tenant_phone", "tenant_id_number", "tenant_org_id", "starts_on", "ends_on",
                "moved_out_on", "monthly_rent_yuan", "arrears_yuan")

    def prepare(self, values):
        def query(part):
            stmt = select(HousingUnit.code, HousingUnit.id, HousingUnit.org_id).where(HousingUnit.code.in_(part))
            return [(r.code, r) for r in self.ctx.conn.execute(stmt)]
        self._units = self.lookup("housing_unit", (v["unit_code"] for v in values), query)
        self._orgs = self.orgs(v.get("tenant_org_code") for v in values if v.get("tenant_org_code"))

    def build(self, v):
        unit = self._units.get(v["unit_code"])
        if unit is None:
            raise ValueProblem("unknown_housing_unit", code=v["unit_code"], column=self.header.header_of("unit_code"))
        org_id = None
        if v.get("tenant_org_code"):
            org = self._orgs.get(v["tenant_org_code"])
            if org is None:
                raise ValueProblem("unknown_org", code=v["tenant_org_code"], column=self.header.header_of("tenant_org_code"))
            org_id = org.id
        if v["ends_on"] < v["starts_on"]:
            raise ValueProblem("end_before_start", start=v["starts_on"].isoformat(), end=v["ends_on"].isoformat(),
                               column=self.header.header_of("ends_on"))
        self._unit_orgs = getattr(self, "_unit_orgs", {})
        self._unit_orgs[unit.id] = unit.org_id
        return {"unit_id": unit.id, "tenant_name": v["tenant_name"], "tenant_phone": v.get("tenant_phone") or None,
                "tenant_id_number": v.get("tenant_id_number") or None, "tenant_org_id": org_id,
                "starts_on": v["starts_on"], "ends_on": v["ends_on"], "moved_out_on": v.get("moved_out_on"),
                "monthly_rent_yuan": v["monthly_rent_yuan"], "arrears_yuan": v.get("arrears_yuan") or 0.0}

    def after_write(self, written, updates):
        aff = self.ctx.affected
        aff.state_domains.add("housing")
        orgs = getattr(self, "_unit_orgs", {})
        aff.state_orgs.update(orgs[v["unit_id"]] for v in written if v["unit_id"] in orgs)
        aff.state_orgs.update(orgs[old.unit_id] for old, _rec in updates if old.unit_id in orgs)
        month = self.ctx.local_day(self.ctx.now).replace(day=1)
        for v in written:
            aff.count("lease", orgs.get(v["unit_id"]), month)


def _fmt(ts: dt.datetime, ctx: BatchContext) -> str:
    return ts.astimezone(ctx.clock.zone).strftime("%Y-%m-%d %H:%M")


def _meter_orgs(handler: Handler, codes: list[str]) -> dict:
    table = handler.ctx.cache.get("meter_table") or MeterTable.load(handler.ctx.conn)
    handler.ctx.cache["meter_table"] = table
    return {c: int(table.org[table.position_by_code[c]]) for c in codes if c in table.position_by_code}


def _building_orgs(handler: Handler, codes: list[str]) -> dict:
    found = handler.buildings(codes)
    return {c: found[c].org_id for c in codes if found.get(c) is not None}


def _vehicle_orgs(handler: Handler, codes: list[str]) -> dict:
    found = handler.vehicles(codes)
    return {c: found[c].org_id for c in codes if found.get(c) is not None}


def _org_ids(handler: Handler, codes: list[str]) -> dict:
    found = handler.orgs(codes)
    return {c: found[c].id for c in codes if found.get(c) is not None}


def _asset_orgs(handler: Handler, codes: list[str]) -> dict:
    def query(part):
        return handler.ctx.conn.execute(select(Asset.code, Asset.org_id).where(Asset.code.in_(part))).tuples()
    found = handler.lookup("asset_org", codes, query)
    return {c: found[c] for c in codes if found.get(c) is not None}


def _unit_orgs(handler: Handler, codes: list[str]) -> dict:
    def query(part):
        return handler.ctx.conn.execute(select(HousingUnit.code, HousingUnit.org_id).where(HousingUnit.code.in_(part))).tuples()
    found = handler.lookup("unit_org", codes, query)
    return {c: found[c] for c in codes if found.get(c) is not None}


ORG_RESOLVERS = {"meter": _meter_orgs, "building": _building_orgs, "vehicle": _vehicle_orgs, "org": _org_ids,
                 "asset": _asset_orgs, "unit": _unit_orgs}


HANDLERS: dict[str, type[Handler]] = {
    h.fact: h for h in (MeterReadingHandler, TripHandler, FuelHandler, MaintenanceHandler, AssetHandler,
                        AssetMovementHandler, OfficeOccupancyHandler, LeaseHandler)
}
