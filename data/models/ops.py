"""Snapshots and their recipients, scheduler job runs and the scheduler's leadership lease."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class Snapshot(Base):
    __tablename__ = "snapshot"
    __table_args__ = (UniqueConstraint("iso_week", "org_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iso_week: Mapped[str] = mapped_column(String(10))  # 2026-W48
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    folder: Mapped[str] = mapped_column(String(255))
    manifest: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))  # building | published | failed
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(64))


class SnapshotRecipient(Base):
    __tablename__ = "snapshot_recipient"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"))
    email: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(8), default="zh")


class SnapshotDelivery(Base):
    __tablename__ = "snapshot_delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshot.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("snapshot_recipient.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | failed
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class JobRun(Base):
    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    # The scheduled fire time: (job_id, scheduled_for) is unique so a job never runs twice.
    scheduled_for: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # running | ok | failed | skipped
    message: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(128))
    __table_args__ = (UniqueConstraint("job_id", "scheduled_for"),)


class SchedulerLease(Base):
    """Leadership among scheduler processes; renewed by the leader, taken over when expired."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Playlist(Base):
    """A wall-screen playlist: pages, order, dwell times and time-of-day schedule."""

    __tablename__ = "playlist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    items: Mapped[list] = mapped_column(
        JSON, default=list
    )  # [{"page": "energy", "seconds": 30, "org": "P", "period": "month"}]
    schedule: Mapped[dict] = mapped_column(JSON, default=dict)
    refresh_seconds: Mapped[int] = mapped_column(Integer, default=60)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
