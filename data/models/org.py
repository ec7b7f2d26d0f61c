"""The organisation tree, the eight business departments and buildings.

``OrgNode.path`` is a materialised path ("/1/5/23/") so that a subtree is one indexed
prefix comparison: data scope and roll-ups up the tree both rely on it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

ORG_LEVELS = ("province", "city", "county", "agency")
DEPARTMENT_CODES = ("information", "finance", "asset", "real_estate", "vehicle", "energy", "safety", "general")


class OrgNode(Base):
    __tablename__ = "org_node"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))  # one of ORG_LEVELS
    # The administrative level whose standards apply (province/city/county) — an agency
    # under a county follows the county's office-space limits.
    admin_level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    path: Mapped[str] = mapped_column(String(255), index=True)
    depth: Mapped[int] = mapped_column(Integer)
    headcount: Mapped[int] = mapped_column(Integer, default=0)  # staff (编制人数), agencies only
    energy_users: Mapped[int] = mapped_column(Integer, default=0)  # 用能人数
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # 统一社会信用代码 (18 characters), when the unit has one; imported with the org master data.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True, index=True)
    # A unit abolished or merged keeps its node, its history and its roll-ups; it is no longer
    # offered as a place for new facts.
    retired_on: Mapped[dt.date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(Integer)  # load_batch that last wrote the row


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # one of DEPARTMENT_CODES
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))


class Building(Base):
    __tablename__ = "building"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    use_type: Mapped[str] = mapped_column(String(32), default="office")
    floor_area_m2: Mapped[float] = mapped_column(Float)
    heated_area_m2: Mapped[float] = mapped_column(Float)
    occupants: Mapped[int] = mapped_column(Integer, default=0)
    year_built: Mapped[int | None] = mapped_column(Integer)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    retired_on: Mapped[dt.date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(Integer)
