"""Reads for the knowledge-base export: processed messages with their raw fields, and the
current topic cards with their bundles."""

from __future__ import annotations

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


class KnowledgeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def messages(self, channel_id: str | None = None) -> list[KnowledgeMessage]:
        """Every processed message (of one channel), ordered by source_ref."""
        doc, raw = processed_documents, raw_messages
        query = (
            select(
                doc.c.document,
                doc.c.noise,
                raw.c.message_type,
                raw.c.message_id,
                raw.c.thread_id,
                raw.c.date,
            )
            .select_from(doc.join(raw, raw.c.source_ref == doc.c.source_ref))
            .order_by(doc.c.source_ref)
        )
        if channel_id is not None:
            query = query.where(doc.c.channel_id == channel_id)
        rows = (await self.conn.execute(query)).mappings()
        return [_message(row) for row in rows]

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
