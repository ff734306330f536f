"""Model calls: one row per attempt, with its tokens, latency and outcome."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.models import CallRecord
from tg_parser.store.tables import llm_calls


@dataclass(frozen=True)
class UsageRow:
    """Calls and tokens of one provider and model (optionally one run, or since a time)."""

    provider: str
    model: str
    calls: int
    failed: int
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    latency_ms: int


class LLMCallRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, records: Sequence[CallRecord]) -> None:
        if records:
            await self.conn.execute(insert(llm_calls), [dict(vars(r)) for r in records])

    async def usage(
        self,
        *,
        run_id: str | Collection[str] | None = None,
        since: datetime | None = None,
        channels: Collection[str] | None = None,
    ) -> list[UsageRow]:
        """Totals per provider and model, largest input first (of one run or of several);
        with ``channels``, only the calls made for those channels' messages (calls for no
        message are left out)."""
        failed = func.sum(func.cast(llm_calls.c.status != "ok", llm_calls.c.input_tokens.type))
        query = select(
            llm_calls.c.provider,
            llm_calls.c.model,
            func.count().label("calls"),
            failed.label("failed"),
            func.coalesce(func.sum(llm_calls.c.input_tokens), 0).label("input_tokens"),
            func.coalesce(func.sum(llm_calls.c.output_tokens), 0).label("output_tokens"),
            func.coalesce(func.sum(llm_calls.c.reasoning_tokens), 0).label("reasoning_tokens"),
            func.coalesce(func.sum(llm_calls.c.latency_ms), 0).label("latency_ms"),
        ).group_by(llm_calls.c.provider, llm_calls.c.model)
        if run_id is not None:
            ids = [run_id] if isinstance(run_id, str) else sorted(run_id)
            query = query.where(llm_calls.c.run_id.in_(ids))
        if since is not None:
            query = query.where(llm_calls.c.created_at >= since)
        if channels is not None:
            prefixes = [
                llm_calls.c.source_ref.startswith(f"tg:{c}:", autoescape=True) for c in channels
            ]
            query = query.where(or_(false(), *prefixes))
        rows = (await self.conn.execute(query)).all()
        usage = [UsageRow(**row._mapping) for row in rows]
        return sorted(usage, key=lambda u: (-u.input_tokens, u.provider, u.model))

    async def count(self, *, run_id: str | None = None) -> int:
        query = select(func.count()).select_from(llm_calls)
        if run_id is not None:
            query = query.where(llm_calls.c.run_id == run_id)
        return int((await self.conn.execute(query)).scalar_one())
