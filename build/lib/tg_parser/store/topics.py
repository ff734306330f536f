"""Topic cards with their bundles (one current bundle per topic), and topic targets."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.models import TopicBundle, TopicCard, source_ref
from tg_parser.store.tables import raw_messages, topic_bundles, topic_cards, topic_targets


@dataclass(frozen=True)
class StoredTopic:
    channel_id: str
    card: TopicCard
    bundle: TopicBundle


@dataclass(frozen=True)
class TopicTarget:
    id: int
    subject: str
    channel_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class TopicMembership:
    """A message's place in a topic's bundle."""

    topic_id: str
    title: str
    type: str
    role: str
    score: float | None


class TopicRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def save(self, topics: Collection[StoredTopic], run_id: str | None) -> None:
        """Insert or replace the topics (card and bundle, by topic id)."""
        if not topics:
            return
        await self.delete([t.card.id for t in topics])
        await self.conn.execute(
            topic_cards.insert(),
            [
                {
                    "id": t.card.id,
                    "channel_id": t.channel_id,
                    "type": t.card.type,
                    "title": t.card.title,
                    "run_id": run_id,
                    "updated_at": t.card.updated_at,
                    "card": t.card.to_json_dict(),
                }
                for t in topics
            ],
        )
        await self.conn.execute(
            topic_bundles.insert(),
            [
                {
                    "topic_id": t.card.id,
                    "updated_at": t.bundle.updated_at,
                    "bundle": t.bundle.to_json_dict(),
                }
                for t in topics
            ],
        )

    async def delete(self, topic_ids: Collection[str]) -> None:
        if topic_ids:
            ids = list(topic_ids)
            await self.conn.execute(delete(topic_bundles).where(topic_bundles.c.topic_id.in_(ids)))
            await self.conn.execute(delete(topic_cards).where(topic_cards.c.id.in_(ids)))

    async def current(self, channel_id: str | None = None) -> list[StoredTopic]:
        """Every topic (of one channel), ordered by id."""
        query = (
            select(topic_cards.c.channel_id, topic_cards.c.card, topic_bundles.c.bundle)
            .select_from(topic_cards.join(topic_bundles))
            .order_by(topic_cards.c.id)
        )
        if channel_id is not None:
            query = query.where(topic_cards.c.channel_id == channel_id)
        rows = (await self.conn.execute(query)).mappings()
        return [_topic(row) for row in rows]

    async def get(self, topic_id: str) -> StoredTopic | None:
        query = (
            select(topic_cards.c.channel_id, topic_cards.c.card, topic_bundles.c.bundle)
            .select_from(topic_cards.join(topic_bundles))
            .where(topic_cards.c.id == topic_id)
        )
        row = (await self.conn.execute(query)).mappings().first()
        return _topic(row) if row is not None else None

    async def containing(self, channel_id: str, ref: str) -> list[TopicMembership]:
        """The channel's topics whose bundle holds the message ``ref``, by topic id."""
        query = (
            select(
                topic_cards.c.id, topic_cards.c.title, topic_cards.c.type, topic_bundles.c.bundle
            )
            .select_from(topic_cards.join(topic_bundles))
            .where(topic_cards.c.channel_id == channel_id)
            .order_by(topic_cards.c.id)
        )
        found = []
        for topic, title, kind, bundle in await self.conn.execute(query):
            for item in bundle["items"]:
                if item["source_ref"] == ref:
                    found.append(
                        TopicMembership(topic, title, kind, item["role"], item.get("score"))
                    )
        return found

    async def comment_threads(self) -> dict[str, str]:
        """The source_ref of each stored comment's post (comments with a known thread)."""
        query = select(
            raw_messages.c.channel_id, raw_messages.c.message_id, raw_messages.c.thread_id
        ).where(raw_messages.c.message_type == "comment", raw_messages.c.thread_id.is_not(None))
        rows = await self.conn.execute(query)
        return {
            source_ref(channel, "comment", comment): source_ref(channel, "post", thread)
            for channel, comment, thread in rows
        }

    async def add_target(self, subject: str, channel_id: str | None, now: datetime) -> int:
        result = await self.conn.execute(
            topic_targets.insert().values(subject=subject, channel_id=channel_id, created_at=now)
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def targets(self) -> list[TopicTarget]:
        rows = await self.conn.execute(select(topic_targets).order_by(topic_targets.c.id))
        return [TopicTarget(**row) for row in rows.mappings()]

    async def remove_target(self, target_id: int) -> bool:
        result = await self.conn.execute(
            delete(topic_targets).where(topic_targets.c.id == target_id)
        )
        return bool(result.rowcount)


def _topic(row: object) -> StoredTopic:
    mapping = dict(row)  # type: ignore[call-overload]
    return StoredTopic(
        channel_id=mapping["channel_id"],
        card=TopicCard.model_validate(mapping["card"]),
        bundle=TopicBundle.model_validate(mapping["bundle"]),
    )
