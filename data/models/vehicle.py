"""Official vehicles, trips, fuel and charging, maintenance and insurance.

Personal data (driver names, phones, ID numbers) lives in columns named ``*_name``,
``*_phone`` and ``*_id_number``; masking in ``data/`` keys on those names.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

VEHICLE_CLASSES = ("confidential", "emergency", "law_enforcement", "special", "general")
ENERGY_TYPES = ("petrol", "diesel", "electric", "hybrid")
VEHICLE_STATUSES = ("in_service", "repair", "idle", "disposed")


class Vehicle(Base):
    __tablename__ = "vehicle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    vehicle_class: Mapped[str] = mapped_column(String(24))
    energy_type: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(64))
    # L/100 km for fuel vehicles, kWh/100 km for electric ones: the cross-check's yardstick.
    rated_consumption: Mapped[float] = mapped_column(Float)
    acquired_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="in_service")
    driver_name: Mapped[str | None] = mapped_column(String(64))
    driver_phone: Mapped[str | None] = mapped_column(String(32))
    driver_id_number: Mapped[str | None] = mapped_column(String(32))
    retired_on: Mapped[dt.date | None] = mapped_column(Date)  # disposed (处置): kept with its history
    batch_id: Mapped[int | None] = mapped_column(Integer)


class VehicleQuota(Base):
    """Approved fleet size (编制) per unit and class."""

    __tablename__ = "vehicle_quota"

    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), primary_key=True)
    vehicle_class: Mapped[str] = mapped_column(String(24), primary_key=True)
    approved: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int | None] = mapped_column(Integer)  # load_batch that last wrote the row


class TripRequest(Base):
    """An approved use request (用车申请); a trip without one is flagged."""

    __tablename__ = "trip_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    requested_by_name: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(128))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Trip(Base):
    __tablename__ = "trip"
    __table_args__ = (UniqueConstraint("vehicle_id", "start_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    start_ts: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end_ts: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    km: Mapped[float] = mapped_column(Float)
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)
    purpose: Mapped[str | None] = mapped_column(String(128))
    driver_name: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(Integer)


class FuelRecord(Base):
    """Refuelling (litres) or charging (kWh)."""

    __tablename__ = "fuel_record"
    __table_args__ = (UniqueConstraint("vehicle_id", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(8))  # fuel | charge
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(8))  # L | kWh
    cost_yuan: Mapped[float] = mapped_column(Float)
    odometer_km: Mapped[float | None] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(Integer)


class MaintenanceRecord(Base):
    __tablename__ = "maintenance_record"
    __table_args__ = (UniqueConstraint("vehicle_id", "performed_on", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    performed_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(24))  # routine | repair | inspection
    cost_yuan: Mapped[float] = mapped_column(Float)
    odometer_km: Mapped[float | None] = mapped_column(Float)
    next_due_on: Mapped[dt.date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(Integer)


class InsurancePolicy(Base):
    __tablename__ = "insurance_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    insurer: Mapped[str] = mapped_column(String(64))
    policy_no: Mapped[str] = mapped_column(String(40), unique=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    premium_yuan: Mapped[float] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(Integer)
