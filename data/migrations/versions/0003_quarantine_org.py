"""quarantine rows carry the org they belong to

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:00:00.000000

``quarantine_row.org_id``: the org node the rejected row belongs to, when the row names a meter,
building, vehicle, asset, housing unit or org the loader knows (NULL when it does not, e.g. an
unknown meter code). The data page shows a user only the rows of their data scope; rows without
an org only to users whose scope is the whole province. Rows quarantined before this migration
have no org and so become province-only, the safe side.
"""

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine_row") as batch:
        batch.add_column(sa.Column("org_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_quarantine_row_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quarantine_row") as batch:
        batch.drop_index(batch.f("ix_quarantine_row_org_id"))
        batch.drop_column("org_id")
