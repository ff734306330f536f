"""Reading the current topic catalog: list (largest first), a channel's topic summaries,
and show (with the messages)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tg_parser.errors import NotFoundError
from tg_parser.export.entries import Catalog, resolved_sources
from tg_parser.registry import resolve_channel
from tg_parser.store import Database, KnowledgeMessage, KnowledgeTopic, StoredTopic


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


@dataclass(frozen=True)
class TopicSummary:
    """A topic in a list: its size and the dates its messages span (None: none known)."""

    id: str
    title: str
    type: str
    items: int  # messages in its bundle
    anchors: int
    updated_at: datetime
    first_date: datetime | None
    last_date: datetime | None


async def list_topics(db: Database, channel: str | None = None) -> list[StoredTopic]:
    """Current topics (of one channel), the largest first: by bundle items, then anchors,
    then id — the order a reader wants, and the same on every call."""
    key = await resolve_channel(db, channel)
    async with db.reading() as repos:
        topics = await repos.topics.current(key)
    return sorted(topics, key=_size_order)


async def topic_summaries(db: Database, channel: str) -> list[TopicSummary]:
    """A channel's topics in the order of :func:`list_topics`, with the dates they span:
    the bundle's time range, else the dates of its stored messages. Read as stored (no
    model is built per bundle item), since a channel may have many large topics."""
    key = await resolve_channel(db, channel)
    async with db.reading() as repos:
        topics = await repos.knowledge.topics(key)
        unranged = [_items(t) for t in topics if not (t.bundle or {}).get("time_range")]
        dates = await repos.messages.dates({item["source_ref"] for i in unranged for item in i})
    summaries = [_summary(topic, dates) for topic in topics]
    return sorted(summaries, key=lambda s: (-s.items, -s.anchors, s.id))


def _items(topic: KnowledgeTopic) -> list[dict[str, Any]]:
    return list((topic.bundle or {}).get("items", []))


def _summary(topic: KnowledgeTopic, dates: dict[str, datetime]) -> TopicSummary:
    card, items = topic.card, _items(topic)
    span = (topic.bundle or {}).get("time_range") or {}
    first: datetime | None
    last: datetime | None
    if "from" in span and "to" in span:
        first, last = _moment(span["from"]), _moment(span["to"])
    else:
        known = sorted(dates[i["source_ref"]] for i in items if i["source_ref"] in dates)
        first, last = (known[0], known[-1]) if known else (None, None)
    return TopicSummary(
        id=card["id"],
        title=card["title"],
        type=card["type"],
        items=len(items),
        anchors=len(card["anchors"]),
        updated_at=_moment(card["updated_at"]),
        first_date=first,
        last_date=last,
    )


def _moment(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


async def get_topic(
    db: Database, topic_id: str, channels: Collection[str] | None = None
) -> StoredTopic:
    """The topic (of one of ``channels`` when given), else ``NotFoundError``."""
    async with db.reading() as repos:
        return _visible(await repos.topics.get(topic_id), topic_id, channels)


def _visible(
    topic: StoredTopic | None, topic_id: str, channels: Collection[str] | None
) -> StoredTopic:
    if topic is None or (channels is not None and topic.channel_id not in channels):
        raise NotFoundError(f"no topic {topic_id!r}: see `tg-parser topics list`")
    return topic


async def show_topic(
    db: Database, topic_id: str, channels: Collection[str] | None = None
) -> TopicView:
    """The topic with the texts, dates and links of its anchors and supporting messages
    (read in one transaction: the bundle and its messages agree)."""
    async with db.reading() as repos:
        topic = _visible(await repos.topics.get(topic_id), topic_id, channels)
        refs = [item.source_ref for item in topic.bundle.items]
        found = await repos.knowledge.messages_by_ref(refs)
        sources = await repos.sources.labels()
    catalog = Catalog.of(found, sources)
    items = [item.to_json_dict() for item in topic.bundle.items]
    return TopicView(
        topic=topic,
        messages=dict(catalog.messages),
        sources=resolved_sources(items, catalog),
    )


def _size_order(topic: StoredTopic) -> tuple[int, int, str]:
    return -len(topic.bundle.items), -len(topic.card.anchors), topic.card.id
