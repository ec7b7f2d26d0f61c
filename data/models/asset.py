"""Fixed assets, categories, the public property warehouse (公物仓) and physical audits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

ASSET_STATUSES = ("in_use", "idle", "warehouse", "pending_disposal", "disposed")
MOVEMENT_KINDS = ("acquire", "transfer", "to_warehouse", "redeploy", "dispose", "status_change")


class AssetCategory(Base):
    __tablename__ = "asset_category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("asset_category.id"))
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    useful_life_years: Mapped[int] = mapped_column(Integer)
    depreciation_method: Mapped[str] = mapped_column(String(24), default="straight_line")
    residual_rate: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class Asset(Base):
    __tablename__ = "asset"
    # A unit's idle or warehoused assets (redeployment matching), migration 0008.
    __table_args__ = (Index("ix_asset_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("asset_category.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(24), index=True)
    status_since: Mapped[dt.date] = mapped_column(Date)
    original_value_yuan: Mapped[float] = mapped_column(Float)
    acquired_on: Mapped[dt.date] = mapped_column(Date)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    custodian_name: Mapped[str | None] = mapped_column(String(64))
    custodian_phone: Mapped[str | None] = mapped_column(String(32))
    last_audit_on: Mapped[dt.date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(Integer)


class AssetMovement(Base):
    __tablename__ = "asset_movement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(24))
    from_org_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    to_org_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    # For a redeployment (调剂): what buying the same asset new would have cost, minus nothing.
    value_saved_yuan: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(String(255))
    batch_id: Mapped[int | None] = mapped_column(Integer)


class AssetAudit(Base):
    __tablename__ = "asset_audit"
    # An asset's latest audit (the register's cross-check), migration 0008.
    __table_args__ = (Index("ix_asset_audit_asset_day", "asset_id", "audited_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
    audited_on: Mapped[dt.date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(16))  # found | missing | mismatch
    note: Mapped[str | None] = mapped_column(String(255))
    batch_id: Mapped[int | None] = mapped_column(Integer)


class AssetRequest(Base):
    """A unit's request for an asset of a category: what redeployment matching serves first."""

    __tablename__ = "asset_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("asset_category.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    requested_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | matched | bought | cancelled
