"""track_run and get_run: every stage execution leaves a run record."""

from __future__ import annotations

import asyncio
import re

import pytest

from tg_parser.errors import NotFoundError
from tg_parser.runs import get_run, new_run_id, track_run
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
