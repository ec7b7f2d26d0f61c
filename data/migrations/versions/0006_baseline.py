"""energy baselines per building and the anomalies found against them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 08:40:00.000000

- ``building_baseline``: a building's fitted baseline (``data.baseline.BaselineModel`` as JSON),
  its training window and in-sample accuracy, replaced by each fit;
- ``energy_anomaly``: days (and nights) on which a building used more than its baseline allows,
  with the extra kWh and their cost.
"""

import sqlalchemy as sa
from alembic import op

from data.models.base import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "building_baseline",
        sa.Column("building_id", sa.Integer(), sa.ForeignKey("building.id"), nullable=False),
        sa.Column("fitted_at", UTCDateTime(), nullable=False),
        sa.Column("train_start", sa.Date(), nullable=False),
        sa.Column("train_end", sa.Date(), nullable=False),
        sa.Column("model_json", sa.Text(), nullable=False),
        sa.Column("cv_rmse_hourly", sa.Float(), nullable=True),
        sa.Column("nmbe_hourly", sa.Float(), nullable=True),
        sa.Column("n_hours", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("building_id"),
    )
    op.create_table(
        "energy_anomaly",
        sa.Column("building_id", sa.Integer(), sa.ForeignKey("building.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actual_kwh", sa.Float(), nullable=False),
        sa.Column("expected_kwh", sa.Float(), nullable=False),
        sa.Column("extra_kwh", sa.Float(), nullable=False),
        sa.Column("extra_cost_yuan", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("building_id", "day", "kind"),
    )
    op.create_index("ix_energy_anomaly_day", "energy_anomaly", ["day"])


def downgrade() -> None:
    op.drop_index("ix_energy_anomaly_day", table_name="energy_anomaly")
    op.drop_table("energy_anomaly")
    op.drop_table("building_baseline")
