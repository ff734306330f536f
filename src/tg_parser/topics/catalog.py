"""Reading the current topic catalog: list (largest first) and show (with the messages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tg_parser.errors import NotFoundError
from tg_parser.export.entries import Catalog, resolved_sources
from tg_parser.registry import resolve_channel
from tg_parser.store import Database, KnowledgeMessage, StoredTopic


@dataclass(frozen=True)
class TopicView:
    """A topic with its bundle's messages (by source_ref; a message not processed any more
    is missing) and the bundle items resolved to their dates and Telegram links."""

    topic: StoredTopic
    messages: dict[str, KnowledgeMessage]
    sources: list[dict[str, Any]]

    def to_json_dict(self) -> dict[str, Any]:
        """The card and bundle (exchange formats) and the resolved sources, like an export's
        ``topic_<id>.json``."""
        return {
            "card": self.topic.card.to_json_dict(),
            "bundle": self.topic.bundle.to_json_dict(),
            "resolved_sources": self.sources,
        }


async def list_topics(db: Database, channel: str | None = None) -> list[StoredTopic]:
    """Current topics (of one channel), the largest first: by bundle items, then anchors,
    then id — the order a reader wants, and the same on every call."""
    key = await resolve_channel(db, channel)
    async with db.transaction() as repos:
        topics = await repos.topics.current(key)
    return sorted(topics, key=_size_order)


async def get_topic(db: Database, topic_id: str) -> StoredTopic:
    async with db.transaction() as repos:
        topic = await repos.topics.get(topic_id)
    if topic is None:
        raise NotFoundError(f"no topic {topic_id!r}: see `tg-parser topics list`")
    return topic


async def show_topic(db: Database, topic_id: str) -> TopicView:
    """The topic with the texts, dates and links of its anchors and supporting messages."""
    topic = await get_topic(db, topic_id)
    refs = [item.source_ref for item in topic.bundle.items]
    async with db.transaction() as repos:
        found = await repos.knowledge.messages_by_ref(refs)
    messages = {message.document.source_ref: message for message in found}
    items = [item.to_json_dict() for item in topic.bundle.items]
    sources = resolved_sources(items, Catalog(messages=messages, channel_titles={}))
    return TopicView(topic=topic, messages=messages, sources=sources)


def _size_order(topic: StoredTopic) -> tuple[int, int, str]:
    return -len(topic.bundle.items), -len(topic.card.anchors), topic.card.id
