"""A queued ``process`` run spread over workers: split into batches of at most
``WORKER_BATCH_SIZE`` messages, one job each, shared by any number of workers.

``split_run`` plans the run (its pending messages, by channel) and records its batches;
the queue defers one job per batch. ``run_batch`` is that job: it takes the batch under a
lease (``WORKER_LEASE_SECONDS``, renewed every third of it, with the run's heartbeat), so
one worker at a time works on it; a killed worker's lease lapses and the job, retried,
takes it over and processes only what is still to do. Every save checks the lease in its
own transaction, so a worker that lost its batch never saves (nor records calls) beside the
one that took it. The run shows the batches' combined counters as they go and ends when
the last batch ends: ``succeeded``, or ``failed`` with the first batch's error.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import structlog

from tg_parser import metrics
from tg_parser.clock import utcnow
from tg_parser.errors import TgParserError
from tg_parser.jobs.request import RunRequest
from tg_parser.models import Run
from tg_parser.runs import RunTracker, claim, claimable_channels, get_run, start_queued
from tg_parser.store import Batch, Database, Repositories
from tg_parser.store.batches import WAITING, WORKING

log = structlog.get_logger(__name__)

# defers the jobs of the run's batches (by number); their job ids, in the same order
DeferBatches = Callable[[str, list[int]], Awaitable[list[int]]]
SUMMED = ("processed", "noise", "failed")


class LeaseLostError(TgParserError):
    """The batch is no longer this worker's (its lease lapsed and another took it over, or
    the run was cancelled)."""


def splits(request: RunRequest) -> bool:
    """Whether a queued run is spread over batches (a `process` run that writes)."""
    return request.stage == "process" and not request.dry_run


async def split_run(db: Database, run_id: str, defer: DeferBatches) -> int:
    """Start the queued run, record its batches and defer their jobs; the number of
    batches (0: nothing to do, and the run has ended)."""
    tracker = await start_queued(db, run_id)
    if tracker is None:  # cancelled while it waited
        return 0
    try:
        batches = await _plan(db, tracker.run)
        if batches:
            await _defer_jobs(db, run_id, list(range(len(batches))), defer)
    except BaseException as exc:
        cancelled = isinstance(exc, asyncio.CancelledError | KeyboardInterrupt)
        await _end_now(db, tracker.run, "cancelled" if cancelled else "failed", str(exc))
        raise
    if not batches:
        await end_if_done(db, tracker.run)
    return len(batches)


async def defer_missing_batches(db: Database, run_id: str, defer: DeferBatches) -> int:
    """Defer a job for each open batch of the run that has none (the worker splitting the
    run was killed before it recorded them); how many. A batch whose job exists after all
    gets a second one, which finds it taken or over and returns."""
    async with db.reading() as repos:
        batches = await repos.batches.list(run_id)
    missing = [b.seq for b in batches if b.job_id is None and b.status in (WAITING, WORKING)]
    if missing:
        log.warning("batch_jobs_deferred_again", run_id=run_id, batches=len(missing))
        await _defer_jobs(db, run_id, missing, defer)
    return len(missing)


async def _defer_jobs(db: Database, run_id: str, seqs: list[int], defer: DeferBatches) -> None:
    """Defer the jobs of the batches ``seqs`` and record each batch's job."""
    jobs = await defer(run_id, seqs)
    async with db.transaction() as repos:
        for seq, job_id in zip(seqs, jobs, strict=True):
            await repos.batches.set_job(run_id, seq, job_id)


async def _plan(db: Database, run: Run) -> list[tuple[str, list[int]]]:
    """Claim the run's channels, list their pending messages and record them as batches;
    the run is then carried by its jobs, not by this process."""
    from tg_parser.process import pending_work

    request = RunRequest.model_validate(run.request or {})
    options = _options(request)
    claims = await claimable_channels(db, request.channel)
    async with db.transaction() as repos:
        await claim(repos, run, claims)
    by_channel, counters = await pending_work(db, options, request.channel, claims)
    size = db.settings.worker_batch_size
    batches = [
        (channel, ids[start : start + size])
        for channel, ids in by_channel.items()
        for start in range(0, len(ids), size)
    ]
    async with db.transaction() as repos:
        await repos.runs.describe(run.id, scope=options.scope())
        await repos.runs.save_counters(run.id, counters | {"batches": len(batches)})
        await repos.batches.create(run.id, batches)
        await repos.runs.detach(run.id)
    return batches


def _options(request: RunRequest) -> Any:
    from tg_parser.process import ProcessOptions

    return ProcessOptions(
        channel=request.channel,
        force=request.force,
        limit=request.limit,
        retry_failed=request.retry_failed,
    )


class BatchTracker(RunTracker):
    """The run as one batch's job sees it: its counters are the batch's (saved on the batch,
    and summed into the run's), every save first renews the batch's lease."""

    def __init__(self, db: Database, run: Run, batch: Batch, holder: str) -> None:
        super().__init__(db, run)
        self.batch = batch
        self.holder = holder

    async def guard(self, repos: Repositories) -> None:
        until = utcnow() + timedelta(seconds=self.db.settings.worker_lease_seconds)
        if not await repos.batches.renew(self.run.id, self.batch.seq, self.holder, until):
            raise LeaseLostError(f"batch {self.batch.seq} of run {self.run.id} is no longer ours")

    async def checkpoint(self, *, every: float = 0.0) -> None:
        async with self.db.transaction() as repos:
            counters = dict(self.counters)
            await repos.batches.save_counters(self.run.id, self.batch.seq, self.holder, counters)
            run = await repos.runs.get(self.run.id)
            if run is not None:
                batches = await repos.batches.list(self.run.id)
                await repos.runs.save_counters(self.run.id, combined(run, batches))


def combined(run: Run, batches: list[Batch], *, final: bool = False) -> dict[str, int]:
    """The run's counters: what it planned and the sum of its batches'. ``final``: as a
    run processed in one go reports them (processed, noise, failed, skipped)."""
    planned = {name: int(run.counters.get(name, 0)) for name in ("pending", "skipped", "batches")}
    sums: Counter[str] = Counter()
    for batch in batches:
        sums.update(batch.counters)
    if not final:
        return planned | dict(sums)
    in_scope = planned["pending"] + planned["skipped"]
    skipped = in_scope - sums["processed"] - sums["failed"]
    return {name: sums[name] for name in SUMMED} | {"skipped": skipped} | dict(sums)


async def run_batch(db: Database, run_id: str, seq: int) -> None:
    """The job of one batch: take it (waiting while a live worker holds it), process what
    is still to do, and end the run when it was the last batch."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    batch = await _take(db, run_id, seq, holder)
    if batch is None:
        return
    run = await get_run(db, run_id)
    tracker = BatchTracker(db, run, batch, holder)
    error: str | None = None
    try:
        async with _leased(tracker):
            await _process(db, tracker)
    except LeaseLostError:
        log.warning("batch_lease_lost", run_id=run_id, seq=seq)
        return
    except asyncio.CancelledError:  # the worker stops, or the run was cancelled
        async with db.transaction() as repos:
            await repos.batches.release(run_id, seq, holder)
        raise
    except Exception as exc:
        log.warning("batch_failed", run_id=run_id, seq=seq, exc_info=True)
        error = str(exc) or type(exc).__name__
    await _settle(tracker, error)


async def _take(db: Database, run_id: str, seq: int, holder: str) -> Batch | None:
    """Hold the batch (None: it is over, or its run no longer runs); while another worker's
    lease on it is live, wait for it to end or lapse."""
    lease = timedelta(seconds=db.settings.worker_lease_seconds)
    while True:
        async with db.transaction() as repos:
            run = await repos.runs.get(run_id)
            now = utcnow()
            if run is None or run.status != "running":
                return None
            if await repos.batches.take(run_id, seq, holder, now, now + lease):
                return await repos.batches.get(run_id, seq)
            batch = await repos.batches.get(run_id, seq)
        if batch is None or batch.status not in ("waiting", "working"):
            return None
        until = batch.leased_until or now
        await asyncio.sleep(min(max((until - now).total_seconds(), 0.1), lease.total_seconds()))


async def _process(db: Database, tracker: BatchTracker) -> None:
    from tg_parser.llm import ModelRequest
    from tg_parser.process import process_batch
    from tg_parser.wiring import wired_stages

    request = RunRequest.model_validate(tracker.run.request or {})
    model = ModelRequest(
        request.provider, request.model, request.concurrency, skip_trivial=request.skip_trivial
    )
    async with wired_stages(db.settings, model) as stages:
        options = replace(_options(request), concurrency=stages.concurrency)
        batch = tracker.batch
        await process_batch(
            db, stages.analyser, options, tracker, batch.channel_id, batch.message_ids
        )


@asynccontextmanager
async def _leased(tracker: BatchTracker) -> AsyncIterator[None]:
    """Renew the lease (and beat for the run) every third of it while the block works; when
    the batch is lost or the run no longer runs, the block is stopped (``LeaseLostError``)."""
    work = asyncio.current_task()
    assert work is not None
    lost = asyncio.Event()
    renewing = asyncio.create_task(_renew(tracker, work, lost))
    try:
        yield
    except asyncio.CancelledError:
        if lost.is_set():
            raise LeaseLostError("the batch was taken over or its run ended") from None
        raise
    finally:
        renewing.cancel()
        await asyncio.wait([renewing])


async def _renew(tracker: BatchTracker, work: asyncio.Task[Any], lost: asyncio.Event) -> None:
    every = tracker.db.settings.worker_lease_seconds / 3
    while True:
        await asyncio.sleep(every)
        try:
            async with tracker.db.transaction() as repos:
                await tracker.guard(repos)
                if not await repos.runs.beat(tracker.run.id, utcnow()):
                    raise LeaseLostError("the run no longer runs")
        except LeaseLostError:
            lost.set()
            work.cancel()
            return
        except TgParserError as exc:  # the database hiccupped: try again next time
            log.warning("batch_lease_renewal_failed", error=exc.message)


async def _settle(tracker: BatchTracker, error: str | None) -> None:
    """Record the batch as done (or failed), then end the run when no batch is left."""
    run, batch = tracker.run, tracker.batch
    async with tracker.db.transaction() as repos:
        await repos.runs.lock(run.id)
        counters = dict(tracker.counters)
        finished = await repos.batches.finish(
            run.id, batch.seq, tracker.holder, counters=counters, now=utcnow(), error=error
        )
    if finished:
        await end_if_done(tracker.db, run)


async def end_if_done(db: Database, run: Run) -> bool:
    """End the run when none of its batches is left to do (decided once, under the run's
    lock); True when this call ended it."""
    async with db.transaction() as repos:
        await repos.runs.lock(run.id)
        if await repos.batches.open_count(run.id):
            return False
        current = await repos.runs.get(run.id)
        if current is None or current.status != "running":
            return False
        batches = await repos.batches.list(run.id)
        failed = [batch for batch in batches if batch.error is not None]
        status = "failed" if failed else "succeeded"
        error = f"batch {failed[0].seq}: {failed[0].error}" if failed else None
        counters = combined(current, batches, final=True)
        ended = await _finish(repos, current, status, counters, error)
    if ended:
        await _announce(db, run.id)
    return ended


async def cancel_batches(db: Database, run: Run) -> list[int] | None:
    """Cancel a spread run: its open batches are cancelled and the run ends ``cancelled``
    (its jobs, told by their leases, stop after saving what they have); the queue jobs of
    the batches cancelled, to abort. None: the run has no batches (it runs whole)."""
    async with db.transaction() as repos:
        await repos.runs.lock(run.id)
        batches = await repos.batches.list(run.id)
        if not batches:
            return None
        jobs = await repos.batches.cancel(run.id)
        current = await repos.runs.get(run.id)
        if current is not None and current.status == "running":
            counters = combined(current, batches, final=True)
            await _finish(repos, current, "cancelled", counters, "cancelled")
    return jobs


async def _end_now(db: Database, run: Run, status: Any, error: str) -> None:
    async with db.transaction() as repos:
        await _finish(repos, run, status, dict(run.counters), error or status)


async def _finish(
    repos: Repositories, run: Run, status: Any, counters: dict[str, int], error: str | None
) -> bool:
    now = utcnow()
    duration = round((now - run.started_at).total_seconds(), 3)
    ended = await repos.runs.finish(
        run.id,
        status=status,
        counters=counters,
        finished_at=now,
        duration_seconds=duration,
        error=error,
        if_status="running",
    )
    if ended:
        result = {"run_id": run.id, "counters": counters}
        await repos.runs.describe(run.id, result=result)
        metrics.observe_run(run.stage, status, duration)
        log.info("run_finished", run_id=run.id, status=status, **counters)
    return ended


async def _announce(db: Database, run_id: str) -> None:
    from tg_parser.jobs.execute import announce

    try:
        await announce(db, run_id)
    except Exception:
        log.exception("webhook_crashed", run_id=run_id)
