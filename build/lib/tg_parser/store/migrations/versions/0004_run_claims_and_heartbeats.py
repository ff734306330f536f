"""Runs send a heartbeat and claim their work (one run per stage and channel at a time).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "run_claims",
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_claims_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("stage", "subject", name=op.f("pk_run_claims")),
    )
    with op.batch_alter_table("run_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_claims_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_claims_run_id"))
    op.drop_table("run_claims")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
