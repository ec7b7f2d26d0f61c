"""The `province`-scale demo database, built once and cached.

SQLite: ``var/bench/province.sqlite3``. PostgreSQL: the database ``aocc_bench_province`` on the
server at ``PG_URL`` (created and owned by the benchmark). A marker row count check decides
whether the cached copy is complete; an interrupted build is thrown away and started again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import sqlalchemy as sa

from config import PROJECT_ROOT
from data.db import dispose_engine, get_engine
from data.migrate import upgrade

BENCH_DIR = Path(PROJECT_ROOT) / "var" / "bench"
PG_URL = os.environ.get("PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "aocc_bench_province"
AS_OF = dt.date(2026, 11, 25)
SEED = 20261125


def _marker(database: str) -> Path:
    return BENCH_DIR / f"province-{database}.built.json"


def province_url(database: str) -> str:
    if database == "sqlite":
        return f"sqlite:///{BENCH_DIR / 'province.sqlite3'}"
    return sa.engine.make_url(PG_URL).set(database=PG_DATABASE).render_as_string(hide_password=False)


def ensure_province(database: str, *, log=print) -> str:
    """The URL of a complete province-scale database, building it first if needed."""
    from data.demo import build_demo

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = province_url(database)
    marker = _marker(database)
    if marker.exists():
        upgrade(url)  # a cached database follows the schema (a no-op when it is current)
        return url
    if database == "sqlite":
        path = BENCH_DIR / "province.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{PG_DATABASE}"'))
        admin.dispose()
    upgrade(url)
    started = time.perf_counter()
    log(f"building the province tier on {database} (one-off; cached under {BENCH_DIR}) ...")
    counts = build_demo(url, tier="province", seed=SEED, as_of=AS_OF)
    seconds = time.perf_counter() - started
    log(f"built in {seconds:.0f} s: {counts}")
    marker.write_text(json.dumps({"seconds": seconds, "counts": counts, "as_of": AS_OF.isoformat()}), encoding="utf-8")
    if database == "postgresql":
        with get_engine(url).connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    dispose_engine(url)
    return url
