"""Reads for the knowledge-base export: processed messages with their raw fields, and the
current topic cards with their bundles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
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
    views: int | None = None  # as last collected (None: the source does not tell)


@dataclass(frozen=True)
class MessageFilter:
    """Which processed messages a listing holds (None: no condition)."""

    channels: Collection[str] | None = None
    refs: Collection[str] | None = None  # e.g. a topic's bundle items
    since: datetime | None = None  # message dates, inclusive
    until: datetime | None = None
    language: str | None = None
    noise: bool | None = None
    message_type: MessageType | None = None
    thread_id: int | None = None  # a thread's messages: its post's id (with its channel)

    def conditions(self) -> list[ColumnElement[bool]]:
        """The conditions on the documents joined with their raw messages."""
        raw = raw_messages
        found = self.document_conditions()
        if self.channels is not None:  # on both tables: either side's index may serve
            found.append(raw.c.channel_id.in_(list(self.channels)))
        if self.since is not None:
            found.append(raw.c.date >= self.since)
        if self.until is not None:
            found.append(raw.c.date <= self.until)
        if self.message_type is not None:
            found.append(raw.c.message_type == self.message_type)
        if self.thread_id is not None:
            found.append(raw.c.thread_id == self.thread_id)
        return found

    def document_conditions(self) -> list[ColumnElement[bool]]:
        """The conditions on the documents' own columns."""
        doc = processed_documents
        found: list[ColumnElement[bool]] = []
        if self.channels is not None:
            found.append(doc.c.channel_id.in_(list(self.channels)))
        if self.refs is not None:
            found.append(doc.c.source_ref.in_(list(self.refs)))
        if self.language is not None:
            found.append(doc.c.document["language"].as_string() == self.language)
        if self.noise is not None:
            found.append(doc.c.noise == self.noise)
        return found

    @property
    def on_documents_only(self) -> bool:
        """Whether the documents' own columns decide it (every document has its raw
        message: the foreign key deletes a document with its message)."""
        raw_only = (self.since, self.until, self.message_type, self.thread_id)
        return all(condition is None for condition in raw_only)


@dataclass(frozen=True)
class KnowledgeTopic:
    """A topic card and its current bundle (both as stored, exchange-format JSON)."""

    card: dict[str, Any]
    bundle: dict[str, Any] | None


_REFS_PER_QUERY = 500  # well under SQLite's limit of bound parameters
_JOINED = processed_documents.join(
    raw_messages, raw_messages.c.source_ref == processed_documents.c.source_ref
)
_MESSAGES = select(
    processed_documents.c.document,
    processed_documents.c.noise,
    raw_messages.c.message_type,
    raw_messages.c.message_id,
    raw_messages.c.thread_id,
    raw_messages.c.date,
    raw_messages.c.raw_payload["views"].as_string().label("views"),
).select_from(_JOINED)


class KnowledgeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def messages(
        self, channel_id: str | None = None, *, channels: Collection[str] | None = None
    ) -> list[KnowledgeMessage]:
        """Every processed message (of one channel, or of ``channels``), by source_ref."""
        query = _in_channels(_MESSAGES, channel_id, channels)
        rows = (
            await self.conn.execute(query.order_by(processed_documents.c.source_ref))
        ).mappings()
        return [_message(row) for row in rows]

    async def batches(
        self,
        channel_id: str | None = None,
        *,
        channels: Collection[str] | None = None,
        size: int = 500,
        known: dict[str, KnowledgeMessage] | None = None,
    ) -> AsyncIterator[list[KnowledgeMessage]]:
        """Every processed message (of one channel, or of ``channels``) in batches of
        ``size``, in the export's order: by channel, posts before comments, by message id.
        The rows are fetched as they are used, not loaded at once; a message in ``known``
        (by source_ref: read already) is taken from it, not made again."""
        raw, known = raw_messages, {} if known is None else known
        query = _in_channels(_MESSAGES.add_columns(raw.c.source_ref), channel_id, channels)
        query = query.order_by(raw.c.channel_id, raw.c.message_type.desc(), raw.c.message_id)
        result = await self.conn.stream(query.execution_options(yield_per=size))
        async for rows in result.mappings().partitions(size):
            yield [_known(known, row) for row in rows]

    async def page(
        self, where: MessageFilter, offset: int, limit: int, *, oldest_first: bool = False
    ) -> list[KnowledgeMessage]:
        """One page of the messages ``where`` selects, the newest first (or the oldest). The
        page's rows are found first by their keys alone, so a deep page sorts keys, not
        documents."""
        newest_first = (raw_messages.c.date.desc(), raw_messages.c.id.desc())
        if oldest_first:
            newest_first = (raw_messages.c.date.asc(), raw_messages.c.id.asc())
        keys = (
            select(raw_messages.c.id)
            .select_from(_JOINED)
            .where(*where.conditions())
            .order_by(*newest_first)
            .offset(offset)
            .limit(limit)
        )
        query = _MESSAGES.where(raw_messages.c.id.in_(keys)).order_by(*newest_first)
        rows = (await self.conn.execute(query)).mappings()
        return [_message(row) for row in rows]

    async def count(self, where: MessageFilter) -> int:
        """How many messages ``where`` selects."""
        if where.on_documents_only:  # no join: the documents' index alone counts them
            query = select(func.count()).select_from(processed_documents)
            query = query.where(*where.document_conditions())
        else:
            query = select(func.count()).select_from(_JOINED).where(*where.conditions())
        return int((await self.conn.execute(query)).scalar_one())

    async def message(self, ref: str) -> KnowledgeMessage | None:
        """The processed message of ``ref``, if it has a document."""
        query = _MESSAGES.where(processed_documents.c.source_ref == ref)
        row = (await self.conn.execute(query)).mappings().first()
        return _message(row) if row is not None else None

    async def messages_by_ref(
        self,
        refs: Collection[str],
        channel_id: str | None = None,
        *,
        channels: Collection[str] | None = None,
    ) -> list[KnowledgeMessage]:
        """The processed messages among ``refs`` (a topic's bundle; of one channel, or of
        ``channels``), ordered by source_ref."""
        found: list[KnowledgeMessage] = []
        ordered = sorted(refs)
        for start in range(0, len(ordered), _REFS_PER_QUERY):
            chunk = ordered[start : start + _REFS_PER_QUERY]
            query = _in_channels(_MESSAGES, channel_id, channels)
            query = query.where(processed_documents.c.source_ref.in_(chunk))
            rows = (await self.conn.execute(query)).mappings()
            found += [_message(row) for row in rows]
        return sorted(found, key=lambda message: message.document.source_ref)

    async def topics(
        self, channel_id: str | None = None, *, channels: Collection[str] | None = None
    ) -> list[KnowledgeTopic]:
        """Every current topic (of one channel, or of ``channels``) with its bundle, by id."""
        query = (
            select(topic_cards.c.card, topic_bundles.c.bundle)
            .select_from(
                topic_cards.outerjoin(topic_bundles, topic_bundles.c.topic_id == topic_cards.c.id)
            )
            .order_by(topic_cards.c.id)
        )
        if channel_id is not None:
            query = query.where(topic_cards.c.channel_id == channel_id)
        if channels is not None:
            query = query.where(topic_cards.c.channel_id.in_(list(channels)))
        rows = await self.conn.execute(query)
        return [KnowledgeTopic(card=card, bundle=bundle) for card, bundle in rows]


def _in_channels(
    query: Select[Any], channel_id: str | None, channels: Collection[str] | None
) -> Select[Any]:
    if channel_id is not None:
        query = query.where(processed_documents.c.channel_id == channel_id)
    if channels is not None:
        query = query.where(processed_documents.c.channel_id.in_(list(channels)))
    return query


def _known(known: dict[str, KnowledgeMessage], row: Any) -> KnowledgeMessage:
    message = known.pop(row["source_ref"], None)
    return message if message is not None else _message(row)


def _message(row: Any) -> KnowledgeMessage:
    thread = row["thread_id"]
    return KnowledgeMessage(
        document=ProcessedDocument.model_validate(row["document"]),
        noise=row["noise"],
        message_type=row["message_type"],
        message_id=int(row["message_id"]),
        thread_id=int(thread) if thread is not None else None,
        date=row["date"],
        views=_count(row["views"]),
    )


def _count(value: Any) -> int | None:
    """A count stored in a raw payload (a number, or its text), else None."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() else None
