"""Webhooks: the URL and signing secret of a source or a run, and every delivery attempt.

The secret is stored as given: it signs each delivery, so it must be readable (a hash would
not sign). It is never returned by a read, only once when it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.store.tables import runs, sources, webhook_deliveries


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str


@dataclass(frozen=True)
class Delivery:
    """One attempt at posting a run's summary to its webhook."""

    run_id: str
    url: str
    attempt: int
    delivered: bool
    at: datetime
    status_code: int | None = None
    error: str | None = None


class WebhookRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def set_for_source(self, channel_key: str, hook: Webhook | None) -> bool:
        """Set (None: remove) the source's webhook; False when there is no such source."""
        values = {"webhook_url": hook.url, "webhook_secret": hook.secret} if hook else {}
        result = await self.conn.execute(
            update(sources)
            .where(sources.c.channel_key == channel_key)
            .values({"webhook_url": None, "webhook_secret": None} | values)
        )
        return bool(result.rowcount)

    async def for_source(self, channel_key: str) -> Webhook | None:
        query = select(sources.c.webhook_url, sources.c.webhook_secret).where(
            sources.c.channel_key == channel_key
        )
        return self._hook((await self.conn.execute(query)).first())

    async def for_run(self, run_id: str) -> Webhook | None:
        query = select(runs.c.webhook_url, runs.c.webhook_secret).where(runs.c.id == run_id)
        return self._hook((await self.conn.execute(query)).first())

    async def record(self, delivery: Delivery) -> None:
        await self.conn.execute(insert(webhook_deliveries).values(**delivery.__dict__))

    async def deliveries(self, run_id: str) -> list[Delivery]:
        query = (
            select(webhook_deliveries)
            .where(webhook_deliveries.c.run_id == run_id)
            .order_by(webhook_deliveries.c.id)
        )
        rows = (await self.conn.execute(query)).mappings()
        return [Delivery(**{k: v for k, v in row.items() if k != "id"}) for row in rows]

    @staticmethod
    def _hook(row: Any) -> Webhook | None:
        if row is None or not row[0] or not row[1]:
            return None
        return Webhook(url=str(row[0]), secret=str(row[1]))
