"""Reads for the data page (数据中心): sources and their freshness, load batches, the quarantine,
scheduler job runs and the lease, and the provenance of a figure (which batches fed it).

Every function takes an open ``Connection``, binds its parameters, never commits and returns a
DataFrame (or a dict for one row) whose columns the docstring lists. Times are aware UTC.
Quarantined rows are raw department data: personal fields are masked unless the scope may see
personal data, and the raw values are left out entirely unless the caller asks for them.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from sqlalchemy import and_, case, func, select, true
from sqlalchemy.engine import Connection

from data.batch_message import parse_message
from data.catalog import METRICS_BY_ID
from data.import_formats import FORMATS, match_header
from data.masking import mask_value
from data.models import DataSource, JobRun, LoadBatch, OrgNode, QuarantineRow, RollupProvenance, SchedulerLease
from data.scope import Scope, resolve_org, root_node

SOURCE_COLUMNS = [
    "source_id",
    "code",
    "kind",
    "domain",
    "name_zh",
    "name_en",
    "enabled",
    "interval_seconds",
    "stale_after_seconds",
    "last_success_at",
    "age_seconds",
    "freshness",
    "last_batch_id",
    "last_batch_status",
    "last_batch_started_at",
    "last_rows_read",
    "last_rows_accepted",
    "last_rows_duplicate",
    "last_rows_rejected",
    "open_quarantine",
]
BATCH_COLUMNS = [
    "batch_id",
    "source_id",
    "source_code",
    "source_name_zh",
    "source_name_en",
    "fact",
    "domain",
    "file_name",
    "status",
    "rows_read",
    "rows_accepted",
    "rows_duplicate",
    "rows_rejected",
    "started_at",
    "finished_at",
    "data_from",
    "data_to",
    "issues",
    "error",
    "same_as_batch",
]
QUARANTINE_COLUMNS = [
    "row_id",
    "batch_id",
    "fact",
    "source_name",
    "line_no",
    "column_name",
    "reason_code",
    "reason_params",
    "raw",
    "status",
    "resolved_by",
    "resolved_at",
    "resolved_batch_id",
    "batch_started_at",
]
JOB_COLUMNS = [
    "run_id",
    "job_id",
    "scheduled_for",
    "started_at",
    "finished_at",
    "duration_seconds",
    "outcome",
    "message",
    "host",
]
PROVENANCE_COLUMNS = [
    "month",
    "batch_id",
    "rows",
    "fact",
    "file_name",
    "status",
    "started_at",
    "finished_at",
    "source_code",
    "source_name_zh",
    "source_name_en",
]  # fetch_provenance adds "metrics"

UTC = dt.UTC


def _aware(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def quarantine_in_scope(conn: Connection, scope: Scope):
    """The condition on ``quarantine_row`` for what ``scope`` may see: the rows of its subtree's
    org nodes; rows whose org the loader could not tell, only for a province-wide scope."""
    root = root_node(conn)
    if root is not None and root.id == scope.org_id:
        return true()
    return QuarantineRow.org_id.in_(select(OrgNode.id).where(OrgNode.path.like(scope.path_prefix_pattern)))


def fetch_sources(conn: Connection, scope: Scope, *, now: dt.datetime) -> pd.DataFrame:
    """Every data source with its freshness and its latest batch.

    Columns: ``SOURCE_COLUMNS``. ``freshness`` is ``fresh`` (a batch within
    ``stale_after_seconds``), ``stale``, ``never`` (no successful batch yet) or ``disabled``;
    ``age_seconds`` is the time since the last successful batch (None if never).
    ``open_quarantine`` counts the source's rows still waiting in the quarantine that ``scope``
    may see.
    """
    last_batch = (
        select(LoadBatch.source_id, func.max(LoadBatch.id).label("batch_id"))
        .where(LoadBatch.source_id.is_not(None))
        .group_by(LoadBatch.source_id)
        .subquery()
    )
    open_rows = (
        select(LoadBatch.source_id, func.count(QuarantineRow.id).label("n"))
        .join(LoadBatch, LoadBatch.id == QuarantineRow.batch_id)
        .where(QuarantineRow.status == "open", quarantine_in_scope(conn, scope))
        .group_by(LoadBatch.source_id)
        .subquery()
    )
    stmt = (
        select(
            DataSource.id.label("source_id"),
            DataSource.code,
            DataSource.kind,
            DataSource.domain,
            DataSource.name_zh,
            DataSource.name_en,
            DataSource.enabled,
            DataSource.interval_seconds,
            DataSource.stale_after_seconds,
            DataSource.last_success_at,
            LoadBatch.id.label("last_batch_id"),
            LoadBatch.status.label("last_batch_status"),
            LoadBatch.started_at.label("last_batch_started_at"),
            LoadBatch.rows_read.label("last_rows_read"),
            LoadBatch.rows_accepted.label("last_rows_accepted"),
            LoadBatch.rows_duplicate.label("last_rows_duplicate"),
            LoadBatch.rows_rejected.label("last_rows_rejected"),
            func.coalesce(open_rows.c.n, 0).label("open_quarantine"),
        )
        .outerjoin(last_batch, last_batch.c.source_id == DataSource.id)
        .outerjoin(LoadBatch, LoadBatch.id == last_batch.c.batch_id)
        .outerjoin(open_rows, open_rows.c.source_id == DataSource.id)
        .order_by(DataSource.domain, DataSource.code)
    )
    rows = []
    for r in conn.execute(stmt):
        d = dict(r._mapping)
        last = _aware(d["last_success_at"])
        d["last_success_at"] = last
        d["age_seconds"] = (now - last).total_seconds() if last else None
        if not d["enabled"]:
            d["freshness"] = "disabled"
        elif last is None:
            d["freshness"] = "never"
        else:
            d["freshness"] = "fresh" if d["age_seconds"] <= d["stale_after_seconds"] else "stale"
        rows.append(d)
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def _batch_stmt():
    return select(
        LoadBatch.id.label("batch_id"),
        LoadBatch.source_id,
        DataSource.code.label("source_code"),
        DataSource.name_zh.label("source_name_zh"),
        DataSource.name_en.label("source_name_en"),
        LoadBatch.fact,
        LoadBatch.domain,
        LoadBatch.file_name,
        LoadBatch.status,
        LoadBatch.rows_read,
        LoadBatch.rows_accepted,
        LoadBatch.rows_duplicate,
        LoadBatch.rows_rejected,
        LoadBatch.started_at,
        LoadBatch.finished_at,
        LoadBatch.data_from,
        LoadBatch.data_to,
        LoadBatch.message,
    ).outerjoin(DataSource, DataSource.id == LoadBatch.source_id)


def _batch_row(r) -> dict:
    d = dict(r._mapping)
    body = parse_message(d.pop("message"))
    d["issues"] = body.get("issues", [])
    d["error"] = body.get("error")
    d["same_as_batch"] = body.get("same_as_batch")
    return d


def fetch_batches(
    conn: Connection,
    *,
    limit: int = 50,
    source_id: int | None = None,
    status: str | None = None,
    fact: str | None = None,
    batch_ids: list[int] | None = None,
) -> pd.DataFrame:
    """Load batches, newest first. Columns: ``BATCH_COLUMNS``; ``issues`` is a list of
    ``{"code", "params", "line"?, "column"?}`` (file-level issues, catalog keys ``batch.issue.<code>``)."""
    stmt = _batch_stmt().order_by(LoadBatch.id.desc()).limit(max(1, min(int(limit), 1000)))
    if source_id is not None:
        stmt = stmt.where(LoadBatch.source_id == source_id)
    if status:
        stmt = stmt.where(LoadBatch.status == status)
    if fact:
        stmt = stmt.where(LoadBatch.fact == fact)
    if batch_ids is not None:
        stmt = stmt.where(LoadBatch.id.in_(list(batch_ids)))
    return pd.DataFrame([_batch_row(r) for r in conn.execute(stmt)], columns=BATCH_COLUMNS)


def fetch_batch(conn: Connection, batch_id: int) -> dict | None:
    """One batch as a dict with the ``BATCH_COLUMNS`` keys, or None."""
    row = conn.execute(_batch_stmt().where(LoadBatch.id == batch_id)).first()
    return _batch_row(row) if row is not None else None


def _personal_headers(fact: str, raw: dict) -> dict[str, str]:
    """Header as written -> canonical field name, for the personal fields of ``fact``."""
    if fact not in FORMATS or not raw:
        return {}
    header, _issues = match_header(fact, list(raw.keys()))
    if header is None:
        # Still mask what can be recognised column by column.
        out = {}
        for h in raw:
            single, _ = match_header(fact, [h])
            if single is not None:
                for name in single.positions:
                    if FORMATS[fact].field(name).personal:
                        out[h] = name
        return out
    fmt = FORMATS[fact]
    return {header.headers[pos]: name for name, pos in header.positions.items() if fmt.field(name).personal}


def mask_raw(fact: str, raw: dict, *, can_view_personal_data: bool) -> dict:
    """The raw row with personal fields masked (tenant and driver names, phones, ID numbers)."""
    if can_view_personal_data or not raw:
        return dict(raw or {})
    personal = _personal_headers(fact, raw)
    return {k: (mask_value(personal[k], v) if k in personal and v else v) for k, v in raw.items()}


def fetch_quarantine(
    conn: Connection,
    scope: Scope,
    *,
    status: str | None = "open",
    fact: str | None = None,
    batch_id: int | None = None,
    reason: str | None = None,
    limit: int = 100,
    offset: int = 0,
    include_raw: bool = True,
) -> tuple[pd.DataFrame, int]:
    """Quarantined rows (newest first) and the total matching. Columns: ``QUARANTINE_COLUMNS``.

    ``raw`` is the row as read (header -> text), personal fields masked for a scope that may not
    see personal data, and ``{}`` when ``include_raw`` is false.
    """
    conditions = [quarantine_in_scope(conn, scope)]
    if status:
        conditions.append(QuarantineRow.status == status)
    if fact:
        conditions.append(QuarantineRow.fact == fact)
    if batch_id is not None:
        conditions.append(QuarantineRow.batch_id == batch_id)
    if reason:
        conditions.append(QuarantineRow.reason_code == reason)
    where = and_(*conditions) if conditions else None
    count_stmt = select(func.count(QuarantineRow.id))
    stmt = (
        select(
            QuarantineRow.id.label("row_id"),
            QuarantineRow.batch_id,
            QuarantineRow.fact,
            QuarantineRow.source_name,
            QuarantineRow.line_no,
            QuarantineRow.column_name,
            QuarantineRow.reason_code,
            QuarantineRow.reason_params,
            QuarantineRow.raw,
            QuarantineRow.status,
            QuarantineRow.resolved_by,
            QuarantineRow.resolved_at,
            QuarantineRow.resolved_batch_id,
            LoadBatch.started_at.label("batch_started_at"),
        )
        .join(LoadBatch, LoadBatch.id == QuarantineRow.batch_id)
        .order_by(QuarantineRow.id.desc())
        .limit(max(1, min(int(limit), 1000)))
        .offset(max(0, int(offset)))
    )
    if where is not None:
        stmt = stmt.where(where)
        count_stmt = count_stmt.where(where)
    total = conn.execute(count_stmt).scalar_one()
    rows = []
    for r in conn.execute(stmt):
        d = dict(r._mapping)
        d["raw"] = (
            mask_raw(d["fact"], d["raw"], can_view_personal_data=scope.can_view_personal_data) if include_raw else {}
        )
        d["reason_params"] = dict(d["reason_params"] or {})
        if not include_raw:
            d["reason_params"] = {k: v for k, v in d["reason_params"].items() if k not in ("value",)}
        rows.append(d)
    return pd.DataFrame(rows, columns=QUARANTINE_COLUMNS), int(total)


def fetch_quarantine_row(conn: Connection, scope: Scope, row_id: int, *, include_raw: bool = True) -> dict | None:
    """One quarantined row as a dict with the ``QUARANTINE_COLUMNS`` keys, or None."""
    stmt = (
        select(
            QuarantineRow.id.label("row_id"),
            QuarantineRow.batch_id,
            QuarantineRow.fact,
            QuarantineRow.source_name,
            QuarantineRow.line_no,
            QuarantineRow.column_name,
            QuarantineRow.reason_code,
            QuarantineRow.reason_params,
            QuarantineRow.raw,
            QuarantineRow.status,
            QuarantineRow.resolved_by,
            QuarantineRow.resolved_at,
            QuarantineRow.resolved_batch_id,
            LoadBatch.started_at.label("batch_started_at"),
        )
        .join(LoadBatch, LoadBatch.id == QuarantineRow.batch_id)
        .where(QuarantineRow.id == row_id, quarantine_in_scope(conn, scope))
    )
    r = conn.execute(stmt).first()
    if r is None:
        return None
    d = dict(r._mapping)
    d["raw"] = mask_raw(d["fact"], d["raw"], can_view_personal_data=scope.can_view_personal_data) if include_raw else {}
    d["reason_params"] = dict(d["reason_params"] or {})
    return d


def fetch_job_runs(
    conn: Connection, *, job_id: str | None = None, outcome: str | None = None, limit: int = 100
) -> pd.DataFrame:
    """Scheduler job runs, newest first. Columns: ``JOB_COLUMNS`` (``duration_seconds`` None while running)."""
    stmt = (
        select(
            JobRun.id,
            JobRun.job_id,
            JobRun.scheduled_for,
            JobRun.started_at,
            JobRun.finished_at,
            JobRun.outcome,
            JobRun.message,
            JobRun.host,
        )
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(max(1, min(int(limit), 1000)))
    )
    if job_id:
        stmt = stmt.where(JobRun.job_id == job_id)
    if outcome:
        stmt = stmt.where(JobRun.outcome == outcome)
    rows = []
    for r in conn.execute(stmt):
        rows.append(
            {
                "run_id": r.id,
                "job_id": r.job_id,
                "scheduled_for": r.scheduled_for,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "duration_seconds": (r.finished_at - r.started_at).total_seconds() if r.finished_at else None,
                "outcome": r.outcome,
                "message": r.message,
                "host": r.host,
            }
        )
    return pd.DataFrame(rows, columns=JOB_COLUMNS)


def fetch_job_summary(conn: Connection, *, now: dt.datetime) -> pd.DataFrame:
    """Per job: its latest run and the last day's counts.
    Columns: job_id, last_started_at, last_outcome, last_message, runs_24h, failures_24h."""
    since = now - dt.timedelta(days=1)
    latest = select(JobRun.job_id, func.max(JobRun.id).label("run_id")).group_by(JobRun.job_id).subquery()
    counts = (
        select(
            JobRun.job_id,
            func.count(JobRun.id).label("runs_24h"),
            func.sum(case((JobRun.outcome == "failed", 1), else_=0)).label("failures_24h"),
        )
        .where(JobRun.started_at >= since)
        .group_by(JobRun.job_id)
        .subquery()
    )
    stmt = (
        select(
            JobRun.job_id,
            JobRun.started_at.label("last_started_at"),
            JobRun.outcome.label("last_outcome"),
            JobRun.message.label("last_message"),
            func.coalesce(counts.c.runs_24h, 0).label("runs_24h"),
            func.coalesce(counts.c.failures_24h, 0).label("failures_24h"),
        )
        .join(latest, latest.c.run_id == JobRun.id)
        .outerjoin(counts, counts.c.job_id == JobRun.job_id)
        .order_by(JobRun.job_id)
    )
    return pd.DataFrame(
        [dict(r._mapping) for r in conn.execute(stmt)],
        columns=["job_id", "last_started_at", "last_outcome", "last_message", "runs_24h", "failures_24h"],
    )


def fetch_scheduler_lease(conn: Connection, *, now: dt.datetime) -> dict | None:
    """The scheduler's leadership lease: holder, acquired_at, expires_at, alive (not expired), or None."""
    row = conn.execute(
        select(SchedulerLease.holder, SchedulerLease.acquired_at, SchedulerLease.expires_at).where(
            SchedulerLease.name == "scheduler"
        )
    ).first()
    if row is None:
        return None
    return {
        "holder": row.holder,
        "acquired_at": row.acquired_at,
        "expires_at": row.expires_at,
        "alive": row.expires_at is not None and row.expires_at > now,
    }


# A derived figure comes from the batches of the stored measures it is computed from. The
# catalog's formulas name most of them; vehicle fuel counts in a unit's total energy.
_EXTRA_BASES = {"energy.total_kgce": ("vehicle.fuel_l",), "energy.co2_t": ("vehicle.fuel_l",)}


def base_metrics(metric_id: str) -> tuple[str, ...]:
    """The stored (flow or state) metrics a metric's figure is made of: itself if stored."""
    metric = METRICS_BY_ID[metric_id]
    if metric.kind != "derived":
        return (metric_id,)
    found: list[str] = []
    for token in re.findall(r"[a-z][a-z0-9_]*", metric.formula or ""):
        candidate = f"{metric.domain}.{token}"
        if candidate in METRICS_BY_ID and candidate != metric_id:
            for base in base_metrics(candidate):
                if base not in found:
                    found.append(base)
    for extra in _EXTRA_BASES.get(metric_id, ()):
        if extra not in found:
            found.append(extra)
    return tuple(found)


def fetch_provenance(
    conn: Connection, scope: Scope, *, metric_id: str, org_id: int | None, month_from: dt.date, month_to: dt.date
) -> pd.DataFrame:
    """Which load batches fed ``metric_id`` for the org node (its whole subtree) in the months
    ``month_from``..``month_to`` (first days of months, inclusive); for a derived metric, the
    batches of the stored measures it is computed from. Columns: ``PROVENANCE_COLUMNS`` plus
    ``metrics`` (the stored metrics the batch fed); ``rows`` is how many fact rows of the batch
    went into the figure. Raises ``OrgNotFound`` for a node that does not exist, ``OutOfScope``
    for one outside the scope; ``KeyError`` for an unknown metric (a bug, not an answer)."""
    org = resolve_org(conn, scope, org_id)
    bases = base_metrics(metric_id)
    stmt = (
        select(
            RollupProvenance.month,
            RollupProvenance.batch_id,
            func.max(RollupProvenance.rows).label("rows"),
            LoadBatch.fact,
            LoadBatch.file_name,
            LoadBatch.status,
            LoadBatch.started_at,
            LoadBatch.finished_at,
            DataSource.code.label("source_code"),
            DataSource.name_zh.label("source_name_zh"),
            DataSource.name_en.label("source_name_en"),
        )
        .outerjoin(LoadBatch, LoadBatch.id == RollupProvenance.batch_id)
        .outerjoin(DataSource, DataSource.id == LoadBatch.source_id)
        .where(
            RollupProvenance.metric_id.in_(bases),
            RollupProvenance.org_id == org,
            RollupProvenance.month >= month_from.replace(day=1),
            RollupProvenance.month <= month_to.replace(day=1),
        )
        .group_by(
            RollupProvenance.month,
            RollupProvenance.batch_id,
            LoadBatch.fact,
            LoadBatch.file_name,
            LoadBatch.status,
            LoadBatch.started_at,
            LoadBatch.finished_at,
            DataSource.code,
            DataSource.name_zh,
            DataSource.name_en,
        )
        .order_by(RollupProvenance.month.desc(), RollupProvenance.batch_id.desc())
    )
    frame = pd.DataFrame([dict(r._mapping) for r in conn.execute(stmt)], columns=PROVENANCE_COLUMNS)
    if not frame.empty:
        which = select(RollupProvenance.month, RollupProvenance.batch_id, RollupProvenance.metric_id).where(
            RollupProvenance.metric_id.in_(bases),
            RollupProvenance.org_id == org,
            RollupProvenance.month >= month_from.replace(day=1),
            RollupProvenance.month <= month_to.replace(day=1),
        )
        metrics: dict = {}
        for r in conn.execute(which):
            metrics.setdefault((r.month, r.batch_id), []).append(r.metric_id)
        frame["metrics"] = [sorted(metrics.get((m, b), [])) for m, b in zip(frame["month"], frame["batch_id"])]
    else:
        frame["metrics"] = []
    return frame
