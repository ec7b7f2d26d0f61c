"""A batch's record: ``BatchResult`` (what one batch did) and its ``load_batch`` row, inserted
when the batch starts, finished before it commits, or written alone for a batch that was refused
or failed; and the log lines of its outcome. The pipeline (``pipeline.run_batch``) drives them.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection

from data.batch_message import format_message
from data.import_formats import FACT_DOMAINS
from data.import_reasons import Issue
from data.models import LoadBatch

from .facts import Affected

log = logging.getLogger("aocc.loaders")


@dataclass
class BatchResult:
    batch_id: int | None
    fact: str | None
    name: str
    status: str  # applied | unchanged | failed
    rows_read: int = 0
    rows_accepted: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    issues: list[Issue] = field(default_factory=list)
    same_as_batch: int | None = None
    data_from: dt.datetime | None = None
    data_to: dt.datetime | None = None
    source_id: int | None = None
    affected: Affected | None = None
    error: str | None = None
    _started_monotonic: float = field(default_factory=time.monotonic, repr=False)

    @property
    def domain(self) -> str | None:
        return FACT_DOMAINS.get(self.fact) if self.fact else None

    def summary(self) -> str:
        return (
            f"batch {self.batch_id} {self.name} [{self.fact or '?'}]: {self.status}, read {self.rows_read}, "
            f"accepted {self.rows_accepted}, duplicate {self.rows_duplicate}, rejected {self.rows_rejected}"
        )


def data_span(affected: Affected) -> tuple[dt.datetime | None, dt.datetime | None]:
    if affected.ts_min is not None:
        return affected.ts_min, affected.ts_max
    if affected.day_min is not None:
        to_dt = lambda d: dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)  # noqa: E731
        return to_dt(affected.day_min), to_dt(affected.day_max)
    return None, None


def insert_batch(conn, result: BatchResult, domain: str, checksum, now, *, status, finished) -> int:
    return conn.execute(
        insert(LoadBatch)
        .values(
            source_id=result.source_id,
            domain=domain,
            fact=result.fact,
            file_name=result.name[:255],
            checksum_sha256=checksum,
            rows_read=result.rows_read,
            rows_accepted=result.rows_accepted,
            rows_duplicate=result.rows_duplicate,
            rows_rejected=result.rows_rejected,
            status=status,
            message=_message(result),
            started_at=now,
            finished_at=finished,
        )
        .returning(LoadBatch.id)
    ).scalar_one()


def finish_batch(conn, result: BatchResult, now) -> None:
    conn.execute(
        update(LoadBatch)
        .where(LoadBatch.id == result.batch_id)
        .values(
            rows_read=result.rows_read,
            rows_accepted=result.rows_accepted,
            rows_duplicate=result.rows_duplicate,
            rows_rejected=result.rows_rejected,
            status=result.status,
            message=_message(result),
            finished_at=now + dt.timedelta(seconds=time.monotonic() - result._started_monotonic),
            data_from=result.data_from,
            data_to=result.data_to,
        )
    )


def record_refused(conn: Connection, result: BatchResult, *, checksum, started) -> None:
    """The row of a failed or refused batch (its data was never applied), in a transaction of its own."""
    domain = FACT_DOMAINS.get(result.fact or "", "reference")
    result.batch_id = conn.execute(
        insert(LoadBatch)
        .values(
            source_id=result.source_id,
            domain=domain,
            fact=result.fact or "unknown",
            file_name=result.name[:255],
            checksum_sha256=checksum,
            rows_read=0,
            rows_accepted=0,
            rows_duplicate=0,
            rows_rejected=0,
            status="failed",
            message=_message(result),
            started_at=started,
            finished_at=started,
        )
        .returning(LoadBatch.id)
    ).scalar_one()


def _message(result: BatchResult) -> str:
    """``LoadBatch.message``: JSON with the file-level issues (codes and parameters) and the error
    (``data.batch_message``, which the data page reads back with ``parse_message``)."""
    return format_message(result.issues, error=result.error, same_as_batch=result.same_as_batch)


def log_result(result: BatchResult) -> None:
    level = logging.WARNING if result.status == "failed" or result.rows_rejected else logging.INFO
    log.log(level, "%s", result.summary())
    for issue in result.issues:
        if issue.code in ("encoding_detected", "sheet_used"):
            continue
        log.log(
            logging.WARNING if result.status == "failed" else logging.INFO, "file=%s %s", result.name, issue.log_text()
        )
