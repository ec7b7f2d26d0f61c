"""Roll-ups: the only tables pages read for figures.

Every additive base measure of the metrics catalog (``data/catalog.py``) is kept per
entity and period. ``entity_kind`` is ``org`` (the subtree total of an org node, so a
province figure is one row), ``building`` or ``vehicle``. Days and months are local calendar
periods of the configured zone (``AOCC_TIMEZONE``, see ``data/calendar.py``); ``month`` is the
first day of the month.

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
# The hour columns of rollup_hourly_profile: h00 is local 00:00–01:00 … h23 is 23:00–24:00.
PROFILE_HOUR_COLUMNS = tuple(f"h{h:02d}" for h in range(24))


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
    """Sums per month × weekday (0 = Monday), one column per local hour: the hour × weekday heat map.

    Wide on purpose: a batch of one day of hourly readings updates one row per building and
    weekday instead of 24, and the table holds 24 times fewer rows. ``hNN`` is the sum over the
    local hour NN:00–NN+1:00 (0 where nothing was read); ``samples`` counts the raw readings
    summed into the row, all hours together.
    """

    __tablename__ = "rollup_hourly_profile"
    __table_args__ = {"sqlite_with_rowid": False}

    metric_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    entity_kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Spelled out (not generated in a loop) so readers and type checkers see every column;
    # they are PROFILE_HOUR_COLUMNS, in that order (a test checks it).
    h00: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h01: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h02: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h03: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h04: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h05: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h06: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h07: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h08: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h09: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h10: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h11: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h12: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h13: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h14: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h15: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h16: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h17: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h18: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h19: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h20: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h21: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h22: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    h23: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    samples: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


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


class RollupAssetCategory(Base):
    """An org node's assets by registered category at each month end (subtree totals)."""

    __tablename__ = "rollup_asset_category"
    __table_args__ = {"sqlite_with_rowid": False}

    org_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[float] = mapped_column(Float)
    original_value_yuan: Mapped[float] = mapped_column(Float)
    net_value_yuan: Mapped[float] = mapped_column(Float)
    idle_count: Mapped[float] = mapped_column(Float)
    warehouse_count: Mapped[float] = mapped_column(Float)


class RollupOfficeRank(Base):
    """An org node's office occupants by administrative level and rank at each month end
    (subtree totals): area occupied (a shared room split evenly), allowed by the standard, above
    it, and how many occupants sit in rooms over the standard."""

    __tablename__ = "rollup_office_rank"
    __table_args__ = {"sqlite_with_rowid": False}

    org_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    admin_level: Mapped[str] = mapped_column(String(16), primary_key=True)
    rank_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    occupants: Mapped[float] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float)
    allowed_m2: Mapped[float] = mapped_column(Float)
    over_m2: Mapped[float] = mapped_column(Float)
    over_occupants: Mapped[float] = mapped_column(Float)
