"""Writing the full-text index: every saved document gets (or replaces) its index row.

``DocumentRepository.save`` calls ``index_documents`` in the same transaction, so the index
is in step with the documents whoever saves them (the processing stage, a re-processing);
a document that goes away (its raw message deleted) takes its row with it through the
foreign key, and on SQLite the FTS5 triggers follow every insert, update and delete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.clock import utcnow
from tg_parser.models import text_hash
from tg_parser.store.dialect import upsert_insert
from tg_parser.store.tables import raw_messages, search_documents
from tg_parser.store.terms import index_text

_CHUNK = 500  # source_refs per query, well under SQLite's limit of bound parameters


@dataclass(frozen=True)
class IndexEntry:
    """What the index takes from a document (the rest comes from its raw message)."""

    source_ref: str
    channel_id: str
    language: str | None
    noise: bool
    text: str


async def index_documents(conn: AsyncConnection, entries: Sequence[IndexEntry]) -> None:
    """Insert or replace the index rows of the entries (by source_ref)."""
    if not entries:
        return
    raws = await _raw_fields(conn, [entry.source_ref for entry in entries])
    now = utcnow()
    rows = [_row(entry, raws[entry.source_ref], now) for entry in entries]
    statement = upsert_insert(conn, search_documents)
    statement = statement.on_conflict_do_update(
        index_elements=[search_documents.c.source_ref],
        set_={name: statement.excluded[name] for name in rows[0] if name != "source_ref"},
    )
    await conn.execute(statement, rows)


def index_row(entry: IndexEntry, message_type: str, date: Any, now: Any) -> dict[str, Any]:
    """The index row of a document (the migration's backfill writes the same rows)."""
    return {
        "source_ref": entry.source_ref,
        "channel_id": entry.channel_id,
        "message_type": message_type,
        "language": entry.language,
        "noise": entry.noise,
        "date": date,
        "text_hash": text_hash(entry.text),
        "terms": index_text(entry.text),
        "updated_at": now,
    }


def _row(entry: IndexEntry, raw: tuple[str, Any], now: Any) -> dict[str, Any]:
    message_type, date = raw
    return index_row(entry, message_type, date, now)


async def _raw_fields(conn: AsyncConnection, refs: list[str]) -> dict[str, tuple[str, Any]]:
    """The message type and date of each source_ref's raw message."""
    found: dict[str, tuple[str, Any]] = {}
    for start in range(0, len(refs), _CHUNK):
        query = select(
            raw_messages.c.source_ref, raw_messages.c.message_type, raw_messages.c.date
        ).where(raw_messages.c.source_ref.in_(refs[start : start + _CHUNK]))
        for ref, message_type, date in await conn.execute(query):
            found[ref] = (message_type, date)
    return found
