"""Queued runs: recorded with their claims before they execute, taken by the stage's own
`track_run` when they start, closed when their process is gone. SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update

from tg_parser.clock import utcnow
from tg_parser.errors import RunInProgressError
from tg_parser.runs import (
    close_abandoned_runs,
    close_queued,
    executing,
    get_run,
    list_runs,
    queue_run,
    start_queued,
    track_run,
)
from tg_parser.store import Database
from tg_parser.store.tables import runs


async def queued(db: Database, stage: str = "process", **options: object) -> str:
    run = await queue_run(
        db, stage, channel="notes", claims=["notes"], request={"stage": stage}, **options
    )
    return run.id


async def test_a_queued_run_is_listed_and_holds_its_channel(db: Database) -> None:
    run_id = await queued(db)
    [listed] = await list_runs(db)
    assert (listed.id, listed.status, listed.channel) == (run_id, "queued", "notes")
    with pytest.raises(RunInProgressError, match=f"run {run_id} \\(process\\).*queued"):
        await queued(db)
    with pytest.raises(RunInProgressError, match=run_id):
        async with track_run(db, "process", {}, claims=["notes"]):
            pass
    async with track_run(db, "topics", {}, claims=["notes"]):  # another stage is free
        pass


async def test_the_stages_own_run_takes_the_queued_record(db: Database) -> None:
    run_id = await queued(db)
    tracker = await start_queued(db, run_id)
    assert tracker is not None and tracker.run.status == "running"
    async with executing(tracker):
        async with track_run(db, "process", {"channel": "notes"}, claims=["notes"]) as run:
            assert run is tracker
            run.add(processed=3)
        async with track_run(db, "export", {"out": "kb"}) as child:
            assert child.id != run_id
    ended = await get_run(db, run_id)
    assert (ended.status, ended.counters, ended.scope) == (
        "succeeded",
        {"processed": 3},
        {"channel": "notes"},
    )
    assert (await get_run(db, child.id)).parent_id == run_id
    assert len(await list_runs(db)) == 2


async def test_a_failure_inside_is_recorded_on_the_queued_run(db: Database) -> None:
    tracker = await start_queued(db, await queued(db))
    assert tracker is not None
    with pytest.raises(ValueError, match="broken"):
        async with executing(tracker), track_run(db, "process", {}, claims=["notes"]):
            raise ValueError("broken")
    ended = await get_run(db, tracker.id)
    assert (ended.status, ended.error) == ("failed", "broken")
    await queued(db)  # the claim is free again


async def test_a_cancelled_queued_run_never_starts(db: Database) -> None:
    run_id = await queued(db)
    assert await close_queued(db, run_id, "cancelled", "cancelled before it started")
    assert await start_queued(db, run_id) is None
    assert not await close_queued(db, run_id, "failed", "again")
    run = await get_run(db, run_id)
    assert (run.status, run.error) == ("cancelled", "cancelled before it started")
    await queued(db)


async def test_a_queued_run_of_a_gone_process_is_closed_failed(db: Database) -> None:
    mine = await queued(db)
    elsewhere = await queued(db, "topics", local=False)  # a worker's: no process yet
    waiting = await queued(db, "export")  # this process's, queued long ago: still waiting
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    long_ago = utcnow() - timedelta(days=2)
    async with db.transaction() as repos:
        await repos.conn.execute(update(runs).where(runs.c.id == mine).values(pid=process.pid))
        await repos.conn.execute(
            update(runs).where(runs.c.id == waiting).values(started_at=long_ago)
        )
    closed = await close_abandoned_runs(db, socket.gethostname())
    assert [run.id for run in closed] == [mine]
    assert (await get_run(db, mine)).status == "failed"
    assert (await get_run(db, elsewhere)).status == "queued"
    assert (await get_run(db, waiting)).status == "queued"
