"""Schema version 2: each run records the engine that collected it (local | celery).

Runs stored before are local runs. ``meta.schema_version`` goes to 2 so that a
controlcheck older than this refuses the file instead of misreading it.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("engine", sa.Text, nullable=False, server_default="local"))
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
