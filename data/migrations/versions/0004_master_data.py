"""master data imports, daily meters read at any hour, reading notes and ceilings

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:30:00.000000

- ``org_node.credit_code`` (统一社会信用代码) and ``retired_on`` on org nodes, buildings, meters and
  vehicles (``left_on`` on staff members): master data is imported from department files, and
  a unit, building, meter or vehicle that goes away keeps its history instead of being deleted;
- ``batch_id`` on those tables and on office rooms, housing units and the vehicle and energy
  quotas: the load batch that last wrote the row (provenance);
- ``meter.reading_hour``: the local hour a daily meter is read at; ``meter.capacity_per_hour``:
  its rated capacity, the plausibility ceiling of a reading that needs no history;
- ``meter_reading_note``: 抄表人 and 备注 written beside a reading;
- ``reading_ceiling``: editable per-kind ceilings per m² and hour (seeded by ``data.seed``).
"""

from alembic import op
import sqlalchemy as sa

from data.models.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_RETIRED = ("org_node", "building", "meter", "vehicle")
_BATCH = (
    "org_node",
    "building",
    "meter",
    "vehicle",
    "staff_member",
    "office_room",
    "housing_unit",
    "vehicle_quota",
    "energy_quota",
)


def upgrade() -> None:
    # Plain ALTER TABLE ADD/DROP COLUMN (SQLite ≥ 3.35 has both): a batch copy of ``meter`` or
    # ``org_node`` would drop a table that others reference.
    op.add_column("org_node", sa.Column("credit_code", sa.String(length=18), nullable=True))
    op.create_index("ix_org_node_credit_code", "org_node", ["credit_code"], unique=True)
    for table in _RETIRED:
        op.add_column(table, sa.Column("retired_on", sa.Date(), nullable=True))
    op.add_column("staff_member", sa.Column("left_on", sa.Date(), nullable=True))
    for table in _BATCH:
        op.add_column(table, sa.Column("batch_id", sa.Integer(), nullable=True))
    op.add_column("meter", sa.Column("reading_hour", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("meter", sa.Column("capacity_per_hour", sa.Float(), nullable=True))
    op.create_table(
        "meter_reading_note",
        sa.Column("meter_id", sa.Integer(), sa.ForeignKey("meter.id"), nullable=False),
        sa.Column("ts", UTCDateTime(), nullable=False),
        sa.Column("reader_name", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("meter_id", "ts"),
    )
    op.create_table(
        "reading_ceiling",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("per_m2_hour", sa.Float(), nullable=False),
        sa.Column("min_per_hour", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("kind"),
    )


def downgrade() -> None:
    op.drop_table("reading_ceiling")
    op.drop_table("meter_reading_note")
    op.drop_column("meter", "capacity_per_hour")
    op.drop_column("meter", "reading_hour")
    for table in _BATCH:
        op.drop_column(table, "batch_id")
    op.drop_column("staff_member", "left_on")
    for table in _RETIRED:
        op.drop_column(table, "retired_on")
    op.drop_index("ix_org_node_credit_code", table_name="org_node")
    op.drop_column("org_node", "credit_code")
