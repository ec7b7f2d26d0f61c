"""Meter-reading ingest at `province` scale against the raw insert rate of the same database.

What is measured, on the province database (or a copy of it), in the same run:

* **ingest** — the whole load pipeline on a CSV file as a department would drop it: read and
  decode, find the header, validate and standardise every row (meter lookup, local time → UTC,
  units, plausibility against the past year's roll-ups), look up what is stored under the natural
  keys, insert, update the affected daily/monthly/hourly-profile roll-ups of every building and
  org node, record provenance and the batch. (``data.loaders.pipeline._apply``.)
* **raw** — the same rows, already typed, inserted into ``meter_reading`` with nothing else:
  ``executemany`` on SQLite, ``COPY`` on PostgreSQL, in the file's order (the target's
  baseline). The loader inserts in key order, which on SQLite is itself faster than the file's
  order; so the same raw insert in key order is measured too and reported beside it, as context.

Both run inside a transaction that is rolled back afterwards (so the database is left as it
was and runs can repeat; commit cost is excluded from both sides alike). Each is repeated
``--runs`` times, alternating, and the medians are compared: ratio = raw time / ingest time
(the ingest rate as a share of the raw insert rate; target ≥ 50 %).

Two batches: ``day`` — one day of hourly readings for every active hourly electricity meter
(~2,000 buildings ≈ 48 k rows); ``month`` — 30 days for 100 buildings (≈ 72 k rows).

    python -m benchmarks.bench_ingest [--database sqlite|postgresql|both] [--runs 5] [--no-record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from benchmarks.province import ensure_province
from benchmarks.results import Result, record, today
from data.calendar import configured_calendar
from data.db import get_engine
from data.loaders.extract import open_table
from data.loaders.facts import Settings
from data.loaders.pipeline import _apply, _batch_page_cache
from data.models import MeterReading

UTC = dt.UTC
TARGET = 0.5


@dataclass
class Batch:
    name: str
    path: Path
    rows: list[tuple]  # (meter_id, ts aware UTC, value)
    now: dt.datetime


def _latest_day(conn) -> dt.date:
    """The last local day with electricity in the roll-ups (the demo's as-of minus one)."""
    day = conn.execute(
        sa.text(
            "SELECT max(day) FROM rollup_daily WHERE metric_id = 'energy.electricity_kwh' "
            "AND entity_kind = 'org' AND entity_id = (SELECT id FROM org_node WHERE parent_id IS NULL)"
        )
    ).scalar()
    return dt.date.fromisoformat(str(day)[:10])


def make_batches(conn, workdir: Path) -> list[Batch]:
    """Write the two CSV files (what a department would drop) for days after the data, in local
    time of the configured zone (as the loader reads them)."""
    calendar = configured_calendar()
    meters = conn.execute(
        sa.text(
            "SELECT m.id, m.code, m.building_id FROM meter m WHERE m.kind = 'electricity' "
            "AND m.interval_minutes = 60 AND m.active ORDER BY m.id"
        )
    ).all()
    last = _latest_day(conn)
    batches = []
    specs = [
        ("day", meters, 1),
        ("month", [m for m in meters if m.building_id <= min(m.building_id for m in meters) + 99], 30),
    ]
    for name, chosen, days in specs:
        first = last + dt.timedelta(days=1)
        path = workdir / f"ingest-{name}.csv"
        rows = []
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write("表计编号,时间,用电量(千瓦时)\n")
            for d in range(days):
                day = first + dt.timedelta(days=d)
                for hour in range(1, 25):
                    end_local = dt.datetime(day.year, day.month, day.day) + dt.timedelta(hours=hour)
                    stamp = end_local.strftime("%Y-%m-%d %H:%M")
                    ts = calendar.to_utc(end_local)
                    for m in chosen:
                        value = round(20 + (m.id * 7 + hour * 13) % 40 + 0.25, 2)
                        fh.write(f"{m.code},{stamp},{value}\n")
                        rows.append((m.id, ts, value))
        end = first + dt.timedelta(days=days)
        now = calendar.at_local(end, 9).astimezone(UTC)  # the morning after the last day
        batches.append(Batch(name, path, rows, now))
    return batches


def time_ingest(engine, batch: Batch) -> tuple[float, float]:
    """(seconds for the whole pipeline, of which the roll-up refresh)."""
    from data.loaders import pipeline

    settings = Settings()
    table = open_table(batch.path, fact="meter_reading")
    refresh = pipeline._refresh_rollups
    spent = []

    def timed_refresh(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return refresh(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t0)

    pipeline._refresh_rollups = timed_refresh
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            started = time.perf_counter()
            result = _apply(
                conn,
                table,
                now=batch.now,
                source_id=None,
                checksum=None,
                settings=settings,
                high_water_mark=None,
                strict=False,
                in_transaction=None,
            )
            elapsed = time.perf_counter() - started
        finally:
            pipeline._refresh_rollups = refresh
            tx.rollback()
            table.close()
    if result.rows_accepted != len(batch.rows):
        raise RuntimeError(
            f"{batch.name}: accepted {result.rows_accepted} of {len(batch.rows)} ({result.rows_rejected} rejected)"
        )
    return elapsed, sum(spent)


def time_raw(engine, batch: Batch, *, key_order: bool = False) -> float:
    source = sorted(batch.rows, key=lambda r: (r[0], r[1])) if key_order else batch.rows
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            # the same page cache as the loader's batch connection, so both sides run alike
            with _batch_page_cache(conn, Settings().sqlite_cache_mib):
                cursor = conn.connection.dbapi_connection.cursor()
                if conn.dialect.name == "sqlite":
                    proc = MeterReading.__table__.c.ts.type._cached_bind_processor(conn.dialect)
                    rows = [(mid, proc(ts), value, 1) for mid, ts, value in source]
                    started = time.perf_counter()
                    cursor.executemany(
                        "INSERT INTO meter_reading (meter_id, ts, value, batch_id) VALUES (?, ?, ?, ?)", rows
                    )
                    elapsed = time.perf_counter() - started
                else:
                    text = "".join(
                        f"{mid}\t{ts.strftime('%Y-%m-%d %H:%M:%S')}\t{value!r}\t1\n" for mid, ts, value in source
                    )
                    started = time.perf_counter()
                    cursor.copy_expert(
                        "COPY meter_reading (meter_id, ts, value, batch_id) FROM STDIN", io.StringIO(text)
                    )
                    elapsed = time.perf_counter() - started
                cursor.close()
        finally:
            tx.rollback()
    return elapsed


def bench_database(database: str, *, runs: int, url: str | None = None, log=print) -> list[Result]:
    url = url or ensure_province(database, log=log)
    engine = get_engine(url)
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        with engine.connect() as conn:
            readings = conn.execute(sa.text("SELECT count(*) FROM meter_reading")).scalar()
            buildings = conn.execute(sa.text("SELECT count(*) FROM building")).scalar()
            batches = make_batches(conn, workdir)
        log(f"{database}: {buildings} buildings, {readings:,} readings stored")
        results = []
        for batch in batches:
            time_ingest(engine, batch)  # warm-up: caches, imports
            time_raw(engine, batch)
            ingest, rollups, raw, raw_sorted = [], [], [], []
            for _ in range(runs):
                total, rollup_part = time_ingest(engine, batch)
                ingest.append(total)
                rollups.append(rollup_part)
                raw.append(time_raw(engine, batch))
                raw_sorted.append(time_raw(engine, batch, key_order=True))
            n = len(batch.rows)
            ingest_rate = n / statistics.median(ingest)
            raw_rate = n / statistics.median(raw)
            ratio = ingest_rate / raw_rate
            ratio_sorted = ingest_rate / (n / statistics.median(raw_sorted))
            rollup_ms = statistics.median(rollups) * 1000
            log(
                f"  {batch.name:>5}: {n:,} rows  ingest median {statistics.median(ingest) * 1000:.0f} ms "
                f"({ingest_rate:,.0f} rows/s; roll-up update {rollup_ms:.0f} ms of it)  raw median "
                f"{statistics.median(raw) * 1000:.0f} ms ({raw_rate:,.0f} rows/s; key order "
                f"{statistics.median(raw_sorted) * 1000:.0f} ms)  ratio {ratio:.0%} (key order {ratio_sorted:.0%})  "
                f"[ingest runs ms: {', '.join(f'{x * 1000:.0f}' for x in ingest)}]"
            )
            method = "executemany" if database == "sqlite" else "COPY"
            command = f"python -m benchmarks.bench_ingest --database {database}"
            note = (
                f"{n:,} rows ({'1 day × all hourly electricity meters' if batch.name == 'day' else '30 days × 100 buildings'}) "
                f"into {readings:,} stored readings; medians of {runs}; commit excluded from both sides; "
                f"roll-up update {rollup_ms:.0f} ms of the ingest's {statistics.median(ingest) * 1000:.0f} ms; "
                f"raw {statistics.median(raw) * 1000:.0f} ms in file order, "
                f"{statistics.median(raw_sorted) * 1000:.0f} ms in key order"
            )
            results += [
                Result(
                    f"ingest_{batch.name}_rows_per_s",
                    round(ingest_rate),
                    "rows/s",
                    "",
                    True,
                    database,
                    "province",
                    today(),
                    command,
                    note,
                ),
                Result(
                    f"raw_insert_{batch.name}_rows_per_s",
                    round(raw_rate),
                    "rows/s",
                    "",
                    True,
                    database,
                    "province",
                    today(),
                    command,
                    f"{method}; {note}",
                ),
                Result(
                    f"ingest_vs_raw_{batch.name}",
                    round(ratio * 100, 1),
                    "%",
                    "≥ 50 %",
                    ratio >= TARGET,
                    database,
                    "province",
                    today(),
                    command,
                    note,
                ),
                Result(
                    f"ingest_vs_raw_key_order_{batch.name}",
                    round(ratio_sorted * 100, 1),
                    "%",
                    "",
                    True,
                    database,
                    "province",
                    today(),
                    command,
                    f"context: against {method} of the same rows sorted by (meter, ts), as the loader inserts them; {note}",
                ),
            ]
        return results
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", help="use this database instead of the cached province database")
    parser.add_argument("--no-record", action="store_true", help="print only; do not write benchmarks/results.json")
    args = parser.parse_args(argv)
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    results = []
    for database in databases:
        results += bench_database(database, runs=args.runs, url=args.url)
    if not args.no_record:
        record(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
