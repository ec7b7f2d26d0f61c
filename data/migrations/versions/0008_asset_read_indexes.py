"""indexes for the asset page's subtree reads

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 12:20:00.000000

- ``ix_asset_org_status`` on ``asset (org_id, status)``: redeployment matching reads a subtree's
  idle and warehoused assets; with the unit and the status together the read seeks those few
  rows per unit instead of walking every offerable asset of the province by status (or every
  asset of the subtree by unit).
- ``ix_asset_audit_asset_day`` on ``asset_audit (asset_id, audited_on)``: the asset lists take each
  asset's latest audit up to a day and test for an audit within the overdue window; both become
  one seek in the index instead of reading the asset's audit rows.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_asset_org_status", "asset", ["org_id", "status"])
    op.create_index("ix_asset_audit_asset_day", "asset_audit", ["asset_id", "audited_on"])


def downgrade() -> None:
    op.drop_index("ix_asset_audit_asset_day", table_name="asset_audit")
    op.drop_index("ix_asset_org_status", table_name="asset")
