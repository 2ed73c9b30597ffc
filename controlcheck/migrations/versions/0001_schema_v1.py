"""Schema version 1: the history as the first SQLite-only store wrote it.

A history made by that code (a ``meta`` table saying schema_version 1, no
``alembic_version``) is stamped with this revision and upgraded from here.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("meta", sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Text, nullable=False))
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("finished_at", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("inventory", sa.Text),
        sa.Column("pid", sa.Integer),
        sa.Column("host", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("results_run_id", sa.Text),
        sa.Column("facts_dir", sa.Text),
        sa.Column("summary", sa.Text),
        sa.Column("results", sa.LargeBinary),
        sa.Column("assessment", sa.LargeBinary),
        sa.CheckConstraint("status IN ('running', 'complete', 'incomplete', 'failed')", name="runs_status"),
        sqlite_autoincrement=True,
    )

    def run_fk():
        return sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False)

    op.create_table(
        "assets",
        run_fk(), sa.Column("asset_id", sa.Text, nullable=False),
        *(sa.Column(c, sa.Text) for c in ("kind", "platform", "site", "owner", "address", "collected_at",
                                           "facts_path", "facts_sha256", "errors")),
        sa.PrimaryKeyConstraint("run_id", "asset_id"),
    )
    op.create_table(
        "findings",
        run_fk(), sa.Column("asset_id", sa.Text, nullable=False),
        sa.Column("control_id", sa.Text, nullable=False), sa.Column("status", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        *(sa.Column(c, sa.Text) for c in ("title", "message", "observed", "evidence_ids")),
        sa.PrimaryKeyConstraint("run_id", "asset_id", "control_id"),
    )
    op.create_table(
        "evidence",
        run_fk(), sa.Column("asset_id", sa.Text, nullable=False),
        sa.Column("evidence_id", sa.Text, nullable=False),
        *(sa.Column(c, sa.Text) for c in ("source", "sha256", "path")),
        sa.PrimaryKeyConstraint("run_id", "asset_id", "evidence_id"),
    )
    op.create_table(
        "cai",
        run_fk(), sa.Column("breakdown", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False), sa.Column("value", sa.Float),
        sa.PrimaryKeyConstraint("run_id", "breakdown", "key"),
    )
    op.create_index("findings_status", "findings", ["run_id", "status"])
    op.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
