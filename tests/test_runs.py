"""track_run and get_run: every stage execution leaves a run record."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tg_parser.clock import utcnow
from tg_parser.config import Settings
from tg_parser.errors import NotFoundError, RunInProgressError
from tg_parser.models import Run
from tg_parser.runs import get_run, list_runs, new_run_id, track_run
from tg_parser.store.database import Database

SCOPE = {"path": "result.json"}


async def test_a_block_that_ends_is_a_succeeded_run_with_counters(db: Database) -> None:
    async with track_run(db, "import", SCOPE) as run:
        started = await get_run(db, run.id)
        run.add(inserted=3, skipped=1)
        run.add(inserted=2)

    assert (started.status, started.finished_at) == ("running", None)
    stored = await get_run(db, run.id)
    assert stored.status == "succeeded"
    assert (stored.stage, stored.scope) == ("import", SCOPE)
    assert stored.counters == {"inserted": 5, "skipped": 1}
    assert stored.error is None
    assert stored.finished_at is not None and stored.finished_at >= stored.started_at
    assert stored.duration_seconds is not None and stored.duration_seconds >= 0
    assert run.run.status == "succeeded"


async def test_checkpoint_makes_counters_visible_while_running(db: Database) -> None:
    async with track_run(db, "import", SCOPE) as run:
        run.add(inserted=7)
        await run.checkpoint()
        midway = await get_run(db, run.id)

    assert (midway.status, midway.counters) == ("running", {"inserted": 7})


async def test_an_error_is_a_failed_run_and_propagates(db: Database) -> None:
    with pytest.raises(ValueError, match="bad export"):
        async with track_run(db, "import", SCOPE) as run:
            run.add(inserted=1)
            raise ValueError("bad export")

    stored = await get_run(db, run.id)
    assert (stored.status, stored.error, stored.counters) == (
        "failed",
        "bad export",
        {"inserted": 1},
    )
    assert stored.finished_at is not None


async def test_an_error_without_message_records_its_class(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with track_run(db, "import", SCOPE) as run:
            raise RuntimeError

    assert (await get_run(db, run.id)).error == "RuntimeError"


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, asyncio.CancelledError])
async def test_an_interruption_is_a_cancelled_run(
    db: Database, interruption: type[BaseException]
) -> None:
    with pytest.raises(interruption):
        async with track_run(db, "import", SCOPE) as run:
            raise interruption()

    assert (await get_run(db, run.id)).status == "cancelled"


async def test_a_cancelled_task_is_a_cancelled_run(db: Database) -> None:
    entered = asyncio.Event()
    ids: list[str] = []

    async def stage() -> None:
        async with track_run(db, "process", {}) as run:
            ids.append(run.id)
            entered.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(stage())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert (await get_run(db, ids[0])).status == "cancelled"


async def test_an_unknown_run_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError, match="runs list"):
        await get_run(db, "20260101T000000-deadbeef")


def test_run_ids_are_unique_and_start_with_the_time() -> None:
    ids = [new_run_id() for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(re.fullmatch(r"\d{8}T\d{6}-[0-9a-f]{8}", run_id) for run_id in ids)


async def test_checkpoint_with_every_skips_writes_that_come_too_soon(db: Database) -> None:
    async with track_run(db, "import", {}) as run:
        run.add(inserted=1)
        await run.checkpoint(every=60)
        run.add(inserted=1)
        await run.checkpoint(every=60)
        assert (await get_run(db, run.id)).counters == {"inserted": 1}
        await run.checkpoint()
        assert (await get_run(db, run.id)).counters == {"inserted": 2}


async def _run_of_process(
    db: Database, pid: int, host: str, *, started: timedelta = timedelta(0)
) -> Run:
    """A run left ``running`` by the process ``pid`` on ``host`` ``started`` ago (no
    heartbeat since), with an open attempt."""
    run = Run(
        id=new_run_id(),
        stage="ingest",
        scope={},
        status="running",
        counters={"posts_inserted": 40},
        started_at=utcnow() - started,
        host=host,
        pid=pid,
    )
    async with db.transaction() as repos:
        await repos.runs.create(run)
        source = await repos.sources.upsert("durov", via="web")
        await repos.sources.start_attempt(source.id, run.id)
    return run


def _ended_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


async def test_a_run_whose_process_is_gone_is_closed_as_interrupted(db: Database) -> None:
    host = socket.gethostname()
    killed = await _run_of_process(db, _ended_pid(), host)
    alive = await _run_of_process(db, os.getpid(), host)
    elsewhere = await _run_of_process(db, _ended_pid(), "another-host")

    async with track_run(db, "import", SCOPE):
        pass

    closed = await get_run(db, killed.id)
    assert closed.status == "failed"
    assert closed.error == f"interrupted: process {killed.pid} on {host} ended without finishing"
    assert closed.counters == {"posts_inserted": 40}  # what it did is kept
    assert (await get_run(db, alive.id)).status == "running"
    assert (await get_run(db, elsewhere.id)).status == "running"
    async with db.transaction() as repos:
        source = await repos.sources.get("durov")
        assert source is not None
        attempts = {a["run_id"]: a for a in await repos.sources.attempts(source.id)}
    assert attempts[killed.id]["status"] == "failed"
    assert attempts[killed.id]["error_class"] == "Interrupted"
    assert attempts[alive.id]["status"] == "running"


async def test_a_run_records_its_host_and_process(db: Database) -> None:
    async with track_run(db, "import", SCOPE) as run:
        pass
    stored = await get_run(db, run.id)
    assert (stored.host, stored.pid) == (socket.gethostname(), os.getpid())


async def test_a_run_whose_heartbeat_stopped_is_closed_whatever_its_host(db: Database) -> None:
    """A stopped container (another hostname) or a pid reused on this host leaves a run
    whose heartbeat is old: it is closed; a run that beat recently is left alone."""
    host = socket.gethostname()
    stale = timedelta(seconds=db.settings.run_stale_after_seconds + 60)
    gone_container = await _run_of_process(db, 1, "old-container", started=stale)
    reused_pid = await _run_of_process(db, os.getpid(), host, started=stale)
    recent = await _run_of_process(db, 1, "another-host")

    async with track_run(db, "import", SCOPE):
        pass

    for run in (gone_container, reused_pid):
        closed = await get_run(db, run.id)
        assert closed.status == "failed"
        assert closed.finished_at is not None
        assert closed.error is not None
        assert closed.error.startswith(f"interrupted: no heartbeat from process {run.pid} on ")
        assert closed.error.endswith("(the heartbeat stopped)")
    assert (await get_run(db, recent.id)).status == "running"


@pytest.fixture
async def fast_beating_db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.open(Settings(database_url=database_url, run_heartbeat_seconds=0.05))
    try:
        yield database
    finally:
        await database.close()


async def test_a_running_stage_refreshes_its_heartbeat(fast_beating_db: Database) -> None:
    db = fast_beating_db
    async with track_run(db, "process", {}) as run:
        first = (await get_run(db, run.id)).heartbeat_at
        await asyncio.sleep(0.3)
        later = (await get_run(db, run.id)).heartbeat_at
    assert first is not None and later is not None
    assert later - first >= timedelta(seconds=0.1)


async def test_a_claimed_channel_refuses_a_second_run_of_the_stage(db: Database) -> None:
    async with track_run(db, "process", {}, claims=["notes", "garden"]) as first:
        with pytest.raises(RunInProgressError) as refused:
            async with track_run(db, "process", {}, claims=["zoo", "notes"]):
                pytest.fail("the second run started")
        async with track_run(db, "import", {}, claims=["notes"]):
            pass  # another stage on the channel is other work
        async with track_run(db, "process", {}, claims=["zoo"]):
            pass  # another channel is free
    async with track_run(db, "process", {}, claims=["notes"]):
        pass  # released when the first ended

    message = refused.value.message
    assert f"run {first.id} (process) is already working on channel notes" in message
    assert f"on host {socket.gethostname()}, pid {os.getpid()}" in message
    assert f"`tg-parser runs show {first.id}`" in message
    runs = await list_runs(db, stage="process")
    assert len(runs) == 3  # the refused run left nothing behind
    assert {run.status for run in runs} == {"succeeded"}


async def test_the_claims_of_an_abandoned_run_are_taken_over(db: Database) -> None:
    stale = timedelta(seconds=db.settings.run_stale_after_seconds + 60)
    abandoned = await _run_of_process(db, 1, "old-container", started=stale)
    async with db.transaction() as repos:
        assert await repos.runs.claim(abandoned.id, "ingest", ["durov"], utcnow()) == {}

    async with track_run(db, "ingest", {}, claims=["durov"]):
        pass

    assert (await get_run(db, abandoned.id)).status == "failed"
