"""Reads of what departments wrote beside their meter readings (抄表人, 备注; table
``meter_reading_note``), for the data page.

The reader's name is personal: it is masked unless the scope may see personal data. The note is
returned exactly as stored (a formula-looking note too); pages show it as text and exports
neutralise formulas. Times are aware UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from data.masking import mask_frame
from data.models import Building, Meter, MeterReadingNote, OrgNode
from data.scope import Scope

NOTE_COLUMNS = ["meter_id", "meter_code", "building_code", "ts", "reader_name", "note", "batch_id"]

UTC = dt.UTC


def reading_notes(
    conn: Connection,
    scope: Scope | None = None,
    *,
    batch_id: int | None = None,
    meter_ids: Sequence[int] | None = None,
    ts_from: dt.datetime | None = None,
    ts_to: dt.datetime | None = None,
    limit: int = 200,
) -> tuple[pd.DataFrame, int]:
    """Notes of readings (by meter code and time) and how many match. Columns: ``NOTE_COLUMNS``.

    Only notes of meters in buildings of the scope's subtree; without a scope, every note, with
    the reader's name masked. ``batch_id``: the batch that wrote the note; ``meter_ids``, ``ts_from``
    and ``ts_to`` (inclusive) narrow further. At most ``limit`` rows (≤ 1 000), by meter code and time.
    """
    conditions = []
    if scope is not None:
        conditions.append(Building.org_id.in_(select(OrgNode.id).where(OrgNode.path.like(scope.path_prefix_pattern))))
    if batch_id is not None:
        conditions.append(MeterReadingNote.batch_id == int(batch_id))
    if meter_ids is not None:
        conditions.append(MeterReadingNote.meter_id.in_([int(m) for m in meter_ids]))
    if ts_from is not None:
        conditions.append(MeterReadingNote.ts >= ts_from)
    if ts_to is not None:
        conditions.append(MeterReadingNote.ts <= ts_to)
    joined = (
        select(MeterReadingNote.meter_id)
        .join(Meter, Meter.id == MeterReadingNote.meter_id)
        .join(Building, Building.id == Meter.building_id)
        .where(*conditions)
    )
    total = conn.execute(select(func.count()).select_from(joined.subquery())).scalar_one()
    stmt = (
        select(
            MeterReadingNote.meter_id,
            Meter.code.label("meter_code"),
            Building.code.label("building_code"),
            MeterReadingNote.ts,
            MeterReadingNote.reader_name,
            MeterReadingNote.note,
            MeterReadingNote.batch_id,
        )
        .join(Meter, Meter.id == MeterReadingNote.meter_id)
        .join(Building, Building.id == Meter.building_id)
        .where(*conditions)
        .order_by(Meter.code, MeterReadingNote.ts)
        .limit(max(1, min(int(limit), 1000)))
    )
    rows = [dict(r._mapping) for r in conn.execute(stmt)]
    for r in rows:
        if isinstance(r["ts"], dt.datetime) and r["ts"].tzinfo is None:
            r["ts"] = r["ts"].replace(tzinfo=UTC)
    frame = mask_frame(pd.DataFrame(rows, columns=NOTE_COLUMNS), scope, columns=["reader_name"])
    frame["reader_name"] = frame["reader_name"].astype(object).where(frame["reader_name"].notna(), None)
    return frame, int(total)


def latest_note_batch(conn: Connection, scope: Scope | None = None) -> int | None:
    """The newest batch that wrote a reading note the scope may see, or None."""
    stmt = select(func.max(MeterReadingNote.batch_id))
    if scope is not None:
        stmt = (
            stmt.join(Meter, Meter.id == MeterReadingNote.meter_id)
            .join(Building, Building.id == Meter.building_id)
            .where(Building.org_id.in_(select(OrgNode.id).where(OrgNode.path.like(scope.path_prefix_pattern))))
        )
    found = conn.execute(stmt).scalar()
    return None if found is None else int(found)
