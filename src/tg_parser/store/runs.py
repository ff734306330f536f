"""Run records (one row per execution of a stage) and the claims runs hold on their work."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.models import RUN_ACTIVE, Run, RunStatus
from tg_parser.store.dialect import upsert_insert
from tg_parser.store.tables import run_claims, runs


class RunRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def create(self, run: Run, *, webhook_secret: str | None = None) -> None:
        values = run.model_dump() | {"webhook_secret": webhook_secret}
        await self.conn.execute(insert(runs).values(**values))

    async def save_counters(self, run_id: str, counters: dict[str, Any]) -> None:
        await self.conn.execute(update(runs).where(runs.c.id == run_id).values(counters=counters))

    async def describe(self, run_id: str, **values: Any) -> None:
        """Record what the run turned out to work on (``scope``, ``channel``), how far it has
        got (``progress``) or what it reported (``result``)."""
        unknown = set(values) - {"scope", "channel", "progress", "result"}
        if unknown:
            raise ValueError(f"not run descriptions: {sorted(unknown)}")
        await self.conn.execute(update(runs).where(runs.c.id == run_id).values(**values))

    async def start(self, run_id: str, *, host: str, pid: int, now: datetime) -> bool:
        """A queued run starts on this process; False when it is no longer queued
        (cancelled meanwhile)."""
        result = await self.conn.execute(
            update(runs)
            .where(runs.c.id == run_id, runs.c.status == "queued")
            .values(status="running", host=host, pid=pid, started_at=now, heartbeat_at=now)
        )
        return bool(result.rowcount)

    async def beat(self, run_id: str, now: datetime) -> bool:
        """Refresh the run's heartbeat; False when the run is no longer ``running`` (another
        process closed it as stale)."""
        result = await self.conn.execute(
            update(runs)
            .where(runs.c.id == run_id, runs.c.status == "running")
            .values(heartbeat_at=now)
        )
        return bool(result.rowcount)

    async def finish(
        self,
        run_id: str,
        *,
        status: RunStatus,
        counters: dict[str, Any],
        finished_at: datetime,
        duration_seconds: float,
        error: str | None = None,
        if_status: RunStatus | None = None,
    ) -> bool:
        """Close the run (only when its status is ``if_status``, when given) and release its
        claims; False when it was not closed."""
        query = update(runs).where(runs.c.id == run_id)
        if if_status is not None:
            query = query.where(runs.c.status == if_status)
        result = await self.conn.execute(
            query.values(
                status=status,
                counters=counters,
                finished_at=finished_at,
                duration_seconds=duration_seconds,
                error=error,
            )
        )
        if not result.rowcount:
            return False
        await self.conn.execute(delete(run_claims).where(run_claims.c.run_id == run_id))
        return True

    async def lock(self, run_id: str) -> None:
        """Hold the run's row until the transaction ends (PostgreSQL; SQLite's transactions
        hold the whole file already), so what ends it is decided once."""
        await self.conn.execute(select(runs.c.id).where(runs.c.id == run_id).with_for_update())

    async def detach(self, run_id: str) -> None:
        """The run is no longer its starting process's: its jobs carry it (and beat for it)."""
        await self.conn.execute(update(runs).where(runs.c.id == run_id).values(host=None, pid=None))

    async def get(self, run_id: str) -> Run | None:
        row = (await self.conn.execute(select(runs).where(runs.c.id == run_id))).mappings().first()
        return Run.model_validate(dict(row)) if row else None

    async def list(self, *, limit: int = 20, offset: int = 0, **filters: Any) -> builtins.list[Run]:
        """Runs, newest first, filtered as ``count`` is."""
        query = select(runs).where(*_filters(**filters))
        query = query.order_by(runs.c.started_at.desc(), runs.c.id.desc())
        return await self._runs(query.limit(limit).offset(offset))

    async def count(self, **filters: Any) -> int:
        query = select(func.count()).select_from(runs).where(*_filters(**filters))
        return int((await self.conn.execute(query)).scalar_one())

    async def children(self, parent_id: str) -> builtins.list[Run]:
        """The runs of a pipeline's stages, in the order they started."""
        query = select(runs).where(runs.c.parent_id == parent_id)
        return await self._runs(query.order_by(runs.c.started_at, runs.c.id))

    async def abandoned(self, host: str, beaten_before: datetime) -> builtins.list[Run]:
        """Runs not ended that may have no process left: those on ``host`` (the caller
        checks their pid) and running ones, on any host, whose last heartbeat (or start,
        before the first) is older than ``beaten_before``."""
        last_sign = func.coalesce(runs.c.heartbeat_at, runs.c.started_at)
        stale = (runs.c.status == "running") & (last_sign < beaten_before)
        query = select(runs).where(runs.c.status.in_(RUN_ACTIVE), or_(runs.c.host == host, stale))
        return await self._runs(query)

    async def close_abandoned(self, run: Run, finished_at: datetime, error: str) -> None:
        """A run whose process ended without finishing it: failed, saying why; its claims
        are released."""
        await self.conn.execute(
            update(runs)
            .where(runs.c.id == run.id, runs.c.status.in_(RUN_ACTIVE))
            .values(status="failed", finished_at=finished_at, error=error)
        )
        await self.conn.execute(delete(run_claims).where(run_claims.c.run_id == run.id))

    async def claim(
        self, run_id: str, stage: str, subjects: Collection[str], now: datetime
    ) -> dict[str, Run]:
        """Claim ``subjects`` (channels) of ``stage`` for the run: a claim no other queued or
        running run holds is taken (one the run holds already stays its own). Returns the
        subjects other runs hold, with their run (then the caller rolls the transaction
        back). Claims are inserted in sorted order,
        so two runs claiming overlapping sets never deadlock on PostgreSQL."""
        wanted = sorted(set(subjects))
        if not wanted:
            return {}
        values = [
            {"stage": stage, "subject": s, "run_id": run_id, "claimed_at": now} for s in wanted
        ]
        upsert = upsert_insert(self.conn, run_claims)
        # spelt out: an expanding IN cannot go with executemany
        ended = select(runs.c.id).where(*(runs.c.status != status for status in RUN_ACTIVE))
        statement = upsert.on_conflict_do_update(
            index_elements=[run_claims.c.stage, run_claims.c.subject],
            set_={"run_id": upsert.excluded.run_id, "claimed_at": upsert.excluded.claimed_at},
            where=or_(
                run_claims.c.run_id.in_(ended), run_claims.c.run_id == upsert.excluded.run_id
            ),
        ).returning(run_claims.c.subject)
        taken = set((await self.conn.execute(statement, values)).scalars())
        return await self._holders(stage, [s for s in wanted if s not in taken])

    async def release(self, run_id: str, stage: str, subjects: Collection[str]) -> None:
        await self.conn.execute(
            delete(run_claims).where(
                run_claims.c.run_id == run_id,
                run_claims.c.stage == stage,
                run_claims.c.subject.in_(list(subjects)),
            )
        )

    async def _holders(self, stage: str, subjects: builtins.list[str]) -> dict[str, Run]:
        if not subjects:
            return {}
        query = (
            select(run_claims.c.subject, runs)
            .join(runs, runs.c.id == run_claims.c.run_id)
            .where(run_claims.c.stage == stage, run_claims.c.subject.in_(subjects))
        )
        rows = (await self.conn.execute(query)).mappings()
        return {
            row["subject"]: Run.model_validate({k: v for k, v in row.items() if k != "subject"})
            for row in rows
        }

    async def _runs(self, query: Any) -> builtins.list[Run]:
        return [
            Run.model_validate(dict(row)) for row in (await self.conn.execute(query)).mappings()
        ]


def _filters(
    *,
    stage: str | None = None,
    status: str | None = None,
    channel: str | None = None,
    channels: Collection[str] | None = None,
    since: datetime | None = None,
) -> builtins.list[Any]:
    """``channels``: only runs of these channels (a limited key's)."""
    conditions: builtins.list[Any] = []
    if stage:
        conditions.append(runs.c.stage == stage)
    if status:
        conditions.append(runs.c.status == status)
    if channel:
        conditions.append(runs.c.channel == channel)
    if channels is not None:
        conditions.append(runs.c.channel.in_(sorted(channels)))
    if since is not None:
        conditions.append(runs.c.started_at >= since)
    return conditions
