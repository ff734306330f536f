"""Processed documents for readers: a filtered page of them, and one with everything
known about it (raw fields, processed fields, edit history, topics)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tg_parser.errors import NotFoundError
from tg_parser.export.entries import Catalog, message_title, message_url
from tg_parser.models import MessageType, parse_source_ref
from tg_parser.store import (
    Database,
    KnowledgeMessage,
    MessageFilter,
    Repositories,
    StoredDocument,
    TopicMembership,
)

DOCUMENT_PREFIX = "doc:"


@dataclass(frozen=True)
class DocumentQuery:
    """The filters of a documents listing (None: no condition); ``channels`` are the
    channels to look in (already resolved; None: every channel). ``thread_id`` selects the
    comments on one post (give its channel in ``channels``); ``oldest_first`` reverses the
    order."""

    channels: Collection[str] | None = None
    refs: Collection[str] | None = None  # these source_refs only
    topic_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    language: str | None = None
    noise: bool | None = None
    message_type: MessageType | None = None
    thread_id: int | None = None
    oldest_first: bool = False


@dataclass(frozen=True)
class DocumentItem:
    message: KnowledgeMessage
    title: str
    telegram_url: str | None


@dataclass(frozen=True)
class DocumentView:
    source_ref: str
    channel_id: str
    raw: dict[str, Any] | None  # None: the raw message is gone (its document stays)
    history: list[dict[str, Any]]  # every version, oldest first; the last is the current one
    stored: StoredDocument | None  # None: not processed yet
    topics: list[TopicMembership]
    telegram_url: str | None


async def list_documents(
    db: Database, query: DocumentQuery, *, offset: int, limit: int
) -> tuple[list[DocumentItem], int]:
    """One page of the documents the query selects (the newest messages first), and how
    many it selects in all."""
    async with db.reading() as repos:
        where = await _filter(repos, query)
        page = await repos.knowledge.page(where, offset, limit, oldest_first=query.oldest_first)
        short = offset == 0 and len(page) < limit
        total = len(page) if short else await repos.knowledge.count(where)
        sources = await repos.sources.labels()
    catalog = Catalog.of(page, sources)
    items = [
        DocumentItem(
            message,
            message_title(message, catalog.channel_titles.get(message.document.channel_id)),
            message_url(message, catalog),
        )
        for message in page
    ]
    return items, total


async def _filter(repos: Repositories, query: DocumentQuery) -> MessageFilter:
    refs = None if query.refs is None else set(query.refs)
    if query.topic_id is not None:
        topic = await repos.topics.get(query.topic_id)
        visible = topic is not None and (
            query.channels is None or topic.channel_id in query.channels
        )
        if topic is None or not visible:
            raise NotFoundError(f"no topic {query.topic_id!r}: see `tg-parser topics list`")
        bundle = {item.source_ref for item in topic.bundle.items}
        refs = bundle if refs is None else refs & bundle
    return MessageFilter(
        channels=query.channels,
        refs=refs,
        since=query.since,
        until=query.until,
        language=query.language,
        noise=query.noise,
        message_type=query.message_type,
        thread_id=query.thread_id,
    )


async def show_document(
    db: Database, document: str, channels: Collection[str] | None = None
) -> DocumentView:
    """A document by its id (``doc:tg:…``) or its message's source_ref (``tg:…``), of one
    of ``channels`` when given; ``NotFoundError`` when there is none."""
    ref = document.removeprefix(DOCUMENT_PREFIX)
    try:
        channel, message_type, message_id = parse_source_ref(ref)
    except ValueError:
        raise _unknown(document) from None
    if channels is not None and channel not in channels:
        raise _unknown(document)
    async with db.reading() as repos:
        history = await repos.messages.history(ref)
        stored = await repos.documents.get(ref)
        topics = await repos.topics.containing(channel, ref) if history or stored else []
        sources = await repos.sources.labels()
    if not history and stored is None:
        raise _unknown(document)
    raw = history[-1] if history else None
    thread = raw["thread_id"] if raw else None
    url = Catalog.of([], sources).message_link(channel, message_type, message_id, thread)
    return DocumentView(ref, channel, raw, history, stored, topics, url)


def _unknown(document: str) -> NotFoundError:
    return NotFoundError(
        f"no document {document!r}: give a document id (doc:tg:<channel>:<post|comment>:<id>) "
        "or a source_ref (tg:…)"
    )
