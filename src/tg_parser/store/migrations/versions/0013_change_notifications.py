"""PostgreSQL: every statement that changes an application table notifies
``tg_parser_changed`` (``pg_notify``, delivered when its transaction commits), so that
``serve`` learns of writes by any process and drops its cached answers
(``store/changes.py``). One function, one statement-level trigger per table; a table added
later needs its own trigger (tests/store/test_changes.py checks every table has one).
SQLite needs nothing: ``PRAGMA data_version`` tells the same.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "tg_parser_notify_changed"
TRIGGER = "tg_parser_changed"
TABLES = (
    "sources",
    "source_schedules",
    "source_attempts",
    "comment_cursors",
    "raw_messages",
    "raw_message_versions",
    "processed_documents",
    "processing_failures",
    "topic_cards",
    "topic_bundles",
    "topic_targets",
    "runs",
    "webhook_deliveries",
    "run_claims",
    "run_batches",
    "llm_calls",
    "embeddings",
    "api_keys",
    "search_documents",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('tg_parser_changed', ''); RETURN NULL; END $$"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER {TRIGGER} ON {table}")
    op.execute(f"DROP FUNCTION {FUNCTION}()")
