"""Fitted energy baselines per building and the anomalies found against them.

``building_baseline`` holds one fitted ``data.baseline.BaselineModel`` per building as JSON, with
its training window and in-sample accuracy; ``energy_anomaly`` holds the days on which a building
used more than its baseline allows (``data.baseline.store`` writes both).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

ANOMALY_KINDS = ("above_baseline", "night", "holiday")


class BuildingBaseline(Base):
    """A building's latest fitted baseline (one row per building, replaced by each fit)."""

    __tablename__ = "building_baseline"

    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), primary_key=True)
    fitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    train_start: Mapped[dt.date] = mapped_column(Date)  # local days, inclusive
    train_end: Mapped[dt.date] = mapped_column(Date)
    model_json: Mapped[str] = mapped_column(Text)  # BaselineModel.to_json()
    cv_rmse_hourly: Mapped[float | None] = mapped_column(Float)  # in-sample, fraction (0.08 = 8 %)
    nmbe_hourly: Mapped[float | None] = mapped_column(Float)
    n_hours: Mapped[int] = mapped_column(Integer)  # hours the fit used


class EnergyAnomaly(Base):
    """A day (or the day's night hours) on which a building used more than its baseline allows.

    ``kind``: ``above_baseline`` (a working day's total above the prediction band), ``holiday``
    (the same on a non-working day), ``night`` (22:00–06:00 above the band). ``extra_kwh`` is the
    actual minus the expected consumption; ``extra_cost_yuan`` that times the electricity price.
    """

    __tablename__ = "energy_anomaly"
    __table_args__ = (Index("ix_energy_anomaly_day", "day"),)

    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    actual_kwh: Mapped[float] = mapped_column(Float)
    expected_kwh: Mapped[float] = mapped_column(Float)
    extra_kwh: Mapped[float] = mapped_column(Float)
    extra_cost_yuan: Mapped[float] = mapped_column(Float)
