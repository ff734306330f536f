"""The scheduler with workers: their periodic task ticks (queuing a `run` job for every due
source), and `serve` ticks itself only when it executes the runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tg_parser import registry
from tg_parser.config import Settings
from tg_parser.jobs.workers import (
    EXECUTE_RUN,
    MAINTENANCE_QUEUE,
    SCHEDULE_TICK,
    cron,
    queue_app,
    work,
)
from tg_parser.runs import RunFilters, list_runs
from tg_parser.schedule import schedules_in_process, tick
from tg_parser.store import Database


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (1, "* * * * * */1"),
        (20, "* * * * * */20"),
        (60, "*/1 * * * *"),
        (900, "*/15 * * * *"),
        (3600, "0 */1 * * *"),
        (86_400 * 3, "0 */24 * * *"),
    ],
)
def test_cron_fires_about_every_interval(seconds: float, expected: str) -> None:
    assert cron(seconds) == expected


async def test_serve_ticks_on_sqlite_unless_told_not_to(tmp_path: Path) -> None:
    db = await Database.open(Settings(db_path=tmp_path / "kb.sqlite", schedule_in_serve=True))
    try:
        assert schedules_in_process(db)
        db.settings = db.settings.model_copy(update={"schedule_in_serve": False})
        assert not schedules_in_process(db)
    finally:
        await db.close()


@pytest.fixture
async def pg(empty_postgres_url: str) -> AsyncIterator[Database]:
    settings = Settings(
        database_url=empty_postgres_url, schedule_tick_seconds=30, schedule_in_serve=True
    )
    db = await Database.open(settings)
    try:
        yield db
    finally:
        await db.close()


@pytest.mark.postgres
async def test_with_workers_serve_leaves_the_tick_to_them(pg: Database) -> None:
    assert not schedules_in_process(pg)  # RUN_QUEUE=auto on PostgreSQL: workers
    pg.settings = pg.settings.model_copy(update={"run_queue": "in-process"})
    assert schedules_in_process(pg)


@pytest.mark.postgres
async def test_the_workers_periodic_tick_queues_a_run_job_per_due_source(pg: Database) -> None:
    app = queue_app(pg, tick)
    periodic = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}
    assert periodic[SCHEDULE_TICK] == "* * * * * */30"
    assert SCHEDULE_TICK not in queue_app(pg).tasks  # only a worker given the tick schedules
    for channel in ("@alpha", "@beta"):
        await registry.add_source(pg, channel, via="web")
    async with app.open_async():
        await app.configure_task(SCHEDULE_TICK).defer_async(timestamp=0)

    await work(pg, concurrency=1, queues=[MAINTENANCE_QUEUE], wait=False, tick=tick)

    runs = await list_runs(pg, RunFilters(stage="run"))
    assert sorted((run.channel, run.status) for run in runs) == [
        ("alpha", "queued"),
        ("beta", "queued"),
    ]
    async with pg.engine.connect() as conn:
        jobs = await conn.execute(
            text("SELECT args->>'run_id' FROM procrastinate_jobs WHERE task_name = :task"),
            {"task": EXECUTE_RUN},
        )
        assert sorted(row[0] for row in jobs) == sorted(run.id for run in runs)
