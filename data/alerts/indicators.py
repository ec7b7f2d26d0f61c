"""Indicators for many entities at once: the figure a rule, a KPI colour or an export compares,
computed for every entity of a kind in ONE set-based SQL statement.

``indicator_values(conn, metric_id, entity_kind, *, scope_org_id, scope_filter, window, as_of)`` returns a
DataFrame with ``INDICATOR_COLUMNS``: ``entity_kind, entity_id, org_id, entity_code, entity_name_zh,
entity_name_en, value, reference`` (``reference`` is the baseline of a change comparison, the quota of
``ytd_pace``, the indicator's own yardstick — 1 for fuel against mileage — or NaN).

Families (``INDICATORS`` says which metric supports which entity kinds and windows):

* flows (``rollup_daily`` / ``rollup_monthly``: whole months from the monthly table, partial months from
  the daily one) for org, building and vehicle; derived ratios of flows (night share); total energy and
  its intensities per m² and per person (``energy_coefficient``), ``ytd_pace`` against ``energy_quota``;
* org states (``rollup_monthly`` at the as-of month), ratios (idle rate, m²/person, occupancy, NEV share, over quota);
* entity states from the small state tables at the as-of day: assets (idle days, idle, no custodian, days
  since audit), office rooms (area over standard), housing units (overstaying, leases expiring), vehicles
  (maintenance overdue, fuel against the odometer), meters (days without readings), data sources (silence
  in multiples of ``stale_after_seconds``);
* families kept in modules of their own, registered in ``FAMILY_SQL`` (``anomaly_indicators``).

Metrics a vehicle counts (trips …) treat a missing roll-up row as 0; energy treats it as no data.
Clock-based figures (meter silence, source staleness) use ``now``; everything else the as-of day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data.calendar import add_months, configured_calendar, month_end, month_start, shift_years
from data.catalog import get_metric
from data.models import OrgNode

from .entities import ENTITY_SQL, common_org, days_between, seconds_between
from .windows import CHANGE_COMPARISONS, Window, parse_window

INDICATOR_COLUMNS = [
    "entity_kind",
    "entity_id",
    "org_id",
    "entity_code",
    "entity_name_zh",
    "entity_name_en",
    "value",
    "reference",
]
FLOW_WINDOWS = ("latest", "last_days", "last_hours", "mtd")
STATE_WINDOWS = ("latest",)
ENERGY_FLOWS = ("energy.electricity_kwh", "energy.gas_m3", "energy.heat_gj")
KGCE_COEFFICIENTS = {  # metric -> (coefficient code, default)
    "energy.electricity_kwh": ("electricity_kgce_per_kwh", 0.1229),
    "energy.gas_m3": ("gas_kgce_per_m3", 1.2143),
    "energy.heat_gj": ("heat_kgce_per_gj", 34.12),
}
QUOTA_BASIS = {"energy.total_kgce": "total", "energy.kgce_per_m2": "per_m2", "energy.kgce_per_person": "per_person"}


class UnsupportedIndicator(ValueError):
    """No indicator for this metric × entity kind × window."""


@dataclass(frozen=True)
class Indicator:
    metric_id: str
    family: str
    kinds: tuple[str, ...]
    windows: tuple[str, ...]
    baseline: bool = False  # change comparisons possible
    inputs: tuple[str, ...] = ()  # the stored metrics it reads


def _flow(metric_id: str) -> Indicator:
    kinds = {"energy": ("org", "building"), "vehicle": ("org", "vehicle"), "asset": ("org",)}[metric_id.split(".")[0]]
    return Indicator(metric_id, "flow", kinds, FLOW_WINDOWS, True, (metric_id,))


def _state(metric_id: str, kinds=("org",)) -> Indicator:
    return Indicator(metric_id, "state_org", ("org",), STATE_WINDOWS, True, (metric_id,))


def _entity(metric_id: str, kind: str, org_state: bool) -> Indicator:
    kinds = ("org", kind) if org_state else (kind,)
    return Indicator(metric_id, "entity", kinds, STATE_WINDOWS, False, (metric_id,) if org_state else ())


_RATIOS = {  # derived org states: (numerator, denominator or None, scale, "ratio" | "difference")
    "asset.idle_rate": ("asset.idle_count", "asset.count", "ratio"),
    "housing.area_per_person": ("housing.office_area_m2", "housing.office_occupants", "ratio"),
    "housing.occupancy_rate": ("housing.occupied_units", "housing.units", "ratio"),
    "vehicle.nev_share": ("vehicle.nev_fleet", "vehicle.fleet", "ratio"),
    "vehicle.over_quota": ("vehicle.fleet", "vehicle.quota", "difference"),
}

INDICATORS: dict[str, Indicator] = {}
FAMILY_SQL: dict = {}  # family -> (q, indicator, kind, window, as_of, now) -> (joins, value_sql, reference_sql)
for _id in (
    "energy.electricity_kwh",
    "energy.night_electricity_kwh",
    "energy.offday_electricity_kwh",
    "energy.water_m3",
    "energy.gas_m3",
    "energy.heat_gj",
    "vehicle.trips",
    "vehicle.km",
    "vehicle.offhours_trips",
    "vehicle.unrequested_trips",
    "vehicle.used_vehicle_days",
    "vehicle.fuel_l",
    "vehicle.charge_kwh",
    "vehicle.energy_cost_yuan",
    "vehicle.maintenance_cost_yuan",
    "asset.redeployed_count",
    "asset.redeploy_saved_yuan",
):
    INDICATORS[_id] = _flow(_id)
for _id in ("vehicle.fleet", "vehicle.quota", "vehicle.nev_fleet", "asset.count", "asset.original_value_yuan"):
    INDICATORS[_id] = _state(_id)
for _id in ("asset.net_value_yuan", "asset.warehouse_count", "asset.audit_overdue_count", "housing.office_area_m2"):
    INDICATORS[_id] = _state(_id)
for _id in ("housing.office_occupants", "housing.vacant_rooms", "housing.units", "housing.occupied_units"):
    INDICATORS[_id] = _state(_id)
for _id in ("housing.waiting", "housing.arrears_yuan"):
    INDICATORS[_id] = _state(_id)
for _id, (_num, _den, _how) in _RATIOS.items():
    INDICATORS[_id] = Indicator(_id, "state_ratio", ("org",), STATE_WINDOWS, True, (_num, _den))
INDICATORS["energy.night_share"] = Indicator(
    "energy.night_share",
    "night_share",
    ("org", "building"),
    FLOW_WINDOWS,
    True,
    ("energy.night_electricity_kwh", "energy.electricity_kwh"),
)
for _id in QUOTA_BASIS:
    INDICATORS[_id] = Indicator(
        _id, "kgce", ("org",), (*FLOW_WINDOWS, "ytd_pace"), True, (*ENERGY_FLOWS, "vehicle.fuel_l")
    )
INDICATORS["vehicle.offhours_unrequested_trips"] = Indicator(
    "vehicle.offhours_unrequested_trips", "offhours_unrequested", ("vehicle",), FLOW_WINDOWS
)
INDICATORS["vehicle.fuel_ratio"] = Indicator("vehicle.fuel_ratio", "fuel_ratio", ("vehicle",), FLOW_WINDOWS)
INDICATORS["asset.idle_count"] = _entity("asset.idle_count", "asset", True)
INDICATORS["asset.no_custodian_count"] = _entity("asset.no_custodian_count", "asset", True)
INDICATORS["asset.idle_days"] = _entity("asset.idle_days", "asset", False)
INDICATORS["asset.audit_age_days"] = _entity("asset.audit_age_days", "asset", False)
INDICATORS["housing.over_standard_rooms"] = _entity("housing.over_standard_rooms", "room", True)
INDICATORS["housing.over_standard_area_m2"] = _entity("housing.over_standard_area_m2", "room", True)
INDICATORS["housing.overstaying"] = _entity("housing.overstaying", "housing_unit", True)
INDICATORS["housing.expiring_90d"] = _entity("housing.expiring_90d", "housing_unit", True)
INDICATORS["vehicle.maintenance_overdue_days"] = _entity("vehicle.maintenance_overdue_days", "vehicle", False)
INDICATORS["energy.meter_silent_days"] = _entity("energy.meter_silent_days", "meter", False)
INDICATORS["energy.source_staleness"] = _entity("energy.source_staleness", "source", False)


def get_indicator(metric_id: str, entity_kind: str) -> Indicator:
    indicator = INDICATORS.get(metric_id)
    if indicator is None or entity_kind not in indicator.kinds:
        raise UnsupportedIndicator(f"no indicator for {metric_id!r} per {entity_kind!r}")
    return indicator


def supported_kinds(metric_id: str) -> tuple[str, ...]:
    indicator = INDICATORS.get(metric_id)
    return indicator.kinds if indicator else ()


# --- SQL building -------------------------------------------------------------------------------


class _Sql:
    """Collects bound parameters while a statement is written."""

    def __init__(self, dialect: str):
        self.dialect = dialect
        self.params: dict = {}
        self.types: dict = {}

    def bind(self, value, type_=None) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        if type_ is not None:
            self.types[name] = type_
        return f":{name}"

    def day(self, value: dt.date) -> str:
        return self.bind(value, sa.Date())

    def ts(self, value: dt.datetime) -> str:
        return self.bind(value, sa.DateTime())

    def used(self, text: str) -> dict:
        """The parameters ``text`` refers to (a branch may bind one it then does not use)."""
        return {n: v for n, v in self.params.items() if re.search(rf":{n}\b", text)}

    def statement(self, text: str):
        used = self.used(text)
        return sa.text(text).bindparams(*(sa.bindparam(n, type_=t) for n, t in self.types.items() if n in used))


def _pieces(start: dt.date, end: dt.date, *, tail: bool = False) -> list[tuple[str, str, dt.date, dt.date, int]]:
    """``[start, end]`` as signed roll-up reads ``(table, period column, from, to, sign)``.

    Whole months come from the monthly table, a partial month at the start from the daily one.
    With ``tail`` (a span ending on the data's as-of day), the partial month at the end, when the
    span covers it from its first day and the days after ``end`` are fewer than those up to it,
    is read as its monthly row minus those later days (a flow's monthly row is the sum of its
    days): year-to-date on the 24th reads one monthly row and an empty tail (nothing is loaded
    after the as-of day) instead of 24 daily rows per entity. The two forms agree up to the
    rounding of floating-point sums. Baseline spans (last year, the previous window) keep the
    daily read: their later days hold data, and an entity with data only in those days would
    turn from "no data" into a rounding residual."""
    pieces: list[tuple[str, str, dt.date, dt.date, int]] = []
    current = start
    if start.day != 1:  # the partial month at the start, day by day
        head_end = min(end, month_end(start))
        pieces.append(("rollup_daily", "day", start, head_end, 1))
        current = head_end + dt.timedelta(days=1)
    if current > end:
        return pieces
    last_month = month_start(end)
    later_days = (month_end(end) - end).days
    if later_days == 0 or (tail and later_days < end.day):
        pieces.append(("rollup_monthly", "month", current, last_month, 1))
        if later_days:
            pieces.append(("rollup_daily", "day", end + dt.timedelta(days=1), month_end(end), -1))
        return pieces
    if current < last_month:
        pieces.append(("rollup_monthly", "month", current, add_months(last_month, -1), 1))
    pieces.append(("rollup_daily", "day", last_month, end, 1))
    return pieces


def _merged(pieces: list[tuple[str, str, dt.date, dt.date, int]]) -> list[tuple[str, str, dt.date, dt.date, int]]:
    """Adjacent daily pieces of the same sign as one range scan (a baseline's two partial months)."""
    merged = pieces[:1]
    for piece in pieces[1:]:
        table, period, lo, hi, sign = merged[-1]
        if table == piece[0] == "rollup_daily" and sign == piece[4] and piece[2] == hi + dt.timedelta(days=1):
            merged[-1] = (table, period, lo, piece[3], sign)
        else:
            merged.append(piece)
    return merged


_ID_TABLES = {"org": "org_node", "building": "building", "vehicle": "vehicle"}


def _flow_aggregate(
    q: _Sql, kind: str, metrics, spans: dict[str, tuple[dt.date, dt.date]], ids: str | None = None
) -> tuple[str, list[str]]:
    """A subquery ``entity_id, <tag><i> …`` summing each metric over each tagged span.

    ``ids`` (a subquery of entity ids) narrows the read to the entities that can have a figure;
    by default every entity of the kind. Each entity is a seek on the roll-up's primary key
    (metric_id, entity_kind, entity_id, day|month) followed by a range scan over the span."""
    parts, columns = [], []
    kind_p = q.bind(kind)
    ids = ids or f"SELECT id FROM {_ID_TABLES[kind]}"
    for tag, (start, end) in spans.items():
        for i, metric in enumerate(metrics):
            column = f"{tag}{i}"
            columns.append(column)
            metric_p = q.bind(metric)
            for table, period, lo, hi, sign in _merged(_pieces(start, end, tail=tag == "c")):
                total = "SUM(r.value)" if sign > 0 else "-SUM(r.value)"
                where = f"r.metric_id = {metric_p} AND r.entity_kind = {kind_p} AND r.{period} BETWEEN {q.day(lo)} AND {q.day(hi)}"
                if q.dialect == "postgresql":
                    # A seek per entity, always: with a semi-join PostgreSQL may scan the whole index
                    # section when it expects few rows (a tail: 90 ms, not 10). No rows: a NULL, ignored.
                    parts.append(
                        f"SELECT i.id AS entity_id, '{column}' AS w, (SELECT {total} FROM {table} r "
                        f"WHERE {where} AND r.entity_id = i.id) AS value FROM ({ids}) i (id)"
                    )
                    continue
                # Summed per entity inside the piece: the rows come in primary-key order, so the
                # GROUP BY streams, and the outer one only folds a few rows per entity.
                parts.append(
                    f"SELECT r.entity_id, '{column}' AS w, {total} AS value FROM {table} r "
                    f"WHERE {where} AND r.entity_id IN ({ids}) GROUP BY r.entity_id"
                )
    sums = ", ".join(f"SUM(CASE WHEN w = '{c}' THEN value END) AS {c}" for c in columns)
    return f"SELECT entity_id, {sums} FROM ({' UNION ALL '.join(parts)}) u GROUP BY entity_id", columns


def _state_aggregate(q: _Sql, metrics, months: dict[str, dt.date]) -> str:
    columns = ", ".join(
        f"SUM(CASE WHEN metric_id = {q.bind(m)} AND month = {q.day(month)} THEN value END) AS {tag}{i}"
        for tag, month in months.items()
        for i, m in enumerate(metrics)
    )
    metric_list = ", ".join(q.bind(m) for m in metrics)
    month_list = ", ".join(q.day(m) for m in months.values())
    return (
        f"SELECT entity_id, {columns} FROM rollup_monthly WHERE metric_id IN ({metric_list}) "
        f"AND entity_kind = 'org' AND month IN ({month_list}) AND entity_id IN (SELECT id FROM org_node) "
        "GROUP BY entity_id"
    )


def _ratio(num: str, den: str) -> str:
    return f"(CAST({num} AS FLOAT) / NULLIF({den}, 0))"


def _spans(window: Window, as_of: dt.date, comparison: str | None) -> dict[str, tuple[dt.date, dt.date]]:
    spans = {"c": window.span(as_of)}
    if comparison in CHANGE_COMPARISONS:
        spans["b"] = window.baseline(as_of, comparison)
    return spans


def _kgce(x: str, q: _Sql) -> str:
    terms = []
    for i, metric in enumerate((*ENERGY_FLOWS, "vehicle.fuel_l")):
        code, default = KGCE_COEFFICIENTS.get(metric, ("petrol_kgce_per_l", 1.0651))
        coef = f"COALESCE((SELECT value FROM energy_coefficient WHERE code = {q.bind(code)}), {default})"
        terms.append(f"COALESCE({x}{i}, 0) * {coef}")
    present = " OR ".join(f"{x}{i} IS NOT NULL" for i in range(len(ENERGY_FLOWS)))
    return f"(CASE WHEN {present} THEN {' + '.join(terms)} END)"


def _family_sql(q: _Sql, ind: Indicator, kind: str, window: Window, as_of, now, comparison) -> tuple[str, str, str]:
    """``(joins, value_sql, reference_sql)`` for the indicator over entity alias ``e``."""
    d = q.dialect
    fam = ind.family
    change = comparison in CHANGE_COMPARISONS
    if fam in ("flow", "night_share", "kgce"):
        spans = _spans(window, as_of, comparison)
        quota_orgs = None
        if window.kind == "ytd_pace":  # only an org with a quota has a pace: read no other org's flows
            quota_orgs = (
                f"SELECT org_id FROM energy_quota WHERE year = {q.bind(as_of.year)} "
                f"AND basis = {q.bind(QUOTA_BASIS[ind.metric_id])}"
            )
        agg, _ = _flow_aggregate(q, kind, ind.inputs, spans, quota_orgs)
        join = f"LEFT JOIN ({agg}) x ON x.entity_id = e.id"
        if fam == "flow":
            counts = ind.metric_id.startswith(("vehicle.", "asset."))
            value, ref = ("COALESCE(x.c0, 0)", "COALESCE(x.b0, 0)") if counts else ("x.c0", "x.b0")
            return join, value, ref if change else "NULL"
        if fam == "night_share":
            return join, _ratio("x.c0", "x.c1"), _ratio("x.b0", "x.b1") if change else "NULL"
        cur, base = _kgce("x.c", q), _kgce("x.b", q) if change else "NULL"
        basis = QUOTA_BASIS[ind.metric_id]
        if basis != "total":
            only = f" WHERE n.id IN ({quota_orgs})" if quota_orgs else ""
            sub = (
                "SELECT n.id, SUM(b.floor_area_m2) AS area FROM org_node n JOIN org_node dn ON dn.path >= n.path "
                "AND dn.path < n.path || '~' JOIN building b ON b.org_id = dn.id AND b.retired_on IS NULL"
                f"{only} GROUP BY n.id"
            )
            if basis == "per_person":
                sub = (
                    "SELECT n.id, SUM(dn.energy_users) AS area FROM org_node n JOIN org_node dn ON dn.path >= n.path "
                    f"AND dn.path < n.path || '~'{only} GROUP BY n.id"
                )
            join += f" LEFT JOIN ({sub}) dim ON dim.id = e.id"
            cur, base = _ratio(cur, "dim.area"), _ratio(base, "dim.area") if change else "NULL"
        if window.kind == "ytd_pace":
            join += (
                f" LEFT JOIN energy_quota qt ON qt.org_id = e.id AND qt.year = {q.bind(as_of.year)} "
                f"AND qt.basis = {q.bind(basis)}"
            )
            pace = q.bind(window.pace_factor(as_of))
            return join, f"({cur} * {pace} * 100.0 / NULLIF(qt.limit_value, 0))", "qt.limit_value"
        return join, cur, base
    if fam in ("state_org", "state_ratio"):
        months = {"c": month_start(as_of)}
        if change:
            months["b"] = shift_years(month_start(as_of), -1)
        join = f"LEFT JOIN ({_state_aggregate(q, ind.inputs, months)}) x ON x.entity_id = e.id"
        if fam == "state_org":
            return join, "x.c0", "x.b0" if change else "NULL"
        how = _RATIOS[ind.metric_id][2]
        if how == "difference":
            return join, "(x.c0 - x.c1)", "(x.b0 - x.b1)" if change else "NULL"
        return join, _ratio("x.c0", "x.c1"), _ratio("x.b0", "x.b1") if change else "NULL"
    if fam == "offhours_unrequested":
        start, end = window.span(as_of)
        return _offhours_unrequested(q, start, end)
    if fam == "fuel_ratio":
        calendar = configured_calendar()
        start, end = window.span(as_of)
        ts_from = calendar.day_start_utc_naive(start)
        lead = calendar.day_start_utc_naive(start - dt.timedelta(days=120))
        ts_to = calendar.day_start_utc_naive(end + dt.timedelta(days=1))
        fills = (
            "SELECT f.vehicle_id, f.ts, f.quantity, f.odometer_km - LAG(f.odometer_km) OVER "
            "(PARTITION BY f.vehicle_id ORDER BY f.ts) AS km FROM fuel_record f "
            f"WHERE f.kind = 'fuel' AND f.ts >= {q.ts(lead)} AND f.ts < {q.ts(ts_to)}"
        )
        agg = (
            f"SELECT vehicle_id, SUM(quantity) AS fuel, SUM(km) AS km FROM ({fills}) z "
            f"WHERE z.ts >= {q.ts(ts_from)} AND z.km > 0 GROUP BY vehicle_id"
        )
        return f"LEFT JOIN ({agg}) x ON x.vehicle_id = e.id", "(x.fuel / NULLIF(x.km * e.rated / 100.0, 0))", "1.0"
    handler = FAMILY_SQL.get(fam)
    return handler(q, ind, kind, window, as_of, now) if handler else _entity_sql(q, ind.metric_id, kind, as_of, now, d)


def _offhours_unrequested(q: _Sql, start: dt.date, end: dt.date) -> tuple[str, str, str]:
    """Trips both after hours and without request, per vehicle: by inclusion–exclusion, per day
    ``max(0, offhours + unrequested − trips)``, summed over the window.

    Only a day with an after-hours or an unrequested trip can count (with neither the day's term
    is ``max(0, −trips) = 0``), so the read starts from those two sparse metrics (a few per cent
    of the vehicle-days) and looks the day's trips up by primary key, instead of grouping every
    vehicle-day of the three metrics. Both count subsets of the day's trips, so a day with only one
    has ``max(0, n − trips) = 0`` too: only days with both (≈ 1 % at province scale) are looked up."""
    off, unrequested = q.bind("vehicle.offhours_trips"), q.bind("vehicle.unrequested_trips")
    per_day = (
        f"SELECT entity_id, day, SUM(CASE WHEN metric_id = {off} THEN value ELSE 0 END) AS m0, "
        f"SUM(CASE WHEN metric_id = {unrequested} THEN value ELSE 0 END) AS m1 FROM rollup_daily "
        f"WHERE metric_id IN ({off}, {unrequested}) AND entity_kind = 'vehicle' "
        f"AND entity_id IN (SELECT id FROM vehicle) AND day BETWEEN {q.day(start)} AND {q.day(end)} "
        f"GROUP BY entity_id, day HAVING SUM(CASE WHEN metric_id = {off} THEN value ELSE 0 END) > 0 "
        f"AND SUM(CASE WHEN metric_id = {unrequested} THEN value ELSE 0 END) > 0"
    )
    term = "pd.m0 + pd.m1 - COALESCE(t.value, 0)"
    agg = (
        f"SELECT pd.entity_id, SUM(CASE WHEN {term} > 0 THEN {term} ELSE 0 END) AS c0 FROM ({per_day}) pd "
        f"LEFT JOIN rollup_daily t ON t.metric_id = {q.bind('vehicle.trips')} AND t.entity_kind = 'vehicle' "
        "AND t.entity_id = pd.entity_id AND t.day = pd.day GROUP BY pd.entity_id"
    )
    return f"LEFT JOIN ({agg}) x ON x.entity_id = e.id", "COALESCE(x.c0, 0)", "NULL"


def _entity_sql(q: _Sql, metric: str, kind: str, as_of: dt.date, now: dt.datetime, d: str) -> tuple[str, str, str]:
    day = q.day(as_of)
    if kind == "org":  # an entity state kept as an org roll-up
        agg = _state_aggregate(q, (metric,), {"c": month_start(as_of)})
        return f"LEFT JOIN ({agg}) x ON x.entity_id = e.id", "x.c0", "NULL"
    if metric == "asset.idle_days":
        return "", f"(CASE WHEN e.status = 'idle' THEN {days_between(d, day, 'e.status_since')} ELSE 0 END)", "NULL"
    if metric == "asset.idle_count":
        return "", "(CASE WHEN e.status = 'idle' THEN 1 ELSE 0 END)", "NULL"
    if metric == "asset.no_custodian_count":
        orphan = "e.status = 'in_use' AND (e.custodian_name IS NULL OR e.custodian_name = '')"
        return "", f"(CASE WHEN {orphan} THEN 1 ELSE 0 END)", "NULL"
    if metric == "asset.audit_age_days":
        # The register's own latest audit (``asset.last_audit_on``): the asset loader writes it from
        # the register file and the demo writes it with every ``asset_audit`` row (nothing else
        # writes that table), so it equals the table's latest audit without grouping its 250 k rows
        # at province scale. A loader of audit records must move ``last_audit_on`` on as well.
        return "", days_between(d, day, "COALESCE(e.last_audit_on, e.acquired_on)"), "NULL"
    if metric in ("housing.over_standard_rooms", "housing.over_standard_area_m2"):
        occ = (
            "SELECT oc.room_id, COUNT(*) AS n, MAX(s.limit_m2) AS lim FROM office_occupancy oc "
            "JOIN office_room rr ON rr.id = oc.room_id JOIN org_node ro ON ro.id = rr.org_id "
            "LEFT JOIN office_space_standard s ON s.admin_level = ro.admin_level AND s.rank_code = oc.rank_code "
            f"WHERE oc.since <= {day} AND (oc.until IS NULL OR oc.until > {day}) GROUP BY oc.room_id"
        )
        over = "occ.n > 0 AND occ.lim IS NOT NULL AND e.area > occ.lim * occ.n + 1e-9"
        value = (
            f"(CASE WHEN {over} THEN e.area - occ.lim * occ.n ELSE 0 END)"
            if metric.endswith("area_m2")
            else f"(CASE WHEN {over} THEN 1 ELSE 0 END)"
        )
        return f"LEFT JOIN ({occ}) occ ON occ.room_id = e.id", value, "NULL"
    if metric in ("housing.overstaying", "housing.expiring_90d"):
        soon = q.day(as_of + dt.timedelta(days=90))
        leases = (
            f"SELECT unit_id, SUM(CASE WHEN ends_on < {day} THEN 1 ELSE 0 END) AS overstaying, "
            f"SUM(CASE WHEN ends_on >= {day} AND ends_on <= {soon} THEN 1 ELSE 0 END) AS expiring FROM lease "
            f"WHERE starts_on <= {day} AND (moved_out_on IS NULL OR moved_out_on > {day}) GROUP BY unit_id"
        )
        column = "overstaying" if metric == "housing.overstaying" else "expiring"
        return f"LEFT JOIN ({leases}) l ON l.unit_id = e.id", f"COALESCE(l.{column}, 0)", "NULL"
    if metric == "vehicle.maintenance_overdue_days":
        due = (
            "SELECT vehicle_id, MAX(next_due_on) AS due FROM maintenance_record "
            f"WHERE performed_on <= {day} GROUP BY vehicle_id"
        )
        value = f"(CASE WHEN mr.due < {day} THEN {days_between(d, day, 'mr.due')} ELSE 0 END)"
        return f"LEFT JOIN ({due}) mr ON mr.vehicle_id = e.id", value, "NULL"
    now_p = q.ts(now.astimezone(dt.UTC).replace(tzinfo=None))
    if metric == "energy.meter_silent_days":
        last = "(SELECT MAX(mr.ts) FROM meter_reading mr WHERE mr.meter_id = e.id)"
        return "", f"({seconds_between(d, now_p, last)} / 86400.0)", "NULL"
    if metric == "energy.source_staleness":
        age = seconds_between(d, now_p, "e.last_success_at")
        return "", f"({age} / NULLIF(e.stale_after_seconds, 0))", "NULL"
    raise UnsupportedIndicator(f"no entity state for {metric!r} per {kind!r}")


def _scope_prefix(conn: Connection, scope_org_id: int | None) -> str:
    if scope_org_id is None:
        return "%"
    path = conn.execute(sa.select(OrgNode.path).where(OrgNode.id == scope_org_id)).scalar_one_or_none()
    if path is None:
        raise LookupError(f"org node {scope_org_id} does not exist")
    return path + "%"


def indicator_query(
    conn: Connection,
    metric_id: str,
    entity_kind: str,
    *,
    scope_org_id: int | None = None,
    scope_filter: dict | None = None,
    window: str | Window = "latest",
    as_of: dt.date,
    now: dt.datetime | None = None,
    comparison: str | None = None,
) -> tuple[str, object, dict]:
    """``(sql, statement, params)`` of the indicator: one SELECT with the ``INDICATOR_COLUMNS`` minus
    ``entity_kind`` (plus ``min_path``/``max_path`` for sources). ``evaluate`` wraps it."""
    indicator = get_indicator(metric_id, entity_kind)
    window = parse_window(window) if isinstance(window, str) else window
    if window.kind not in indicator.windows:
        raise UnsupportedIndicator(f"{metric_id!r} has no window {window.kind!r}")
    now = now or dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    q = _Sql(conn.dialect.name)
    entity = ENTITY_SQL[entity_kind]
    joins, value, reference = _family_sql(q, indicator, entity_kind, window, as_of, now, comparison)
    where = []
    if entity_kind != "source":  # a source's org is known only after the query
        where.append(f"so.path LIKE {q.bind(_scope_prefix(conn, scope_org_id))}")
    for key, wanted in (scope_filter or {}).items():
        column = entity.filters[key][0]
        values = wanted if isinstance(wanted, list | tuple) else [wanted]
        where.append(f"e.{column} IN ({', '.join(q.bind(v) for v in values)})")
    extra = ", e.min_path, e.max_path" if entity_kind == "source" else ""
    sql = (
        "SELECT e.id AS entity_id, e.org_id AS org_id, e.code AS entity_code, e.name_zh AS entity_name_zh, "
        f"e.name_en AS entity_name_en, CAST({value} AS FLOAT) AS value, CAST({reference} AS FLOAT) AS reference{extra} "
        f"FROM ({entity.sql}) e JOIN org_node so ON so.id = e.org_id {joins}"
        + (f" WHERE {' AND '.join(where)}" if where else "")
    )
    return sql, q, q.used(sql)


def finish_frame(conn: Connection, frame: pd.DataFrame, entity_kind: str, scope_org_id: int | None) -> pd.DataFrame:
    """Typed columns; a source's org becomes its meters' lowest common org, then the scope applies."""
    frame.insert(0, "entity_kind", entity_kind)
    if entity_kind == "source" and not frame.empty:
        frame["org_id"] = [
            common_org(a, b, int(root)) for a, b, root in zip(frame["min_path"], frame["max_path"], frame["org_id"])
        ]
        frame = frame.drop(columns=["min_path", "max_path"])
        if scope_org_id is not None:
            prefix = _scope_prefix(conn, scope_org_id)[:-1]
            paths = dict(conn.execute(sa.select(OrgNode.id, OrgNode.path)).all())
            frame = frame[[paths.get(o, "").startswith(prefix) for o in frame["org_id"]]]
    elif "min_path" in frame.columns:
        frame = frame.drop(columns=["min_path", "max_path"])
    frame = frame.astype({"value": float, "reference": float})
    return frame.reset_index(drop=True)[INDICATOR_COLUMNS]


def indicator_values(
    conn: Connection,
    indicator: str,
    entity_kind: str,
    *,
    scope_org_id: int | None = None,
    scope_filter: dict | None = None,
    window: str = "latest",
    as_of: dt.date,
    now: dt.datetime | None = None,
    comparison: str | None = None,
) -> pd.DataFrame:
    """The indicator for every entity of ``entity_kind`` in the scope, in one statement.

    Args:
        indicator: a metric id of the catalog that ``INDICATORS`` supports for ``entity_kind``.
        scope_org_id: the org subtree (None: the whole province).
        scope_filter: entity filters, e.g. ``{"vehicle_class": "general"}``, ``{"org_level": "agency"}``.
        window: see ``data.alerts.windows``.
        as_of: the data's as-of day. ``now``: the clock for meter and source silence (default: the
            end of the as-of day).
        comparison: a change comparison fills ``reference`` with the baseline.

    Returns:
        DataFrame with ``INDICATOR_COLUMNS``; ``value`` NaN where the entity has no data.
    """
    sql, q, params = indicator_query(
        conn,
        indicator,
        entity_kind,
        scope_org_id=scope_org_id,
        scope_filter=scope_filter,
        window=window,
        as_of=as_of,
        now=now,
        comparison=comparison,
    )
    result = conn.execute(q.statement(sql), params)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return finish_frame(conn, frame, entity_kind, scope_org_id)


def metric_unit(metric_id: str, window: str) -> str:
    """The unit of an indicator's value in a window (``ytd_pace`` is in % of the quota)."""
    return "%" if window == "ytd_pace" else get_metric(metric_id).unit
