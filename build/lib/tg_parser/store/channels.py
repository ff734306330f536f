"""Per-channel counts for the channel catalog: messages, documents, topics, last collected."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.store.tables import processed_documents, raw_messages, topic_cards


@dataclass(frozen=True)
class ChannelCounts:
    """What is stored for one channel; the times are None when it has no messages."""

    channel_id: str
    posts: int = 0
    comments: int = 0
    documents: int = 0
    topics: int = 0
    last_collected_at: datetime | None = None  # the latest message stored or edited
    last_message_at: datetime | None = None  # the date of its newest message


class ChannelRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def counts(self, channels: Collection[str] | None = None) -> dict[str, ChannelCounts]:
        """Counts of every channel with stored messages, documents or topics (of
        ``channels`` when given), by channel key."""
        found: dict[str, ChannelCounts] = {}
        for channel, posts, total, collected, newest in await self._rows(
            _messages(), raw_messages.c.channel_id, channels
        ):
            found[channel] = ChannelCounts(
                channel, int(posts or 0), int(total - (posts or 0)), 0, 0, collected, newest
            )
        for channel, count in await self._count(processed_documents, channels):
            found[channel] = replace(found.get(channel, ChannelCounts(channel)), documents=count)
        for channel, count in await self._count(topic_cards, channels):
            found[channel] = replace(found.get(channel, ChannelCounts(channel)), topics=count)
        return found

    async def _count(self, table: Table, channels: Collection[str] | None) -> list[tuple[str, int]]:
        query = select(table.c.channel_id, func.count()).group_by(table.c.channel_id)
        return [
            (channel, int(n))
            for channel, n in await self._rows(query, table.c.channel_id, channels)
        ]

    async def _rows(
        self, query: Select[Any], column: Any, channels: Collection[str] | None
    ) -> list[Any]:
        if channels is not None:
            query = query.where(column.in_(list(channels)))
        return list(await self.conn.execute(query))


def _messages() -> Select[Any]:
    is_post = case((raw_messages.c.message_type == "post", 1), else_=0)
    return select(
        raw_messages.c.channel_id,
        func.sum(is_post),
        func.count(),
        func.max(raw_messages.c.updated_at),
        func.max(raw_messages.c.date),
    ).group_by(raw_messages.c.channel_id)
