"""What every fact handler shares: the batch's settings and context, the records and rejections
a chunk turns into, and ``Handler``, the generic convert-then-upsert-by-natural-key machinery.

A handler works on a chunk of rows inside the batch's transaction:

* ``convert(rows)`` turns raw rows into records (typed, standardised: units to the canonical
  unit, local time to UTC, codes to ids) or rejections with a reason;
* ``write(records)`` compares each record with what is stored under its natural key and
  inserts the new ones, updates the changed ones (a correction), counts the identical ones as
  duplicates, and rejects a second, different row for the same key within the same file.

Everything a handler touches is noted in ``ctx.affected`` so the roll-ups of exactly those
buildings, vehicles and days are refreshed afterwards. Local days and months are those of
``Settings.calendar``, the configured zone (``data.calendar``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from data.calendar import Calendar, configured_calendar
from data.import_formats import FORMATS, Field, HeaderMap, choice_index, normalize_header
from data.import_reasons import Issue
from data.models import Building, OfficeSpaceStandard, OrgNode, Vehicle

from ..extract import RawRow
from ..parsing import LocalTime, ValueProblem, clean_text, is_blank, normalize_code, parse_number, parse_unit

IN_CHUNK = 500  # bound parameters per IN list (SQLite allows 32 766; keep statements small)

# Number fields with a fixed canonical unit; a unit written in the cell or the header must match.
FIELD_UNITS = {
    "km": "km",
    "odometer_km": "km",
    "cost_yuan": "yuan",
    "original_value_yuan": "yuan",
    "value_saved_yuan": "yuan",
    "monthly_rent_yuan": "yuan",
    "arrears_yuan": "yuan",
}
# Upper bounds that catch a misplaced decimal point or a column shift.
FIELD_MAX = {
    "km": 3000.0,
    "odometer_km": 3_000_000.0,
    "cost_yuan": 5_000_000.0,
    "quantity": 2000.0,
    "monthly_rent_yuan": 100_000.0,
    "arrears_yuan": 10_000_000.0,
    "original_value_yuan": 10_000_000_000.0,
    "value_saved_yuan": 10_000_000_000.0,
}
# Fields that describe something that already happened: a value in the future is an error.
PAST_FIELDS = {
    "trip": ("start_ts", "end_ts"),
    "fuel": ("ts",),
    "maintenance": ("performed_on",),
    "asset": ("acquired_on", "last_audit_on", "status_since"),
    "asset_movement": ("ts",),
    "office_occupancy": (),
    "lease": ("moved_out_on",),
    "meter_reading": (),
}


@dataclass
class Settings:
    """Knobs of validation and batching; ``pipeline.settings_from_config`` fills them from ``Config``.

    ``calendar`` is the zone files are written in and roll-ups count days in: the configured
    zone (``AOCC_TIMEZONE``) unless given.
    """

    calendar: Calendar = field(default_factory=configured_calendar)
    chunk_rows: int = 20_000
    # Rows per chunk where a handler works column-wise (meter readings from a clean CSV): a row
    # costs ~100 bytes there, and each chunk pays one look-up of the stored keys and one pass
    # over the touched pages, so chunks are larger.
    block_rows: int = 100_000
    future_tolerance: dt.timedelta = dt.timedelta(minutes=10)
    jump_factor: float = 10.0
    log_rejects: int = 50
    sqlite_cache_mib: int = 256  # page cache of a batch's connection on SQLite (see pipeline._batch_page_cache)

    @property
    def timezone(self) -> str:
        """The IANA name of the calendar's zone."""
        return self.calendar.name


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

    @property
    def calendar(self) -> Calendar:
        return self.settings.calendar

    def local_day(self, ts: dt.datetime) -> dt.date:
        return self.calendar.local_day(ts)


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
        yield seq[i : i + size]


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
            text = normalize_code(raw) if kind == "code" else clean_text(raw)
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
            code = self._choices[f.name].get(normalize_header(text))
            if code is None:
                allowed = " / ".join(f"{c}({words[0]})" for c, words in f.choices)
                raise ValueProblem("unknown_code", value=text, allowed=allowed)
            return code
        if kind == "unit":
            return clean_text(raw)
        raise AssertionError(f"unknown field kind {kind}")

    def _now_text(self) -> str:
        return local_text(self.ctx.now, self.ctx)

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

    def space_ranks(self) -> dict:
        """The ranks of the office-space standard by admin level: ``{level: {word: rank_code}}``,
        where a word is a rank's code, Chinese or English name, normalised like a header."""
        ranks = self.ctx.cache.get("ranks")
        if ranks is None:
            ranks = {}
            for r in self.ctx.conn.execute(
                select(
                    OfficeSpaceStandard.admin_level,
                    OfficeSpaceStandard.rank_code,
                    OfficeSpaceStandard.rank_zh,
                    OfficeSpaceStandard.rank_en,
                )
            ):
                level = ranks.setdefault(r.admin_level, {})
                for word in (r.rank_code, r.rank_zh, r.rank_en):
                    if word:
                        level.setdefault(normalize_header(word), r.rank_code)
            self.ctx.cache["ranks"] = ranks
        return ranks

    def resolve_code(self, found: dict, values: dict, name: str, problem: str):
        """The row ``found`` (a lookup of ``prepare``) holds for the code in field ``name``; a
        ``problem`` (``unknown_org``, ``unknown_building`` …) naming the code and column when none."""
        row = found.get(values[name])
        if row is None:
            raise ValueProblem(problem, code=values[name], column=self.header.header_of(name))
        return row

    # -- whose row it is: a quarantined row is shown only inside the data scope of its org
    # (field, resolver), tried in order; a resolver maps codes of that field to org ids (see building_orgs)
    org_fields: tuple[tuple[str, Callable[[Handler, list[str]], dict]], ...] = ()

    def orgs_of_rows(self, rows: list[RawRow | None]) -> list[int | None]:
        """The org node each raw row belongs to, from the first code it names that the database
        knows; None when there is none (the row is then shown to province-wide users only)."""
        out: list[int | None] = [None] * len(rows)
        positions = self.header.positions if self.header is not None else {}
        for field_name, resolver in self.org_fields:
            pos = positions.get(field_name)
            if pos is None:
                continue
            pending = {
                i: normalize_code(row.values[pos])
                for i, row in enumerate(rows)
                if out[i] is None and row is not None and pos < len(row.values) and not is_blank(row.values[pos])
            }
            if pending:
                found = resolver(self, sorted(set(pending.values())))
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
                    result.rejections.append(
                        Rejection(rec.line, _issue("duplicate_in_file", first_line=seen.line), rec.row)
                    )
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
        self.after_write(
            [{**r.values} for r in unique if tuple(r.values[k] for k in self.key) not in existing]
            + [rec.values for _old, rec in updates],
            updates,
        )
        return result

    def apply_updates(self, updates) -> None:
        table = self.model.__table__
        compare = self.compare_columns()
        stmt = (
            update(table)
            .where(table.c.id == _bind("_id"))
            .values({c: _bind(c) for c in compare} | {"batch_id": _bind("_batch_id")})
        )
        self.ctx.conn.execute(
            stmt,
            [
                {"_id": old.id, "_batch_id": self.ctx.batch_id, **{c: rec.values.get(c) for c in compare}}
                for old, rec in updates
            ],
        )

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

    def note_state(self, domain: str, written, updates, org_field: str = "org_id") -> None:
        """Refresh the state metrics of ``domain`` for the orgs of the written rows, before and after."""
        aff = self.ctx.affected
        aff.state_domains.add(domain)
        aff.state_orgs.update(v[org_field] for v in written)
        aff.state_orgs.update(getattr(old, org_field) for old, _rec in updates)


def _bind(name):
    return bindparam(name)


def local_text(ts: dt.datetime, ctx: BatchContext) -> str:
    """``ts`` as local time for a rejection's parameters (``2026-11-20 08:00``)."""
    return ctx.calendar.local(ts).strftime("%Y-%m-%d %H:%M")


# --- whose row it is: org resolvers for ``Handler.org_fields`` ------------------------------


def building_orgs(handler: Handler, codes: list[str]) -> dict:
    found = handler.buildings(codes)
    return {c: found[c].org_id for c in codes if found.get(c) is not None}


def vehicle_orgs(handler: Handler, codes: list[str]) -> dict:
    found = handler.vehicles(codes)
    return {c: found[c].org_id for c in codes if found.get(c) is not None}


def org_ids(handler: Handler, codes: list[str]) -> dict:
    found = handler.orgs(codes)
    return {c: found[c].id for c in codes if found.get(c) is not None}
