"""Working the quarantine: re-submit a corrected row, or discard it with a note.

A re-submission runs the corrected row through the same pipeline as a one-row batch, in
strict mode: if the row is still invalid nothing is written and the reasons come back; if it
is accepted, the new batch and the closing of the quarantine row commit together. Every
decision is written to the audit log with who made it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from data.import_formats import FORMATS, match_header
from data.import_reasons import Issue
from data.models import AuditLog, LoadBatch, QuarantineRow

from .batch_record import BatchResult
from .extract import RawRow, Table
from .facts import Settings
from .pipeline import RowsRejected, run_batch, write_connection


class QuarantineError(Exception):
    """The row does not exist or is no longer open."""


@dataclass
class ResubmitOutcome:
    ok: bool
    batch: BatchResult | None
    issues: list[Issue]


def _open_row(conn, row_id: int):
    row = conn.execute(select(QuarantineRow).where(QuarantineRow.id == row_id)).first()
    if row is None:
        raise QuarantineError(f"quarantine row {row_id} does not exist")
    row = row[0] if not hasattr(row, "status") else row
    if row.status != "open":
        raise QuarantineError(f"quarantine row {row_id} is {row.status}, not open")
    return row


def _as_table(row, corrected: dict[str, str]) -> Table:
    raw = dict(row.raw or {})
    unknown = [k for k in corrected if k not in raw]
    if unknown:
        raise QuarantineError(f"columns not in the row: {', '.join(unknown)}")
    raw.update({k: ("" if v is None else str(v)) for k, v in corrected.items()})
    headers = list(raw.keys())
    header, issues = match_header(row.fact, headers)
    name = f"quarantine #{row.id} ({row.source_name})"
    if header is None:
        return Table(name, "records", row.fact, None, issues)
    table = Table(name, "records", row.fact, header, [])
    table._rows = iter([RawRow(row.line_no or 0, [raw[h] for h in headers])])
    return table


def resubmit(
    engine: Engine,
    row_id: int,
    corrected: dict[str, str],
    *,
    actor: str,
    now: dt.datetime,
    settings: Settings | None = None,
) -> ResubmitOutcome:
    """Re-submit quarantine row ``row_id`` with ``corrected`` values (header -> text).

    The caller checks the permission (``manage_data``); this function records who did it.
    """
    with engine.connect() as conn:
        row = _open_row(conn, row_id)
        source_id = conn.execute(select(LoadBatch.source_id).where(LoadBatch.id == row.batch_id)).scalar()
    table = _as_table(row, corrected)
    if table.refused:
        return ResubmitOutcome(False, None, table.issues)

    def close_row(conn, result: BatchResult) -> None:
        # Inside the new batch's transaction: the row closes only if the batch commits.
        closed = conn.execute(
            update(QuarantineRow)
            .where(QuarantineRow.id == row_id, QuarantineRow.status == "open")
            .values(status="resubmitted", resolved_batch_id=result.batch_id, resolved_by=actor[:64], resolved_at=now)
        )
        if closed.rowcount != 1:
            raise QuarantineError(f"quarantine row {row_id} was closed by someone else meanwhile")
        conn.execute(
            insert(AuditLog).values(
                ts=now,
                actor=actor[:64],
                action="quarantine_resubmit",
                target=f"quarantine_row:{row_id}",
                detail={"batch_id": result.batch_id, "fact": row.fact, "corrected": sorted(corrected)},
                outcome="ok",
            )
        )

    try:
        result = run_batch(
            engine,
            table,
            now=now,
            source_id=source_id,
            checksum=None,
            settings=settings or Settings(),
            strict=True,
            in_transaction=close_row,
        )
    except RowsRejected as rejected:
        return ResubmitOutcome(False, None, rejected.issues)
    if result.status == "failed":
        return ResubmitOutcome(False, result, result.issues)
    return ResubmitOutcome(True, result, [])


def discard(engine: Engine, row_id: int, *, actor: str, note: str, now: dt.datetime) -> None:
    """Close a quarantine row without loading it (a test row, a duplicate the operator checked)."""
    if not note or not note.strip():
        raise QuarantineError("a note is required to discard a row")
    with write_connection(engine) as conn:
        _open_row(conn, row_id)
        conn.execute(
            update(QuarantineRow)
            .where(QuarantineRow.id == row_id)
            .values(status="discarded", resolved_by=actor[:64], resolved_at=now)
        )
        conn.execute(
            insert(AuditLog).values(
                ts=now,
                actor=actor[:64],
                action="quarantine_discard",
                target=f"quarantine_row:{row_id}",
                detail={},
                outcome="ok",
                note=note.strip()[:2000],
            )
        )


def editable_fields(fact: str) -> list[str]:
    """The format's field names, for the correction form's help text."""
    return list(FORMATS[fact].field_names)
