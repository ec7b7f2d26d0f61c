"""alert notifications: channels per department and every delivery attempt

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 06:00:00.000000

- ``notification_channel``: a department's e-mail addresses or work-chat webhook;
- ``notification_attempt``: each try at telling a channel of an alert event (firing, resolved),
  with its outcome, so that a delivery can be shown and retried with back-off.
"""

from alembic import op
import sqlalchemy as sa

from data.models.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notification_channel_department_id", "notification_channel", ["department_id"])
    op.create_table(
        "notification_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alert.id"), nullable=False),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("alert_event.id"), nullable=False),
        sa.Column("channel_id", sa.Integer(), sa.ForeignKey("notification_channel.id"), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notification_attempt_alert_id", "notification_attempt", ["alert_id"])
    op.create_index("ix_notification_attempt_event_id", "notification_attempt", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_notification_attempt_event_id", table_name="notification_attempt")
    op.drop_index("ix_notification_attempt_alert_id", table_name="notification_attempt")
    op.drop_table("notification_attempt")
    op.drop_index("ix_notification_channel_department_id", table_name="notification_channel")
    op.drop_table("notification_channel")
