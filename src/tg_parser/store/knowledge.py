"""Reads for the knowledge-base export: processed messages with their raw fields, and the
current topic cards with their bundles."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.models import MessageType, ProcessedDocument
from tg_parser.store.tables import processed_documents, raw_messages, topic_bundles, topic_cards


@dataclass(frozen=True)
class KnowledgeMessage:
    """A processed message with what the export needs from its raw row."""

    document: ProcessedDocument
    noise: bool
    message_type: MessageType
    message_id: int
    thread_id: int | None
    date: datetime


@dataclass(frozen=True)
class KnowledgeTopic:
    """A topic card and its current bundle (both as stored, exchange-format JSON)."""

    card: dict[str, Any]
    bundle: dict[str, Any] | None


_REFS_PER_QUERY = 500  # well under SQLite's limit of bound parameters
_MESSAGES = select(
    processed_documents.c.document,
    processed_documents.c.noise,
    raw_messages.c.message_type,
    raw_messages.c.message_id,
    raw_messages.c.thread_id,
    raw_messages.c.date,
).select_from(
    processed_documents.join(
        raw_messages, raw_messages.c.source_ref == processed_documents.c.source_ref
    )
)


class KnowledgeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def messages(self, channel_id: str | None = None) -> list[KnowledgeMessage]:
        """Every processed message (of one channel), ordered by source_ref."""
        query = _MESSAGES.order_by(processed_documents.c.source_ref)
        if channel_id is not None:
            query = query.where(processed_documents.c.channel_id == channel_id)
        rows = (await self.conn.execute(query)).mappings()
        return [_message(row) for row in rows]

    async def messages_by_ref(self, refs: Collection[str]) -> list[KnowledgeMessage]:
        """The processed messages among ``refs`` (a topic's bundle), ordered by source_ref."""
        found: list[KnowledgeMessage] = []
        ordered = sorted(refs)
        for start in range(0, len(ordered), _REFS_PER_QUERY):
            chunk = ordered[start : start + _REFS_PER_QUERY]
            query = _MESSAGES.where(processed_documents.c.source_ref.in_(chunk))
            rows = (await self.conn.execute(query)).mappings()
            found += [_message(row) for row in rows]
        return sorted(found, key=lambda message: message.document.source_ref)

    async def topics(self, channel_id: str | None = None) -> list[KnowledgeTopic]:
        """Every current topic (of one channel) with its bundle, ordered by topic id."""
        query = (
            select(topic_cards.c.card, topic_bundles.c.bundle)
            .select_from(
                topic_cards.outerjoin(topic_bundles, topic_bundles.c.topic_id == topic_cards.c.id)
            )
            .order_by(topic_cards.c.id)
        )
        if channel_id is not None:
            query = query.where(topic_cards.c.channel_id == channel_id)
        rows = await self.conn.execute(query)
        return [KnowledgeTopic(card=card, bundle=bundle) for card, bundle in rows]


def _message(row: Any) -> KnowledgeMessage:
    thread = row["thread_id"]
    return KnowledgeMessage(
        document=ProcessedDocument.model_validate(row["document"]),
        noise=row["noise"],
        message_type=row["message_type"],
        message_id=int(row["message_id"]),
        thread_id=int(thread) if thread is not None else None,
        date=row["date"],
    )
