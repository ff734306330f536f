"""A thread's messages found by their post: an index on raw_messages (channel_id, thread_id),
for the MCP tool ``get_thread`` (a post's comments without scanning the channel's).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("raw_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_raw_messages_channel_id_thread_id"),
            ["channel_id", "thread_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("raw_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raw_messages_channel_id_thread_id"))
