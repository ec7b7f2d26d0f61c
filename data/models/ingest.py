"""Sources, load batches (provenance) and the quarantine of rejected rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

SOURCE_KINDS = ("file_drop", "sql", "simulator", "demo_generator", "manual")
BATCH_STATUSES = ("running", "applied", "unchanged", "failed")


class DataSource(Base):
    __tablename__ = "data_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    domain: Mapped[str] = mapped_column(String(16))  # energy | vehicle | asset | housing | reference
    name_zh: Mapped[str] = mapped_column(String(96))
    name_en: Mapped[str] = mapped_column(String(128))
    config: Mapped[dict] = mapped_column(JSON, default=dict)  # folder / URL+query+mapping / simulator knobs
    interval_seconds: Mapped[int] = mapped_column(Integer, default=300)
    # A source with no batch for this long raises a no-data alert.
    stale_after_seconds: Mapped[int] = mapped_column(Integer, default=3600)
    high_water_mark: Mapped[str | None] = mapped_column(String(64))
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class LoadBatch(Base):
    __tablename__ = "load_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("data_source.id"), index=True)
    domain: Mapped[str] = mapped_column(String(16))
    fact: Mapped[str] = mapped_column(String(32))  # meter_reading | trip | fuel | ...
    file_name: Mapped[str | None] = mapped_column(String(255))
    checksum_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="running")
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    data_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    data_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class QuarantineRow(Base):
    __tablename__ = "quarantine_row"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("load_batch.id"), index=True)
    fact: Mapped[str] = mapped_column(String(32))
    source_name: Mapped[str] = mapped_column(String(255))
    # the org node the row belongs to, when the loader could tell (the data page filters by scope)
    org_id: Mapped[int | None] = mapped_column(Integer, index=True)
    line_no: Mapped[int | None] = mapped_column(Integer)
    column_name: Mapped[str | None] = mapped_column(String(64))
    raw: Mapped[dict] = mapped_column(JSON)  # the row exactly as read, header -> text
    reason_code: Mapped[str] = mapped_column(String(48))  # message-catalog key
    reason_params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resubmitted | discarded
    resolved_batch_id: Mapped[int | None] = mapped_column(Integer)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
