"""Schema version 3: finding episodes, so finding age need not walk every stored run.

A row per episode of a finding (asset x control): the complete run where it opened (failed
after not failing) and the one that fixed it (passed again), if any. The table is derived
data: ``RunStore.upgrade`` fills it from the stored runs in the same transaction, and each
stored run updates it. ``meta.schema_version`` goes to 3 so that an older controlcheck
refuses the history instead of storing runs the episodes would not know of.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding_episodes",
        sa.Column("asset_id", sa.Text, nullable=False), sa.Column("control_id", sa.Text, nullable=False),
        sa.Column("opened_run", sa.Integer, nullable=False), sa.Column("opened_at", sa.Text),
        sa.Column("fixed_run", sa.Integer), sa.Column("fixed_at", sa.Text), sa.Column("severity", sa.Text),
        sa.PrimaryKeyConstraint("asset_id", "control_id", "opened_run"),
    )
    op.create_index("finding_episodes_fixed_run", "finding_episodes", ["fixed_run"])
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
