"""Reading the current topic catalog: list and show."""

from __future__ import annotations

from tg_parser.errors import NotFoundError
from tg_parser.registry import resolve_channel
from tg_parser.store import Database, StoredTopic


async def list_topics(db: Database, channel: str | None = None) -> list[StoredTopic]:
    """Current topics (of one channel), ordered by id."""
    key = await resolve_channel(db, channel)
    async with db.transaction() as repos:
        return await repos.topics.current(key)


async def get_topic(db: Database, topic_id: str) -> StoredTopic:
    async with db.transaction() as repos:
        topic = await repos.topics.get(topic_id)
    if topic is None:
        raise NotFoundError(f"no topic {topic_id!r}: see `tg-parser topics list`")
    return topic
