"""Real ticks on the in-process queue over a live channel on the fake t.me: the pipeline
runs, topics are rebuilt only when something changed, files go to the source's
directory only when it has one (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tg_parser import registry
from tg_parser.clock import utcnow
from tg_parser.config import Settings
from tg_parser.jobs import InProcessQueue
from tg_parser.models import Run
from tg_parser.schedule import schedule_plans, tick, wait_for_runs
from tg_parser.store import Database
from tg_parser.testing import FakeTelegramWeb

LATER = timedelta(hours=1, minutes=1)  # past the poll interval of the last run


@pytest.fixture
def web() -> Iterator[FakeTelegramWeb]:
    with FakeTelegramWeb() as fake:
        yield fake


@pytest.fixture
async def queue(settings: Settings, web: FakeTelegramWeb) -> AsyncIterator[InProcessQueue]:
    live = {"telegram_web_base_url": web.base_url, "web_request_delay": 0, "web_retry_backoff": 0}
    db = await Database.open(settings.model_copy(update=live))
    queue = InProcessQueue(db)
    await queue.start()
    try:
        yield queue
    finally:
        await queue.stop()
        await db.close()


async def scheduled(queue: InProcessQueue, later: int = 0) -> tuple[Run, set[str]]:
    """One tick (``later`` intervals from now): its one run once ended, and the stages
    that run ran."""
    report = await tick(queue.db, queue, utcnow() + later * LATER)
    [run] = await wait_for_runs(queue.db, report.run_ids("queued"))
    async with queue.db.reading() as repos:
        children = await repos.runs.children(run.id)
    return run, {child.stage for child in children}


async def test_a_tick_runs_the_pipeline_and_rebuilds_topics_only_after_a_change(
    queue: InProcessQueue, web: FakeTelegramWeb, tmp_path: Path
) -> None:
    channel = web.add_channel("synth", 45, comments={44: 3})
    kb = tmp_path / "kb"
    await registry.add_source(queue.db, "@synth", include_comments=True, export_dir=str(kb))

    first, stages = await scheduled(queue)
    assert first.status == "succeeded", first.error
    assert stages == {"ingest", "process", "topics", "export"}
    assert first.counters["messages_collected"] == 48
    assert (kb / "manifest.json").exists()

    quiet, stages = await scheduled(queue, later=1)
    assert quiet.status == "succeeded", quiet.error
    assert stages == {"ingest", "process", "export"}  # nothing new: the topics stand

    channel.posts = 47
    changed, stages = await scheduled(queue, later=2)
    assert changed.counters["messages_processed"] == 2
    assert stages == {"ingest", "process", "topics", "export"}


async def test_a_source_without_an_export_directory_is_not_exported(
    queue: InProcessQueue, web: FakeTelegramWeb, tmp_path: Path
) -> None:
    web.add_channel("synth", 12)
    await registry.add_source(queue.db, "@synth")

    run, stages = await scheduled(queue)

    assert run.status == "succeeded", run.error
    assert stages == {"ingest", "process", "topics"}
    assert run.result is not None and "out" not in run.result
    assert not list(tmp_path.glob("**/manifest.json"))


async def test_a_source_that_cannot_be_collected_is_a_failed_outcome(
    queue: InProcessQueue,
) -> None:
    await registry.add_source(queue.db, "@missing", via="web")

    run, _ = await scheduled(queue)
    report = await tick(queue.db, queue)

    assert run.status == "succeeded"  # the pipeline ran; collecting its source failed
    assert report.settled == 1 and report.entries == []
    [plan] = await schedule_plans(queue.db)
    assert plan.record is not None and plan.record.outcome == "failed"
    assert plan.record.error is not None and "collecting missing failed" in plan.record.error
    assert plan.state in ("error", "waiting")
