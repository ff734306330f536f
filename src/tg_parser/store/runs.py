"""Run records: one row per execution of a stage."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.models import Run, RunStatus
from tg_parser.store.tables import runs


class RunRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def create(self, run: Run) -> None:
        await self.conn.execute(insert(runs).values(**run.model_dump()))

    async def save_counters(self, run_id: str, counters: dict[str, Any]) -> None:
        await self.conn.execute(update(runs).where(runs.c.id == run_id).values(counters=counters))

    async def finish(
        self,
        run_id: str,
        *,
        status: RunStatus,
        counters: dict[str, Any],
        finished_at: datetime,
        duration_seconds: float,
        error: str | None = None,
    ) -> None:
        await self.conn.execute(
            update(runs)
            .where(runs.c.id == run_id)
            .values(
                status=status,
                counters=counters,
                finished_at=finished_at,
                duration_seconds=duration_seconds,
                error=error,
            )
        )

    async def get(self, run_id: str) -> Run | None:
        row = (await self.conn.execute(select(runs).where(runs.c.id == run_id))).mappings().first()
        return Run.model_validate(dict(row)) if row else None

    async def list(
        self, *, limit: int = 20, stage: str | None = None, status: str | None = None
    ) -> list[Run]:
        query = select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit)
        if stage:
            query = query.where(runs.c.stage == stage)
        if status:
            query = query.where(runs.c.status == status)
        return [
            Run.model_validate(dict(row)) for row in (await self.conn.execute(query)).mappings()
        ]

    async def running_on(self, host: str) -> builtins.list[Run]:
        """Runs still marked ``running`` that a process on ``host`` executes."""
        query = select(runs).where(runs.c.status == "running", runs.c.host == host)
        return [
            Run.model_validate(dict(row)) for row in (await self.conn.execute(query)).mappings()
        ]

    async def mark_interrupted(self, run: Run, finished_at: datetime) -> None:
        """A run whose process ended without finishing it: failed, saying so."""
        await self.conn.execute(
            update(runs)
            .where(runs.c.id == run.id, runs.c.status == "running")
            .values(
                status="failed",
                finished_at=finished_at,
                error=f"interrupted: process {run.pid} on {run.host} ended without finishing",
            )
        )
