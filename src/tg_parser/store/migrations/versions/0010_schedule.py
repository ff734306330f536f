"""The scheduler: each source's export directory, provider and model for scheduled runs,
and its schedule record (the last scheduled run and how it ended).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("export_dir", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("provider", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("model", sa.String(length=128), nullable=True))
    op.create_table(
        "source_schedules",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_source_schedules_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_source_schedules")),
    )


def downgrade() -> None:
    op.drop_table("source_schedules")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("model")
        batch_op.drop_column("provider")
        batch_op.drop_column("export_dir")
