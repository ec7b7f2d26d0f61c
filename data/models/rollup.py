"""Roll-ups: the only tables pages read for figures.

Every additive base measure of the metrics catalog (``data/catalog.py``) is kept per
entity and period. ``entity_kind`` is ``org`` (the subtree total of an org node, so a
province figure is one row), ``building`` or ``vehicle``. Days and months are local
(Asia/Shanghai) calendar periods; ``month`` is the first day of the month.

State measures (fleet size, idle assets, office area …) are stored in ``rollup_monthly``
as the value at the end of the month (or now, for the current month).
``rollup_provenance`` says which load batches contributed to each org-month, so that any
KPI tile can show where its figure came from.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

ENTITY_KINDS = ("org", "building", "vehicle")


class RollupDaily(Base):
    __tablename__ = "rollup_daily"
    __table_args__ = {"sqlite_with_rowid": False}

    metric_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    entity_kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    samples: Mapped[int] = mapped_column(Integer, default=0)


class RollupMonthly(Base):
    __tablename__ = "rollup_monthly"
    __table_args__ = {"sqlite_with_rowid": False}

    metric_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    entity_kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    samples: Mapped[int] = mapped_column(Integer, default=0)


class RollupHourlyProfile(Base):
    """Sum per month × weekday (0 = Monday) × local hour: the hour×weekday heat map."""

    __tablename__ = "rollup_hourly_profile"
    __table_args__ = {"sqlite_with_rowid": False}

    metric_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    entity_kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    samples: Mapped[int] = mapped_column(Integer, default=0)


class RollupProvenance(Base):
    __tablename__ = "rollup_provenance"
    __table_args__ = {"sqlite_with_rowid": False}

    metric_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    batch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)


class DataVersion(Base):
    """A counter per domain, bumped by every committed batch: caches key on it."""

    __tablename__ = "data_version"

    domain: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
