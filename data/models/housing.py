"""Office rooms and their occupants, staff, turnover housing, leases and the waiting list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class StaffMember(Base):
    """A unit's staff list: the cross-check for who occupies office rooms."""

    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_no: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    person_name: Mapped[str] = mapped_column(String(64))
    person_phone: Mapped[str | None] = mapped_column(String(32))
    person_id_number: Mapped[str | None] = mapped_column(String(32))
    rank_code: Mapped[str] = mapped_column(String(32))
    left_on: Mapped[dt.date | None] = mapped_column(Date)  # left the unit's staff list
    batch_id: Mapped[int | None] = mapped_column(Integer)


class OfficeRoom(Base):
    __tablename__ = "office_room"
    __table_args__ = (UniqueConstraint("building_id", "room_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    room_no: Mapped[str] = mapped_column(String(16))
    usable_area_m2: Mapped[float] = mapped_column(Float)
    purpose: Mapped[str] = mapped_column(String(24), default="office")  # office | meeting | service
    batch_id: Mapped[int | None] = mapped_column(Integer)  # load_batch that last wrote the row


class OfficeOccupancy(Base):
    __tablename__ = "office_occupancy"
    __table_args__ = (UniqueConstraint("room_id", "staff_no", "since"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("office_room.id"), index=True)
    staff_no: Mapped[str] = mapped_column(String(32), index=True)
    person_name: Mapped[str] = mapped_column(String(64))
    rank_code: Mapped[str] = mapped_column(String(32))
    since: Mapped[dt.date] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(Integer)


class HousingUnit(Base):
    """A turnover-housing unit (周转住房)."""

    __tablename__ = "housing_unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    area_m2: Mapped[float] = mapped_column(Float)
    rooms: Mapped[int] = mapped_column(Integer)
    monthly_rent_yuan: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="available")  # available | occupied | repair
    batch_id: Mapped[int | None] = mapped_column(Integer)  # load_batch that last wrote the row


class Lease(Base):
    __tablename__ = "lease"
    __table_args__ = (UniqueConstraint("unit_id", "starts_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("housing_unit.id"), index=True)
    tenant_name: Mapped[str] = mapped_column(String(64))
    tenant_phone: Mapped[str | None] = mapped_column(String(32))
    tenant_id_number: Mapped[str | None] = mapped_column(String(32))
    tenant_org_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    moved_out_on: Mapped[dt.date | None] = mapped_column(Date)
    monthly_rent_yuan: Mapped[float] = mapped_column(Float)
    arrears_yuan: Mapped[float] = mapped_column(Float, default=0.0)
    batch_id: Mapped[int | None] = mapped_column(Integer)


class HousingApplication(Base):
    """The waiting list for turnover housing."""

    __tablename__ = "housing_application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(64))
    applicant_phone: Mapped[str | None] = mapped_column(String(32))
    applied_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | allocated | withdrawn
    allocated_on: Mapped[dt.date | None] = mapped_column(Date)
