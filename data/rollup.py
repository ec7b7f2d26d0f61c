"""The roll-up engine: every figure a page shows is read from tables this module keeps current.

Pages and alert rules never scan raw facts; they read ``rollup_daily``, ``rollup_monthly``,
``rollup_hourly_profile`` and ``rollup_provenance`` (``data/models/rollup.py``). Loaders call the
``refresh_*`` functions below for what a batch touched; ``rebuild_all`` recomputes everything from
raw facts, which are the truth.

Time
----
Days and months are local Asia/Shanghai calendar periods (UTC+8, no daylight saving). Raw
timestamps are UTC. A meter reading with timestamp ``T`` is the consumption of the interval that
*ends* at ``T``; it belongs to the local period containing the interval's start, i.e. local
``T + 8 h - interval_minutes`` (an hourly reading at 10:00 UTC is local hour 17:00–18:00). Trip
starts and fuel records are points in time: local ``ts + 8 h``. ``maintenance_record.performed_on``
is already a local date. ``day`` columns hold the local date; ``month`` columns the first day of
the local month.

Entities
--------
``entity_kind`` is ``building``, ``vehicle`` or ``org``. An ``org`` row is the total of the node's
whole subtree (found through ``org_node.path``), so a province figure is one row. Org rows are
computed from the building or vehicle rows, never from raw facts directly, so that both levels
always agree.

Flow metrics (``kind="flow"`` in ``data/catalog.py``)
-----------------------------------------------------
``rollup_daily`` and ``rollup_monthly`` hold ``value`` (the sum) and ``samples`` (how many raw rows
contributed). A monthly row is the sum of that month's daily rows.

* Energy, per ``building`` and ``org``: ``energy.electricity_kwh``, ``energy.water_m3``,
  ``energy.gas_m3``, ``energy.heat_gj`` (meters of kind electricity / water / gas / heat);
  ``energy.night_electricity_kwh`` — electricity whose local interval starts at 22:00–05:59;
  ``energy.offday_electricity_kwh`` — electricity on days that are not working days according to
  ``calendar_day`` (weekends when a day is missing from the calendar). A daily row exists when at
  least one reading contributed; the night row exists wherever the electricity row does (its value
  may be 0); the off-day row exists only on non-working days.
* ``rollup_hourly_profile`` holds ``energy.electricity_kwh`` per local month × weekday
  (0 = Monday) × local hour (the hour × weekday heat map), for buildings and orgs: one row per
  entity, month and weekday, with the sum of each local hour in ``h00`` … ``h23``
  (``PROFILE_HOUR_COLUMNS``; 0 for an hour without readings) and ``samples`` the number of
  readings summed into the row, all hours together. A row exists when at least one reading
  contributed.
* Vehicles, per ``vehicle`` and ``org``, by the local day of the trip start / fuel record /
  maintenance date: ``vehicle.trips``, ``vehicle.km``, ``vehicle.offhours_trips`` (start outside
  08:00–18:00 local on a working day, or any time on a non-working day),
  ``vehicle.unrequested_trips`` (``trip.request_id`` is null), ``vehicle.used_vehicle_days``
  (1 per vehicle and day with at least one trip; an org's value counts vehicle-days),
  ``vehicle.fuel_l`` and ``vehicle.charge_kwh`` (``fuel_record.kind`` fuel / charge),
  ``vehicle.energy_cost_yuan`` (cost of both), ``vehicle.maintenance_cost_yuan``. ``trips``, ``km``
  and ``used_vehicle_days`` have a row for each vehicle-day with trips; ``offhours_trips`` and
  ``unrequested_trips`` only where they are not 0 (their ``samples`` is the day's trip count); fuel
  and maintenance metrics for each vehicle-day with such records. A missing row means 0.
* Assets, per ``org`` only (the receiving unit): ``asset.redeployed_count`` and
  ``asset.redeploy_saved_yuan`` from ``asset_movement`` rows of kind ``redeploy``.

State metrics (``kind="state"``)
--------------------------------
Stored in ``rollup_monthly`` at ``org`` level only (subtree totals): the value at the end of each
month, and for the current month the value at ``as_of``. ``samples`` is the number of entities
considered (vehicles, assets, rooms, units). Every org whose subtree holds any entity of the
domain gets a row for every state metric of that domain (zeros included). Definitions, at date t:

* ``vehicle.fleet`` / ``vehicle.nev_fleet``: vehicles acquired by t and not disposed (new energy =
  electric or plug-in hybrid); ``vehicle.quota``: the sum of ``vehicle_quota.approved``.
* ``asset.*``: assets acquired by t, excluding those disposed by t. An asset's status at t is its
  current ``status`` if ``status_since <= t``, else ``in_use`` (no earlier history is kept on the
  row). Net value is straight-line: ``original × (1 − (1 − residual_rate) × min(1, age / life))``
  with age in days / 365.25. ``asset.audit_overdue_count``: assets held for more than 365 days
  whose latest audit on or before t (``asset_audit`` or ``asset.last_audit_on``) is more than
  365 days old, or missing. ``asset.no_custodian_count``: in-use assets without a custodian.
* ``housing.office_*``: office rooms (``purpose = 'office'``); occupants are occupancies with
  ``since <= t`` and ``until`` null or after t. A room is over standard when its usable area per
  occupant exceeds the highest ``office_space_standard.limit_m2`` among its occupants' ranks (for
  the ``admin_level`` of the room's org); the area over is ``area − limit × occupants``. Vacant: an
  office room without occupants.
* ``housing.units`` counts turnover housing units; a unit is occupied when a lease has started by
  t and the tenant has not moved out by t (``moved_out_on`` null or after t).
  ``housing.expiring_90d``: such leases ending within [t, t + 90 days];
  ``housing.overstaying``: such leases whose ``ends_on`` is before t;
  ``housing.arrears_yuan``: the arrears of such leases; ``housing.waiting``: applications made by t
  that are still waiting, or were allocated after t. Housing figures count at the unit owner's org.

Attributes without history (custodian, arrears, quotas, rooms and their areas) are read as they
are now for every month end; ``refresh_state`` rewrites only the current month, so a correction of
such an attribute reaches past months only through ``rebuild_all``.

Provenance and versions
-----------------------
``rollup_provenance`` (metric_id, org_id, month, batch_id, rows): how many rows of each load batch
fed each org-month, for the org of the facts and every ancestor. Loaders call
``record_provenance`` for their batch; ``rebuild_all`` recomputes it from the ``batch_id`` of every
fact (state metrics: for the current month). Every function that writes roll-ups bumps
``data_version`` for its domain(s) so caches keyed on it refresh. Nothing here commits: the
caller owns the transaction.

API
---
``rebuild_all(conn, *, as_of)`` · ``refresh_energy(conn, *, building_ids, day_from, day_to)`` ·
``refresh_vehicle(conn, *, vehicle_ids, day_from, day_to)`` ·
``refresh_asset_flows(conn, *, day_from, day_to)`` ·
``refresh_state(conn, *, domains=("vehicle", "asset", "housing"), as_of, org_ids=None)`` ·
``record_provenance(conn, *, batch_id, metric_ids, org_month_rows)`` ·
``bump_data_version(conn, domains)`` · ``insert_frame(conn, table, frame)`` (the bulk writer the
demo generator uses too) · ``local_day_start_utc(day)``; and for ``data.rollup_delta`` (the
incremental updates meter-reading batches use): ``org_tree``, ``workday_flags``,
``month_numbers``, ``days_to_datetime64``, ``format_days``, ``format_timestamps``.

Incremental refreshes cost what they touch: the raw rows of the given entities and days (plus, for
the hourly profile, the other days of the same weekdays in those months), and the roll-up rows of
every building or vehicle under the affected orgs for those days.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .catalog import METRICS
from .models import Base
from .models.rollup import PROFILE_HOUR_COLUMNS

LOCAL_UTC_OFFSET = dt.timedelta(hours=8)
_LOCAL_OFFSET_MINUTES = 8 * 60
NIGHT_FROM_HOUR = 22  # local night is [22:00, 06:00)
NIGHT_TO_HOUR = 6
WORK_FROM_HOUR = 8  # local working hours are [08:00, 18:00) on working days
WORK_TO_HOUR = 18
AUDIT_OVERDUE_DAYS = 365
EXPIRING_WITHIN_DAYS = 90

ENERGY_FLOW_METRICS = (
    "energy.electricity_kwh",
    "energy.night_electricity_kwh",
    "energy.offday_electricity_kwh",
    "energy.water_m3",
    "energy.gas_m3",
    "energy.heat_gj",
)
METER_KIND_METRIC = MappingProxyType({
    "electricity": "energy.electricity_kwh",
    "water": "energy.water_m3",
    "gas": "energy.gas_m3",
    "heat": "energy.heat_gj",
})
PROFILE_METRIC = "energy.electricity_kwh"
VEHICLE_FLOW_METRICS = (
    "vehicle.trips",
    "vehicle.km",
    "vehicle.offhours_trips",
    "vehicle.unrequested_trips",
    "vehicle.used_vehicle_days",
    "vehicle.fuel_l",
    "vehicle.charge_kwh",
    "vehicle.energy_cost_yuan",
    "vehicle.maintenance_cost_yuan",
)
ASSET_FLOW_METRICS = ("asset.redeployed_count", "asset.redeploy_saved_yuan")
STATE_DOMAINS = ("vehicle", "asset", "housing")
STATE_METRICS = MappingProxyType({
    domain: tuple(m.id for m in METRICS if m.domain == domain and m.kind == "state") for domain in STATE_DOMAINS
})
# Which metrics a fact table feeds: rollup_provenance is keyed on these.
FACT_METRICS = MappingProxyType({
    "meter_reading:electricity": ("energy.electricity_kwh", "energy.night_electricity_kwh", "energy.offday_electricity_kwh"),
    "meter_reading:water": ("energy.water_m3",),
    "meter_reading:gas": ("energy.gas_m3",),
    "meter_reading:heat": ("energy.heat_gj",),
    "trip": ("vehicle.trips", "vehicle.km", "vehicle.offhours_trips", "vehicle.unrequested_trips", "vehicle.used_vehicle_days"),
    "fuel_record": ("vehicle.fuel_l", "vehicle.charge_kwh", "vehicle.energy_cost_yuan"),
    "maintenance_record": ("vehicle.maintenance_cost_yuan",),
    "asset": STATE_METRICS["asset"],
    "asset_movement": ASSET_FLOW_METRICS,
    "office_occupancy": ("housing.office_occupants", "housing.over_standard_rooms", "housing.over_standard_area_m2",
                         "housing.vacant_rooms"),
    "lease": ("housing.occupied_units", "housing.expiring_90d", "housing.overstaying", "housing.arrears_yuan"),
})

log = logging.getLogger(__name__)

_ROWS_PER_READ = 2_000_000  # bounds memory when a refresh covers many entities and days
_IDS_PER_STATEMENT = 2_000  # keeps IN lists well below every driver's parameter limit
_EPOCH_DAY = dt.date(1970, 1, 1)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

def rebuild_all(conn: Connection, *, as_of: dt.date) -> None:
    """Recompute every roll-up table and the provenance from raw facts.

    Flows cover every day that has facts; state metrics get a month-end value for every month
    from the first month with flow data up to ``as_of``'s month, whose value is taken at ``as_of``.
    """
    db = _Db(conn)
    started = time.perf_counter()

    def done(step: str) -> None:
        log.info("rebuild_all: %s done at %.1f s", step, time.perf_counter() - started)

    for table in ("rollup_daily", "rollup_monthly", "rollup_hourly_profile", "rollup_provenance"):
        conn.execute(sa.text(f"DELETE FROM {table}"))
    provenance: list[pd.DataFrame] = []

    energy_range = _energy_fact_range(db)
    if energy_range is not None:
        provenance.append(_refresh_energy(db, None, *energy_range, rebuild=True))
    done("energy")
    vehicle_range = _vehicle_fact_range(db)
    if vehicle_range is not None:
        provenance.append(_refresh_vehicle(db, None, *vehicle_range, rebuild=True))
    done("vehicles")
    asset_range = _asset_flow_range(db)
    if asset_range is not None:
        _refresh_asset_flows(db, *asset_range, replace=False)

    first_day = min([r[0] for r in (energy_range, vehicle_range, asset_range) if r is not None], default=as_of)
    months = _month_starts(min(first_day, as_of), as_of)
    evaluation_dates = [min(_month_end(m), as_of) for m in months]
    _write_states(db, STATE_DOMAINS, evaluation_dates, org_ids=None, replace=False)
    done("states")

    provenance.append(_state_fact_provenance(db, as_of))
    provenance.append(_asset_movement_provenance(db))
    frames = [f for f in provenance if f is not None and not f.empty]
    if frames:
        _write_provenance(db, pd.concat(frames, ignore_index=True), replace_batches=False)
    bump_data_version(conn, ("energy", "vehicle", "asset", "housing"))
    done("provenance")


def refresh_energy(conn: Connection, *, building_ids: Sequence[int] | None, day_from: dt.date, day_to: dt.date) -> None:
    """Recompute the energy flow roll-ups of ``building_ids`` (None: all) for local days in
    [day_from, day_to], their whole months (monthly rows and the hourly profile), and every
    ancestor org of those buildings. Cost is proportional to the buildings and days affected.
    """
    _check_range(day_from, day_to)
    _refresh_energy(_Db(conn), building_ids, day_from, day_to, rebuild=False)
    bump_data_version(conn, ("energy",))


def refresh_vehicle(conn: Connection, *, vehicle_ids: Sequence[int] | None, day_from: dt.date, day_to: dt.date) -> None:
    """Recompute the vehicle flow roll-ups of ``vehicle_ids`` (None: all) for local days in
    [day_from, day_to], their whole months, and every ancestor org of those vehicles."""
    _check_range(day_from, day_to)
    _refresh_vehicle(_Db(conn), vehicle_ids, day_from, day_to, rebuild=False)
    bump_data_version(conn, ("vehicle",))


def refresh_asset_flows(conn: Connection, *, day_from: dt.date, day_to: dt.date) -> None:
    """Recompute ``asset.redeployed_count`` / ``asset.redeploy_saved_yuan`` (org level, daily and
    monthly) for local days in [day_from, day_to] and their whole months."""
    _check_range(day_from, day_to)
    _refresh_asset_flows(_Db(conn), day_from, day_to, replace=True)
    bump_data_version(conn, ("asset",))


def refresh_state(conn: Connection, *, domains: Sequence[str] = STATE_DOMAINS, as_of: dt.date,
                  org_ids: Sequence[int] | None = None) -> None:
    """Recompute the state metrics of ``domains`` for ``as_of``'s month (valued at ``as_of``).

    ``org_ids`` limits the rewrite to those nodes and their ancestors (the nodes whose facts
    changed); None rewrites every node. For the asset domain the current month's asset flows
    (redeployments) are refreshed too; loaders adding older movements call
    ``refresh_asset_flows`` for their range.
    """
    unknown = set(domains) - set(STATE_DOMAINS)
    if unknown:
        raise ValueError(f"unknown state domains: {sorted(unknown)}")
    db = _Db(conn)
    _write_states(db, tuple(domains), [as_of], org_ids=org_ids, replace=True)
    if "asset" in domains:
        _refresh_asset_flows(db, as_of.replace(day=1), as_of, replace=True)
    bump_data_version(conn, tuple(domains))


def record_provenance(conn: Connection, *, batch_id: int, metric_ids: Sequence[str],
                      org_month_rows: Iterable[tuple[int, dt.date, int]], replace: bool = True) -> None:
    """Record that load batch ``batch_id`` fed ``metric_ids``.

    ``org_month_rows`` holds (org id of the facts' own node — a building's or vehicle's org —,
    any day of the local month, number of fact rows). Every ancestor org gets the rows too.
    Recording the same batch again replaces what it recorded for those metrics; ``replace=False``
    skips that search (the table has no index on the batch) for a batch recorded for the first time.
    """
    rows = [(int(org), _day_number(_as_date(month).replace(day=1)), int(n)) for org, month, n in org_month_rows]
    if not rows or not metric_ids:
        return
    db = _Db(conn)
    if replace:
        db.execute(
            "DELETE FROM rollup_provenance WHERE batch_id = :batch AND metric_id IN :metrics",
            {"batch": int(batch_id), "metrics": list(metric_ids)}, expanding=("metrics",),
        )
    base = pd.DataFrame(rows, columns=["own_org_id", "month", "rows"])
    rolled = db.tree.sum_into_ancestors(base, ["month"], ["rows"])  # once, then one copy per metric
    count = len(rolled)
    _insert_rollup(db, "rollup_provenance", pd.DataFrame({
        "metric_id": np.repeat(np.array(list(metric_ids), dtype=object), count),
        "org_id": np.tile(rolled["org_id"].to_numpy(dtype=np.int64), len(metric_ids)),
        "month": np.tile(_days_to_datetime64(rolled["month"].to_numpy(dtype=np.int64)), len(metric_ids)),
        "batch_id": np.full(count * len(metric_ids), int(batch_id), dtype=np.int64),
        "rows": np.tile(rolled["rows"].to_numpy(dtype=np.int64), len(metric_ids)),
    }))


def bump_data_version(conn: Connection, domains: Iterable[str]) -> None:
    """Add one to ``data_version`` for each domain (creating the row if missing)."""
    for domain in dict.fromkeys(domains):
        updated = conn.execute(
            sa.text("UPDATE data_version SET version = version + 1 WHERE domain = :d"), {"d": domain}
        ).rowcount
        if not updated:
            conn.execute(sa.text("INSERT INTO data_version (domain, version) VALUES (:d, 1)"), {"d": domain})


def insert_frame(conn: Connection, table: sa.Table | str, frame: pd.DataFrame) -> int:
    """Bulk-insert ``frame`` (columns named as the table's) and return the row count.

    SQLite gets one ``executemany`` on the raw DBAPI cursor; PostgreSQL gets ``COPY … FROM STDIN``
    in CSV. Values are written exactly as SQLAlchemy would write them, so ORM reads agree:
    datetime64 columns become ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive UTC) for DateTime columns and
    ``YYYY-MM-DD`` for Date columns; booleans become 1/0 on SQLite; NaN and None become NULL.
    Columns may also be passed already formatted as strings. Runs inside the caller's transaction.
    """
    if isinstance(table, str):
        table = Base.metadata.tables[table]
    if frame.empty:
        return 0
    sqlite = conn.dialect.name == "sqlite"
    columns = list(frame.columns)
    prepared = {name: _prepare_column(frame[name], table.c[name].type, sqlite=sqlite) for name in columns}
    raw = conn.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        if sqlite:
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            lists = [_as_python_list(prepared[name]) for name in columns]
            cursor.executemany(sql, zip(*lists))
        else:
            step = 500_000
            for start in range(0, len(frame), step):
                tokens = [_csv_tokens(prepared[name][start:start + step]) for name in columns]
                buffer = io.StringIO("\n".join(map(",".join, zip(*tokens))) + "\n")
                cursor.copy_expert(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()
    return len(frame)


def local_day_start_utc(day: dt.date) -> dt.datetime:
    """The naive UTC instant at which local day ``day`` begins."""
    return dt.datetime.combine(day, dt.time()) - LOCAL_UTC_OFFSET


# Building blocks shared with the incremental updates of ``data.rollup_delta``.

def org_tree(conn: Connection) -> "_OrgTree":
    """Each org node's chain of ancestors (``.chains[org] = (root, …, org)``), read now."""
    return _OrgTree.load(conn)


def workday_flags(conn: Connection, day_numbers: np.ndarray) -> np.ndarray:
    """Whether each day (days since 1970-01-01) is a working day, from ``calendar_day``."""
    return _workday_lookup(_Db(conn), np.asarray(day_numbers, dtype=np.int64))


def month_numbers(day_numbers: np.ndarray) -> np.ndarray:
    """The first day of each day's month, as days since 1970-01-01."""
    days = np.asarray(day_numbers, dtype=np.int64).astype("datetime64[D]")
    return days.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def days_to_datetime64(day_numbers: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 as datetime64[D]."""
    return _days_to_datetime64(day_numbers)


# --------------------------------------------------------------------------------------------
# Database access helpers
# --------------------------------------------------------------------------------------------

class _Db:
    """The caller's connection plus the few spots where SQLite and PostgreSQL differ."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self._tree: _OrgTree | None = None

    # SQL fragments (column names only, never values)
    def sel_ts(self, column: str) -> str:
        """A timestamp column as read into pandas: text on SQLite, epoch microseconds on PostgreSQL."""
        return column if self.sqlite else f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"

    def sel_day(self, column: str) -> str:
        """A date column as read into pandas: text on SQLite, days since 1970-01-01 on PostgreSQL."""
        return column if self.sqlite else f"({column} - DATE '1970-01-01')"

    def month_of(self, column: str) -> str:
        return f"date({column}, 'start of month')" if self.sqlite else f"CAST(date_trunc('month', {column}) AS DATE)"

    def statement(self, sql: str, *, expanding: Sequence[str] = (), dates: Sequence[str] = (),
                  timestamps: Sequence[str] = ()) -> sa.TextClause:
        binds = [sa.bindparam(n, expanding=True) for n in expanding]
        binds += [sa.bindparam(n, type_=sa.Date()) for n in dates]
        binds += [sa.bindparam(n, type_=sa.DateTime()) for n in timestamps]
        stmt = sa.text(sql)
        return stmt.bindparams(*binds) if binds else stmt

    def execute(self, sql: str, params: dict, **kinds) -> None:
        self.conn.execute(self.statement(sql, **kinds), params)

    def fetch(self, sql: str, params: dict, columns: Sequence[str], *, ts_columns: Sequence[str] = (),
              day_columns: Sequence[str] = (), bulk: bool = False, **kinds) -> pd.DataFrame:
        """Rows as a DataFrame, read through the raw cursor (SQLAlchemy Row objects cost ~5× more).

        Timestamp columns come back as datetime64[us] (naive UTC); date columns as int64 day numbers
        (days since 1970-01-01). ``bulk`` marks big reads of numbers and plain text: on PostgreSQL
        they go through ``COPY (query) TO STDOUT`` and the CSV parser, about twice as fast as
        fetching rows (NULLs become NaN, booleans would come back as 't'/'f').
        """
        stmt = self.statement(sql, **kinds)
        if bulk and not self.sqlite and self.conn.dialect.driver == "psycopg2":
            frame = self._copy_out(stmt, params, columns)
        else:
            result = self.conn.execute(stmt, params)
            rows = result.cursor.fetchall()
            result.close()
            frame = pd.DataFrame.from_records(rows, columns=list(columns)) if rows else pd.DataFrame(
                {c: pd.Series(dtype="object") for c in columns})
        for name in ts_columns:
            frame[name] = self._to_timestamps(frame[name])
        for name in day_columns:
            frame[name] = self._to_day_numbers(frame[name])
        return frame

    def _copy_out(self, stmt: sa.TextClause, params: dict, columns: Sequence[str]) -> pd.DataFrame:
        # psycopg2 always binds on the client: mogrify gives exactly the statement execute() would send.
        compiled = stmt.bindparams(**params).compile(dialect=self.conn.dialect,
                                                     compile_kwargs={"render_postcompile": True})
        cursor = self.conn.connection.dbapi_connection.cursor()
        try:
            query = cursor.mogrify(compiled.string, compiled.params).decode()
            buffer = io.StringIO()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
        finally:
            cursor.close()
        if buffer.tell() == 0:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
        buffer.seek(0)
        return pd.read_csv(buffer, header=None, names=list(columns), keep_default_na=False, na_values=[""])

    def _to_timestamps(self, values: pd.Series) -> np.ndarray:
        if values.empty:
            return np.array([], dtype="datetime64[us]")
        if self.sqlite:
            return pd.to_datetime(values, format="ISO8601").to_numpy().astype("datetime64[us]")
        return values.to_numpy(dtype=np.int64).astype("datetime64[us]")

    def _to_day_numbers(self, values: pd.Series) -> np.ndarray:
        if values.empty:
            return np.array([], dtype=np.int64)
        if self.sqlite:
            return pd.to_datetime(values, format="%Y-%m-%d").to_numpy().astype("datetime64[D]").astype(np.int64)
        return values.to_numpy(dtype=np.int64)

    @property
    def tree(self) -> "_OrgTree":
        if self._tree is None:
            self._tree = _OrgTree.load(self.conn)
        return self._tree


@dataclass(frozen=True)
class _OrgTree:
    """Each org node's chain of ancestors (itself included), read from the materialised paths."""

    chains: dict[int, tuple[int, ...]]
    admin_level: dict[int, str]

    @classmethod
    def load(cls, conn: Connection) -> "_OrgTree":
        rows = conn.execute(sa.text("SELECT id, path, admin_level FROM org_node")).all()
        chains = {int(i): tuple(int(p) for p in path.strip("/").split("/") if p) or (int(i),) for i, path, _ in rows}
        return cls(chains=chains, admin_level={int(i): level for i, _, level in rows})

    @property
    def parent(self) -> dict[int, int]:
        return {org: chain[-2] for org, chain in self.chains.items() if len(chain) > 1}

    @property
    def depth(self) -> dict[int, int]:
        return {org: len(chain) for org, chain in self.chains.items()}

    def ancestors_of(self, org_ids: Iterable[int]) -> set[int]:
        out: set[int] = set()
        for org in org_ids:
            out.update(self.chains.get(int(org), (int(org),)))
        return out

    def pairs(self, own_ids: Iterable[int], restrict: set[int] | None = None) -> pd.DataFrame:
        """(own_org_id, org_id) for every own node and each of its ancestors (optionally only those in ``restrict``)."""
        own, anc = [], []
        for org in dict.fromkeys(int(o) for o in own_ids):
            for a in self.chains.get(org, (org,)):
                if restrict is None or a in restrict:
                    own.append(org)
                    anc.append(a)
        return pd.DataFrame({"own_org_id": np.array(own, dtype=np.int64), "org_id": np.array(anc, dtype=np.int64)})

    def ancestor_pairs(self, own_org_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For rows with these own org nodes: (row index, org id) once for the node and once for
        each of its ancestors, in one vectorised pass."""
        own = np.asarray(own_org_ids, dtype=np.int64)
        unique_own, inverse = np.unique(own, return_inverse=True)
        chains = [self.chains.get(int(o), (int(o),)) for o in unique_own.tolist()]
        lengths = np.fromiter((len(c) for c in chains), dtype=np.int64, count=len(chains))
        flat = np.fromiter((a for c in chains for a in c), dtype=np.int64, count=int(lengths.sum()))
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        repeat = lengths[inverse]
        # row i becomes repeat[i] rows: the ancestors flat[starts[inverse[i]] + 0 … repeat[i] − 1]
        offsets = np.arange(int(repeat.sum()), dtype=np.int64) - np.repeat(np.cumsum(repeat) - repeat, repeat)
        rows = np.repeat(np.arange(len(own), dtype=np.int64), repeat)
        return rows, flat[np.repeat(starts[inverse], repeat) + offsets]

    def sum_into_ancestors(self, frame: pd.DataFrame, keys: Sequence[str], sums: Sequence[str]) -> pd.DataFrame:
        """Rows with an ``own_org_id`` summed into that node and each of its ancestors: one row per
        (``org_id``, keys). For the few thousand rows of a load batch (``roll_up`` goes level by
        level, for the millions of a rebuild)."""
        keys, sums = list(keys), list(sums)
        if frame.empty:
            return pd.DataFrame(columns=["org_id", *keys, *sums])
        rows, orgs = self.ancestor_pairs(frame["own_org_id"].to_numpy(dtype=np.int64))
        expanded = frame.iloc[rows][[*keys, *sums]].reset_index(drop=True)
        expanded.insert(0, "org_id", orgs)
        return expanded.groupby(["org_id", *keys], as_index=False, sort=False)[sums].sum()

    def roll_up(self, frame: pd.DataFrame, keys: Sequence[str], sums: Sequence[str],
                restrict: set[int] | None = None) -> pd.DataFrame:
        """Sum ``frame`` (with an ``own_org_id`` column) into every ancestor org: one row per org and keys.

        Level by level, deepest first (a node's total = its own rows + its children's totals), so the
        work shrinks at each level instead of repeating every row once per ancestor.
        """
        keys, sums = list(keys), list(sums)
        if frame.empty:
            return pd.DataFrame(columns=["org_id", *keys, *sums])
        level = frame.rename(columns={"own_org_id": "org_id"})[["org_id", *keys, *sums]]
        level = level.groupby(["org_id", *keys], as_index=False, sort=False)[sums].sum()
        parent_of, depth_of = self.parent, self.depth
        depth = level["org_id"].map(depth_of).fillna(1).to_numpy(dtype=np.int64)
        pending = {int(d): level[depth == d] for d in np.unique(depth)}
        done = []
        for d in range(int(max(pending)), 0, -1):
            if d not in pending:
                continue
            totals = pending.pop(d).groupby(["org_id", *keys], as_index=False, sort=False)[sums].sum()
            done.append(totals)
            if d > 1:
                up = totals.assign(org_id=totals["org_id"].map(parent_of).to_numpy(dtype=np.int64))
                pending[d - 1] = pd.concat([pending[d - 1], up], ignore_index=True) if d - 1 in pending else up
        out = pd.concat(done, ignore_index=True)
        if restrict is not None:
            out = out[out["org_id"].isin(restrict)]
        return out.sort_values(["org_id", *keys], kind="stable").reset_index(drop=True)


def _prepare_column(series: pd.Series, sql_type, *, sqlite: bool):
    """Values of one column in the form the driver (SQLite) or COPY (PostgreSQL) expects."""
    impl = getattr(sql_type, "impl", sql_type)
    values = series.to_numpy()
    if values.dtype.kind == "M":
        if isinstance(impl, sa.DateTime):
            return format_timestamps(values)
        return format_days(values)
    if values.dtype.kind == "b":
        return values.astype(np.int64) if sqlite else values
    if isinstance(series.dtype, pd.Int64Dtype):
        return series.astype(object).where(series.notna(), None).to_numpy()
    if values.dtype.kind == "f" and np.isnan(values).any():
        return series.astype(object).where(series.notna(), None).to_numpy()
    if values.dtype == object and isinstance(impl, (sa.Date, sa.DateTime)):
        # python date/datetime objects: normalise through numpy so the text format is exact
        present = series.notna()
        out = np.full(len(series), None, dtype=object)
        if present.any():
            stamps = pd.to_datetime(series[present]).to_numpy()
            out[present.to_numpy()] = format_timestamps(stamps) if isinstance(impl, sa.DateTime) else format_days(stamps)
        return out
    return values


def format_timestamps(values: np.ndarray) -> np.ndarray:
    """datetime64 values as the exact text SQLAlchemy writes for DateTime on SQLite
    (``YYYY-MM-DD HH:MM:SS.ffffff``), which PostgreSQL also parses. NaT becomes None."""
    stamps = np.asarray(values).astype("datetime64[us]")
    missing = np.isnat(stamps)
    text = np.datetime_as_string(np.where(missing, np.datetime64(0, "us"), stamps), unit="us").astype("<U26")
    text.view(np.uint32).reshape(-1, 26)[:, 10] = ord(" ")  # the ISO 'T' becomes a space
    if missing.any():
        text = text.astype(object)
        text[missing] = None
    return text


def format_days(values: np.ndarray) -> np.ndarray:
    """datetime64 values as ``YYYY-MM-DD`` (how SQLAlchemy writes Date on SQLite). NaT becomes None."""
    days = np.asarray(values).astype("datetime64[D]")
    missing = np.isnat(days)
    text = np.datetime_as_string(days, unit="D")
    if missing.any():
        text = text.astype(object)
        text[missing] = None
    return text


_CSV_SPECIAL = ('"', ",", "\n", "\r")


def _csv_tokens(values: np.ndarray) -> list[str]:
    """One column as CSV fields for COPY: NULL is an empty field, an empty string is quoted.

    Written by hand because ``DataFrame.to_csv`` is about twice as slow for tens of millions of rows.
    """
    kind = values.dtype.kind
    if kind in "iu":
        return list(map(str, values.tolist()))
    if kind == "f":
        return list(map(repr, values.tolist()))
    if kind == "b":
        return ["t" if v else "f" for v in values.tolist()]
    if kind == "U":
        special = np.zeros(len(values), dtype=bool)
        for char in _CSV_SPECIAL:
            special |= np.char.find(values, char) >= 0
        special |= np.char.str_len(values) == 0
        items = values.tolist()
        for i in np.flatnonzero(special):
            items[i] = _csv_quote(items[i])
        return items
    return [_csv_field(v) for v in values.tolist()]


def _csv_field(value) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, str):
        return _csv_quote(value) if value == "" or any(c in value for c in _CSV_SPECIAL) else value
    if isinstance(value, (bool, np.bool_)):
        return "t" if value else "f"
    if isinstance(value, (float, np.floating)):
        return "" if value != value else repr(float(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return _csv_quote(str(value))


def _csv_quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _as_python_list(values) -> list:
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _day_number(day: dt.date) -> int:
    return (day - _EPOCH_DAY).days


def _day_from_number(number: int) -> dt.date:
    return _EPOCH_DAY + dt.timedelta(days=int(number))


def _days_to_datetime64(numbers: np.ndarray) -> np.ndarray:
    return np.asarray(numbers, dtype=np.int64).astype("datetime64[D]")


def _month_starts(day_from: dt.date, day_to: dt.date) -> list[dt.date]:
    months, month = [], day_from.replace(day=1)
    while month <= day_to:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _month_end(month: dt.date) -> dt.date:
    return _next_month(month) - dt.timedelta(days=1)


def _check_range(day_from: dt.date, day_to: dt.date) -> None:
    if day_from > day_to:
        raise ValueError(f"day_from {day_from} is after day_to {day_to}")


def _chunks(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _day_runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days merged into contiguous [first, last] runs."""
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(a, b) for a, b in runs]


def _workday_lookup(db: _Db, day_numbers: np.ndarray) -> np.ndarray:
    """is_workday for each day number, from calendar_day, falling back to Monday–Friday."""
    if len(day_numbers) == 0:
        return np.array([], dtype=bool)
    unique = np.unique(day_numbers)
    cal = db.fetch(
        f"SELECT {db.sel_day('day')} AS day, is_workday FROM calendar_day WHERE day >= :a AND day <= :b",
        {"a": _day_from_number(unique[0]), "b": _day_from_number(unique[-1])},
        ["day", "is_workday"], day_columns=["day"], dates=("a", "b"),
    )
    weekday = (unique + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    flags = weekday < 5
    if not cal.empty:
        known = pd.Series(cal["is_workday"].astype(bool).to_numpy(), index=cal["day"].to_numpy())
        found = known.reindex(unique)
        flags = np.where(found.notna().to_numpy(), found.fillna(False).to_numpy(dtype=bool), flags)
    return pd.Series(flags, index=unique).reindex(day_numbers).to_numpy(dtype=bool)


_ROLLUP_KEYS = MappingProxyType({
    "rollup_daily": ("metric_id", "entity_kind", "entity_id", "day"),
    "rollup_monthly": ("metric_id", "entity_kind", "entity_id", "month"),
    "rollup_hourly_profile": ("metric_id", "entity_kind", "entity_id", "month", "weekday"),
    "rollup_provenance": ("metric_id", "org_id", "month", "batch_id"),
})

_PROFILE_COLUMNS = [*_ROLLUP_KEYS["rollup_hourly_profile"], *PROFILE_HOUR_COLUMNS, "samples"]


def _insert_rollup(db: _Db, table: str, frame: pd.DataFrame) -> None:
    """Insert in primary-key order: both databases append to their B-trees instead of splitting pages."""
    if frame.empty:
        return
    insert_frame(db.conn, table, frame.sort_values(list(_ROLLUP_KEYS[table]), kind="stable"))


def _replace_rows(db: _Db, table: str, frame: pd.DataFrame, *, metric_ids: Sequence[str], entity_kind: str,
                  entity_ids: Sequence[int] | None, period_column: str, period_from: dt.date, period_to: dt.date,
                  extra_where: str = "", extra_params: dict | None = None, extra_expanding: Sequence[str] = ()) -> None:
    """Delete the roll-up rows of these metrics / entities / period, then insert ``frame``."""
    base = (f"DELETE FROM {table} WHERE metric_id IN :metrics AND entity_kind = :kind "
            f"AND {period_column} >= :p0 AND {period_column} <= :p1{extra_where}")
    params = {"metrics": list(metric_ids), "kind": entity_kind, "p0": period_from, "p1": period_to, **(extra_params or {})}
    if entity_ids is None:
        db.execute(base, params, expanding=("metrics", *extra_expanding), dates=("p0", "p1"))
    else:
        for chunk in _chunks(sorted(set(int(i) for i in entity_ids)), _IDS_PER_STATEMENT):
            db.execute(base + " AND entity_id IN :ids", {**params, "ids": chunk},
                       expanding=("metrics", "ids", *extra_expanding), dates=("p0", "p1"))
    _insert_rollup(db, table, frame)


def _monthly_from_daily(db: _Db, *, metric_ids: Sequence[str], entity_kind: str, entity_ids: Sequence[int] | None,
                        months: Sequence[dt.date], replace: bool) -> None:
    """rollup_monthly rows = sums of the rollup_daily rows of each month (SQL on the database)."""
    if not months:
        return
    first, last = months[0], _month_end(months[-1])
    month_expr = db.month_of("day")
    insert = (f"INSERT INTO rollup_monthly (metric_id, entity_kind, entity_id, month, value, samples) "
              f"SELECT metric_id, entity_kind, entity_id, {month_expr}, SUM(value), SUM(samples) FROM rollup_daily "
              f"WHERE metric_id IN :metrics AND entity_kind = :kind AND day >= :d0 AND day <= :d1{{ids}} "
              f"GROUP BY metric_id, entity_kind, entity_id, {month_expr}")
    delete = ("DELETE FROM rollup_monthly WHERE metric_id IN :metrics AND entity_kind = :kind "
              "AND month >= :d0 AND month <= :d1{ids}")
    params = {"metrics": list(metric_ids), "kind": entity_kind, "d0": first, "d1": last}
    id_chunks = [None] if entity_ids is None else list(_chunks(sorted(set(int(i) for i in entity_ids)), _IDS_PER_STATEMENT))
    for chunk in id_chunks:
        if chunk is None:
            kinds = dict(expanding=("metrics",), dates=("d0", "d1"))
            chunk_params, clause = params, ""
        else:
            kinds = dict(expanding=("metrics", "ids"), dates=("d0", "d1"))
            chunk_params, clause = {**params, "ids": chunk}, " AND entity_id IN :ids"
        if replace:
            db.execute(delete.format(ids=clause), chunk_params, **kinds)
        db.execute(insert.format(ids=clause), chunk_params, **kinds)


# --------------------------------------------------------------------------------------------
# Energy
# --------------------------------------------------------------------------------------------

def _energy_fact_range(db: _Db) -> tuple[dt.date, dt.date] | None:
    """First and last local day with readings, found through the (meter_id, ts) key."""
    row = db.conn.execute(sa.text(
        "SELECT MIN(first_ts), MAX(last_ts) FROM (SELECT "
        "(SELECT MIN(r.ts) FROM meter_reading r WHERE r.meter_id = m.id) AS first_ts, "
        "(SELECT MAX(r.ts) FROM meter_reading r WHERE r.meter_id = m.id) AS last_ts FROM meter m) AS spans"
    )).one()
    if row[0] is None:
        return None
    first = pd.Timestamp(row[0]).to_pydatetime().replace(tzinfo=None)
    last = pd.Timestamp(row[1]).to_pydatetime().replace(tzinfo=None)
    # Widest possible interval (a day) before the first reading, the reading itself after.
    return ((first + LOCAL_UTC_OFFSET - dt.timedelta(days=1)).date(), (last + LOCAL_UTC_OFFSET).date())


def _refresh_energy(db: _Db, building_ids: Sequence[int] | None, day_from: dt.date, day_to: dt.date,
                    *, rebuild: bool) -> pd.DataFrame | None:
    """Building-level then org-level energy roll-ups. On ``rebuild`` the tables were emptied by the
    caller (no deletes needed) and the provenance counts of the raw rows are returned."""
    buildings = db.fetch("SELECT id, org_id FROM building", {}, ["id", "org_id"])
    if building_ids is not None:
        wanted = set(int(b) for b in building_ids)
        buildings = buildings[buildings["id"].isin(wanted)]
    if buildings.empty:
        return None
    meters = db.fetch("SELECT id, building_id, kind, interval_minutes FROM meter", {},
                      ["id", "building_id", "kind", "interval_minutes"])
    meters = meters[meters["building_id"].isin(set(buildings["id"]))]

    months = _month_starts(day_from, day_to)
    span_days = (day_to - day_from).days + 1
    weekdays = set(range(7)) if span_days >= 7 else {(day_from + dt.timedelta(days=i)).weekday() for i in range(span_days)}
    # The profile of a month × weekday cell needs every such day of the month, not only the refreshed ones.
    profile_days = [d for m in months for d in (m + dt.timedelta(days=i) for i in range((_month_end(m) - m).days + 1))
                    if d.weekday() in weekdays]
    main_runs = [(day_from, day_to)]
    profile_runs = _day_runs([*profile_days, *(day_from + dt.timedelta(days=i) for i in range(span_days))])

    provenance: list[pd.DataFrame] = []
    building_list = sorted(int(b) for b in buildings["id"])
    hours = max(1, ((months[-1].replace(day=28) - months[0]).days + 31) * 24)
    per_chunk = max(1, _ROWS_PER_READ // hours)
    for chunk in _chunks(building_list, per_chunk):
        chunk_meters = meters[meters["building_id"].isin(chunk)]
        readings = _read_meter_readings(db, chunk_meters, main_runs, profile_runs)
        daily, profile, counts = _aggregate_readings(db, readings, day_from, day_to, months, weekdays)
        if rebuild:
            _insert_rollup(db, "rollup_daily", daily)
            _insert_rollup(db, "rollup_hourly_profile", profile)
            provenance.append(counts)
        else:
            _replace_rows(db, "rollup_daily", daily, metric_ids=ENERGY_FLOW_METRICS, entity_kind="building",
                          entity_ids=chunk, period_column="day", period_from=day_from, period_to=day_to)
            _replace_rows(db, "rollup_hourly_profile", profile, metric_ids=(PROFILE_METRIC,), entity_kind="building",
                          entity_ids=chunk, period_column="month", period_from=months[0], period_to=months[-1],
                          extra_where=" AND weekday IN :weekdays", extra_params={"weekdays": sorted(weekdays)},
                          extra_expanding=("weekdays",))
    _monthly_from_daily(db, metric_ids=ENERGY_FLOW_METRICS, entity_kind="building",
                        entity_ids=None if rebuild else building_list, months=months, replace=not rebuild)

    # Org level: every ancestor of the refreshed buildings, from all buildings below them.
    all_buildings = db.fetch("SELECT id, org_id FROM building", {}, ["id", "org_id"])
    affected = None if building_ids is None else db.tree.ancestors_of(buildings["org_id"])
    _org_from_entities(db, all_buildings, "building", ENERGY_FLOW_METRICS, affected, day_from, day_to, months,
                       replace=not rebuild)
    _org_profile(db, all_buildings, affected, months, weekdays, replace=not rebuild)

    if not rebuild:
        return None
    counts = pd.concat(provenance, ignore_index=True) if provenance else pd.DataFrame()
    if counts.empty:
        return counts
    counts = counts.merge(buildings.rename(columns={"id": "building_id", "org_id": "own_org_id"}), on="building_id")
    frames = []
    for kind, group in counts.groupby("kind"):
        for metric in FACT_METRICS.get(f"meter_reading:{kind}", ()):
            frames.append(group.assign(metric_id=metric)[["metric_id", "own_org_id", "month", "batch_id", "rows"]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _read_meter_readings(db: _Db, meters: pd.DataFrame, main_runs, profile_runs) -> pd.DataFrame:
    """Raw readings of ``meters`` whose local interval falls on the runs' days (electricity meters
    also on the profile days), with the meter's building, kind and interval attached."""
    frames = []
    for (kind_is_electricity, interval), group in meters.groupby(
            [meters["kind"].eq("electricity"), "interval_minutes"]):
        runs = profile_runs if kind_is_electricity else main_runs
        shift = dt.timedelta(minutes=int(interval) - _LOCAL_OFFSET_MINUTES)
        meter_ids = sorted(int(m) for m in group["id"])
        for first, last in runs:
            ts_from = dt.datetime.combine(first, dt.time()) + shift
            ts_to = dt.datetime.combine(last + dt.timedelta(days=1), dt.time()) + shift
            for ids in _chunks(meter_ids, _IDS_PER_STATEMENT):
                frames.append(db.fetch(
                    f"SELECT meter_id, {db.sel_ts('ts')} AS ts, value, batch_id FROM meter_reading "
                    "WHERE meter_id IN :ids AND ts >= :a AND ts < :b",
                    {"ids": ids, "a": ts_from, "b": ts_to}, ["meter_id", "ts", "value", "batch_id"],
                    ts_columns=["ts"], bulk=True, expanding=("ids",), timestamps=("a", "b"),
                ))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({"meter_id": [], "ts": np.array([], dtype="datetime64[us]"), "value": [], "batch_id": []})
    readings = pd.concat(frames, ignore_index=True)
    info = meters.rename(columns={"id": "meter_id"})
    return readings.merge(info, on="meter_id")


def _aggregate_readings(db: _Db, readings: pd.DataFrame, day_from: dt.date, day_to: dt.date,
                        months: Sequence[dt.date], weekdays: set[int]):
    """Daily rows, hourly-profile rows and (batch, building, kind, month) counts from raw readings.

    A reading belongs to the interval (ts − interval, ts], so the first reading of local day D has
    ``ts = D 00:00 local + interval``: the read window is [D 00:00 + interval, D+1 00:00 + interval) in local
    time, shifted to UTC.
    """
    empty_daily = pd.DataFrame(columns=["metric_id", "entity_kind", "entity_id", "day", "value", "samples"])
    if readings.empty:
        return empty_daily, pd.DataFrame(columns=_PROFILE_COLUMNS), pd.DataFrame()
    shift = (_LOCAL_OFFSET_MINUTES - readings["interval_minutes"].to_numpy(dtype=np.int64)).astype("timedelta64[m]")
    local = readings["ts"].to_numpy().astype("datetime64[us]") + shift.astype("timedelta64[us]")
    day = local.astype("datetime64[D]").astype(np.int64)
    hour = ((local - local.astype("datetime64[D]")) // np.timedelta64(1, "h")).astype(np.int64)
    month = local.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    weekday = (day + 3) % 7
    value = readings["value"].to_numpy(dtype=float)
    frame = pd.DataFrame({
        "building_id": readings["building_id"].to_numpy(dtype=np.int64), "kind": readings["kind"].to_numpy(),
        "day": day, "hour": hour, "weekday": weekday, "month": month, "value": value,
        "batch_id": readings["batch_id"].to_numpy(),
    })
    d0, d1 = _day_number(day_from), _day_number(day_to)
    in_range = frame[(frame["day"] >= d0) & (frame["day"] <= d1)]

    parts = []
    base = in_range.groupby(["building_id", "kind", "day"], as_index=False, sort=True).agg(
        value=("value", "sum"), samples=("value", "size"))
    base["metric_id"] = base["kind"].map(dict(METER_KIND_METRIC))
    parts.append(base.dropna(subset=["metric_id"]))
    electricity = in_range[in_range["kind"] == "electricity"]
    if not electricity.empty:
        is_night = (electricity["hour"] >= NIGHT_FROM_HOUR) | (electricity["hour"] < NIGHT_TO_HOUR)
        night = electricity.assign(value=np.where(is_night, electricity["value"], 0.0), samples=is_night.astype(np.int64))
        night = night.groupby(["building_id", "day"], as_index=False, sort=True).agg(value=("value", "sum"), samples=("samples", "sum"))
        parts.append(night.assign(metric_id="energy.night_electricity_kwh"))
        offday_rows = base[base["kind"] == "electricity"]
        workday = _workday_lookup(db, offday_rows["day"].to_numpy(dtype=np.int64))
        parts.append(offday_rows[~workday].assign(metric_id="energy.offday_electricity_kwh"))
    daily = pd.concat(parts, ignore_index=True)
    daily = pd.DataFrame({
        "metric_id": daily["metric_id"].to_numpy(), "entity_kind": "building",
        "entity_id": daily["building_id"].to_numpy(dtype=np.int64),
        "day": _days_to_datetime64(daily["day"].to_numpy()), "value": daily["value"].to_numpy(dtype=float),
        "samples": daily["samples"].to_numpy(dtype=np.int64),
    })

    month_set = [_day_number(m) for m in months]
    in_profile = frame[(frame["kind"] == "electricity") & frame["month"].isin(month_set)
                       & frame["weekday"].isin(sorted(weekdays))]
    profile = _profile_frame("building", in_profile["building_id"].to_numpy(dtype=np.int64),
                             in_profile["month"].to_numpy(dtype=np.int64), in_profile["weekday"].to_numpy(dtype=np.int64),
                             in_profile["hour"].to_numpy(dtype=np.int64), in_profile["value"].to_numpy(dtype=float))

    with_batch = in_range[in_range["batch_id"].notna()]
    counts = with_batch.groupby(["batch_id", "building_id", "kind", "month"], as_index=False, sort=True).size()
    counts = counts.rename(columns={"size": "rows"})
    counts["batch_id"] = counts["batch_id"].astype(np.int64)
    counts["month"] = _days_to_datetime64(counts["month"].to_numpy())
    return daily, profile, counts


def _profile_frame(entity_kind: str, entity_id: np.ndarray, month: np.ndarray, weekday: np.ndarray, hour: np.ndarray,
                   value: np.ndarray) -> pd.DataFrame:
    """Wide profile rows from single readings (month as a day number): one row per entity, month
    and weekday, ``hNN`` the sum of the readings of hour NN, ``samples`` how many readings."""
    if len(entity_id) == 0:
        return pd.DataFrame(columns=_PROFILE_COLUMNS)
    keys = pd.DataFrame({"entity_id": entity_id, "month": month, "weekday": weekday})
    grouped = keys.groupby(["entity_id", "month", "weekday"], sort=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    cells = grouped.size().reset_index()  # the same (sorted) group order as the codes
    n = len(cells)
    sums = np.bincount(codes * 24 + hour, weights=value, minlength=n * 24).reshape(n, 24)
    return pd.DataFrame({
        "metric_id": PROFILE_METRIC, "entity_kind": entity_kind, "entity_id": cells["entity_id"].to_numpy(dtype=np.int64),
        "month": _days_to_datetime64(cells["month"].to_numpy()), "weekday": cells["weekday"].to_numpy(dtype=np.int64),
        **{name: sums[:, h] for h, name in enumerate(PROFILE_HOUR_COLUMNS)},
        "samples": np.bincount(codes, minlength=n).astype(np.int64),
    })


def _org_profile(db: _Db, entities: pd.DataFrame, affected: set[int] | None, months: Sequence[dt.date],
                 weekdays: set[int], *, replace: bool) -> None:
    """Org hourly profile = the sum of its subtree's building profiles, month by month (hour
    columns and samples alike)."""
    owners = entities.rename(columns={"id": "entity_id", "org_id": "own_org_id"})
    if affected is not None:
        under = db.tree.pairs(owners["own_org_id"].unique(), affected)["own_org_id"].unique()
        owners = owners[owners["own_org_id"].isin(under)]
    ids = sorted(int(i) for i in owners["entity_id"])
    hours = list(PROFILE_HOUR_COLUMNS)
    for month in months:
        parts = []
        for chunk in _chunks(ids, _IDS_PER_STATEMENT):
            parts.append(db.fetch(
                f"SELECT entity_id, weekday, {', '.join(hours)}, samples FROM rollup_hourly_profile WHERE metric_id = :m "
                "AND entity_kind = 'building' AND month = :month AND weekday IN :weekdays AND entity_id IN :ids",
                {"m": PROFILE_METRIC, "month": month, "weekdays": sorted(weekdays), "ids": chunk},
                ["entity_id", "weekday", *hours, "samples"], bulk=True, expanding=("weekdays", "ids"), dates=("month",),
            ))
        rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if not rows.empty:
            rows = rows.merge(owners, on="entity_id")
            rolled = db.tree.roll_up(rows, ["weekday"], [*hours, "samples"], affected)
            frame = pd.DataFrame({
                "metric_id": PROFILE_METRIC, "entity_kind": "org", "entity_id": rolled["org_id"].to_numpy(dtype=np.int64),
                "month": np.datetime64(month, "D"), "weekday": rolled["weekday"].to_numpy(dtype=np.int64),
                **{name: rolled[name].to_numpy(dtype=float) for name in hours},
                "samples": rolled["samples"].to_numpy(dtype=np.int64),
            })
        else:
            frame = pd.DataFrame()
        if replace:
            _replace_rows(db, "rollup_hourly_profile", frame, metric_ids=(PROFILE_METRIC,), entity_kind="org",
                          entity_ids=affected, period_column="month", period_from=month, period_to=month,
                          extra_where=" AND weekday IN :weekdays", extra_params={"weekdays": sorted(weekdays)},
                          extra_expanding=("weekdays",))
        else:
            _insert_rollup(db, "rollup_hourly_profile", frame)


def _org_from_entities(db: _Db, entities: pd.DataFrame, entity_kind: str, metric_ids: Sequence[str],
                       affected: set[int] | None, day_from: dt.date, day_to: dt.date, months: Sequence[dt.date],
                       *, replace: bool) -> None:
    """Org daily rows (sum of the subtree's entity daily rows), then org monthly rows.

    ``entities`` has columns id, org_id (buildings or vehicles). ``affected`` None means every org.
    """
    owners = entities.rename(columns={"id": "entity_id", "org_id": "own_org_id"})
    if affected is not None:
        under = db.tree.pairs(owners["own_org_id"].unique(), affected)["own_org_id"].unique()
        owners = owners[owners["own_org_id"].isin(under)]
    ids = sorted(int(i) for i in owners["entity_id"])
    days_per_read = max(1, _ROWS_PER_READ // max(1, len(ids) * len(metric_ids)))
    start = day_from
    while start <= day_to:
        stop = min(day_to, start + dt.timedelta(days=days_per_read - 1))
        parts = []
        for chunk in _chunks(ids, _IDS_PER_STATEMENT):
            parts.append(db.fetch(
                f"SELECT metric_id, entity_id, {db.sel_day('day')} AS day, value, samples FROM rollup_daily "
                "WHERE metric_id IN :metrics AND entity_kind = :kind AND entity_id IN :ids AND day >= :a AND day <= :b",
                {"metrics": list(metric_ids), "kind": entity_kind, "ids": chunk, "a": start, "b": stop},
                ["metric_id", "entity_id", "day", "value", "samples"], day_columns=["day"],
                bulk=True, expanding=("metrics", "ids"), dates=("a", "b"),
            ))
        rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if not rows.empty:
            rows = rows.merge(owners, on="entity_id")
            rolled = db.tree.roll_up(rows, ["metric_id", "day"], ["value", "samples"], affected)
            frame = pd.DataFrame({
                "metric_id": rolled["metric_id"].to_numpy(), "entity_kind": "org",
                "entity_id": rolled["org_id"].to_numpy(dtype=np.int64),
                "day": _days_to_datetime64(rolled["day"].to_numpy()), "value": rolled["value"].to_numpy(dtype=float),
                "samples": rolled["samples"].to_numpy(dtype=np.int64),
            })
        else:
            frame = pd.DataFrame()
        if replace:
            _replace_rows(db, "rollup_daily", frame, metric_ids=metric_ids, entity_kind="org", entity_ids=affected,
                          period_column="day", period_from=start, period_to=stop)
        else:
            _insert_rollup(db, "rollup_daily", frame)
        start = stop + dt.timedelta(days=1)
    _monthly_from_daily(db, metric_ids=metric_ids, entity_kind="org", entity_ids=affected, months=months, replace=replace)


# --------------------------------------------------------------------------------------------
# Vehicles
# --------------------------------------------------------------------------------------------

def _first_last(db: _Db, table: str, column: str, key: str, parent: str) -> tuple | None:
    row = db.conn.execute(sa.text(
        f"SELECT MIN(first_v), MAX(last_v) FROM (SELECT "
        f"(SELECT MIN(f.{column}) FROM {table} f WHERE f.{key} = p.id) AS first_v, "
        f"(SELECT MAX(f.{column}) FROM {table} f WHERE f.{key} = p.id) AS last_v FROM {parent} p) AS spans"
    )).one()
    return None if row[0] is None else (row[0], row[1])


def _vehicle_fact_range(db: _Db) -> tuple[dt.date, dt.date] | None:
    spans = []
    for table, column in (("trip", "start_ts"), ("fuel_record", "ts")):
        found = _first_last(db, table, column, "vehicle_id", "vehicle")
        if found:
            spans += [(pd.Timestamp(v).to_pydatetime().replace(tzinfo=None) + LOCAL_UTC_OFFSET).date() for v in found]
    found = db.conn.execute(sa.text("SELECT MIN(performed_on), MAX(performed_on) FROM maintenance_record")).one()
    if found[0] is not None:
        spans += [_as_date(found[0]), _as_date(found[1])]
    return (min(spans), max(spans)) if spans else None


def _refresh_vehicle(db: _Db, vehicle_ids: Sequence[int] | None, day_from: dt.date, day_to: dt.date,
                     *, rebuild: bool) -> pd.DataFrame | None:
    vehicles = db.fetch("SELECT id, org_id FROM vehicle", {}, ["id", "org_id"])
    selected = vehicles if vehicle_ids is None else vehicles[vehicles["id"].isin(set(int(v) for v in vehicle_ids))]
    if selected.empty:
        return None
    months = _month_starts(day_from, day_to)
    ts_from, ts_to = local_day_start_utc(day_from), local_day_start_utc(day_to + dt.timedelta(days=1))
    vehicle_list = sorted(int(v) for v in selected["id"])
    days = (day_to - day_from).days + 1
    per_chunk = max(1, _ROWS_PER_READ // max(1, days * 2))
    provenance = []
    for chunk in _chunks(vehicle_list, min(per_chunk, _IDS_PER_STATEMENT)):
        params = {"ids": chunk, "a": ts_from, "b": ts_to}
        trips = db.fetch(
            f"SELECT vehicle_id, {db.sel_ts('start_ts')} AS start_ts, km, "
            "CASE WHEN request_id IS NULL THEN 1 ELSE 0 END AS unrequested, batch_id FROM trip "
            "WHERE vehicle_id IN :ids AND start_ts >= :a AND start_ts < :b",
            params, ["vehicle_id", "start_ts", "km", "unrequested", "batch_id"], ts_columns=["start_ts"],
            bulk=True, expanding=("ids",), timestamps=("a", "b"))
        fuel = db.fetch(
            f"SELECT vehicle_id, {db.sel_ts('ts')} AS ts, kind, quantity, cost_yuan, batch_id FROM fuel_record "
            "WHERE vehicle_id IN :ids AND ts >= :a AND ts < :b",
            params, ["vehicle_id", "ts", "kind", "quantity", "cost_yuan", "batch_id"], ts_columns=["ts"],
            bulk=True, expanding=("ids",), timestamps=("a", "b"))
        maintenance = db.fetch(
            f"SELECT vehicle_id, {db.sel_day('performed_on')} AS day, cost_yuan, batch_id FROM maintenance_record "
            "WHERE vehicle_id IN :ids AND performed_on >= :d0 AND performed_on <= :d1",
            {"ids": chunk, "d0": day_from, "d1": day_to}, ["vehicle_id", "day", "cost_yuan", "batch_id"],
            day_columns=["day"], expanding=("ids",), dates=("d0", "d1"))
        daily, counts = _aggregate_vehicle_facts(db, trips, fuel, maintenance)
        if rebuild:
            _insert_rollup(db, "rollup_daily", daily)
            provenance.append(counts)
        else:
            _replace_rows(db, "rollup_daily", daily, metric_ids=VEHICLE_FLOW_METRICS, entity_kind="vehicle",
                          entity_ids=chunk, period_column="day", period_from=day_from, period_to=day_to)
    _monthly_from_daily(db, metric_ids=VEHICLE_FLOW_METRICS, entity_kind="vehicle",
                        entity_ids=None if rebuild else vehicle_list, months=months, replace=not rebuild)
    affected = None if vehicle_ids is None else db.tree.ancestors_of(selected["org_id"])
    _org_from_entities(db, vehicles, "vehicle", VEHICLE_FLOW_METRICS, affected, day_from, day_to, months,
                       replace=not rebuild)
    if not rebuild:
        return None
    counts = pd.concat(provenance, ignore_index=True) if provenance else pd.DataFrame()
    if counts.empty:
        return counts
    counts = counts.merge(vehicles.rename(columns={"id": "vehicle_id", "org_id": "own_org_id"}), on="vehicle_id")
    frames = [group.assign(metric_id=metric)[["metric_id", "own_org_id", "month", "batch_id", "rows"]]
              for fact, group in counts.groupby("fact") for metric in FACT_METRICS[fact]]
    return pd.concat(frames, ignore_index=True)


def _local_days_and_hours(stamps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    local = np.asarray(stamps).astype("datetime64[us]") + np.timedelta64(_LOCAL_OFFSET_MINUTES, "m")
    day = local.astype("datetime64[D]")
    hour = ((local - day) // np.timedelta64(1, "h")).astype(np.int64)
    return day.astype(np.int64), hour


def _aggregate_vehicle_facts(db: _Db, trips: pd.DataFrame, fuel: pd.DataFrame, maintenance: pd.DataFrame):
    parts, counts = [], []

    def emit(frame: pd.DataFrame, metric: str, value: str, samples: str, *, sparse: bool = False) -> None:
        if sparse:  # conditional counts: rows only where something happened
            frame = frame[frame[value] > 0]
        parts.append(pd.DataFrame({
            "metric_id": metric, "entity_kind": "vehicle", "entity_id": frame["vehicle_id"].to_numpy(dtype=np.int64),
            "day": _days_to_datetime64(frame["day"].to_numpy()), "value": frame[value].to_numpy(dtype=float),
            "samples": frame[samples].to_numpy(dtype=np.int64),
        }))

    def count_batches(frame: pd.DataFrame, fact: str) -> None:
        known = frame[frame["batch_id"].notna()]
        if known.empty:
            return
        month = _days_to_datetime64(known["day"].to_numpy()).astype("datetime64[M]").astype("datetime64[D]")
        grouped = pd.DataFrame({"batch_id": known["batch_id"].to_numpy(dtype=np.int64),
                                "vehicle_id": known["vehicle_id"].to_numpy(dtype=np.int64), "month": month})
        grouped = grouped.groupby(["batch_id", "vehicle_id", "month"], as_index=False, sort=True).size()
        counts.append(grouped.rename(columns={"size": "rows"}).assign(fact=fact))

    if not trips.empty:
        day, hour = _local_days_and_hours(trips["start_ts"].to_numpy())
        workday = _workday_lookup(db, day)
        offhours = ~workday | (hour < WORK_FROM_HOUR) | (hour >= WORK_TO_HOUR)
        frame = pd.DataFrame({"vehicle_id": trips["vehicle_id"].to_numpy(dtype=np.int64), "day": day,
                              "km": trips["km"].to_numpy(dtype=float), "offhours": offhours.astype(np.int64),
                              "unrequested": trips["unrequested"].to_numpy(dtype=np.int64),
                              "batch_id": trips["batch_id"].to_numpy()})
        g = frame.groupby(["vehicle_id", "day"], as_index=False, sort=True).agg(
            trips=("km", "size"), km=("km", "sum"), offhours=("offhours", "sum"), unrequested=("unrequested", "sum"))
        g["used"] = 1
        emit(g, "vehicle.trips", "trips", "trips")
        emit(g, "vehicle.km", "km", "trips")
        emit(g, "vehicle.offhours_trips", "offhours", "trips", sparse=True)
        emit(g, "vehicle.unrequested_trips", "unrequested", "trips", sparse=True)
        emit(g, "vehicle.used_vehicle_days", "used", "trips")
        count_batches(frame, "trip")
    if not fuel.empty:
        day, _ = _local_days_and_hours(fuel["ts"].to_numpy())
        frame = pd.DataFrame({"vehicle_id": fuel["vehicle_id"].to_numpy(dtype=np.int64), "day": day,
                              "kind": fuel["kind"].to_numpy(), "quantity": fuel["quantity"].to_numpy(dtype=float),
                              "cost": fuel["cost_yuan"].to_numpy(dtype=float), "batch_id": fuel["batch_id"].to_numpy()})
        for kind, metric in (("fuel", "vehicle.fuel_l"), ("charge", "vehicle.charge_kwh")):
            subset = frame[frame["kind"] == kind]
            if not subset.empty:
                g = subset.groupby(["vehicle_id", "day"], as_index=False, sort=True).agg(
                    quantity=("quantity", "sum"), n=("quantity", "size"))
                emit(g, metric, "quantity", "n")
        g = frame.groupby(["vehicle_id", "day"], as_index=False, sort=True).agg(cost=("cost", "sum"), n=("cost", "size"))
        emit(g, "vehicle.energy_cost_yuan", "cost", "n")
        count_batches(frame, "fuel_record")
    if not maintenance.empty:
        frame = maintenance.assign(vehicle_id=maintenance["vehicle_id"].astype(np.int64))
        g = frame.groupby(["vehicle_id", "day"], as_index=False, sort=True).agg(
            cost=("cost_yuan", "sum"), n=("cost_yuan", "size"))
        emit(g, "vehicle.maintenance_cost_yuan", "cost", "n")
        count_batches(frame, "maintenance_record")
    daily = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return daily, (pd.concat(counts, ignore_index=True) if counts else pd.DataFrame())


# --------------------------------------------------------------------------------------------
# Asset flows
# --------------------------------------------------------------------------------------------

def _asset_flow_range(db: _Db) -> tuple[dt.date, dt.date] | None:
    row = db.conn.execute(sa.text("SELECT MIN(ts), MAX(ts) FROM asset_movement WHERE kind = 'redeploy'")).one()
    if row[0] is None:
        return None
    first, last = (pd.Timestamp(v).to_pydatetime().replace(tzinfo=None) + LOCAL_UTC_OFFSET for v in row)
    return first.date(), last.date()


def _refresh_asset_flows(db: _Db, day_from: dt.date, day_to: dt.date, *, replace: bool) -> None:
    months = _month_starts(day_from, day_to)
    first, last = months[0], _month_end(months[-1])
    moves = db.fetch(
        f"SELECT to_org_id, {db.sel_ts('ts')} AS ts, value_saved_yuan FROM asset_movement "
        "WHERE kind = 'redeploy' AND to_org_id IS NOT NULL AND ts >= :a AND ts < :b",
        {"a": local_day_start_utc(first), "b": local_day_start_utc(last + dt.timedelta(days=1))},
        ["own_org_id", "ts", "saved"], ts_columns=["ts"], timestamps=("a", "b"))
    frame = pd.DataFrame()
    if not moves.empty:
        day, _ = _local_days_and_hours(moves["ts"].to_numpy())
        moves = pd.DataFrame({"own_org_id": moves["own_org_id"].to_numpy(dtype=np.int64), "day": day,
                              "count": 1.0, "saved": moves["saved"].fillna(0.0).to_numpy(dtype=float), "n": 1})
        rolled = db.tree.roll_up(moves, ["day"], ["count", "saved", "n"])
        frame = pd.concat([
            pd.DataFrame({"metric_id": metric, "entity_kind": "org", "entity_id": rolled["org_id"].to_numpy(dtype=np.int64),
                          "day": _days_to_datetime64(rolled["day"].to_numpy()), "value": rolled[column].to_numpy(dtype=float),
                          "samples": rolled["n"].to_numpy(dtype=np.int64)})
            for metric, column in (("asset.redeployed_count", "count"), ("asset.redeploy_saved_yuan", "saved"))
        ], ignore_index=True)
    if replace:
        _replace_rows(db, "rollup_daily", frame, metric_ids=ASSET_FLOW_METRICS, entity_kind="org", entity_ids=None,
                      period_column="day", period_from=first, period_to=last)
    else:
        _insert_rollup(db, "rollup_daily", frame)
    _monthly_from_daily(db, metric_ids=ASSET_FLOW_METRICS, entity_kind="org", entity_ids=None, months=months,
                        replace=replace)


# --------------------------------------------------------------------------------------------
# State metrics
# --------------------------------------------------------------------------------------------

def _write_states(db: _Db, domains: Sequence[str], dates: Sequence[dt.date], *, org_ids: Sequence[int] | None,
                  replace: bool) -> None:
    restrict = None if org_ids is None else db.tree.ancestors_of(org_ids)
    for domain in domains:
        compute = {"vehicle": _vehicle_states, "asset": _asset_states, "housing": _housing_states}[domain]
        evaluate = compute(db)
        for at in dates:
            own = evaluate(at)  # own_org_id, metric_id, value, samples
            frame = _state_rows(db, own, domain, at.replace(day=1), restrict)
            if replace:
                _replace_rows(db, "rollup_monthly", frame, metric_ids=STATE_METRICS[domain], entity_kind="org",
                              entity_ids=restrict, period_column="month", period_from=at.replace(day=1),
                              period_to=at.replace(day=1))
            else:
                _insert_rollup(db, "rollup_monthly", frame)


def _state_rows(db: _Db, own: pd.DataFrame, domain: str, month: dt.date, restrict: set[int] | None) -> pd.DataFrame:
    if own.empty:
        return pd.DataFrame()
    metrics = STATE_METRICS[domain]
    rolled = db.tree.roll_up(own, ["metric_id"], ["value", "samples"], restrict)
    # Every org with anything of this domain gets every metric of the domain, zeros included.
    grid = pd.MultiIndex.from_product([rolled["org_id"].unique(), metrics], names=["org_id", "metric_id"])
    rolled = rolled.set_index(["org_id", "metric_id"]).reindex(grid, fill_value=0).reset_index()
    return pd.DataFrame({
        "metric_id": rolled["metric_id"].to_numpy(), "entity_kind": "org", "entity_id": rolled["org_id"].to_numpy(dtype=np.int64),
        "month": np.datetime64(month, "D"), "value": rolled["value"].to_numpy(dtype=float),
        "samples": rolled["samples"].to_numpy(dtype=np.int64),
    })


def _long(frame: pd.DataFrame, columns: dict[str, str], samples: str) -> pd.DataFrame:
    """Wide per-org sums (org_id, one column per metric) as long rows."""
    parts = [pd.DataFrame({"own_org_id": frame["org_id"].to_numpy(dtype=np.int64), "metric_id": metric,
                           "value": frame[column].to_numpy(dtype=float), "samples": frame[samples].to_numpy(dtype=np.int64)})
             for metric, column in columns.items()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _vehicle_states(db: _Db):
    vehicles = db.fetch(f"SELECT org_id, {db.sel_day('acquired_on')}, status, energy_type FROM vehicle", {},
                        ["org_id", "acquired", "status", "energy_type"], day_columns=["acquired"])
    quota = db.fetch("SELECT org_id, SUM(approved) FROM vehicle_quota GROUP BY org_id", {}, ["org_id", "approved"])

    def evaluate(at: dt.date) -> pd.DataFrame:
        t = _day_number(at)
        v = vehicles[(vehicles["acquired"] <= t) & (vehicles["status"] != "disposed")]
        v = v.assign(n=1, nev=v["energy_type"].isin(["electric", "hybrid"]).astype(np.int64))
        per_org = v.groupby("org_id", as_index=False)[["n", "nev"]].sum()
        per_org = per_org.merge(quota, on="org_id", how="outer").fillna(0)
        return _long(per_org, {"vehicle.fleet": "n", "vehicle.nev_fleet": "nev", "vehicle.quota": "approved"}, "n")
    return evaluate


def _asset_states(db: _Db):
    assets = db.fetch(
        f"SELECT a.id, a.org_id, a.status, {db.sel_day('a.status_since')}, a.original_value_yuan, "
        f"{db.sel_day('a.acquired_on')}, CASE WHEN a.custodian_name IS NULL OR a.custodian_name = '' THEN 1 ELSE 0 END, "
        f"{db.sel_day('a.last_audit_on')}, c.useful_life_years, c.residual_rate "
        "FROM asset a JOIN asset_category c ON c.id = a.category_id", {},
        ["id", "org_id", "status", "since", "value", "acquired", "no_custodian", "last_audit", "life", "residual"],
        day_columns=["since", "acquired"])
    assets["last_audit"] = _nullable_days(db, assets["last_audit"])
    audits = db.fetch(f"SELECT asset_id, {db.sel_day('audited_on')} FROM asset_audit", {}, ["id", "day"],
                      day_columns=["day"]).sort_values(["day"])

    def evaluate(at: dt.date) -> pd.DataFrame:
        t = _day_number(at)
        status = np.where(assets["since"].to_numpy() <= t, assets["status"].to_numpy(), "in_use")
        held = (assets["acquired"].to_numpy() <= t) & (status != "disposed")
        a = assets[held].copy()
        status = status[held]
        age_years = (t - a["acquired"].to_numpy()) / 365.25
        life = a["life"].to_numpy(dtype=float)
        used = np.where(life > 0, np.minimum(1.0, age_years / np.where(life > 0, life, 1.0)), 1.0)
        a["net"] = a["value"].to_numpy(dtype=float) * (1.0 - (1.0 - a["residual"].fillna(0.0).to_numpy(dtype=float)) * used)
        a["idle"] = (status == "idle").astype(np.int64)
        a["warehouse"] = (status == "warehouse").astype(np.int64)
        a["orphan"] = ((status == "in_use") & (a["no_custodian"].to_numpy() == 1)).astype(np.int64)
        done = audits[audits["day"] <= t].groupby("id")["day"].max()
        last = np.fmax(a["id"].map(done).to_numpy(dtype=float),
                       np.where(a["last_audit"].to_numpy(dtype=float) <= t, a["last_audit"].to_numpy(dtype=float), np.nan))
        long_held = a["acquired"].to_numpy() <= t - AUDIT_OVERDUE_DAYS
        a["overdue"] = (long_held & ~(last >= t - AUDIT_OVERDUE_DAYS)).astype(np.int64)
        a["n"] = 1
        per_org = a.groupby("org_id", as_index=False)[["n", "value", "net", "idle", "warehouse", "orphan", "overdue"]].sum()
        return _long(per_org, {
            "asset.count": "n", "asset.original_value_yuan": "value", "asset.net_value_yuan": "net",
            "asset.idle_count": "idle", "asset.warehouse_count": "warehouse", "asset.no_custodian_count": "orphan",
            "asset.audit_overdue_count": "overdue",
        }, "n")
    return evaluate


def _nullable_days(db: _Db, values: pd.Series) -> np.ndarray:
    """A nullable date column as float day numbers (NaN for NULL)."""
    out = np.full(len(values), np.nan)
    present = values.notna().to_numpy()
    if present.any():
        out[present] = db._to_day_numbers(values[present]).astype(float)
    return out


def _housing_states(db: _Db):
    rooms = db.fetch("SELECT id, org_id, usable_area_m2 FROM office_room WHERE purpose = 'office'", {},
                     ["room_id", "org_id", "area"])
    occupancy = db.fetch(
        f"SELECT room_id, rank_code, {db.sel_day('since')}, {db.sel_day('until')} FROM office_occupancy", {},
        ["room_id", "rank_code", "since", "until"], day_columns=["since"])
    occupancy["until"] = _nullable_days(db, occupancy["until"])
    standards = db.fetch("SELECT admin_level, rank_code, limit_m2 FROM office_space_standard", {},
                         ["admin_level", "rank_code", "limit"])
    rooms["admin_level"] = rooms["org_id"].map(db.tree.admin_level)
    occupancy = occupancy.merge(rooms[["room_id", "admin_level"]], on="room_id", how="inner")
    occupancy = occupancy.merge(standards, on=["admin_level", "rank_code"], how="left")
    units = db.fetch("SELECT id, org_id FROM housing_unit", {}, ["unit_id", "org_id"])
    leases = db.fetch(
        f"SELECT unit_id, {db.sel_day('starts_on')}, {db.sel_day('ends_on')}, {db.sel_day('moved_out_on')}, arrears_yuan "
        "FROM lease", {}, ["unit_id", "starts", "ends", "moved_out", "arrears"], day_columns=["starts", "ends"])
    leases["moved_out"] = _nullable_days(db, leases["moved_out"])
    leases = leases.merge(units, on="unit_id")
    applications = db.fetch(
        f"SELECT org_id, {db.sel_day('applied_on')}, status, {db.sel_day('allocated_on')} FROM housing_application", {},
        ["org_id", "applied", "status", "allocated"], day_columns=["applied"])
    applications["allocated"] = _nullable_days(db, applications["allocated"])

    def evaluate(at: dt.date) -> pd.DataFrame:
        t = _day_number(at)
        active = occupancy[(occupancy["since"] <= t) & ~(occupancy["until"] <= t)]
        per_room = active.groupby("room_id").agg(occupants=("rank_code", "size"), limit=("limit", "max"))
        r = rooms.join(per_room, on="room_id")
        r["occupants"] = r["occupants"].fillna(0).astype(np.int64)
        occupied = r["occupants"] > 0
        allowed = r["limit"] * r["occupants"]
        over = occupied & r["limit"].notna() & (r["area"] > allowed + 1e-9)
        r["over"] = over.astype(np.int64)
        r["over_area"] = np.where(over, r["area"] - allowed, 0.0)
        r["vacant"] = (~occupied).astype(np.int64)
        r["n"] = 1
        office = r.groupby("org_id", as_index=False)[["n", "area", "occupants", "over", "over_area", "vacant"]].sum()
        office_rows = _long(office, {
            "housing.office_area_m2": "area", "housing.office_occupants": "occupants",
            "housing.over_standard_rooms": "over", "housing.over_standard_area_m2": "over_area",
            "housing.vacant_rooms": "vacant",
        }, "n")

        current = leases[(leases["starts"] <= t) & ~(leases["moved_out"] <= t)]
        current = current.assign(
            occupied=1,
            expiring=((current["ends"] >= t) & (current["ends"] <= t + EXPIRING_WITHIN_DAYS)).astype(np.int64),
            overstaying=(current["ends"] < t).astype(np.int64),
        )
        per_unit = current.groupby("unit_id").agg(occupied=("occupied", "max"), expiring=("expiring", "sum"),
                                                  overstaying=("overstaying", "sum"), arrears=("arrears", "sum"))
        u = units.join(per_unit, on="unit_id").fillna({"occupied": 0, "expiring": 0, "overstaying": 0, "arrears": 0.0})
        u["n"] = 1
        waiting = applications[(applications["applied"] <= t) & (
            (applications["status"] == "waiting") | ((applications["status"] == "allocated") & (applications["allocated"] > t)))]
        per_org = u.groupby("org_id", as_index=False)[["n", "occupied", "expiring", "overstaying", "arrears"]].sum()
        queue = waiting.groupby("org_id", as_index=False).size().rename(columns={"size": "waiting"})
        per_org = per_org.merge(queue, on="org_id", how="outer").fillna(0)
        housing_rows = _long(per_org, {
            "housing.units": "n", "housing.occupied_units": "occupied", "housing.waiting": "waiting",
            "housing.expiring_90d": "expiring", "housing.overstaying": "overstaying", "housing.arrears_yuan": "arrears",
        }, "n")
        return pd.concat([office_rows, housing_rows], ignore_index=True)
    return evaluate


# --------------------------------------------------------------------------------------------
# Provenance
# --------------------------------------------------------------------------------------------

def _write_provenance(db: _Db, frame: pd.DataFrame, *, replace_batches: bool) -> None:
    """Roll (metric_id, own_org_id, month, batch_id, rows) up to every ancestor and store it."""
    if frame.empty:
        return
    frame = frame.assign(month=pd.to_datetime(frame["month"]).to_numpy().astype("datetime64[D]"),
                         batch_id=frame["batch_id"].astype(np.int64), rows=frame["rows"].astype(np.int64))
    rolled = db.tree.roll_up(frame, ["metric_id", "month", "batch_id"], ["rows"])
    if replace_batches:
        for chunk in _chunks(sorted(rolled["batch_id"].unique().tolist()), _IDS_PER_STATEMENT):
            db.execute("DELETE FROM rollup_provenance WHERE batch_id IN :ids", {"ids": chunk}, expanding=("ids",))
    _insert_rollup(db, "rollup_provenance", pd.DataFrame({
        "metric_id": rolled["metric_id"].to_numpy(), "org_id": rolled["org_id"].to_numpy(dtype=np.int64),
        "month": rolled["month"].to_numpy().astype("datetime64[D]"), "batch_id": rolled["batch_id"].to_numpy(dtype=np.int64),
        "rows": rolled["rows"].to_numpy(dtype=np.int64),
    }))


def _state_fact_provenance(db: _Db, as_of: dt.date) -> pd.DataFrame:
    """Batches behind the current month's state figures: asset rows, office occupancies, leases."""
    month = np.datetime64(as_of.replace(day=1), "D")
    queries = {
        "asset": "SELECT org_id, batch_id, COUNT(*) FROM asset WHERE batch_id IS NOT NULL GROUP BY org_id, batch_id",
        "office_occupancy": "SELECT r.org_id, o.batch_id, COUNT(*) FROM office_occupancy o JOIN office_room r "
                            "ON r.id = o.room_id WHERE o.batch_id IS NOT NULL GROUP BY r.org_id, o.batch_id",
        "lease": "SELECT u.org_id, l.batch_id, COUNT(*) FROM lease l JOIN housing_unit u ON u.id = l.unit_id "
                 "WHERE l.batch_id IS NOT NULL GROUP BY u.org_id, l.batch_id",
    }
    frames = []
    for fact, sql in queries.items():
        rows = db.fetch(sql, {}, ["own_org_id", "batch_id", "rows"])
        for metric in FACT_METRICS[fact]:
            frames.append(rows.assign(metric_id=metric, month=month))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _asset_movement_provenance(db: _Db) -> pd.DataFrame:
    moves = db.fetch(
        f"SELECT to_org_id, batch_id, {db.sel_ts('ts')} FROM asset_movement "
        "WHERE kind = 'redeploy' AND batch_id IS NOT NULL AND to_org_id IS NOT NULL", {},
        ["own_org_id", "batch_id", "ts"], ts_columns=["ts"])
    if moves.empty:
        return moves
    day, _ = _local_days_and_hours(moves["ts"].to_numpy())
    moves["month"] = _days_to_datetime64(day).astype("datetime64[M]").astype("datetime64[D]")
    grouped = moves.groupby(["own_org_id", "batch_id", "month"], as_index=False).size().rename(columns={"size": "rows"})
    return pd.concat([grouped.assign(metric_id=m) for m in ASSET_FLOW_METRICS], ignore_index=True)
