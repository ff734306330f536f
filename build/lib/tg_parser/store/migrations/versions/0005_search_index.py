"""The full-text search index: ``search_documents`` and the backend's index over its terms,
backfilled from the documents already stored.

SQLite: an external-content FTS5 table ``search_fts`` over ``search_documents.terms``, kept
in step by triggers. PostgreSQL: a generated ``search_fts`` tsvector column (``simple``
configuration: the terms are stemmed already) with a GIN index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from tg_parser.store.search_index import IndexEntry, index_row

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='search_documents', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE OF terms ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
)
_POSTGRESQL = (
    "ALTER TABLE search_documents ADD COLUMN search_fts tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED",
    "CREATE INDEX search_fts_gin ON search_documents USING gin (search_fts)",
)
_BATCH = 500

_documents = sa.table(
    "processed_documents",
    sa.column("source_ref", sa.String()),
    sa.column("channel_id", sa.String()),
    sa.column("noise", sa.Boolean()),
    sa.column("document", sa.JSON().with_variant(JSONB(), "postgresql")),
)
_raw = sa.table(
    "raw_messages",
    sa.column("source_ref", sa.String()),
    sa.column("message_type", sa.String()),
    sa.column("date", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    table = op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_ref", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("message_type", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("noise", sa.Boolean(), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_ref"],
            ["processed_documents.source_ref"],
            name=op.f("fk_search_documents_source_ref_processed_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_search_documents_source_ref")),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_documents_channel_id_date"), ["channel_id", "date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_search_documents_updated_at"), ["updated_at"], unique=False
        )
    for statement in _SQLITE if op.get_bind().dialect.name == "sqlite" else _POSTGRESQL:
        op.execute(statement)
    assert table is not None
    for rows in _backfill_rows():
        op.bulk_insert(table, rows)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("search_fts_insert", "search_fts_delete", "search_fts_update"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE search_fts")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_documents_updated_at"))
        batch_op.drop_index(batch_op.f("ix_search_documents_channel_id_date"))
    op.drop_table("search_documents")


def _backfill_rows() -> Iterator[list[dict[str, Any]]]:
    """The index rows of every stored document, a batch at a time."""
    query = sa.select(
        _documents.c.source_ref,
        _documents.c.channel_id,
        _documents.c.noise,
        _documents.c.document,
        _raw.c.message_type,
        _raw.c.date,
    ).select_from(_documents.join(_raw, _raw.c.source_ref == _documents.c.source_ref))
    now = datetime.now(UTC)
    result = op.get_bind().execute(query.order_by(_documents.c.source_ref))
    while batch := result.fetchmany(_BATCH):
        yield [_row(row, now) for row in batch]


def _row(row: Any, now: datetime) -> dict[str, Any]:
    document = row.document
    entry = IndexEntry(
        source_ref=row.source_ref,
        channel_id=row.channel_id,
        language=document.get("language"),
        noise=bool(row.noise),
        text=document.get("text_clean", ""),
    )
    date = row.date if row.date.tzinfo else row.date.replace(tzinfo=UTC)
    return index_row(entry, row.message_type, date, now)
