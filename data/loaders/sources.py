"""Where data comes from: watched drop folders, SQL sources, and the live simulator of the demo.

Each source is a ``data_source`` row; ``run_source(engine, code, now=...)`` runs it once and
returns the batches it produced. The scheduler calls it on the source's interval.

* **file_drop** — ``config = {"folder": path, "domain": "energy"}``. Every settled CSV/XLSX
  file in the folder is loaded as one batch, then moved to ``done/`` (applied or unchanged)
  or ``failed/`` (refused or failed), its name carrying the batch id. Files are never deleted.
  A domain's folder takes that domain's facts and master data; ``drop/master/`` master data
  only. Master files of a scan are loaded first, in dependency order (org units, buildings,
  meters, vehicles, staff), then the facts in their order of arrival, so a reading file
  dropped with the meter list that names its meters loads cleanly whatever the order of arrival.
* **sql** — ``config = {"url", "query", "fact", "mapping", "hwm_column", "initial_hwm"}``. The
  query gets the high-water mark as ``:hwm`` and should return only newer rows
  (``WHERE updated_at > :hwm``); the largest ``hwm_column`` value read becomes the new mark,
  committed with the batch. Rows are renamed by ``mapping`` (field -> source column).
* **simulator** — the demo's live feed; see ``data/loaders/simulator.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.pool import NullPool

from data.catalog import DOMAINS
from data.import_formats import FORMATS, MASTER_DOMAIN, MASTER_FACTS, facts_for_domain
from data.models import DataSource

from .batch_record import BatchResult
from .extract import CSV_SUFFIXES, XLSX_SUFFIXES, open_table
from .facts import Settings
from .pipeline import load_file, load_records, write_connection

log = logging.getLogger("aocc.loaders")

# Master data changes seldom: its folder is not "stale" after a day without files.
MASTER_STALE_AFTER_SECONDS = 400 * 24 * 3600


@dataclass(frozen=True)
class SourceSpec:
    code: str
    kind: str
    domain: str
    name_zh: str
    name_en: str
    config: dict
    interval_seconds: int
    stale_after_seconds: int


def default_sources(config) -> list[SourceSpec]:
    """The sources every install has: one drop folder per domain, and the simulator in demo mode."""
    drop_dir = Path(getattr(config, "drop_root", None) or Path(config.data_dir) / "drop")
    names = {
        MASTER_DOMAIN: ("主数据投放目录", "Master data drop folder"),
        "energy": ("能耗数据投放目录", "Energy drop folder"),
        "vehicle": ("公车数据投放目录", "Vehicle drop folder"),
        "asset": ("资产数据投放目录", "Asset drop folder"),
        "housing": ("房产数据投放目录", "Housing drop folder"),
    }
    interval = int(getattr(config, "drop_interval_seconds", 60))
    specs = [
        SourceSpec(
            f"drop_{d}",
            "file_drop",
            d,
            names[d][0],
            names[d][1],
            {"folder": str(drop_dir / d), "domain": d},
            interval,
            MASTER_STALE_AFTER_SECONDS if d == MASTER_DOMAIN else 26 * 3600,
        )
        for d in (*DOMAINS, MASTER_DOMAIN)
    ]
    if getattr(config, "demo_mode", False):
        specs.append(
            SourceSpec(
                "simulator",
                "simulator",
                "energy",
                "演示实时数据模拟器",
                "Live demo simulator",
                {"seed": 20261125, "anomaly_rate": 0.02, "max_catchup_hours": 48},
                int(getattr(config, "simulator_interval_seconds", 180)),
                3600,
            )
        )
    return specs


def ensure_sources(engine: Engine, specs: list[SourceSpec]) -> dict[str, int]:
    """Create the sources that do not exist yet (never overwrite an administrator's edits)."""
    with write_connection(engine) as conn:
        have = {r.code: r.id for r in conn.execute(select(DataSource.code, DataSource.id))}
        for spec in specs:
            if spec.code in have:
                continue
            have[spec.code] = conn.execute(
                insert(DataSource)
                .values(
                    code=spec.code,
                    kind=spec.kind,
                    domain=spec.domain,
                    name_zh=spec.name_zh,
                    name_en=spec.name_en,
                    config=spec.config,
                    interval_seconds=spec.interval_seconds,
                    stale_after_seconds=spec.stale_after_seconds,
                    enabled=True,
                )
                .returning(DataSource.id)
            ).scalar_one()
    for spec in specs:
        if spec.kind == "file_drop":
            ensure_drop_folder(Path(spec.config["folder"]))
    return have


def register_sql_source(
    engine: Engine,
    *,
    code: str,
    url: str,
    query: str,
    fact: str,
    mapping: dict | None = None,
    hwm_column: str,
    initial_hwm: str = "1970-01-01 00:00:00",
    interval_seconds: int = 300,
    stale_after_seconds: int = 3600,
    name_zh: str | None = None,
    name_en: str | None = None,
) -> int:
    """Add (or replace the configuration of) a SQL source."""
    if fact not in FORMATS:
        raise ValueError(f"unknown fact {fact!r}; one of {', '.join(FORMATS)}")
    cfg = {
        "url": url,
        "query": query,
        "fact": fact,
        "mapping": mapping or {},
        "hwm_column": hwm_column,
        "initial_hwm": initial_hwm,
    }
    with write_connection(engine) as conn:
        existing = conn.execute(select(DataSource.id).where(DataSource.code == code)).scalar()
        values = dict(
            kind="sql",
            domain=FORMATS[fact].domain,
            name_zh=name_zh or code,
            name_en=name_en or code,
            config=cfg,
            interval_seconds=interval_seconds,
            stale_after_seconds=stale_after_seconds,
            enabled=True,
        )
        if existing is not None:
            from sqlalchemy import update

            conn.execute(update(DataSource).where(DataSource.id == existing).values(**values))
            return existing
        return conn.execute(insert(DataSource).values(code=code, **values).returning(DataSource.id)).scalar_one()


def load_source(engine: Engine, code: str):
    with engine.connect() as conn:
        row = conn.execute(select(DataSource).where(DataSource.code == code)).first()
    if row is None:
        raise LookupError(f"no data source {code!r}")
    return row


def run_source(
    engine: Engine, code: str, *, now: dt.datetime, settings: Settings | None = None, settle_seconds: float = 5.0
) -> list[BatchResult]:
    """Run source ``code`` once; returns the batches it produced (none when nothing was new)."""
    source = load_source(engine, code)
    if not source.enabled:
        return []
    settings = settings or Settings()
    if source.kind == "file_drop":
        return process_drop_folder(engine, source, now=now, settings=settings, settle_seconds=settle_seconds)
    if source.kind == "sql":
        result = poll_sql_source(engine, source, now=now, settings=settings)
        return [result] if result is not None else []
    if source.kind == "simulator":
        from .simulator import run_simulator

        return run_simulator(engine, source, now=now, settings=settings)
    raise ValueError(f"source {code!r} has kind {source.kind!r}, which has no runner")


# --- drop folder ------------------------------------------------------------------------


def ensure_drop_folder(folder: Path) -> None:
    for sub in ("", "done", "failed"):
        (folder / sub).mkdir(parents=True, exist_ok=True)


def pending_files(folder: Path, *, settle_seconds: float = 5.0) -> list[Path]:
    """Files ready to load: CSV/XLSX, not hidden, not Excel's ``~$`` lock files, and not modified
    for ``settle_seconds`` (wall clock), so a file still being copied in is left for next time."""
    if not folder.is_dir():
        return []
    wall = time.time()
    ready = []
    for entry in folder.iterdir():
        if not entry.is_file() or entry.name.startswith((".", "~$")):
            continue
        if entry.suffix.lower() not in CSV_SUFFIXES + XLSX_SUFFIXES:
            continue
        try:
            stat = entry.stat()
        except FileNotFoundError:
            continue
        if wall - stat.st_mtime < settle_seconds:
            continue
        ready.append((stat.st_mtime, entry.name, entry))
    return [p for _m, _n, p in sorted(ready)]


def archive_name(path: Path, batch_id: int | None) -> str:
    tag = f"batch{batch_id}" if batch_id is not None else "nobatch"
    return f"{path.stem}.{tag}{path.suffix}"


def move_processed(path: Path, folder: Path, result: BatchResult) -> Path:
    """Move a processed file to ``done/`` or ``failed/`` with the batch id in its name (never delete)."""
    target_dir = folder / ("failed" if result.status == "failed" else "done")
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / archive_name(path, result.batch_id)
    counter = 2
    while target.exists():
        target = target_dir / f"{Path(archive_name(path, result.batch_id)).stem}-{counter}{path.suffix}"
        counter += 1
    shutil.move(str(path), str(target))
    return target


def process_drop_folder(
    engine: Engine, source, *, now: dt.datetime, settings: Settings, settle_seconds: float = 5.0
) -> list[BatchResult]:
    folder = Path(source.config["folder"])
    ensure_drop_folder(folder)
    domain = source.config.get("domain") or source.domain
    candidates = drop_candidates(domain)
    own = facts_for_domain(domain) if domain in DOMAINS else candidates
    results = []
    waiting_master = domain != MASTER_DOMAIN and _master_files_waiting(engine)
    for path, fact in loading_plan(pending_files(folder, settle_seconds=settle_seconds), candidates):
        if waiting_master and fact not in MASTER_FACTS:
            # Master data dropped at the same time into drop/master/ may name what this file
            # refers to: the facts wait for the next scan rather than be refused as unknown.
            log.info("drop %s: %s waits for the master data in the master drop folder", source.code, path.name)
            continue
        # A master file is read as master data; any other file as before, among the folder's own
        # facts (so a file that matches nothing says which of their columns are missing).
        chosen = MASTER_FACTS if fact in MASTER_FACTS else own
        result = load_file(engine, path, now=now, source_id=source.id, candidates=chosen, settings=settings)
        target = move_processed(path, folder, result)
        log.info("drop %s: %s -> %s", source.code, result.summary(), target.relative_to(folder))
        results.append(result)
    return results


def _master_files_waiting(engine: Engine) -> bool:
    """Whether a master-data drop folder holds files not yet loaded (settled or still arriving)."""
    with engine.connect() as conn:
        configs = conn.execute(
            select(DataSource.config).where(
                DataSource.kind == "file_drop", DataSource.domain == MASTER_DOMAIN, DataSource.enabled.is_(True)
            )
        ).scalars()
        folders = [Path(c["folder"]) for c in configs if c and c.get("folder")]
    return any(pending_files(folder, settle_seconds=0.0) for folder in folders)


def drop_candidates(domain: str | None) -> tuple[str, ...]:
    """The formats a drop folder of ``domain`` accepts: master data everywhere, plus the domain's
    facts (every fact for a folder without a known domain)."""
    if domain == MASTER_DOMAIN:
        return MASTER_FACTS
    if domain in DOMAINS:
        return MASTER_FACTS + facts_for_domain(domain)
    return tuple(FORMATS)


def loading_order(paths: list[Path], candidates: tuple[str, ...] | None = None) -> list[Path]:
    """``paths`` (in order of arrival) with the master-data files first, in dependency order
    (org units, buildings, meters, vehicles, staff), then the others in their order. A file whose
    format cannot be told counts as a fact file (its load will say why it is refused)."""
    return [path for path, _fact in loading_plan(paths, candidates)]


def loading_plan(paths: list[Path], candidates: tuple[str, ...] | None = None) -> list[tuple[Path, str | None]]:
    """``loading_order`` with the format detected for each file (None: not told)."""
    ranked = []
    for position, path in enumerate(paths):
        fact = detect_file_fact(path, candidates)
        rank = MASTER_FACTS.index(fact) if fact in MASTER_FACTS else len(MASTER_FACTS)
        ranked.append((rank, position, path, fact))
    return [(path, fact) for _rank, _position, path, fact in sorted(ranked, key=lambda r: r[:2])]


def detect_file_fact(path: Path, candidates: tuple[str, ...] | None = None) -> str | None:
    """The format of the file at ``path`` from its header (None when it cannot be told)."""
    try:
        table = open_table(path, candidates=candidates)
    except Exception:  # an unreadable file is refused by its load, with the reason
        log.debug("could not detect the format of %s", path, exc_info=True)
        return None
    try:
        return None if table.refused else table.fact
    finally:
        table.close()


# --- SQL source -------------------------------------------------------------------------


def _hwm_text(value) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def poll_sql_source(engine: Engine, source, *, now: dt.datetime, settings: Settings) -> BatchResult | None:
    """Read the rows above the high-water mark and load them as one batch (None if there were none)."""
    cfg = source.config
    fact = cfg["fact"]
    mapping: dict = cfg.get("mapping") or {}
    hwm_column = cfg["hwm_column"]
    hwm = source.high_water_mark or cfg.get("initial_hwm", "1970-01-01 00:00:00")
    columns = tuple(FORMATS[fact].field_names)
    remote = create_engine(cfg["url"], poolclass=NullPool)
    try:
        with remote.connect() as conn:
            cursor = conn.execution_options(stream_results=True, max_row_buffer=5000).execute(
                text(cfg["query"]), {"hwm": hwm, **(cfg.get("params") or {})}
            )
            keys = list(cursor.keys())
            missing = [c for c in [*mapping.values(), hwm_column] if c not in keys]
            if missing:
                raise ValueError(f"SQL source {source.code}: the query returns no column(s) {', '.join(missing)}")
            state = {"max": None, "count": 0}

            def records():
                for row in cursor:
                    m = row._mapping
                    mark = m[hwm_column]
                    if mark is not None and (state["max"] is None or mark > state["max"]):
                        state["max"] = mark
                    state["count"] += 1
                    yield {field: m[mapping.get(field, field)] for field in columns if mapping.get(field, field) in m}

            first = _peek(records())
            if first is None:
                return None
            present = tuple(f for f in columns if mapping.get(f, f) in keys)

            def set_mark(tx_conn, result):
                # Committed with the batch: a failed batch leaves the mark where it was.
                if state["max"] is not None:
                    from sqlalchemy import update

                    tx_conn.execute(
                        update(DataSource)
                        .where(DataSource.id == source.id)
                        .values(high_water_mark=_hwm_text(state["max"])[:64])
                    )

            return load_records(
                engine,
                fact,
                first,
                now=now,
                name=f"{source.code} @ {_hwm_text(hwm)}",
                source_id=source.id,
                settings=settings,
                columns=present,
                in_transaction=set_mark,
            )
    finally:
        remote.dispose()


def _peek(iterator):
    """The iterator again, or None if it is empty (without losing the first item)."""
    try:
        head = next(iterator)
    except StopIteration:
        return None

    def chained():
        yield head
        yield from iterator

    return chained()
