"""Processed documents: one per raw message, with the hash of the input they were made from."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.models import ProcessedDocument
from tg_parser.store.dialect import upsert_insert
from tg_parser.store.search_index import IndexEntry, index_documents
from tg_parser.store.tables import processed_documents, raw_messages


@dataclass(frozen=True)
class StoredDocument:
    document: ProcessedDocument
    noise: bool
    input_hash: str
    pipeline_version: str


class PendingMessage(NamedTuple):
    """A raw message waiting for its document: its row id and channel."""

    id: int
    channel_id: str


class DocumentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def save(self, stored: Sequence[StoredDocument]) -> None:
        """Insert the documents, or replace the one stored for the same source_ref: one
        atomic upsert, so a writer that stored the document meanwhile is overwritten, not
        a unique-key error. Their full-text index rows follow in the same transaction."""
        if not stored:
            return
        latest = _last_of_each(stored)
        statement = upsert_insert(self.conn, processed_documents)
        replaced = ("id", "channel_id", "input_hash", "noise", "pipeline_version")
        statement = statement.on_conflict_do_update(
            index_elements=[processed_documents.c.source_ref],
            set_={
                name: statement.excluded[name] for name in (*replaced, "processed_at", "document")
            },
        )
        await self.conn.execute(statement, [_row(s) for s in latest])
        await index_documents(self.conn, [_index_entry(s) for s in latest])

    async def for_channel(self, channel_id: str | None = None) -> list[StoredDocument]:
        """Every document (of one channel), ordered by source_ref."""
        query = select(processed_documents).order_by(processed_documents.c.source_ref)
        if channel_id is not None:
            query = query.where(processed_documents.c.channel_id == channel_id)
        rows = (await self.conn.execute(query)).mappings()
        return [_stored(row) for row in rows]

    async def get(self, source_ref: str) -> StoredDocument | None:
        query = select(processed_documents).where(processed_documents.c.source_ref == source_ref)
        row = (await self.conn.execute(query)).mappings().first()
        return _stored(row) if row is not None else None

    async def pending(
        self,
        *,
        channel_id: str | None,
        pipeline_version: str,
        force: bool = False,
        limit: int | None = None,
        only: Collection[str] | None = None,
        rows: Collection[int] | None = None,
        not_since: datetime | None = None,
    ) -> list[PendingMessage]:
        """The keys of raw messages with no document, or one made from older text or another
        pipeline version (all of them with ``force``), oldest first: posts before comments.
        ``only`` keeps the messages with these source_refs, ``rows`` those with these row
        ids; with ``force``, ``not_since`` leaves out the documents made since then (a run
        taking over a batch a killed worker began). Keys only, so that a channel of any
        size is listed in little memory; ``messages.rows`` loads a window of them."""
        doc = processed_documents
        query = select(raw_messages.c.id, raw_messages.c.channel_id).select_from(
            raw_messages.outerjoin(doc, doc.c.source_ref == raw_messages.c.source_ref)
        )
        if force and not_since is not None:
            query = query.where(or_(doc.c.source_ref.is_(None), doc.c.processed_at < not_since))
        if not force:
            query = query.where(
                or_(
                    doc.c.source_ref.is_(None),
                    doc.c.input_hash != raw_messages.c.content_hash,
                    doc.c.pipeline_version != pipeline_version,
                )
            )
        if channel_id is not None:
            query = query.where(raw_messages.c.channel_id == channel_id)
        if only is not None:
            query = query.where(raw_messages.c.source_ref.in_(list(only)))
        if rows is not None:
            query = query.where(raw_messages.c.id.in_(list(rows)))
        query = query.order_by(
            raw_messages.c.channel_id, raw_messages.c.message_type.desc(), raw_messages.c.id
        )
        if limit is not None:
            query = query.limit(limit)
        return [PendingMessage(row.id, row.channel_id) for row in await self.conn.execute(query)]

    async def count(self, channel_id: str | None = None, *, noise: bool | None = None) -> int:
        query = select(func.count()).select_from(processed_documents)
        conditions = []
        if channel_id is not None:
            conditions.append(processed_documents.c.channel_id == channel_id)
        if noise is not None:
            conditions.append(processed_documents.c.noise == noise)
        if conditions:
            query = query.where(and_(*conditions))
        return int((await self.conn.execute(query)).scalar_one())


def _row(stored: StoredDocument) -> dict[str, Any]:
    document = stored.document
    return {
        "id": document.id,
        "source_ref": document.source_ref,
        "channel_id": document.channel_id,
        "input_hash": stored.input_hash,
        "noise": stored.noise,
        "pipeline_version": stored.pipeline_version,
        "processed_at": document.processed_at,
        "document": document.to_json_dict(),
    }


def _index_entry(stored: StoredDocument) -> IndexEntry:
    document = stored.document
    return IndexEntry(
        source_ref=document.source_ref,
        channel_id=document.channel_id,
        language=document.language,
        noise=stored.noise,
        text=document.text_clean,
    )


def _last_of_each(stored: Sequence[StoredDocument]) -> list[StoredDocument]:
    """One document per source_ref, the last given (an upsert may touch a row only once)."""
    return list({s.document.source_ref: s for s in stored}.values())


def _stored(row: Any) -> StoredDocument:
    return StoredDocument(
        document=ProcessedDocument.model_validate(row["document"]),
        noise=row["noise"],
        input_hash=row["input_hash"],
        pipeline_version=row["pipeline_version"],
    )
