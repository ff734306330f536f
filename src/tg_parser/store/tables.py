"""The database schema (SQLAlchemy Core). Alembic migrations must produce exactly this."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps on every backend (SQLite keeps no offset: store UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; attach a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


Json = JSON().with_variant(JSONB(), "postgresql")
Timestamp = UtcDateTime()

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel_key", String(64), nullable=False, unique=True),
    Column("username", String(64)),
    Column("numeric_id", BigInteger, unique=True),
    Column("title", Text),
    Column("description", Text),
    Column("subscribers", Integer),
    Column("discussion_group_id", BigInteger),
    Column("access_hash", BigInteger),
    Column("via", String(16), nullable=False),
    Column("status", String(16), nullable=False, default="active"),
    Column("status_reason", Text),
    Column("include_comments", Boolean, nullable=False, default=False),
    Column("history_from", Timestamp),
    Column("history_to", Timestamp),
    Column("poll_interval_seconds", Integer, nullable=False, default=3600),
    Column("high_watermark", BigInteger),
    Column("backfill_before", BigInteger),
    Column("backfill_complete", Boolean, nullable=False, default=False, server_default=false()),
    Column("last_attempt_at", Timestamp),
    Column("last_success_at", Timestamp),
    Column("last_error_at", Timestamp),
    Column("last_error", Text),
    Column("fail_count", Integer, nullable=False, default=0),
    Column("rate_limit_until", Timestamp),
    Column("webhook_url", Text),
    Column("webhook_secret", Text),  # kept to sign with (see docs/api.md, Webhooks)
    Column("export_dir", Text),  # where scheduled runs export the channel (None: nowhere)
    Column("provider", String(16)),  # scheduled processing's provider (None: LLM_PROVIDER)
    Column("model", String(128)),  # and model (None: LLM_MODEL)
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

# The scheduler's record of each source: its last scheduled run and how it ended.
# ``version`` grows each time a tick takes the source, so two ticks never both take it.
source_schedules = Table(
    "source_schedules",
    metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, nullable=False, default=0),
    Column("run_id", String(40)),
    Column("queued_at", Timestamp),
    Column("outcome", String(16)),  # succeeded | failed | cancelled; None while it runs
    Column("finished_at", Timestamp),
    Column("error", Text),
    Column("failures", Integer, nullable=False, default=0),  # scheduled runs failed in a row
)

source_attempts = Table(
    "source_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("run_id", String(40)),
    Column("started_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp),
    Column("status", String(16), nullable=False),
    Column("messages_stored", Integer, nullable=False, default=0),
    Column("error_class", String(128)),
    Column("error_message", Text),
)

comment_cursors = Table(
    "comment_cursors",
    metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("post_id", BigInteger, primary_key=True),
    Column("last_comment_id", BigInteger, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

raw_messages = Table(
    "raw_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_ref", String(128), nullable=False, unique=True),
    Column("channel_id", String(64), nullable=False),
    Column("message_type", String(8), nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("parent_message_id", BigInteger),
    Column("thread_id", BigInteger),
    Column("date", Timestamp, nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(8)),
    Column("raw_payload", Json),
    Column("content_hash", String(64), nullable=False),
    Column("edit_date", Timestamp),
    Column("version", Integer, nullable=False, default=1),
    Column("first_seen_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index(None, "channel_id", "message_type", "message_id"),
    Index(None, "channel_id", "thread_id"),  # a post's comments (MCP get_thread)
    # a channel's messages newest first (the documents listing) without a sort
    Index(None, "channel_id", "date", "id"),
    # the channel catalog's counts and latest dates read from the index alone
    Index(None, "channel_id", "message_type", "date", "updated_at"),
)

raw_message_versions = Table(
    "raw_message_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "raw_message_id",
        ForeignKey("raw_messages.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("raw_payload", Json),
    Column("content_hash", String(64), nullable=False),
    Column("edit_date", Timestamp),
    Column("recorded_at", Timestamp, nullable=False),
    UniqueConstraint("raw_message_id", "version"),
)

processed_documents = Table(
    "processed_documents",
    metadata,
    Column("id", String(160), primary_key=True),
    Column(
        "source_ref",
        ForeignKey("raw_messages.source_ref", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("channel_id", String(64), nullable=False, index=True),
    Column("input_hash", String(64), nullable=False),
    Column("noise", Boolean, nullable=False, default=False, server_default=false()),
    Column("pipeline_version", String(64), nullable=False),
    Column("processed_at", Timestamp, nullable=False),
    Column("document", Json, nullable=False),
)

processing_failures = Table(
    "processing_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_ref", String(128), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("run_id", String(40)),
    Column("attempts", Integer, nullable=False, default=1),
    Column("error_class", String(128), nullable=False),
    Column("error_message", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("source_ref", "stage"),
)

topic_cards = Table(
    "topic_cards",
    metadata,
    Column("id", String(160), primary_key=True),
    Column("channel_id", String(64), nullable=False, index=True),
    Column("type", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("run_id", String(40)),
    Column("updated_at", Timestamp, nullable=False),
    Column("card", Json, nullable=False),
)

topic_bundles = Table(
    "topic_bundles",
    metadata,
    Column("topic_id", ForeignKey("topic_cards.id", ondelete="CASCADE"), primary_key=True),
    Column("updated_at", Timestamp, nullable=False),
    Column("bundle", Json, nullable=False),
)

topic_targets = Table(
    "topic_targets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", Text, nullable=False),
    Column("channel_id", String(64)),
    Column("created_at", Timestamp, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("stage", String(32), nullable=False),
    Column("scope", Json, nullable=False),
    Column("status", String(16), nullable=False),
    Column("counters", Json, nullable=False),
    Column("error", Text),
    Column("started_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp),
    Column("duration_seconds", Float),
    Column("host", String(255)),
    Column("pid", Integer),
    Column("heartbeat_at", Timestamp),
    Column("channel", String(64), index=True),
    Column("parent_id", String(40), index=True),
    Column("request", Json),
    Column("progress", Json),
    Column("result", Json),
    Column("webhook_url", Text),
    Column("webhook_secret", Text),
    Index(None, "started_at"),
    Index(None, "status"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("delivered", Boolean, nullable=False),
    Column("at", Timestamp, nullable=False),
)

run_claims = Table(
    "run_claims",
    metadata,
    Column("stage", String(32), primary_key=True),
    Column("subject", String(128), primary_key=True),
    Column("run_id", ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("claimed_at", Timestamp, nullable=False),
)

run_batches = Table(
    "run_batches",
    metadata,
    Column("run_id", ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("channel_id", String(64), nullable=False),
    Column("message_ids", Json, nullable=False),
    Column("status", String(16), nullable=False),
    Column("holder", String(255)),
    Column("leased_until", Timestamp),
    Column("job_id", Integer),
    Column("attempts", Integer, nullable=False),
    Column("counters", Json, nullable=False),
    Column("error", Text),
    Column("finished_at", Timestamp),
)

llm_calls = Table(
    "llm_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(40), index=True),
    Column("provider", String(32), nullable=False),
    Column("model", String(128), nullable=False),
    Column("prompt_name", String(64)),
    Column("prompt_version", String(32)),
    Column("source_ref", String(128)),
    Column("input_tokens", Integer),
    Column("output_tokens", Integer),
    Column("reasoning_tokens", Integer),
    Column("latency_ms", Integer),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("created_at", Timestamp, nullable=False),
)

embeddings = Table(
    "embeddings",
    metadata,
    Column("source_ref", String(128), primary_key=True),
    Column("model", String(128), primary_key=True),
    Column("text_hash", String(64), nullable=False),
    Column("dimensions", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("hash", String(64), nullable=False),
    Column("scope", String(8), nullable=False),
    Column("channels", Json),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp),
    Column("revoked_at", Timestamp),
    Column("last_used_at", Timestamp),
)
# The full-text index: one row per processed document, with what filters need and its
# stemmed terms (store/terms.py). The backend's own index over ``terms`` is not modelled
# here (SQLAlchemy has no type for it); every object of it is named with this prefix:
# on SQLite an FTS5 table ``search_fts`` (with its shadow tables and the triggers that
# keep it in step with this table), on PostgreSQL a generated ``search_fts`` tsvector
# column and its GIN index ``search_fts_gin``.
SEARCH_INDEX_PREFIX = "search_fts"

search_documents = Table(
    "search_documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "source_ref",
        ForeignKey("processed_documents.source_ref", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("channel_id", String(64), nullable=False),
    Column("message_type", String(8), nullable=False),
    Column("language", String(8)),
    Column("noise", Boolean, nullable=False),
    Column("date", Timestamp, nullable=False),
    Column("text_hash", String(64), nullable=False),
    Column("terms", Text, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index(None, "channel_id", "date"),
    Index(None, "updated_at"),
)


QUEUE_PREFIX = "procrastinate_"  # the job queue's own tables (PostgreSQL, installed by 0009)


def unmodelled(name: str | None) -> bool:
    """Whether a database object belongs to the backend's full-text index or to the job
    queue's own schema (not modelled)."""
    return bool(name) and str(name).startswith((SEARCH_INDEX_PREFIX, QUEUE_PREFIX))
