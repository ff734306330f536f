"""A `process` run stopped (Ctrl-C, SIGTERM: its task cancelled) keeps every answer it
received, saved once with the calls paid for it, and is recorded ``cancelled``; the next
run asks only for what was not answered. The stop lands at chosen moments — while a save
is in flight, as answers come in — through a test analyser, not by timing luck."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tg_parser.clock import utcnow
from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.llm.base import Analysis, CallEstimate, MessageInput
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.models import CallRecord, Run
from tg_parser.process import ProcessOptions, process_messages
from tg_parser.store.database import Database
from tg_parser.store.tables import llm_calls, processed_documents

EXPORTS = Path(__file__).parent / "data" / "export"
GARDEN = 9  # 4 posts and 5 comments


class PaidAnalyser:
    """The offline analysis, recorded as one paid model call per message. ``stop_after``
    answers, it stops ``run`` (as Ctrl-C would) as the last of them comes in and leaves
    every later message waiting for its answer; ``saving`` is set when a save that
    carries calls starts."""

    provider = "paid"
    model_id = "paid-1"
    prompt_name = "offline-analysis"
    prompt_id = "sha256:" + "cd" * 32

    def __init__(self, stop_after: int | None = None) -> None:
        self.parameters: dict[str, Any] = {}
        self.offline = OfflineAnalyser()
        self.stop_after = stop_after
        self.run: asyncio.Task[Any] | None = None
        self.answered: list[str] = []
        self.calls: list[CallRecord] = []
        self.drained = 0
        self.saving = asyncio.Event()

    async def analyse(self, item: MessageInput) -> Analysis:
        await asyncio.sleep(0)  # the call goes out
        if self.stop_after is not None and len(self.answered) >= self.stop_after:
            await asyncio.Event().wait()  # in flight when the run stops
        self.answered.append(item.source_ref)
        self.calls.append(_call(item.source_ref))
        if len(self.answered) == self.stop_after and self.run is not None:
            self.run.cancel()
        return await self.offline.analyse(item)

    def estimate(self, item: MessageInput) -> CallEstimate | None:
        return None

    def drain_calls(self) -> list[CallRecord]:
        drained, self.calls = self.calls, []
        self.drained += len(drained)
        if drained:
            self.saving.set()
        return drained


def _call(ref: str) -> CallRecord:
    return CallRecord(
        provider="paid",
        model="paid-1",
        prompt_name="offline-analysis",
        prompt_version="1",
        status="ok",
        input_tokens=100,
        output_tokens=20,
        reasoning_tokens=0,
        latency_ms=5,
        created_at=utcnow(),
        source_ref=ref,
    )


async def _garden(db: Database) -> None:
    channel = EXPORTS / "discussion_channel.json"
    await import_desktop(db, ImportOptions(path=channel, channel="@garden_notes"))
    group = EXPORTS / "discussion_group.json"
    await import_desktop(db, ImportOptions(path=group, comments_for="@garden_notes"))


def _start(db: Database, analyser: PaidAnalyser, **options: Any) -> asyncio.Task[Any]:
    run = asyncio.create_task(process_messages(db, analyser, ProcessOptions(**options)))
    analyser.run = run
    return run


async def _stopped(run: asyncio.Task[Any]) -> None:
    with pytest.raises(asyncio.CancelledError):
        await run


async def _count(db: Database, table: Any) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _documents(db: Database) -> set[str]:
    async with db.transaction() as repos:
        return {s.document.source_ref for s in await repos.documents.for_channel(None)}


async def _last_run(db: Database) -> Run:
    async with db.transaction() as repos:
        return (await repos.runs.list(limit=1, stage="process"))[0]


async def test_a_stop_during_a_save_keeps_that_save_whole_and_once(db: Database) -> None:
    await _garden(db)
    analyser = PaidAnalyser()
    run = _start(db, analyser, batch_size=3, concurrency=2)
    await analyser.saving.wait()  # the first save has drained its calls and is writing
    run.cancel()
    await _stopped(run)

    saved = await _documents(db)
    assert saved == set(analyser.answered), "every answer received is saved"
    assert await _count(db, llm_calls) == analyser.drained == len(saved), "calls saved once"
    stopped = await _last_run(db)
    assert stopped.status == "cancelled"
    assert stopped.counters["processed"] == len(saved), "each document counted once"


async def test_answers_that_came_in_as_the_run_stopped_are_saved(db: Database) -> None:
    await _garden(db)
    first = PaidAnalyser(stop_after=5)
    # nothing is due for saving before the stop: it all rests on the stop's own save
    await _stopped(_start(db, first, batch_size=100, concurrency=4))

    assert await _documents(db) == set(first.answered) and len(first.answered) == 5
    assert await _count(db, llm_calls) == 5
    stopped = await _last_run(db)
    assert stopped.status == "cancelled" and stopped.counters["processed"] == 5

    second = PaidAnalyser()
    report = await process_messages(db, second, ProcessOptions())
    assert report.counters["processed"] == GARDEN - 5
    assert not set(first.answered) & set(second.answered), "no answer is asked for twice"
    assert await _count(db, processed_documents) == GARDEN
    assert await _count(db, llm_calls) == GARDEN
