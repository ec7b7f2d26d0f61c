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
    # The local hour a daily meter is read at (commonly 8): its reading covers the 24 hours
    # before that hour and counts on the day the interval starts. 0 for midnight and sub-daily meters.
    reading_hour: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Rated capacity in the meter's unit per hour (transformer, pipe or heat exchanger rating),
    # when known: the plausibility ceiling of a reading that needs no history.
    capacity_per_hour: Mapped[float | None] = mapped_column(Float)
    retired_on: Mapped[dt.date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(Integer)


class MeterReading(Base):
    __tablename__ = "meter_reading"
    __table_args__ = {"sqlite_with_rowid": False}

    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"), primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(Integer)  # load_batch.id; no FK to keep bulk loads lean


class MeterReadingNote(Base):
    """What a department wrote beside a reading (抄表人, 备注): kept exactly, so that a
    correction (更正) can be explained. Only readings with a note have a row."""

    __tablename__ = "meter_reading_note"

    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"), primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    reader_name: Mapped[str | None] = mapped_column(String(64))  # personal: masked like every *_name
    note: Mapped[str | None] = mapped_column(String(500))
    batch_id: Mapped[int | None] = mapped_column(Integer)


class ReadingCeiling(Base):
    """The highest plausible consumption of a meter kind per m² of its building's floor area and
    hour, with a floor for small buildings: the absolute ceiling of a reading that needs no
    history. Editable reference data; a meter's rated capacity, when known, takes precedence."""

    __tablename__ = "reading_ceiling"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # one of METER_KINDS
    per_m2_hour: Mapped[float] = mapped_column(Float)
    min_per_hour: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64))


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
