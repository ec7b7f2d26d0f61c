"""Plausibility of meter readings, shared by the row and the column-wise path of
``meter_reading``: whether a time ends one of the meter's intervals (``aligned``), and the two
ceilings of a value: the absolute one that needs no history (``MeterTable.ceiling``: rated
capacity, or floor area × ``reading_ceiling``) and the jump check against the past year's
roll-ups (``JumpChecks``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from data.calendar import Calendar, add_months
from data.import_reasons import Issue

from .base import Rejection, _chunks
from .meter_columns import MeterInfo, _paramstyle

ENERGY_METRIC_BY_KIND = {
    "electricity": "energy.electricity_kwh",
    "water": "energy.water_m3",
    "gas": "energy.gas_m3",
    "heat": "energy.heat_gj",
}


def aligned(ts: dt.datetime, interval_minutes: int, calendar: Calendar, reading_hour: int = 0) -> bool:
    """Whether ``ts`` ends an interval of the meter's length on the local clock: a daily reading
    at the meter's reading hour (local midnight for most), a sub-daily one on a multiple of its
    length since local midnight."""
    if ts.second or ts.microsecond:
        return False
    local = calendar.local(ts)
    if interval_minutes >= 1440:
        return local.hour == reading_hour and local.minute == 0
    return (local.hour * 60 + local.minute) % interval_minutes == 0 if 1440 % interval_minutes == 0 else True


def ceiling_params(meter: MeterInfo, value: float, column: str) -> dict:
    """The parameters of ``above_ceiling`` for ``value`` on ``meter``."""
    return {
        "column": column,
        "value": round(value, 3),
        "ceiling": round(meter.ceiling, 3),
        "unit": meter.unit,
        **meter.ceiling_basis,
    }


class JumpChecks:
    """The jump check of ``MeterReadingHandler``: a reading far above the meter's typical
    consumption of one interval over the past year is refused (``implausible_jump``).

    The typical value is a consumption per minute (the best month of the building's roll-up,
    per active meter of the kind) times the meter's own interval, so an hourly and a daily
    meter are each compared with an interval of their own length.
    """

    def _check_jumps(self, records: list, rejections: list[Rejection]) -> list:
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
        column = self.header.headers[self.header.positions["value"]]
        kept = []
        for rec in records:
            meter, value = rec.values[0], rec.values[2]
            bound = limits[meter.id]
            if bound is not None:
                limit, typical = bound
                if value > limit:
                    params = {"value": round(value, 3), "reference": round(typical, 3), "factor": factor}
                    params["column"] = column
                    rejections.append(Rejection(rec.line, Issue("implausible_jump", params, None, column), rec.row))
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
                typical = ref * meter.interval_minutes  # per minute × the meter's own interval
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
