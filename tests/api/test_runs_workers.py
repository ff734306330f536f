"""Runs started over HTTP on PostgreSQL with workers (RUN_QUEUE=auto): `serve` defers them
and a procrastinate worker executes them; a running run is cancelled through its job."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest

from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.jobs.workers import BATCHES_QUEUE, RUNS_QUEUE, WorkerQueue, work
from tg_parser.store import Database
from tg_parser.testing.api import api_client
from tg_parser.testing.llm.openai import fake_openai, openai_environment
from tg_parser.testing.llm.server import FakeModelServer

from .runs_helpers import CHANNEL, ended, import_sample, until_status

pytestmark = pytest.mark.postgres


@pytest.fixture
def slow_model() -> Iterator[FakeModelServer]:
    with fake_openai(latency=0.3) as server:
        yield server


@pytest.fixture
def worker_settings(
    empty_postgres_url: str, monkeypatch: pytest.MonkeyPatch, slow_model: FakeModelServer
) -> Settings:
    monkeypatch.delenv("RUN_QUEUE")
    environment = openai_environment(slow_model, LLM_CONCURRENCY="1")
    return Settings(
        database_url=empty_postgres_url, **{k.lower(): v for k, v in environment.items()}
    )


@pytest.fixture
async def imported(worker_settings: Settings) -> AsyncIterator[Database]:
    db = await Database.open(worker_settings)
    await import_sample(db)
    try:
        yield db
    finally:
        await db.close()


async def test_serve_defers_runs_to_the_workers(
    imported: Database, worker_settings: Settings
) -> None:
    offline = worker_settings.model_copy(update={"llm_provider": "offline"})
    app = create_app(offline)
    async with api_client(app) as client:
        assert isinstance(app.state.queue, WorkerQueue)
        accepted = await client.post("/api/v1/runs", json={"stage": "process", "channel": CHANNEL})
        assert accepted.status_code == 202, accepted.text
        run_id = accepted.json()["id"]
        assert accepted.json()["status"] == "queued" and "host" not in accepted.json()
        db = await Database.open(offline)
        try:
            await work(db, concurrency=1, queues=[RUNS_QUEUE, BATCHES_QUEUE], wait=False)
        finally:
            await db.close()
        run = await ended(client, run_id, timeout=10)
    assert run["status"] == "succeeded", run["error"]
    assert run["counters"]["processed"] == 165  # as when `serve` executes it itself
    assert run["channel"] == CHANNEL and run["result"]["counters"]["processed"] == 165


async def test_a_running_run_is_cancelled_through_its_job(
    imported: Database, worker_settings: Settings
) -> None:
    async with api_client(create_app(worker_settings)) as client:
        accepted = await client.post("/api/v1/runs", json={"stage": "run", "collect": False})
        run_id = accepted.json()["id"]
        worker = asyncio.create_task(work(imported, concurrency=1, signals=False))
        try:
            await until_status(client, run_id, "running")
            cancelled = await client.post(f"/api/v1/runs/{run_id}/cancel")
            assert cancelled.status_code == 200
            assert cancelled.json()["status"] == "cancelled"
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
