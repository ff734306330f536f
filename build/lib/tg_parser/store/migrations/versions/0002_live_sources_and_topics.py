"""Live sources (channel details, backfill cursor) and the knowledge base (noise, targets).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("subscribers", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("discussion_group_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("access_hash", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("backfill_before", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("backfill_complete", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("processed_documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("noise", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "topic_targets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_targets")),
    )


def downgrade() -> None:
    op.drop_table("topic_targets")
    with op.batch_alter_table("processed_documents", schema=None) as batch_op:
        batch_op.drop_column("noise")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        for column in (
            "backfill_complete",
            "backfill_before",
            "access_hash",
            "discussion_group_id",
            "subscribers",
            "description",
        ):
            batch_op.drop_column(column)
