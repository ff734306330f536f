"""Runs executed by procrastinate workers (PostgreSQL): a queued run is a job a worker
executes; a `process` run is split into batches that several workers share, every message
ending with exactly one document and one successful model call; a cancelled run stops."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from channel_export import write_channel_export  # type: ignore[import-not-found]
from tg_parser.config import Settings
from tg_parser.errors import ConfigError
from tg_parser.ingest import ImportOptions, import_desktop
from tg_parser.jobs import RunRequest, worker_queue
from tg_parser.jobs.workers import BATCHES_QUEUE, EXECUTE_RUN, RUNS_QUEUE, WorkerQueue, work
from tg_parser.runs import get_run
from tg_parser.store import Database
from tg_parser.store.tables import llm_calls, processed_documents, raw_messages, run_batches
from tg_parser.testing.llm.answers import analysis_answer
from tg_parser.testing.llm.openai import fake_openai, openai_environment
from tg_parser.testing.llm.server import FakeModelServer

pytestmark = pytest.mark.postgres
POSTS = 60


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with fake_openai(answer=analysis_answer, latency=0.05) as fake:
        yield fake


@pytest.fixture
def worker_settings(empty_postgres_url: str, server: FakeModelServer) -> Settings:
    environment = openai_environment(server, LLM_CONCURRENCY="4")
    return Settings(
        database_url=empty_postgres_url,
        worker_batch_size=10,
        worker_lease_seconds=3,
        **{key.lower(): value for key, value in environment.items()},
    )


@pytest.fixture
async def pg(worker_settings: Settings, tmp_path: Path) -> AsyncIterator[Database]:
    """A database of its own (the queue's jobs are not shared with other tests) holding a
    channel of ``POSTS`` distinct posts."""
    db = await Database.open(worker_settings)
    export = write_channel_export(tmp_path / "result.json", POSTS)
    await import_desktop(db, ImportOptions(path=export, channel="notes"))
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def queue(pg: Database) -> AsyncIterator[WorkerQueue]:
    submitted = WorkerQueue(pg)
    await submitted.start()
    try:
        yield submitted
    finally:
        await submitted.stop()


async def _drain(settings: Settings, queues: list[str], workers: int = 1) -> None:
    """``workers`` workers, each with its own database connection, until the queues are
    empty."""

    async def one(number: int) -> None:
        db = await Database.open(settings)
        try:
            await work(db, concurrency=1, queues=queues, wait=False, name=f"w{number}")
        finally:
            await db.close()

    await asyncio.gather(*(one(number) for number in range(workers)))


async def _rows(db: Database, query: object) -> list[tuple[object, ...]]:
    async with db.engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(query)]  # type: ignore[call-overload]


async def test_a_submitted_run_is_executed_by_a_worker(
    pg: Database, queue: WorkerQueue, worker_settings: Settings, tmp_path: Path
) -> None:
    worker_settings = worker_settings.model_copy(update={"api_export_dir": tmp_path})
    run, _ = await queue.submit(RunRequest(stage="export", channel="notes"))
    assert (await get_run(pg, run.id)).status == "queued"
    await _drain(worker_settings, [RUNS_QUEUE])
    done = await get_run(pg, run.id)
    assert done.status == "succeeded", done.error
    assert done.host is not None and done.result is not None
    assert (tmp_path / "kb").is_dir()


async def test_four_workers_share_a_process_run_exactly_once(
    pg: Database, queue: WorkerQueue, worker_settings: Settings, server: FakeModelServer
) -> None:
    run, _ = await queue.submit(RunRequest(stage="process", channel="notes"))
    await _drain(worker_settings, [RUNS_QUEUE])  # the run is planned: 6 batches of 10
    planned = await get_run(pg, run.id)
    assert planned.status == "running"
    assert planned.counters == {"pending": POSTS, "skipped": 0, "batches": 6}

    await _drain(worker_settings, [BATCHES_QUEUE], workers=4)

    ended = await get_run(pg, run.id)
    assert ended.status == "succeeded", ended.error
    assert ended.counters["processed"] == POSTS
    assert (ended.counters["failed"], ended.counters["skipped"]) == (0, 0)
    documents = await _rows(pg, select(processed_documents.c.source_ref))
    messages = await _rows(pg, select(raw_messages.c.source_ref))
    assert sorted(documents) == sorted(messages) and len(documents) == POSTS
    calls = Counter(
        ref
        for (ref,) in await _rows(
            pg,
            select(llm_calls.c.source_ref).where(
                llm_calls.c.status == "ok", llm_calls.c.run_id == run.id
            ),
        )
    )
    assert len(calls) == POSTS and set(calls.values()) == {1}
    assert len(server.requests) == POSTS  # no message was sent to the model twice
    holders = await _rows(pg, select(run_batches.c.holder, run_batches.c.status))
    assert {status for _, status in holders} == {"done"}
    assert len({holder for holder, _ in holders}) > 1  # the workers shared the run


async def test_cancelling_a_queued_run_cancels_its_job(
    pg: Database, queue: WorkerQueue, worker_settings: Settings
) -> None:
    run, _ = await queue.submit(RunRequest(stage="process", channel="notes"))
    cancelled = await queue.cancel(run.id)
    assert cancelled.status == "cancelled"
    jobs = await queue.app.job_manager.list_jobs_async(queueing_lock=f"run:{run.id}")
    assert [job.status for job in jobs] == ["cancelled"]
    await _drain(worker_settings, [RUNS_QUEUE, BATCHES_QUEUE])
    assert (await get_run(pg, run.id)).status == "cancelled"
    assert await _rows(pg, select(processed_documents.c.source_ref)) == []


async def test_cancelling_a_split_run_stops_its_batches(
    pg: Database, queue: WorkerQueue, worker_settings: Settings
) -> None:
    run, _ = await queue.submit(RunRequest(stage="process", channel="notes"))
    await _drain(worker_settings, [RUNS_QUEUE])
    cancelled = await queue.cancel(run.id)
    assert cancelled.status == "cancelled"
    await _drain(worker_settings, [BATCHES_QUEUE])
    assert await _rows(pg, select(processed_documents.c.source_ref)) == []
    statuses = await _rows(pg, select(run_batches.c.status))
    assert {status for (status,) in statuses} == {"cancelled"}


async def test_workers_need_postgresql(tmp_path: Path) -> None:
    db = await Database.open(Settings(database_url=f"sqlite:///{tmp_path / 'x.sqlite'}"))
    try:
        with pytest.raises(ConfigError, match="needs PostgreSQL"):
            worker_queue(db)
    finally:
        await db.close()


async def test_a_split_run_whose_planner_died_before_deferring_its_batches_still_ends(
    pg: Database, queue: WorkerQueue, worker_settings: Settings
) -> None:
    """The worker planning a split run is killed after recording the batches but before
    their jobs exist: the planning job, retried as stalled, defers them, and the run ends."""
    run, _ = await queue.submit(RunRequest(stage="process", channel="notes"))
    await _drain(worker_settings, [RUNS_QUEUE])
    async with pg.engine.begin() as conn:  # the state a kill in the middle of planning leaves
        await conn.execute(text("DELETE FROM procrastinate_jobs WHERE queue_name = 'batches'"))
        await conn.execute(run_batches.update().values(job_id=None))
    planning = queue.app.configure_task(EXECUTE_RUN, queue=RUNS_QUEUE)
    await planning.defer_async(run_id=run.id)  # the stalled planning job, retried
    await _drain(worker_settings, [RUNS_QUEUE])
    assert (await get_run(pg, run.id)).status == "running"
    jobs = await _rows(pg, select(run_batches.c.job_id))
    assert len(jobs) == 6 and all(job_id is not None for (job_id,) in jobs)

    await _drain(worker_settings, [BATCHES_QUEUE], workers=2)
    ended = await get_run(pg, run.id)
    assert ended.status == "succeeded", ended.error
    assert ended.counters["processed"] == POSTS
