"""The tick, repeated in this process: `tg-parser schedule` in the foreground, and `serve`
on SQLite as a background task (on PostgreSQL the workers' periodic task ticks)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection

import structlog

from tg_parser.jobs import RunQueue, uses_workers
from tg_parser.models import RUN_ACTIVE, Run
from tg_parser.runs import get_run
from tg_parser.schedule.tick import TickReport, tick
from tg_parser.store import Database

log = structlog.get_logger(__name__)

RUN_POLL_SECONDS = 0.2  # how often `schedule --once` looks whether its runs ended


async def run_schedule(
    db: Database,
    queue: RunQueue,
    *,
    every: float,
    on_tick: Callable[[TickReport], None] | None = None,
) -> None:
    """Tick every ``every`` seconds until cancelled. A tick that fails (the database is
    away) is logged and the next one tries again."""
    while True:
        try:
            report = await tick(db, queue)
        except Exception:
            log.exception("schedule_tick_failed")
        else:
            if on_tick is not None:
                on_tick(report)
        await asyncio.sleep(every)


async def wait_for_runs(db: Database, run_ids: Collection[str]) -> list[Run]:
    """The runs once every one of them has ended."""
    while True:
        runs = [await get_run(db, run_id) for run_id in run_ids]
        if all(run.status not in RUN_ACTIVE for run in runs):
            return runs
        await asyncio.sleep(RUN_POLL_SECONDS)


def schedules_in_process(db: Database) -> bool:
    """Whether `serve` ticks itself: when it executes the runs (SQLite, or
    RUN_QUEUE=in-process), unless SCHEDULE_IN_SERVE is false; with workers, their periodic
    task ticks."""
    return db.settings.schedule_in_serve and not uses_workers(db)
