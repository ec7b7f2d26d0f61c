"""One handler per fact: validate and standardise rows, then upsert them by natural key.

A handler works on a chunk of rows inside the batch's transaction:

* ``convert(rows)`` turns raw rows into records (typed, standardised: units to the canonical
  unit, local time to UTC, codes to ids) or rejections with a reason;
* ``write(records)`` compares each record with what is stored under its natural key and
  inserts the new ones, updates the changed ones (a correction), counts the identical ones as
  duplicates, and rejects a second, different row for the same key within the same file.

Everything a handler touches is noted in ``ctx.affected`` so the roll-ups of exactly those
buildings, vehicles and days are refreshed afterwards.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field

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
    RollupMonthly,
    Trip,
    TripRequest,
    Vehicle,
)
from data.models.energy import METER_UNITS

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
    future_tolerance: dt.timedelta = dt.timedelta(minutes=10)
    jump_factor: float = 10.0
    log_rejects: int = 50


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
    model = MeterReading
    key = ("meter_id", "ts")

    def __init__(self, ctx: BatchContext, header: HeaderMap):
        super().__init__(ctx, header)
        meters = ctx.cache.get("meters")
        if meters is None:
            meters = self._load_meters()
            ctx.cache["meters"] = meters
        self.by_code, self.by_building_kind = meters
        self.kind_index = choice_index(self.format.field("meter_kind"))
        self.unit_cache: dict = {}
        self.refs: dict = ctx.cache.setdefault("meter_refs", {})

    def _load_meters(self):
        stmt = select(Meter.id, Meter.code, Meter.building_id, Building.org_id, Building.code.label("building_code"), Meter.kind,
                      Meter.unit, Meter.interval_minutes, Meter.active).join(Building, Building.id == Meter.building_id)
        by_code: dict[str, MeterInfo] = {}
        by_building_kind: dict[tuple[str, str], list[MeterInfo]] = {}
        for row in self.ctx.conn.execute(stmt).tuples():
            info = MeterInfo(*row)
            by_code[info.code] = info
            if info.active:
                by_building_kind.setdefault((info.building_code, info.kind), []).append(info)
        return by_code, by_building_kind

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
            missing = {(m.building_id, m.kind) for m in unknown} - set(self.refs)
            if missing:
                self._load_refs(list(missing), min(rec.values[1] for rec in records))
            for meter in unknown:
                ref = self.refs.get((meter.building_id, meter.kind))
                if ref is None:
                    limits[meter.id] = None
                else:
                    typical = ref * meter.interval_minutes
                    limits[meter.id] = (factor * max(typical, 1.0), typical)
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
        meters_per = {}
        for info in self.by_code.values():
            if info.active:
                meters_per[(info.building_id, info.kind)] = meters_per.get((info.building_id, info.kind), 0) + 1
        for kind, buildings in by_kind.items():
            metric = ENERGY_METRIC_BY_KIND[kind]
            for part in _chunks(sorted(buildings)):
                stmt = (select(RollupMonthly.entity_id, RollupMonthly.month, RollupMonthly.value)
                        .where(RollupMonthly.metric_id == metric, RollupMonthly.entity_kind == "building",
                               RollupMonthly.entity_id.in_(part), RollupMonthly.month >= month_from,
                               RollupMonthly.month < first_day))
                minutes_of: dict = {}
                refs = self.refs
                for entity_id, month, value in self.ctx.conn.execute(stmt).tuples():
                    if not value or value <= 0:
                        continue
                    minutes = minutes_of.get(month)
                    if minutes is None:
                        minutes = minutes_of[month] = _days_in_month(month) * 1440
                    rate = value / minutes / max(meters_per.get((entity_id, kind), 1), 1)
                    current = refs.get((entity_id, kind))
                    if current is None or rate > current:
                        refs[(entity_id, kind)] = rate

    # writing ---------------------------------------------------------------------------
    def write(self, records: list[Record]) -> WriteResult:
        """One pass: in-file duplicates, the comparison with what is stored, and the bookkeeping
        for the roll-ups and the provenance."""
        result = WriteResult()
        if not records:
            return result
        conn = self.ctx.conn
        batch_id = self.ctx.batch_id
        existing = self._existing(records)
        seen: dict[tuple, Record] = {}
        inserts, updates = [], []
        affected = self.ctx.affected
        buildings = affected.buildings
        ts_min = ts_max = records[0].values[1]
        zone = self.ctx.clock.zone
        days: dict = self.ctx.cache.setdefault("interval_days", {})
        prov = affected.provenance
        day_lo = day_hi = None
        rejections = result.rejections
        duplicates = 0
        for rec in records:
            meter, ts, value = rec.values
            key = (meter.id, ts)
            earlier = seen.get(key)
            if earlier is not None:
                if _same(earlier.values[2], value):
                    duplicates += 1
                else:
                    rejections.append(Rejection(rec.line, _issue("duplicate_in_file", first_line=earlier.line), rec.row))
                continue
            seen[key] = rec
            old = existing.get(key) if existing else None
            if old is None:
                inserts.append(key + (value,))
            else:
                old_value, old_batch = old
                if _same(old_value, value):
                    duplicates += 1
                    continue
                if old_batch == batch_id:
                    # written by an earlier chunk of this same file, with another value
                    rejections.append(Rejection(rec.line, _issue("duplicate_in_file", first_line="?"), rec.row))
                    continue
                updates.append(key + (value,))
            buildings.add(meter.building_id)
            if ts < ts_min:
                ts_min = ts
            elif ts > ts_max:
                ts_max = ts
            # The local day of the interval's start is the day the roll-ups count it on.
            dkey = (ts, meter.interval_minutes)
            day_month = days.get(dkey)
            if day_month is None:
                day = (ts - dt.timedelta(minutes=meter.interval_minutes)).astimezone(zone).date()
                day_month = days[dkey] = (day, day.replace(day=1))
                if day_lo is None or day < day_lo:
                    day_lo = day
                if day_hi is None or day > day_hi:
                    day_hi = day
            pkey = (meter.prov_key, meter.org_id, day_month[1])
            prov[pkey] = prov.get(pkey, 0) + 1
        result.duplicates = duplicates
        if inserts or updates:
            affected.span(ts_min)
            affected.span(ts_max)
            if day_lo is not None:  # (days met in an earlier chunk of the batch are spanned already)
                affected.span_day(day_lo)
                affected.span_day(day_hi)
        if inserts:
            self._insert(conn, inserts, batch_id)
        if updates:
            proc = self._ts_processor(conn)
            conn.exec_driver_sql(
                _paramstyle(conn, "UPDATE meter_reading SET value = ?, batch_id = ? WHERE meter_id = ? AND ts = ?"),
                [(value, batch_id, mid, proc(ts)) for mid, ts, value in updates])
        result.accepted = len(inserts) + len(updates)
        return result

    def _existing(self, records: list[Record]) -> dict:
        """What is stored under the records' natural keys: ``{(meter_id, ts): (value, batch_id)}``."""
        ids = sorted({rec.values[0].id for rec in records})
        stamps = [rec.values[1] for rec in records]
        low, high = min(stamps), max(stamps)
        out = {}
        t = MeterReading.__table__
        for part in _chunks(ids, 2000):
            stmt = select(t.c.meter_id, t.c.ts, t.c.value, t.c.batch_id).where(
                t.c.meter_id.in_(part), t.c.ts >= low, t.c.ts <= high)
            for meter_id, ts, value, batch_id in self.ctx.conn.execute(stmt).tuples():
                out[(meter_id, ts)] = (value, batch_id)
        return out

    @staticmethod
    def _ts_processor(conn):
        proc = MeterReading.__table__.c.ts.type._cached_bind_processor(conn.dialect)
        cache: dict = {}

        def convert(ts):
            hit = cache.get(ts)
            if hit is None:
                hit = proc(ts) if proc else ts
                cache[ts] = hit
            return hit
        return convert

    def _insert(self, conn, rows: list[tuple], batch_id: int) -> None:
        if conn.dialect.name == "postgresql":
            copy_rows(conn, "meter_reading", ("meter_id", "ts", "value", "batch_id"),
                      ((mid, _pg_ts(ts), value, batch_id) for mid, ts, value in rows))
            return
        proc = self._ts_processor(conn)
        conn.exec_driver_sql(
            "INSERT INTO meter_reading (meter_id, ts, value, batch_id) VALUES (?, ?, ?, ?)",
            [(mid, proc(ts), value, batch_id) for mid, ts, value in rows])


def _paramstyle(conn, sql: str) -> str:
    return sql.replace("?", "%s") if conn.dialect.name == "postgresql" else sql


def _pg_ts(ts: dt.datetime) -> str:
    return ts.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def copy_rows(conn, table: str, columns: tuple[str, ...], rows) -> int:
    """COPY rows (tuples of plain values) into ``table`` on PostgreSQL, inside the transaction."""
    buf = io.StringIO()
    count = 0
    for row in rows:
        buf.write("\t".join(_copy_text(v) for v in row))
        buf.write("\n")
        count += 1
    buf.seek(0)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
    finally:
        cursor.close()
    return count


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if any(ch in text for ch in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


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


HANDLERS: dict[str, type[Handler]] = {
    h.fact: h for h in (MeterReadingHandler, TripHandler, FuelHandler, MaintenanceHandler, AssetHandler,
                        AssetMovementHandler, OfficeOccupancyHandler, LeaseHandler)
}
