"""Run batches: a queued ``process`` run split into jobs of bounded size, each held by one
worker at a time under a lease that the worker renews and that lapses when it dies."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.store.tables import run_batches

WAITING, WORKING, DONE, FAILED, CANCELLED = "waiting", "working", "done", "failed", "cancelled"
OPEN = (WAITING, WORKING)


@dataclass(frozen=True)
class Batch:
    run_id: str
    seq: int
    channel_id: str
    message_ids: list[int]
    status: str
    holder: str | None
    leased_until: datetime | None
    job_id: int | None
    attempts: int
    counters: dict[str, int]
    error: str | None


class BatchRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def create(self, run_id: str, batches: builtins.list[tuple[str, list[int]]]) -> None:
        """The run's batches, numbered from 0, as (channel, message row ids)."""
        rows = [
            {
                "run_id": run_id,
                "seq": seq,
                "channel_id": channel_id,
                "message_ids": ids,
                "status": WAITING,
                "attempts": 0,
                "counters": {},
            }
            for seq, (channel_id, ids) in enumerate(batches)
        ]
        if rows:
            await self.conn.execute(insert(run_batches), rows)

    async def set_job(self, run_id: str, seq: int, job_id: int) -> None:
        await self.conn.execute(
            update(run_batches)
            .where(run_batches.c.run_id == run_id, run_batches.c.seq == seq)
            .values(job_id=job_id)
        )

    async def take(
        self, run_id: str, seq: int, holder: str, now: datetime, until: datetime
    ) -> bool:
        """Hold the batch until ``until``: one waiting, or one whose holder's lease lapsed
        (a killed worker). False when it is done, cancelled or held by a live lease."""
        lapsed = and_(run_batches.c.status == WORKING, run_batches.c.leased_until < now)
        result = await self.conn.execute(
            update(run_batches)
            .where(
                run_batches.c.run_id == run_id,
                run_batches.c.seq == seq,
                or_(run_batches.c.status == WAITING, lapsed),
            )
            .values(
                status=WORKING,
                holder=holder,
                leased_until=until,
                attempts=run_batches.c.attempts + 1,
            )
        )
        return bool(result.rowcount)

    async def renew(self, run_id: str, seq: int, holder: str, until: datetime) -> bool:
        """Extend the holder's lease; False when the batch is no longer its own."""
        result = await self.conn.execute(
            update(run_batches).where(*_held(run_id, seq, holder)).values(leased_until=until)
        )
        return bool(result.rowcount)

    async def save_counters(
        self, run_id: str, seq: int, holder: str, counters: dict[str, int]
    ) -> None:
        await self.conn.execute(
            update(run_batches).where(*_held(run_id, seq, holder)).values(counters=counters)
        )

    async def finish(
        self,
        run_id: str,
        seq: int,
        holder: str,
        *,
        counters: dict[str, int],
        now: datetime,
        error: str | None = None,
    ) -> bool:
        """The holder is done with the batch (``failed`` with ``error``); False when it was
        no longer its own."""
        result = await self.conn.execute(
            update(run_batches)
            .where(*_held(run_id, seq, holder))
            .values(
                status=DONE if error is None else FAILED,
                counters=counters,
                error=error,
                finished_at=now,
                leased_until=None,
            )
        )
        return bool(result.rowcount)

    async def release(self, run_id: str, seq: int, holder: str) -> None:
        """The holder stops without finishing (its worker is stopping): the batch waits for
        the next job to take it."""
        await self.conn.execute(
            update(run_batches)
            .where(*_held(run_id, seq, holder))
            .values(status=WAITING, holder=None, leased_until=None)
        )

    async def cancel(self, run_id: str) -> builtins.list[int]:
        """Cancel the run's batches not done; the queue jobs they had."""
        open_batches = (run_batches.c.run_id == run_id, run_batches.c.status.in_(OPEN))
        jobs = await self.conn.execute(select(run_batches.c.job_id).where(*open_batches))
        job_ids = [job for job in jobs.scalars() if job is not None]
        await self.conn.execute(update(run_batches).where(*open_batches).values(status=CANCELLED))
        return job_ids

    async def get(self, run_id: str, seq: int) -> Batch | None:
        query = select(run_batches).where(run_batches.c.run_id == run_id, run_batches.c.seq == seq)
        row = (await self.conn.execute(query)).mappings().first()
        return _batch(row) if row else None

    async def list(self, run_id: str) -> builtins.list[Batch]:
        query = select(run_batches).where(run_batches.c.run_id == run_id)
        rows = await self.conn.execute(query.order_by(run_batches.c.seq))
        return [_batch(row) for row in rows.mappings()]

    async def open_count(self, run_id: str) -> int:
        """Batches of the run still waiting or at work."""
        query = select(func.count()).where(
            run_batches.c.run_id == run_id, run_batches.c.status.in_(OPEN)
        )
        return int((await self.conn.execute(query)).scalar_one())


def _held(run_id: str, seq: int, holder: str) -> tuple[Any, ...]:
    return (
        run_batches.c.run_id == run_id,
        run_batches.c.seq == seq,
        run_batches.c.status == WORKING,
        run_batches.c.holder == holder,
    )


def _batch(row: Any) -> Batch:
    return Batch(
        run_id=row["run_id"],
        seq=row["seq"],
        channel_id=row["channel_id"],
        message_ids=list(row["message_ids"]),
        status=row["status"],
        holder=row["holder"],
        leased_until=row["leased_until"],
        job_id=row["job_id"],
        attempts=row["attempts"],
        counters=dict(row["counters"]),
        error=row["error"],
    )
