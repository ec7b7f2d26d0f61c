"""``build_demo``: seed reference data, generate a tier of the demo province, rebuild the roll-ups.

The database must already be migrated (the caller migrates) and hold no org tree yet. Everything
happens in one transaction: a failed build leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..calendar import Calendar, configured_calendar
from ..catalog import DOMAINS
from ..db import get_engine
from ..models import Base, Building, Meter, QuarantineRow, Vehicle
from ..rollup import insert_frame, rebuild_all
from ..seed import seed_reference
from .anomalies import plan_anomalies
from .assets import write_assets
from .baseline import write_baselines
from .context import BatchRegistry, BuildContext
from .energy import write_calendar_and_weather, write_quotas, write_readings
from .housing import write_housing
from .offices import write_staff_and_offices
from .orgs import finish_sources, write_buildings, write_org_nodes, write_sources
from .structure import build_structure
from .tiers import get_tier
from .vehicles import write_vehicles

DEFAULT_SEED = 20261125
# Tables that must be empty before a build: the demo assigns its own ids from 1.
DEMO_TABLES = ("org_node", "building", "meter", "vehicle", "asset", "housing_unit", "data_source", "load_batch")

log = logging.getLogger(__name__)


class DatabaseNotEmpty(RuntimeError):
    """The database already holds an org tree or facts; demo data needs an empty one."""


def local_today(calendar: Calendar | None = None) -> dt.date:
    """Today in ``calendar``'s zone (default: the configured zone)."""
    return (calendar or configured_calendar()).today()


def build_demo(
    url: str,
    *,
    tier: str = "small",
    seed: int = DEFAULT_SEED,
    as_of: dt.date | None = None,
    if_empty: bool = False,
    calendar: Calendar | None = None,
) -> dict:
    """Generate the demo province into the (migrated) database at ``url`` and commit.

    Facts cover the tier's number of days ending the day before ``as_of`` (default: today). Local
    times (office hours, days, months) are those of ``calendar``'s zone, by default the configured
    zone (``AOCC_TIMEZONE``), and the roll-ups are computed in the same zone. Same seed, tier,
    as_of and zone give identical data. Returns the rows written per table, plus ``seconds``; with
    ``if_empty`` a database that already holds data is left alone and ``{"skipped": True}`` is
    returned.
    """
    spec = get_tier(tier)
    calendar = calendar or configured_calendar()
    as_of = as_of or local_today(calendar)
    started = time.perf_counter()
    engine = get_engine(url)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # A rollback journal records only pages that existed before the transaction: for a fresh
            # database nearly nothing, where WAL would write every page twice (log, then checkpoint).
            _journal_mode(conn, "DELETE")
        try:
            with conn.execution_options(sqlite_begin="IMMEDIATE").begin():
                occupied = [t for t in DEMO_TABLES if conn.execute(sa.text(f"SELECT 1 FROM {t} LIMIT 1")).first()]
                if occupied:
                    if if_empty:
                        return {"skipped": True, "non_empty_tables": occupied}
                    raise DatabaseNotEmpty(f"tables already hold data: {', '.join(occupied)}")
                with Session(bind=conn) as session:
                    seed_reference(session)
                    session.flush()
                counts = generate(conn, tier=spec.name, seed=seed, as_of=as_of, calendar=calendar)
                log.info("demo facts written after %.1f s; rebuilding roll-ups", time.perf_counter() - started)
                rebuild_all(conn, as_of=as_of, calendar=calendar)
                _sync_sequences(conn)
                counts.update(write_baselines(conn, as_of=as_of, days=spec.days, calendar=calendar))
                _seed_alerts(conn, as_of, calendar)
                for table in ("rollup_daily", "rollup_monthly", "rollup_hourly_profile", "rollup_provenance"):
                    counts[table] = conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
        finally:
            if sqlite:
                _journal_mode(conn, "WAL")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    log.info("demo %s built in %.1f s", spec.name, counts["seconds"])
    return counts


def _seed_alerts(conn: Connection, as_of: dt.date, calendar: Calendar) -> None:
    """The default alert rules, evaluated once on the demo's own clock (local midnight of
    ``as_of``, where its data end), so a fresh demo opens with its anomalies alerting."""
    from ..alerts.evaluate import evaluate_rules
    from ..alerts.rules import ensure_default_rules

    now = calendar.day_start_utc_naive(as_of).replace(tzinfo=dt.UTC)
    ensure_default_rules(conn, now=now)
    evaluate_rules(conn, now=now)


def _journal_mode(conn: Connection, mode: str) -> None:
    """Set SQLite's journal mode outside any transaction (it silently stays as it was while another
    connection has the database open, which only costs speed)."""
    conn.connection.dbapi_connection.execute(f"PRAGMA journal_mode={mode}")


def generate(
    conn: Connection, *, tier: str, seed: int, as_of: dt.date, calendar: Calendar | None = None
) -> dict[str, int]:
    """Write every demo fact and dimension row (no roll-ups) on ``conn``, local times in
    ``calendar``'s zone (default: the configured zone); returns rows per table."""
    spec = get_tier(tier)
    calendar = calendar or configured_calendar()
    structure = build_structure(spec)
    plan = plan_anomalies(structure)
    last_day = as_of - dt.timedelta(days=1)
    registry = BatchRegistry(first_day=as_of - dt.timedelta(days=spec.days), last_day=last_day, seed=seed)
    registry.source_last_day[plan.stale_source_code] = last_day - dt.timedelta(days=plan.stale_days)
    ctx = BuildContext(
        tier=spec,
        structure=structure,
        plan=plan,
        seed=seed,
        as_of=as_of,
        registry=registry,
        source_codes={d: f"demo.{d}" for d in DOMAINS},
        calendar=calendar,
    )
    _tune(conn)
    write_org_nodes(conn, ctx)
    write_sources(conn, ctx)
    write_buildings(conn, ctx)
    write_calendar_and_weather(conn, ctx)
    totals, coverage = write_readings(conn, ctx)
    write_quotas(conn, ctx, totals, coverage)
    write_vehicles(conn, ctx)
    write_staff_and_offices(conn, ctx)
    write_assets(conn, ctx)
    write_housing(conn, ctx)

    batches, quarantine = registry.frame(ctx.rng("batches"), ctx.source_ids, calendar)
    ctx.add_count("load_batch", insert_frame(conn, "load_batch", batches))
    if quarantine:
        org_of = _quarantine_orgs(conn, quarantine)
        for i, row in enumerate(quarantine, start=1):
            row["id"] = i
            row["org_id"] = org_of(row)
        conn.execute(sa.insert(QuarantineRow.__table__), quarantine)
        ctx.add_count("quarantine_row", len(quarantine))
    finish_sources(conn, ctx, batches)
    return dict(ctx.counts)


def _tune(conn: Connection) -> None:
    """A bigger page cache for the bulk load (it is per connection and ends with it)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-400000")


def _sync_sequences(conn: Connection) -> None:
    """The demo chose ids itself; PostgreSQL's serial sequences must continue after them."""
    if conn.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key or not isinstance(table.c.id.type, sa.Integer):
            continue
        sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        if sequence:
            conn.execute(
                sa.text(f"SELECT setval(:s, COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"),
                {"s": sequence},
            )


def _quarantine_orgs(conn, quarantine: list[dict]):
    """The org each demo rejected row belongs to, as the loader would place it: the meter's
    building's org or the vehicle's; None for a code the province does not know."""
    meters = {r["raw"].get("表计编号") for r in quarantine if r["fact"] == "meter_reading"} - {None}
    plates = {r["raw"].get("车牌号") for r in quarantine if r["fact"] != "meter_reading"} - {None}
    meter_org = (
        dict(
            conn.execute(
                sa.select(Meter.code, Building.org_id)
                .join(Building, Building.id == Meter.building_id)
                .where(Meter.code.in_(sorted(meters)))
            ).all()
        )
        if meters
        else {}
    )
    vehicle_org = (
        dict(conn.execute(sa.select(Vehicle.plate, Vehicle.org_id).where(Vehicle.plate.in_(sorted(plates)))).all())
        if plates
        else {}
    )

    def org_of(row: dict) -> int | None:
        if row["fact"] == "meter_reading":
            return meter_org.get(row["raw"].get("表计编号"))
        return vehicle_org.get(row["raw"].get("车牌号"))

    return org_of
