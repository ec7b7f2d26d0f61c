"""Editable reference data, each value with its source: coefficients, standards, quotas, targets."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class MetricDefinition(Base):
    """The metrics catalog as stored; ``data/catalog.py`` is its source and seeds it."""

    __tablename__ = "metric"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    domain: Mapped[str] = mapped_column(String(16), index=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    unit: Mapped[str] = mapped_column(String(24))
    rollup_rule: Mapped[str] = mapped_column(String(16))  # sum | last | ratio | formula
    bad_direction: Mapped[str] = mapped_column(String(8))  # up | down | none
    kind: Mapped[str] = mapped_column(String(12))  # flow | state | derived
    department_code: Mapped[str] = mapped_column(String(32))
    formula: Mapped[str | None] = mapped_column(String(255))


class EnergyCoefficient(Base):
    __tablename__ = "energy_coefficient"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(24))
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    source: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class OfficeSpaceStandard(Base):
    """Usable m² per person by administrative level and rank (发改投资〔2014〕2674号)."""

    __tablename__ = "office_space_standard"
    __table_args__ = (UniqueConstraint("admin_level", "rank_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    admin_level: Mapped[str] = mapped_column(String(16))  # central | province | city | county
    rank_code: Mapped[str] = mapped_column(String(32))
    rank_zh: Mapped[str] = mapped_column(String(32))
    rank_en: Mapped[str] = mapped_column(String(64))
    limit_m2: Mapped[float] = mapped_column(Float)
    sort_order: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class EnergyQuota(Base):
    """A unit's annual energy quota tiers (能耗定额): 约束值 limit, 基准值 benchmark, 引导值 guide."""

    __tablename__ = "energy_quota"
    __table_args__ = (UniqueConstraint("org_id", "year", "basis"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(16))  # per_m2 (kgce/m²) | per_person (kgce/person) | total (kgce)
    limit_value: Mapped[float] = mapped_column(Float)
    benchmark_value: Mapped[float] = mapped_column(Float)
    guide_value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(255))
    batch_id: Mapped[int | None] = mapped_column(Integer)  # load_batch that last wrote the row


class PlanTarget(Base):
    """Five-year-plan baselines and targets for public institutions."""

    __tablename__ = "plan_target"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(24))
    name_zh: Mapped[str] = mapped_column(String(96))
    name_en: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(255))
