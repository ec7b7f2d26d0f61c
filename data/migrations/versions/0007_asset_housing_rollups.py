"""asset roll-ups by category and office-space roll-ups by rank

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 11:20:00.000000

- ``rollup_asset_category``: each org node's assets by the category they are registered under
  (subtree totals, month-end states like ``rollup_monthly``): count, original and net value,
  idle and warehoused counts. The asset page's breakdown by category reads it instead of the
  asset register.
- ``rollup_office_rank``: each org node's office occupants by administrative level and rank
  (subtree totals, month-end states): the usable area they occupy (a shared room's area split
  evenly), the area the standard allows them, the area above it and how many sit in rooms over
  the standard. The office-space-by-rank panel reads it instead of rooms and occupancies.
"""

import sqlalchemy as sa
from alembic import op

from data.models.base import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch rebuild of the table would trip the assets' foreign keys on SQLite.
    op.add_column("asset_category", sa.Column("updated_at", UTCDateTime(), nullable=True))
    op.add_column("asset_category", sa.Column("updated_by", sa.String(length=64), nullable=True))
    op.create_table(
        "rollup_asset_category",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("count", sa.Float(), nullable=False),
        sa.Column("original_value_yuan", sa.Float(), nullable=False),
        sa.Column("net_value_yuan", sa.Float(), nullable=False),
        sa.Column("idle_count", sa.Float(), nullable=False),
        sa.Column("warehouse_count", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "month", "category_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_office_rank",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("admin_level", sa.String(length=16), nullable=False),
        sa.Column("rank_code", sa.String(length=32), nullable=False),
        sa.Column("occupants", sa.Float(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("allowed_m2", sa.Float(), nullable=False),
        sa.Column("over_m2", sa.Float(), nullable=False),
        sa.Column("over_occupants", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "month", "admin_level", "rank_code"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("rollup_office_rank")
    op.drop_table("rollup_asset_category")
    op.execute("ALTER TABLE asset_category DROP COLUMN updated_by")
    op.execute("ALTER TABLE asset_category DROP COLUMN updated_at")
