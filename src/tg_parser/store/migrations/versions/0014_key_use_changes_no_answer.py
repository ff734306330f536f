"""PostgreSQL: writes to ``api_keys`` no longer notify ``tg_parser_changed``. No answer
``serve`` caches reads that table (a key is checked before the cache is looked at), and a
key's first use each minute writes its ``last_used_at``: with the trigger, every such
write emptied the whole response cache. SQLite needs nothing (``PRAGMA data_version``
cannot tell tables apart).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER tg_parser_changed ON api_keys")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER tg_parser_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            "ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION tg_parser_notify_changed()"
        )
