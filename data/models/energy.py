"""Meters, their readings, weather and the working-day calendar.

A reading is the consumption over the interval that *ends* at ``ts`` (UTC): hourly for
electricity, daily for water, gas and heat. Natural key: (meter_id, ts).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

METER_KINDS = ("electricity", "water", "gas", "heat")
METER_UNITS = {"electricity": "kWh", "water": "m3", "gas": "m3", "heat": "GJ"}


class Meter(Base):
    __tablename__ = "meter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(8))
    interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("data_source.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MeterReading(Base):
    __tablename__ = "meter_reading"
    __table_args__ = {"sqlite_with_rowid": False}

    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"), primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(Integer)  # load_batch.id; no FK to keep bulk loads lean


class WeatherDaily(Base):
    __tablename__ = "weather_daily"

    city_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    temp_mean_c: Mapped[float] = mapped_column(Float)
    temp_min_c: Mapped[float | None] = mapped_column(Float)
    temp_max_c: Mapped[float | None] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(Integer)


class CalendarDay(Base):
    """Working days and public holidays (including the make-up working weekends, 调休)."""

    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    holiday_zh: Mapped[str | None] = mapped_column(String(64))
    holiday_en: Mapped[str | None] = mapped_column(String(96))
    heating_season: Mapped[bool] = mapped_column(Boolean, default=False)
