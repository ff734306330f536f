"""Counts across the database for `tg-parser status`."""

from __future__ import annotations

from sqlalchemy import Column, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.store.tables import (
    llm_calls,
    processed_documents,
    processing_failures,
    raw_messages,
    runs,
    sources,
    topic_cards,
)


class StatsRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def sources_by_status(self) -> dict[str, int]:
        return await self._count_by(sources.c.status)

    async def messages_by_type(self) -> dict[str, int]:
        """Stored posts and comments (current versions)."""
        return await self._count_by(raw_messages.c.message_type)

    async def processed_documents(self) -> int:
        return await self._count(processed_documents)

    async def noise_reasons(self) -> dict[str, int]:
        """Documents flagged as noise, by the reason recorded in their metadata ("" when
        none was recorded)."""
        reason = processed_documents.c.document["metadata"]["noise_reason"].as_string()
        query = (
            select(reason, func.count())
            .where(processed_documents.c.noise.is_(True))
            .group_by(reason)
        )
        rows = await self.conn.execute(query)
        return {str(value or ""): int(count) for value, count in rows}

    async def topics(self) -> int:
        return await self._count(topic_cards)

    async def failures(self) -> int:
        return await self._count(processing_failures)

    async def model_calls(self) -> int:
        return await self._count(llm_calls)

    async def runs_by_status(self) -> dict[str, int]:
        return await self._count_by(runs.c.status)

    async def _count(self, table: Table) -> int:
        query = select(func.count()).select_from(table)
        return int((await self.conn.execute(query)).scalar_one())

    async def _count_by(self, column: Column[str]) -> dict[str, int]:
        rows = await self.conn.execute(select(column, func.count()).group_by(column))
        return {str(value): int(count) for value, count in rows}
