"""Meter readings, the hot path: the bulk of every province's data.

A reading is the consumption over the interval that ends at ``ts``. ``convert(rows)`` is the row
path; ``convert_block(block)`` takes a clean stretch of CSV (``extract.ColumnBlock``) and converts
the plain rows with array operations, sending only the others through ``convert``. Both end in
``meter_columns.write_readings``, which upserts ``Readings`` (arrays) and hands the changes to the
energy roll-ups. Local days, midnights and months are those of the batch's calendar.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from data.import_formats import HeaderMap, choice_index, normalize_header
from data.import_reasons import Issue
from data.models import MeterReading
from data.models.energy import METER_UNITS
from data.rollup_delta import METER_KINDS

from ..extract import RawRow
from ..parsing import ValueProblem, clean_text, is_blank, normalize_code, parse_number, parse_unit
from .base import BatchContext, Handler, Record, Rejection, WriteResult, building_orgs
from .meter_checks import ENERGY_METRIC_BY_KIND, JumpChecks, aligned, ceiling_params
from .meter_columns import (
    MeterInfo,
    MeterTable,
    Readings,
    _blank_mask,
    _BlockRows,
    _floats,
    _RecordRows,
    write_readings,
)

__all__ = ["ENERGY_METRIC_BY_KIND", "MeterReadingHandler", "meter_orgs"]


def meter_orgs(handler: Handler, codes: list[str]) -> dict:
    """Org ids of the meters named by ``codes`` (for ``Handler.org_fields``)."""
    table = handler.ctx.cache.get("meter_table") or MeterTable.load(handler.ctx.conn)
    handler.ctx.cache["meter_table"] = table
    return {c: int(table.org[table.position_by_code[c]]) for c in codes if c in table.position_by_code}


class MeterReadingHandler(JumpChecks, Handler):
    """Readings: the consumption over the interval that ends at ``ts`` (UTC).

    A file gives either ``ts`` (end of interval, local time) or ``day`` (the local day of a
    daily meter's consumption, stored as the interval ending at the meter's next reading hour:
    the next local midnight for most, 08:00 of the next day for a meter read at 8).
    """

    fact = "meter_reading"
    org_fields = (("meter_code", meter_orgs), ("building_code", building_orgs))
    model = MeterReading
    key = ("meter_id", "ts")

    def __init__(self, ctx: BatchContext, header: HeaderMap):
        super().__init__(ctx, header)
        table = ctx.cache.get("meter_table")
        if table is None:
            table = ctx.cache["meter_table"] = MeterTable.load(ctx.conn)
        self.meter_table = table
        self.kind_index = choice_index(self.format.field("meter_kind"))
        self.kind_cache: dict = {}  # kind cell -> kind, or None when not one of the choices
        self.unit_cache: dict = {}
        self.refs: dict = ctx.cache.setdefault("meter_refs", {})
        # 抄表人 and 备注, kept beside the reading when the file has either column: (position or
        # None, longest text) for each
        self.text_fields = tuple(
            (header.positions.get(name), self.format.field(name).max_len) for name in ("reader_name", "note")
        )
        self.with_notes = any(p is not None for p, _max in self.text_fields)

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
        # A unit written in the header counts only when the file has no unit column.
        unit_hint = self.header.unit_hints.get("value") if p_unit is None else None
        by_code = self.by_code
        times = self.ctx.cache.setdefault("reading_times", {})
        records: list[Record] = []
        rejections: list[Rejection] = []
        ts_col = headers[p_ts if p_ts is not None else p_day]
        value_col = headers[p_value]
        inf = math.inf
        with_notes = self.with_notes
        for row in rows:
            v = row.values
            n = len(v)
            try:
                # the meter
                code = v[p_code] if p_code is not None and p_code < n else None
                meter = by_code.get(code) if code.__class__ is str else None
                if meter is None:
                    meter = self._resolve_meter(v, n, code, p_code, p_building, p_kind)
                if p_kind is not None and p_kind < n:
                    self._check_kind(meter, v[p_kind], p_kind)
                # the time: parse, day semantics, future and alignment, once per distinct value
                raw_ts = v[p_ts] if p_ts is not None and p_ts < n else None
                if p_day is not None and (raw_ts is None or is_blank(raw_ts)):
                    raw_time, from_ts = (v[p_day] if p_day < n else None), False
                else:
                    raw_time, from_ts = raw_ts, True
                key = (raw_time, meter.interval_minutes, meter.reading_hour, from_ts)
                ts = times.get(key)
                if ts is None:
                    ts = times[key] = self._reading_time(
                        raw_time,
                        meter.interval_minutes,
                        meter.reading_hour,
                        from_ts_column=from_ts,
                        ts_col=ts_col,
                        day_col=headers[p_day] if p_day is not None else ts_col,
                    )
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
                if unit is None and p_unit is not None:
                    # The file has a unit column: a blank cell there is a missing unit, not the canonical one.
                    cell = v[p_unit] if p_unit < n else None
                    if is_blank(cell):
                        raise ValueProblem("missing_value", column=headers[p_unit])
                    unit = clean_text(cell)
                unit = unit or unit_hint
                if unit is not None:
                    value *= self._unit_factor(unit, meter, value_col)
                if value < 0:
                    raise ValueProblem("negative_value", column=value_col, value=clean_text(raw_value))
                if value > meter.ceiling:
                    raise ValueProblem("above_ceiling", **ceiling_params(meter, value, value_col))
                if with_notes:
                    values = (meter, ts, value, *self._texts(v, n))
                else:
                    values = (meter, ts, value)
            except ValueProblem as problem:
                params = problem.params
                column = params.get("column")
                if column is None:
                    column = ts_col if problem.code == "bad_date" else value_col
                    params = {"column": column, **params}
                rejections.append(Rejection(row.line, Issue(problem.code, params, None, column), row))
                continue
            records.append(Record(row.line, values, row))
        if records:
            records = self._check_jumps(records, rejections)
        return records, rejections

    def _texts(self, v, n) -> list:
        """The reader's name and the note of a row (None where blank or absent), as stored."""
        out = [None, None]
        for i, (p, max_len) in enumerate(self.text_fields):
            if p is None or p >= n or is_blank(v[p]):
                continue
            text = clean_text(v[p])
            if max_len and len(text) > max_len:
                raise ValueProblem("text_too_long", column=self.header.headers[p], length=len(text), max=max_len)
            out[i] = text
        return out

    def _resolve_meter(self, v, n, code, p_code, p_building, p_kind) -> MeterInfo:
        if not is_blank(code):
            text = normalize_code(code)
            meter = self.by_code.get(text)
            if meter is None:
                raise ValueProblem("unknown_meter", code=text, column=self.header.headers[p_code])
            return meter
        return self._meter_by_building(v, n, p_building, p_kind)

    def _kind_of(self, cell) -> str | None:
        """The meter kind an energy-type cell names, None when blank or not one of the choices."""
        try:
            return self.kind_cache[cell]
        except KeyError:
            kind = None if is_blank(cell) else self.kind_index.get(normalize_header(clean_text(cell)))
            self.kind_cache[cell] = kind
            return kind
        except TypeError:  # an unhashable cell
            return None

    def _check_kind(self, meter: MeterInfo, cell, p_kind: int) -> None:
        """A row naming a meter and an energy type that is not the meter's is refused."""
        kind = self._kind_of(cell)
        if kind is not None and kind != meter.kind:
            raise ValueProblem(
                "meter_kind_mismatch",
                column=self.header.headers[p_kind],
                meter=meter.code,
                kind=meter.kind,
                written=clean_text(cell),
            )

    def _reading_time(self, raw, interval: int, reading_hour: int, *, from_ts_column: bool, ts_col: str, day_col: str):
        """The UTC end of the interval for a time cell, or ``(reason, params)`` why not.

        A date without a time (in the time column, or a day column) is a daily meter's day of
        consumption: its interval ends at the meter's reading hour of the next day."""
        clock, calendar = self.ctx.clock, self.ctx.calendar
        column = ts_col if from_ts_column else day_col
        try:
            if is_blank(raw):
                raise ValueProblem("missing_value", column=ts_col)
            if from_ts_column:
                ts, date_only = clock.parse(raw)
                if date_only:
                    if interval < 1440:
                        raise ValueProblem("date_without_time", column=column, value=clean_text(raw))
                    ts = calendar.next_midnight_utc(ts)
                    if reading_hour:
                        ts = _at_hour(calendar, calendar.local_day(ts), reading_hour)
            else:
                day = clock.parse_date(raw)
                if interval < 1440:
                    raise ValueProblem("date_without_time", column=column, value=clean_text(raw))
                ts = _at_hour(calendar, day + dt.timedelta(days=1), reading_hour)
            if ts > self.ctx.now + self.ctx.settings.future_tolerance:
                raise ValueProblem("future_timestamp", column=column, value=clean_text(raw), now=self._now_text())
            if not aligned(ts, interval, calendar, reading_hour):
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
        building = normalize_code(building)
        kind = self._kind_of(kind_raw)
        if kind is None:
            f = self.format.field("meter_kind")
            raise ValueProblem(
                "unknown_code",
                column=self.header.headers[p_kind],
                value=clean_text(kind_raw),
                allowed=" / ".join(f"{c}({w[0]})" for c, w in f.choices),
            )
        meters = self.by_building_kind.get((building, kind), [])
        if not meters:
            if not any(b == building for b, _k in self.by_building_kind) and not self._building_exists(building):
                raise ValueProblem("unknown_building", code=building, column=self.header.headers[p_building])
            raise ValueProblem("unknown_meter", code=f"{building}/{kind}", column=self.header.headers[p_building])
        if len(meters) > 1:
            raise ValueProblem(
                "ambiguous_meter",
                building=building,
                kind=kind,
                count=len(meters),
                column=self.header.headers[p_building],
            )
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

    # column-wise conversion (clean CSV stretches) ---------------------------------------
    def convert_block(self, block) -> tuple[Readings, list[Rejection]]:
        """A ``ColumnBlock`` of a CSV file, converted column by column.

        Rows whose every cell takes the plain way (a known meter code, an energy type that is
        the meter's or none, a time already seen, a plain number, a known unit, under the
        meter's ceiling and within the jump limit) are converted with array operations; every
        other row goes through ``convert`` one by one, so its reason for rejection is exactly
        the one the row path gives. Per distinct cell there is Python work, per row none.
        """
        pos = self.header.positions
        p_code, p_ts, p_day, p_value, p_unit, p_kind = (
            pos.get("meter_code"),
            pos.get("ts"),
            pos.get("day"),
            pos["value"],
            pos.get("unit"),
            pos.get("meter_kind"),
        )
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
        kind = table.kind[safe_meter]
        # the energy type, where the row gives one: the meter's own (or not one of the choices)
        if p_kind is not None:
            kcodes, kuniques = pd.factorize(block.columns[p_kind])
            named = np.fromiter((self._kind_number(u) for u in kuniques), dtype=np.int64, count=len(kuniques))
            written = named[kcodes]
            ok &= (written < 0) | (written == kind)
        # the time: each distinct (cell, interval, reading hour) once, with the row path's own
        # function and cache
        if p_ts is not None:
            time_cells, from_ts = block.columns[p_ts], True
            if p_day is not None:
                ok &= ~_blank_mask(time_cells)  # a blank time with a day column: the row path decides
        else:
            time_cells, from_ts = block.columns[p_day], False
        tcodes, tuniques = pd.factorize(time_cells)
        icodes, iuniques = pd.factorize(table.time_class[safe_meter])
        combo_codes, combos = pd.factorize(tcodes.astype(np.int64) * len(iuniques) + icodes)
        combo_ts = np.zeros(len(combos), dtype=np.int64)
        combo_ok = np.zeros(len(combos), dtype=bool)
        for j, combo in enumerate(combos.tolist()):
            interval, hour = divmod(int(iuniques[combo % len(iuniques)]), 24)
            ts = self._time_of(tuniques[combo // len(iuniques)], interval, hour, from_ts)
            if ts.__class__ is not tuple:
                combo_ts[j] = int(ts.timestamp())
                combo_ok[j] = True
        ts = combo_ts[combo_codes]
        ok &= combo_ok[combo_codes]
        # the value, in the meter's unit, under its ceiling
        value = _floats(block.columns[p_value])
        ok &= np.isfinite(value)
        factor = self._unit_factors(block.columns[p_unit] if p_unit is not None else None, kind, n)
        ok &= ~np.isnan(factor)
        value = value * np.where(np.isnan(factor), 1.0, factor)
        ok &= value >= 0
        ok &= ~(value > table.ceiling[safe_meter])
        if self.ctx.settings.jump_factor and ok.any():
            limit = self._jump_limits(np.unique(meter[ok]), int(ts[ok].min()))
            ok &= ~(value > limit[safe_meter])
        # the reader's name and the note
        reader = note = None
        if self.with_notes:
            reader, note, too_long = self._block_texts(block, n)
            ok &= ~too_long
        fast = np.flatnonzero(ok)
        readings = Readings(
            meter[fast],
            ts[fast],
            value[fast],
            block.lines[fast],
            _BlockRows(block, fast),
            None if reader is None else reader[fast],
            None if note is None else note[fast],
        )
        if len(fast) == n:
            return readings, []
        slow, rejections = self._convert_rows_of(block, np.flatnonzero(~ok))
        return Readings.concat(readings, slow), rejections

    def _convert_rows_of(self, block, positions: np.ndarray) -> tuple[Readings, list[Rejection]]:
        rows = [block.raw_row(int(i)) for i in positions]
        records, rejections = self.convert(rows)
        return self.readings_of(records), rejections

    def _meter_position(self, code) -> int:
        """The meter a code cell names: as written first (nearly all), else normalised (full-width
        forms, invisible characters, spaces around it); -1 when none."""
        positions = self.meter_table.position_by_code
        found = positions.get(code)
        if found is None and code.__class__ is str:
            found = positions.get(normalize_code(code))
        return -1 if found is None else found

    def _kind_number(self, cell) -> int:
        """The index in ``METER_KINDS`` of the kind an energy-type cell names, -1 for none."""
        kind = self._kind_of(cell)
        return -1 if kind is None else METER_KINDS.index(kind)

    def _time_of(self, raw, interval: int, reading_hour: int, from_ts: bool):
        times = self.ctx.cache.setdefault("reading_times", {})
        key = (raw, interval, reading_hour, from_ts)
        ts = times.get(key)
        if ts is None:
            headers, pos = self.header.headers, self.header.positions
            ts_col = headers[pos["ts"] if pos.get("ts") is not None else pos["day"]]
            day_col = headers[pos["day"]] if pos.get("day") is not None else ts_col
            ts = times[key] = self._reading_time(
                raw, interval, reading_hour, from_ts_column=from_ts, ts_col=ts_col, day_col=day_col
            )
        return ts

    def _block_texts(self, block, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(reader's names, notes, too long) of a block: the text as stored, None where blank;
        each distinct cell cleaned once."""
        out = []
        too_long = np.zeros(n, dtype=bool)
        for p, max_len in self.text_fields:
            if p is None:
                out.append(np.full(n, None, dtype=object))
                continue
            codes, uniques = pd.factorize(block.columns[p])
            texts = [None if is_blank(u) else clean_text(u) for u in uniques.tolist()]
            out.append(np.array(texts + [None], dtype=object)[codes])
            if max_len:
                too_long |= np.array([t is not None and len(t) > max_len for t in texts] + [False])[codes]
        return out[0], out[1], too_long

    def _unit_factors(self, unit_cells, kind: np.ndarray, n: int) -> np.ndarray:
        """The factor to the meter's canonical unit for each row; NaN where the unit is not
        recognised or does not fit the meter, or the file's unit column is blank (the row path
        then says which)."""
        if unit_cells is None:
            hint = self.header.unit_hints.get("value")
            if hint is None:
                return np.ones(n)
            per_kind = np.array([self._factor_or_nan(hint, k) for k in METER_KINDS])
            return per_kind[kind]
        ucodes, uniques = pd.factorize(unit_cells)
        units = [None if is_blank(u) else clean_text(u) for u in uniques.tolist()]
        combo_codes, combos = pd.factorize(ucodes.astype(np.int64) * len(METER_KINDS) + kind)
        factors = np.array(
            [
                math.nan
                if units[c // len(METER_KINDS)] is None
                else self._factor_or_nan(units[c // len(METER_KINDS)], METER_KINDS[c % len(METER_KINDS)])
                for c in combos.tolist()
            ]
        )
        return factors[combo_codes]

    def _factor_or_nan(self, unit: str, kind: str) -> float:
        try:
            return self._unit_factor(unit, self.meter_table.example[kind], "")
        except ValueProblem:
            return math.nan

    def readings_of(self, records: list[Record]) -> Readings:
        """Records of the row path as ``Readings``."""
        position = self.meter_table.position
        n = len(records)
        reader = note = None
        if self.with_notes:
            reader = np.array([r.values[3] for r in records] + [None], dtype=object)[:n]
            note = np.array([r.values[4] for r in records] + [None], dtype=object)[:n]
        return Readings(
            np.fromiter((position[r.values[0].id] for r in records), dtype=np.int64, count=n),
            np.fromiter((int(r.values[1].timestamp()) for r in records), dtype=np.int64, count=n),
            np.fromiter((r.values[2] for r in records), dtype=np.float64, count=n),
            np.fromiter((r.line if r.line is not None else -1 for r in records), dtype=np.int64, count=n),
            _RecordRows([r.row for r in records]),
            reader,
            note,
        )

    # writing ---------------------------------------------------------------------------
    def write(self, records: list[Record]) -> WriteResult:
        return self.write_readings(self.readings_of(records))

    def write_readings(self, readings: Readings) -> WriteResult:
        """Upsert ``readings`` by (meter, ts); see ``meter_columns.write_readings``."""
        return write_readings(self.ctx, self.meter_table, readings)


def _at_hour(calendar, day: dt.date, hour: int) -> dt.datetime:
    """The UTC instant of ``hour``:00 local time on ``day``."""
    return calendar.to_utc(dt.datetime(day.year, day.month, day.day) + dt.timedelta(hours=hour))
