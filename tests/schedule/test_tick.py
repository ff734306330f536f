"""The tick on a real database (SQLite and PostgreSQL): due sources get one `run` each,
the others are skipped, ended runs are recorded, and two ticks never take a source twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tg_parser import registry
from tg_parser.clock import utcnow
from tg_parser.jobs import RunRequest
from tg_parser.runs import close_queued, get_run
from tg_parser.schedule import schedule_plans, tick
from tg_parser.store import Database
from tg_parser.testing import HeldQueue

HOUR = timedelta(hours=1)


async def add(db: Database, *channels: str) -> None:
    for channel in channels:
        await registry.add_source(db, channel, via="web")


async def states(db: Database) -> dict[str, str]:
    return {plan.source.channel_key: plan.state for plan in await schedule_plans(db)}


async def test_each_due_source_gets_one_scheduled_run(db: Database) -> None:
    await add(db, "@alpha", "@beta")
    queue = HeldQueue(db)

    report = await tick(db, queue)

    assert [(e.channel, e.action) for e in report.entries] == [
        ("alpha", "queued"),
        ("beta", "queued"),
    ]
    requests = [RunRequest.model_validate(run.request) for run in queue.submitted]
    assert [(r.stage, r.channel, r.scheduled) for r in requests] == [
        ("run", "alpha", True),
        ("run", "beta", True),
    ]
    assert await states(db) == {"alpha": "running", "beta": "running"}
    assert (await tick(db, queue)).entries == []  # their runs are still queued


async def test_paused_errored_deferred_and_export_sources_are_skipped(db: Database) -> None:
    await add(db, "@active", "@paused", "@broken", "@flooded")
    await registry.add_source(db, "@archive", via="export")
    await registry.pause_source(db, "paused")
    async with db.transaction() as repos:
        await repos.sources.set_status("broken", "error", "no public preview")
        flooded = await repos.sources.get("flooded")
        assert flooded is not None
        await repos.sources.defer(flooded.id, utcnow() + HOUR)

    report = await tick(db, HeldQueue(db))

    assert [e.channel for e in report.entries] == ["active"]
    assert await states(db) == {
        "active": "running",
        "archive": "export",
        "broken": "error",
        "flooded": "deferred",
        "paused": "paused",
    }


async def test_its_provider_and_model_go_with_its_run(db: Database) -> None:
    await registry.add_source(db, "@alpha", via="web", provider="offline", model="m-1")
    queue = HeldQueue(db)
    await tick(db, queue)
    request = RunRequest.model_validate(queue.submitted[0].request)
    assert (request.provider, request.model) == ("offline", "m-1")


async def test_it_runs_again_an_interval_after_its_run_ended(db: Database) -> None:
    await add(db, "@alpha")
    queue = HeldQueue(db)
    first = (await tick(db, queue)).entries[0]
    assert first.run_id is not None
    await close_queued(db, first.run_id, "succeeded", "")
    ended_at = (await get_run(db, first.run_id)).finished_at
    assert ended_at is not None

    waiting = await tick(db, queue, ended_at + timedelta(minutes=59))
    assert (waiting.settled, waiting.entries) == (1, [])
    [plan] = await schedule_plans(db)
    assert plan.record is not None and plan.record.outcome == "succeeded"
    assert (plan.state, plan.next_run_at) == ("waiting", ended_at + HOUR)

    again = await tick(db, queue, ended_at + HOUR)
    assert [e.action for e in again.entries] == ["queued"]


async def test_a_source_whose_runs_keep_failing_backs_off(db: Database) -> None:
    await add(db, "@alpha")
    queue = HeldQueue(db)
    now = utcnow()
    for failures in (1, 2):
        [entry] = (await tick(db, queue, now)).entries
        assert entry.run_id is not None
        await close_queued(db, entry.run_id, "failed", "the channel page did not load")
        ended_at = (await get_run(db, entry.run_id)).finished_at
        assert ended_at is not None
        assert (await tick(db, queue, ended_at)).settled == 1
        [plan] = await schedule_plans(db, now=ended_at)
        assert plan.failures == failures
        assert plan.next_run_at == ended_at + HOUR * 2**failures
        assert plan.record is not None and plan.record.error == "the channel page did not load"
        now = ended_at + HOUR * 2**failures


async def test_a_run_already_at_work_on_the_channel_is_adopted(db: Database) -> None:
    await add(db, "@alpha")
    queue = HeldQueue(db)
    manual, _ = await queue.submit(RunRequest(stage="run", channel="alpha"))

    [entry] = (await tick(db, queue)).entries

    assert (entry.action, entry.run_id) == ("running", manual.id)
    assert len(queue.submitted) == 1
    [plan] = await schedule_plans(db)
    assert plan.state == "running" and "run " + manual.id in plan.reason


@pytest.mark.parametrize("ticks", [2, 4])
async def test_concurrent_ticks_never_schedule_a_source_twice(db: Database, ticks: int) -> None:
    await add(db, "@alpha", "@beta", "@gamma")
    now = utcnow()
    queues = [HeldQueue(db) for _ in range(ticks)]

    reports = await asyncio.gather(*(tick(db, queue, now) for queue in queues))

    queued = [e.channel for report in reports for e in report.entries if e.action == "queued"]
    assert sorted(queued) == ["alpha", "beta", "gamma"]
    assert sum(len(queue.submitted) for queue in queues) == 3
    async with db.reading() as repos:
        assert await repos.runs.count(stage="run") == 3
