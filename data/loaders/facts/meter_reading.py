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

from data.calendar import Calendar, add_months
from data.import_formats import HeaderMap, choice_index, normalize_header
from data.import_reasons import Issue
from data.models import MeterReading
from data.models.energy import METER_UNITS
from data.rollup_delta import METER_KINDS

from ..extract import RawRow
from ..parsing import ValueProblem, clean_text, is_blank, parse_number, parse_unit
from .base import BatchContext, Handler, Record, Rejection, WriteResult, _chunks, building_orgs
from .meter_columns import (
    MeterInfo,
    MeterTable,
    Readings,
    _blank_mask,
    _BlockRows,
    _floats,
    _paramstyle,
    _RecordRows,
    write_readings,
)

ENERGY_METRIC_BY_KIND = {
    "electricity": "energy.electricity_kwh",
    "water": "energy.water_m3",
    "gas": "energy.gas_m3",
    "heat": "energy.heat_gj",
}


def meter_orgs(handler: Handler, codes: list[str]) -> dict:
    """Org ids of the meters named by ``codes`` (for ``Handler.org_fields``)."""
    table = handler.ctx.cache.get("meter_table") or MeterTable.load(handler.ctx.conn)
    handler.ctx.cache["meter_table"] = table
    return {c: int(table.org[table.position_by_code[c]]) for c in codes if c in table.position_by_code}


class MeterReadingHandler(Handler):
    """Readings: the consumption over the interval that ends at ``ts`` (UTC).

    A file gives either ``ts`` (end of interval, local time) or ``day`` (the local day of a
    daily meter's consumption, stored as the interval ending at the next local midnight).
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
                    ts = self._reading_time(
                        raw_time,
                        meter.interval_minutes,
                        from_ts_column=from_ts,
                        ts_col=ts_col,
                        day_col=headers[p_day] if p_day is not None else ts_col,
                    )
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
            else:
                day = clock.parse_date(raw)
                if interval < 1440:
                    raise ValueProblem("date_without_time", column=column, value=clean_text(raw))
                ts = calendar.to_utc(dt.datetime(day.year, day.month, day.day) + dt.timedelta(days=1))
            if ts > self.ctx.now + self.ctx.settings.future_tolerance:
                raise ValueProblem("future_timestamp", column=column, value=clean_text(raw), now=self._now_text())
            if not _aligned(ts, interval, calendar):
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
        kind = self.kind_index.get(normalize_header(clean_text(kind_raw)))
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
                    rejections.append(
                        Rejection(
                            rec.line,
                            Issue(
                                "implausible_jump",
                                {
                                    "value": round(value, 3),
                                    "reference": round(typical, 3),
                                    "factor": factor,
                                    "column": self.header.headers[self.header.positions["value"]],
                                },
                                None,
                                self.header.headers[self.header.positions["value"]],
                            ),
                            rec.row,
                        )
                    )
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
        first_day = self.ctx.calendar.local_month(earliest)
        month_from = add_months(first_day, -12)
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
                    cursor.execute(
                        _paramstyle(
                            conn,
                            (
                                f"SELECT entity_id, {per_minute} FROM rollup_monthly WHERE metric_id = ? "
                                f"AND entity_kind = 'building' AND entity_id IN ({', '.join(['?'] * len(part))}) "
                                "AND month >= ? AND month < ? AND value > 0 GROUP BY entity_id"
                            ),
                        ),
                        [metric, *part, month_from.isoformat(), first_day.isoformat()],
                    )
                    for entity_id, rate in cursor.fetchall():
                        self.refs[(entity_id, kind)] = rate / max(meters_per.get((entity_id, kind), 1), 1)
        finally:
            cursor.close()

    # column-wise conversion (clean CSV stretches) ---------------------------------------
    def convert_block(self, block) -> tuple[Readings, list[Rejection]]:
        """A ``ColumnBlock`` of a CSV file, converted column by column.

        Rows whose every cell takes the plain way (a known meter code, a time already seen, a
        plain number, a known unit, within the jump limit) are converted with array operations;
        every other row goes through ``convert`` one by one, so its reason for rejection is
        exactly the one the row path gives.
        """
        pos = self.header.positions
        p_code, p_ts, p_day, p_value, p_unit = (
            pos.get("meter_code"),
            pos.get("ts"),
            pos.get("day"),
            pos["value"],
            pos.get("unit"),
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

    def _convert_rows_of(self, block, positions: np.ndarray) -> tuple[Readings, list[Rejection]]:
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
        factors = np.array(
            [
                1.0
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

    def _jump_limits(self, meter_positions: np.ndarray, earliest_ts: int) -> np.ndarray:
        """Per meter position, the highest plausible reading (inf: no yardstick)."""
        table = self.meter_table
        limits: dict = self.ctx.cache.setdefault("jump_limits", {})
        unknown = [p for p in meter_positions.tolist() if int(table.id[p]) not in limits]
        if unknown:
            self._fill_jump_limits([table.info(p) for p in unknown], dt.datetime.fromtimestamp(earliest_ts, dt.UTC))
        array = self.ctx.cache.get("jump_limit_array")
        if array is None:
            array = self.ctx.cache["jump_limit_array"] = np.full(len(table.id), np.inf)
        for p in meter_positions.tolist():
            bound = limits[int(table.id[p])]
            array[p] = np.inf if bound is None else bound[0]
        return array

    def readings_of(self, records: list[Record]) -> Readings:
        """Records of the row path as ``Readings``."""
        position = self.meter_table.position
        n = len(records)
        return Readings(
            np.fromiter((position[r.values[0].id] for r in records), dtype=np.int64, count=n),
            np.fromiter((int(r.values[1].timestamp()) for r in records), dtype=np.int64, count=n),
            np.fromiter((r.values[2] for r in records), dtype=np.float64, count=n),
            np.fromiter((r.line if r.line is not None else -1 for r in records), dtype=np.int64, count=n),
            _RecordRows([r.row for r in records]),
        )

    # writing ---------------------------------------------------------------------------
    def write(self, records: list[Record]) -> WriteResult:
        return self.write_readings(self.readings_of(records))

    def write_readings(self, readings: Readings) -> WriteResult:
        """Upsert ``readings`` by (meter, ts); see ``meter_columns.write_readings``."""
        return write_readings(self.ctx, self.meter_table, readings)


def _aligned(ts: dt.datetime, interval_minutes: int, calendar: Calendar) -> bool:
    """Whether ``ts`` ends an interval of the meter's length on the local clock: a daily
    reading at local midnight, a sub-daily one on a multiple of its length since local midnight."""
    if ts.second or ts.microsecond:
        return False
    local = calendar.local(ts)
    if interval_minutes >= 1440:
        return local.hour == 0 and local.minute == 0
    return (local.hour * 60 + local.minute) % interval_minutes == 0 if 1440 % interval_minutes == 0 else True
