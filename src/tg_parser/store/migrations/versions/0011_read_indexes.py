"""Indexes for the read routes: a channel's messages by date (the documents listing pages
without sorting the channel), and the channel catalog's counts and latest dates read from
an index instead of every stored message.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BY_DATE = "ix_raw_messages_channel_id_date_id"
_STATS = "ix_raw_messages_channel_id_message_type_date_updated_at"


def upgrade() -> None:
    op.create_index(_BY_DATE, "raw_messages", ["channel_id", "date", "id"])
    op.create_index(_STATS, "raw_messages", ["channel_id", "message_type", "date", "updated_at"])


def downgrade() -> None:
    op.drop_index(_STATS, table_name="raw_messages")
    op.drop_index(_BY_DATE, table_name="raw_messages")
