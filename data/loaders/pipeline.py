"""The load pipeline: extract → validate → standardise → upsert by natural key → refresh the
affected roll-ups → record the batch → after-batch hooks (threshold checks), in ONE transaction.

A batch is applied whole or not at all: if anything raises, the transaction is rolled back
and a ``failed`` batch with the error is recorded in a transaction of its own, so the data
page says what happened while the database holds nothing of the failed batch.

Idempotence, twice over: a file whose checksum matches an applied batch of the same fact is
not read again (the new batch is ``unchanged`` and names the earlier one), and every row is
upserted by its natural key, so a re-exported file with the same rows changes nothing either.
For every batch ``rows_read == accepted + duplicates + rejected`` is checked before commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection

from data.calendar import add_months, calendar_for, month_start
from data.catalog import DOMAINS
from data.import_formats import FACT_DOMAINS, FORMATS, MASTER_DOMAIN, is_master, match_header
from data.import_reasons import Issue, file_issue
from data.models import DataSource, LoadBatch, QuarantineRow

from . import hooks as hook_registry
from .batch_record import BatchResult, data_span, finish_batch, insert_batch, log_result, record_refused
from .extract import ColumnBlock, RawRow, Table, file_checksum, open_table, raw_text
from .facts import HANDLERS, Affected, BatchContext, Rejection, Settings, WriteResult
from .facts.master_common import MOVES_CACHE
from .facts.master_moves import refresh_after_moves
from .parsing import LocalTime

log = logging.getLogger("aocc.loaders")

# PostgreSQL: batches of the same fact are serialised by a transaction-scoped advisory lock
# (two loaders writing the same natural keys would otherwise race between read and write).
# SQLite serialises writers anyway (BEGIN IMMEDIATE).
ADVISORY_LOCK_CLASS = 0x41_4F_43  # "AOC"
WHOLE_FILE_ROWS = 10**9  # a handler with ``whole_file`` reads its file as one chunk


class BatchInvariantError(AssertionError):
    """rows_read != accepted + duplicates + rejected: something was lost; the batch is refused."""


class RowsRejected(Exception):
    """Raised in strict mode (a quarantined row being re-submitted) when the row is still invalid."""

    def __init__(self, issues: list[Issue]):
        super().__init__(", ".join(i.code for i in issues))
        self.issues = issues


def settings_from_config(config) -> Settings:
    extra = getattr(config, "extra", {}) or {}
    return Settings(
        calendar=calendar_for(config.timezone),
        chunk_rows=int(getattr(config, "loader_chunk_rows", extra.get("loader_chunk_rows", 20_000))),
        future_tolerance=dt.timedelta(seconds=int(getattr(config, "loader_future_tolerance_seconds", 600))),
        jump_factor=float(getattr(config, "loader_jump_factor", 10.0)),
    )


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a writer's transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success."""
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
    with bind.begin() as conn:
        yield conn


def _record_refused(engine: Engine, result: BatchResult, *, checksum, started) -> None:
    """A failed or refused batch, recorded on its own (its data was never applied)."""
    with write_connection(engine) as conn:
        record_refused(conn, result, checksum=checksum, started=started)


# --- entry points -----------------------------------------------------------------------


def load_file(
    engine: Engine,
    path: Path,
    *,
    now: dt.datetime,
    source_id: int | None = None,
    fact: str | None = None,
    candidates: tuple[str, ...] | None = None,
    settings: Settings | None = None,
    name: str | None = None,
    force: bool = False,
) -> BatchResult:
    """Load one CSV or XLSX file as one batch. Never raises for bad input: see the result.

    ``force`` reads the file even if the same file (by checksum) was applied before; the rows
    are still upserted by natural key, so only what differs changes.
    """
    path = Path(path)
    name = name or path.name
    settings = settings or Settings()
    checksum = file_checksum(path)
    table = open_table(path, fact=fact, candidates=candidates, name=name)
    try:
        return run_batch(
            engine, table, now=now, source_id=source_id, checksum=checksum, settings=settings, skip_same_file=not force
        )
    finally:
        table.close()


def load_records(
    engine: Engine,
    fact: str,
    records: Iterable[dict],
    *,
    now: dt.datetime,
    name: str,
    source_id: int | None = None,
    settings: Settings | None = None,
    columns: tuple[str, ...] | None = None,
    high_water_mark: str | None = None,
    first_line: int = 1,
    strict: bool = False,
    in_transaction: Callable[[Connection, BatchResult], None] | None = None,
) -> BatchResult:
    """Load rows that come as dicts keyed by the format's field names (SQL source, simulator,
    a re-submitted row) through the same validation and upsert as a file."""
    table = table_from_records(name, fact, records, columns=columns, first_line=first_line)
    return run_batch(
        engine,
        table,
        now=now,
        source_id=source_id,
        checksum=None,
        settings=settings or Settings(),
        high_water_mark=high_water_mark,
        strict=strict,
        in_transaction=in_transaction,
    )


def table_from_records(
    name: str, fact: str, records: Iterable[dict], *, columns: tuple[str, ...] | None = None, first_line: int = 1
) -> Table:
    fmt = FORMATS[fact]
    columns = tuple(columns or fmt.field_names)
    header, issues = match_header(fact, columns)
    table = Table(name, "records", fact, header, list(issues))

    def rows() -> Iterator[RawRow]:
        for line, record in enumerate(records, start=first_line):
            yield RawRow(line, [record.get(c) for c in columns])

    table._rows = rows() if header is not None else None
    return table


# --- the batch --------------------------------------------------------------------------


def run_batch(
    engine: Engine,
    table: Table,
    *,
    now: dt.datetime,
    source_id: int | None,
    checksum: str | None,
    settings: Settings,
    high_water_mark: str | None = None,
    strict: bool = False,
    in_transaction: Callable[[Connection, BatchResult], None] | None = None,
    skip_same_file: bool = True,
) -> BatchResult:
    """Apply ``table`` as one batch (see the module docstring). ``strict`` refuses the whole batch
    (raising ``RowsRejected``) when any row would be quarantined."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    started = now
    if table.refused:
        result = BatchResult(None, table.fact, table.name, "failed", issues=list(table.issues), source_id=source_id)
        _record_refused(engine, result, checksum=checksum, started=started)
        log_result(result)
        return result
    try:
        with write_connection(engine) as conn:
            result = _apply(
                conn,
                table,
                now=now,
                source_id=source_id,
                checksum=checksum,
                settings=settings,
                high_water_mark=high_water_mark,
                strict=strict,
                in_transaction=in_transaction,
                skip_same_file=skip_same_file,
            )
    except RowsRejected:
        raise
    except Exception as exc:
        log.exception("batch of %s (%s) failed and was rolled back", table.name, table.fact)
        result = BatchResult(
            None, table.fact, table.name, "failed", source_id=source_id, error=f"{exc.__class__.__name__}: {exc}"
        )
        result.issues = [*table.issues, file_issue("batch_error", error=result.error)]
        _record_refused(engine, result, checksum=checksum, started=started)
        log_result(result)
        return result
    log_result(result)
    if result.status == "applied":
        _run_after_commit_hooks(engine, result)
    return result


def _apply(
    conn: Connection,
    table: Table,
    *,
    now,
    source_id,
    checksum,
    settings: Settings,
    high_water_mark,
    strict: bool,
    in_transaction,
    skip_same_file: bool = True,
) -> BatchResult:
    with _batch_page_cache(conn, settings.sqlite_cache_mib):
        return _apply_batch(
            conn,
            table,
            now=now,
            source_id=source_id,
            checksum=checksum,
            settings=settings,
            high_water_mark=high_water_mark,
            strict=strict,
            in_transaction=in_transaction,
            skip_same_file=skip_same_file,
        )


@contextmanager
def _batch_page_cache(conn: Connection, mib: int) -> Iterator[None]:
    """A larger SQLite page cache for the batch's connection while it runs, given back afterwards.

    A province batch touches a few thousand pages of each roll-up table (one per building and
    metric); with the everyday cache they would be evicted and read again, or spilled to the
    WAL before the commit. The pages are allocated only as they are used.
    """
    if conn.dialect.name != "sqlite" or not mib:
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = {-int(mib) * 1024}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _apply_batch(
    conn: Connection,
    table: Table,
    *,
    now,
    source_id,
    checksum,
    settings: Settings,
    high_water_mark,
    strict: bool,
    in_transaction,
    skip_same_file: bool = True,
) -> BatchResult:
    fact = table.fact
    domain = FACT_DOMAINS[fact]
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_CLASS}, {list(FORMATS).index(fact)})")
    result = BatchResult(None, fact, table.name, "applied", source_id=source_id)
    if checksum and skip_same_file:
        earlier = conn.execute(
            select(LoadBatch.id, LoadBatch.finished_at)
            .where(
                LoadBatch.checksum_sha256 == checksum,
                LoadBatch.fact == fact,
                LoadBatch.status.in_(("applied", "unchanged")),
                LoadBatch.rows_read > 0,
            )
            .order_by(LoadBatch.id)
            .limit(1)
        ).first()
        if earlier is not None:
            result.status = "unchanged"
            result.same_as_batch = earlier.id
            loaded = (
                settings.calendar.local(earlier.finished_at).strftime("%Y-%m-%d %H:%M") if earlier.finished_at else ""
            )
            result.issues = [file_issue("same_file_as_batch", batch_id=earlier.id, loaded_at=loaded)]
            result.batch_id = insert_batch(conn, result, domain, checksum, now, status="unchanged", finished=now)
            _touch_source(conn, source_id, now, high_water_mark)
            return result
    result.batch_id = insert_batch(conn, result, domain, checksum, now, status="running", finished=None)
    ctx = BatchContext(
        conn=conn,
        batch_id=result.batch_id,
        now=now,
        clock=LocalTime(settings.calendar),
        settings=settings,
        source_name=table.name,
    )
    handler = HANDLERS[fact](ctx, table.header)
    logged = 0
    chunk_rows = settings.block_rows if hasattr(handler, "convert_block") else settings.chunk_rows
    if getattr(handler, "whole_file", False):
        chunk_rows = WHOLE_FILE_ROWS  # master data: rows refer to each other (a parent later in the file)
    for chunk in table.blocks(chunk_rows):
        result.rows_read += len(chunk)
        written, rejections = _convert_and_write(handler, chunk)
        result.rows_accepted += written.accepted
        result.rows_duplicate += written.duplicates
        result.rows_rejected += len(rejections)
        if rejections:
            if strict:
                raise RowsRejected([_located(r) for r in rejections])
            _quarantine(conn, ctx, table, fact, rejections, handler)
            for rej in rejections[: max(0, settings.log_rejects - logged)]:
                log.warning("quarantined file=%s %s", table.name, _located(rej).log_text())
                logged += 1
    if logged < result.rows_rejected:
        log.warning(
            "quarantined file=%s: %d more rows not logged one by one", table.name, result.rows_rejected - logged
        )
    result.issues = list(table.issues)
    affected = ctx.affected
    result.affected = affected
    result.data_from, result.data_to = data_span(affected)
    if result.rows_read != result.rows_accepted + result.rows_duplicate + result.rows_rejected:
        raise BatchInvariantError(
            f"rows_read {result.rows_read} != accepted {result.rows_accepted} + duplicates {result.rows_duplicate} "
            f"+ rejected {result.rows_rejected}"
        )
    if result.rows_accepted == 0 and result.rows_rejected == 0:
        result.status = "unchanged"
        result.issues.append(file_issue("no_changes"))
    if result.rows_accepted:
        moves = ctx.cache.get(MOVES_CACHE)
        if moves:
            refresh_after_moves(
                conn, moves, calendar=settings.calendar, as_of=settings.calendar.local_day(now), affected=affected
            )
        _refresh_rollups(conn, fact, affected, result.batch_id, now, settings)
        if is_master(fact):
            from data.rollup import bump_data_version

            # Pages and caches read the tree, buildings, meters and vehicles of every domain.
            bump_data_version(conn, (*DOMAINS, MASTER_DOMAIN))
    _touch_source(conn, source_id, now, high_water_mark)
    if in_transaction is not None:
        in_transaction(conn, result)
    finish_batch(conn, result, now)
    _run_after_batch_hooks(conn, result)
    finish_batch(conn, result, now)
    return result


def _convert_and_write(handler, chunk: ColumnBlock | list[RawRow]) -> tuple[WriteResult, list[Rejection]]:
    """Validate, standardise and upsert one chunk: column-wise where the handler can (a clean
    stretch of CSV), row by row otherwise."""
    if isinstance(chunk, ColumnBlock):
        if hasattr(handler, "convert_block"):
            readings, rejections = handler.convert_block(chunk)
            written = handler.write_readings(readings)
            return written, rejections + written.rejections
        chunk = chunk.raw_rows()
    rejections: list[Rejection] = []
    readable = []
    for row in chunk:
        if row.problem is not None:
            rejections.append(Rejection(row.line, row.problem, row))
        else:
            readable.append(row)
    records, bad = handler.convert(readable)
    rejections.extend(bad)
    written = handler.write(records)
    return written, rejections + written.rejections


def _located(rej: Rejection) -> Issue:
    issue = rej.issue
    return Issue(issue.code, issue.params, rej.line if rej.line is not None else issue.line, issue.column)


def _touch_source(conn, source_id, now, high_water_mark) -> None:
    if source_id is None:
        return
    values = {"last_success_at": now}
    if high_water_mark is not None:
        values["high_water_mark"] = high_water_mark
    conn.execute(update(DataSource).where(DataSource.id == source_id).values(**values))


def _quarantine(conn, ctx: BatchContext, table: Table, fact: str, rejections: list[Rejection], handler) -> None:
    try:
        with conn.begin_nested():
            orgs = handler.orgs_of_rows([rej.row for rej in rejections])
    except Exception:  # placing a row is a courtesy; keeping it is not: unplaced rows are province-only
        log.exception("could not tell the org of quarantined rows of %s", table.name)
        orgs = [None] * len(rejections)
    rows = []
    for rej, org_id in zip(rejections, orgs):
        raw = table.raw_dict(rej.row) if rej.row is not None else {}
        issue = rej.issue
        rows.append(
            {
                "batch_id": ctx.batch_id,
                "fact": fact,
                "source_name": table.name[:255],
                "org_id": org_id,
                "line_no": rej.line,
                "column_name": (issue.column or None) and str(issue.column)[:64],
                "raw": raw,
                "reason_code": issue.code,
                "reason_params": _jsonable(issue.params),
                "status": "open",
            }
        )
    conn.execute(insert(QuarantineRow), rows)


def _jsonable(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if isinstance(v, (dt.datetime, dt.date)):
            out[k] = v.isoformat()
        elif isinstance(v, (list, tuple)):
            out[k] = [raw_text(x) for x in v]
        elif v is None or isinstance(v, (int, float, bool)):
            out[k] = v
        else:
            out[k] = raw_text(v)
    return out


def _refresh_rollups(
    conn: Connection, fact: str, affected: Affected, batch_id: int, now: dt.datetime, settings: Settings
) -> None:
    """Bring the roll-ups of what the batch touched up to date, inside the batch's transaction,
    and record which org-months the batch fed (provenance). ``data.rollup`` bumps the versions."""
    from data import rollup

    calendar = settings.calendar
    today = calendar.local_day(now)
    # Month by month: the refresh reads the raw facts of its range, so a batch spanning years
    # (a back-fill, the 200 MB file) keeps the memory of one month, not of the whole span.
    if affected.energy_deltas is not None:
        affected.energy_deltas.finish()
    elif affected.buildings and affected.day_min is not None:
        for day_from, day_to in _month_slices(affected.day_min, affected.day_max):
            rollup.refresh_energy(
                conn, building_ids=sorted(affected.buildings), day_from=day_from, day_to=day_to, calendar=calendar
            )
    if affected.vehicles and affected.day_min is not None:
        for day_from, day_to in _month_slices(affected.day_min, affected.day_max):
            rollup.refresh_vehicle(
                conn, vehicle_ids=sorted(affected.vehicles), day_from=day_from, day_to=day_to, calendar=calendar
            )
    if fact == "asset_movement" and affected.day_min is not None and affected.day_min < today.replace(day=1):
        # refresh_state covers the current month's redeployments; older movements need their months.
        rollup.refresh_asset_flows(
            conn, day_from=affected.day_min, day_to=min(affected.day_max, today), calendar=calendar
        )
    if affected.state_domains:
        rollup.refresh_state(
            conn,
            domains=tuple(sorted(affected.state_domains)),
            as_of=today,
            org_ids=sorted(o for o in affected.state_orgs if o is not None) or None,
            calendar=calendar,
        )
    by_key: dict[str, list[tuple[int, dt.date, int]]] = {}
    for (key, org_id, month), rows in affected.provenance.items():
        by_key.setdefault(key, []).append((org_id, month, rows))
    for key, rows in sorted(by_key.items()):
        # the batch was created in this transaction: nothing recorded for it yet
        rollup.record_provenance(
            conn, batch_id=batch_id, metric_ids=rollup.FACT_METRICS[key], org_month_rows=rows, replace=False
        )


def _month_slices(day_from: dt.date, day_to: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
    """[day_from, day_to] cut at month boundaries."""
    start = day_from
    while start <= day_to:
        next_month = add_months(month_start(start), 1)
        end = min(day_to, next_month - dt.timedelta(days=1))
        yield start, end
        start = end + dt.timedelta(days=1)


def _run_after_commit_hooks(engine: Engine, result: BatchResult) -> None:
    """The ``after_commit`` hooks of an applied batch: its data are committed, so a failure is
    logged and leaves them as they are."""
    for name, exc in hook_registry.registry.run("after_commit", engine, result):
        log.warning("after-commit hook %s failed for batch %s: %s", name, result.batch_id, exc)


def _run_after_batch_hooks(conn: Connection, result: BatchResult) -> None:
    for hook in hook_registry.registry.hooks("after_batch"):
        try:
            with conn.begin_nested():
                hook.func(conn, result)
        except Exception as exc:  # a broken check must not lose the data: recorded on the batch
            log.exception("after-batch hook %s failed for batch %s", hook.name, result.batch_id)
            result.issues.append(file_issue("hook_failed", hook=hook.name, error=f"{exc.__class__.__name__}: {exc}"))
