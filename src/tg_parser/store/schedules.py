"""The scheduler's record of each source: taken by one tick at a time, then the run it
queued, then how that run ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.models import ScheduleRecord
from tg_parser.store.dialect import upsert_insert
from tg_parser.store.tables import source_schedules


class ScheduleRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def records(self) -> dict[int, ScheduleRecord]:
        """Every source's record, by source id (a source never scheduled has none)."""
        rows = (await self.conn.execute(select(source_schedules))).mappings()
        return {row["source_id"]: ScheduleRecord.model_validate(dict(row)) for row in rows}

    async def take(self, source_id: int, version: int | None, at: datetime) -> bool:
        """Take the source for this tick, when its record is still at ``version`` (None:
        it has no record yet); False when another tick took it first. Taken, the record
        has no run and no outcome until the tick queues one."""
        taken = {"run_id": None, "outcome": None, "queued_at": at}
        if version is None:
            insert = upsert_insert(self.conn, source_schedules).values(
                source_id=source_id, version=1, failures=0, **taken
            )
            inserted = insert.on_conflict_do_nothing().returning(source_schedules.c.source_id)
            return (await self.conn.execute(inserted)).first() is not None
        result = await self.conn.execute(
            update(source_schedules)
            .where(source_schedules.c.source_id == source_id)
            .where(source_schedules.c.version == version)
            .values(version=version + 1, **taken)
        )
        return result.rowcount == 1

    async def queued(self, source_id: int, run_id: str) -> None:
        """The run the tick queued for the source (or found at work on it already): its
        outcome is unknown until it ends."""
        await self.conn.execute(
            update(source_schedules)
            .where(source_schedules.c.source_id == source_id)
            .values(run_id=run_id, outcome=None)
        )

    async def settle(self, record: ScheduleRecord) -> bool:
        """Record how the source's run ended (its outcome, end, error and failures in a
        row), once: False when it was recorded already, or the source has another run
        now. ``record.run_id`` None: the tick that took the source queued no run."""
        run_id = source_schedules.c.run_id
        result = await self.conn.execute(
            update(source_schedules)
            .where(source_schedules.c.source_id == record.source_id)
            .where(run_id.is_(None) if record.run_id is None else run_id == record.run_id)
            .where(source_schedules.c.outcome.is_(None))
            .values(
                outcome=record.outcome,
                finished_at=record.finished_at,
                error=record.error,
                failures=record.failures,
            )
        )
        return result.rowcount == 1
