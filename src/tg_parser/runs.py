"""Run records for every stage execution: counters, timings, status and the error."""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import structlog

from tg_parser import metrics
from tg_parser.clock import utcnow
from tg_parser.errors import NotFoundError, RunInProgressError, TgParserError
from tg_parser.models import Run
from tg_parser.store import Database, Repositories

log = structlog.get_logger(__name__)


class RunTracker:
    """The live side of a run: counters the stage increments while it works."""

    def __init__(self, db: Database, run: Run) -> None:
        self.db = db
        self.run = run
        self.counters: Counter[str] = Counter()
        self._saved_at = 0.0

    @property
    def id(self) -> str:
        return self.run.id

    def add(self, **increments: int) -> None:
        self.counters.update(increments)

    @asynccontextmanager
    async def claimed(self, subjects: Collection[str]) -> AsyncIterator[None]:
        """Claim more channels for the block (``RunInProgressError`` when another run of the
        stage holds one); released when the block ends, or with the run when it raises."""
        async with self.db.transaction() as repos:
            await _claim(repos, self.run, subjects)
        yield
        async with self.db.transaction() as repos:
            await repos.runs.release(self.id, self.run.stage, subjects)

    async def checkpoint(self, *, every: float = 0.0) -> None:
        """Persist the counters so far (visible to `runs show` while the run goes on).

        With ``every``, skip the write when the last one was less than that many seconds ago.
        """
        if every and time.monotonic() - self._saved_at < every:
            return
        async with self.db.transaction() as repos:
            await repos.runs.save_counters(self.id, dict(self.counters))
        self._saved_at = time.monotonic()


@asynccontextmanager
async def track_run(
    db: Database, stage: str, scope: dict[str, Any], *, claims: Collection[str] = ()
) -> AsyncIterator[RunTracker]:
    """Record a run: ``succeeded`` when the block ends, ``failed``/``cancelled`` when it raises.

    The run claims ``claims`` (channel keys) for its stage before it starts: when another
    running run of the stage holds one, ``RunInProgressError`` names that run and nothing is
    recorded. Claims are released when the run ends. While the block runs, a heartbeat is
    written every ``RUN_HEARTBEAT_SECONDS``, so a run whose process vanished is recognised
    from any host.
    """
    now = utcnow()
    run = Run(
        id=new_run_id(),
        stage=stage,
        scope=scope,
        status="running",
        counters={},
        started_at=now,
        host=socket.gethostname(),
        pid=os.getpid(),
        heartbeat_at=now,
    )
    await close_abandoned_runs(db, run.host or "")
    async with db.transaction() as repos:
        await repos.runs.create(run)
        await _claim(repos, run, claims)  # refused: the run and its claims are rolled back
    tracker = RunTracker(db, run)
    started = time.perf_counter()
    with (
        structlog.contextvars.bound_contextvars(run_id=run.id, stage=stage),
        metrics.run_active(stage),
    ):
        try:
            async with _heartbeat(tracker):
                yield tracker
        except BaseException as exc:
            cancelled = isinstance(exc, KeyboardInterrupt | SystemExit | asyncio.CancelledError)
            status = "cancelled" if cancelled else "failed"
            await _finish(tracker, status, started, error=str(exc) or type(exc).__name__)
            raise
        await _finish(tracker, "succeeded", started)


async def _claim(repos: Repositories, run: Run, subjects: Collection[str]) -> None:
    if held := await repos.runs.claim(run.id, run.stage, subjects, utcnow()):
        raise _in_progress(run.stage, held)


async def claimable_channels(db: Database, channel: str | None) -> list[str]:
    """The channels a run over ``channel`` claims: that one, else every channel with messages."""
    if channel is not None:
        return [channel]
    async with db.transaction() as repos:
        return await repos.messages.channels()


def _in_progress(stage: str, held: dict[str, Run]) -> RunInProgressError:
    subject, holder = sorted(held.items())[0]
    others = f" (and {len(held) - 1} more channels)" if len(held) > 1 else ""
    return RunInProgressError(
        f"run {holder.id} ({stage}) is already working on channel {subject}{others}: "
        f"started {holder.started_at:%Y-%m-%d %H:%M:%S} UTC on host {holder.host}, "
        f"pid {holder.pid}; wait for it to finish (`tg-parser runs show {holder.id}`)"
    )


@asynccontextmanager
async def _heartbeat(tracker: RunTracker) -> AsyncIterator[None]:
    """Beat in the background while the block runs (stopped before the run is finished)."""
    beating = asyncio.create_task(_beat(tracker, tracker.db.settings.run_heartbeat_seconds))
    try:
        yield
    finally:
        beating.cancel()
        await asyncio.wait([beating])  # a cancellation of this task still goes through
        if not beating.cancelled():
            beating.result()  # an unexpected error of the heartbeat is not swallowed


async def _beat(tracker: RunTracker, every: float) -> None:
    """Refresh the heartbeat every ``every`` seconds; a failed write is retried next time,
    a run another process closed as abandoned is left closed."""
    while True:
        await asyncio.sleep(every)
        try:
            async with tracker.db.transaction() as repos:
                still_running = await repos.runs.beat(tracker.id, utcnow())
        except TgParserError as exc:
            log.warning("run_heartbeat_failed", error=exc.message)
            continue
        if not still_running:
            log.error("run_closed_by_another_process")
            return


async def _finish(
    tracker: RunTracker, status: Any, started: float, error: str | None = None
) -> None:
    duration = round(time.perf_counter() - started, 3)
    counters = dict(tracker.counters)
    async with tracker.db.transaction() as repos:
        await repos.runs.finish(
            tracker.id,
            status=status,
            counters=counters,
            finished_at=utcnow(),
            duration_seconds=duration,
            error=error,
        )
    tracker.run = tracker.run.model_copy(
        update={"status": status, "counters": counters, "duration_seconds": duration}
    )
    metrics.observe_run(tracker.run.stage, status, duration)
    log.info("run_finished", status=status, duration_seconds=duration, **counters)


async def close_abandoned_runs(db: Database, host: str) -> list[Run]:
    """Runs left ``running`` by a process that is gone become ``failed`` with
    ``interrupted: …``, their claims are released and their open source attempts closed:
    those on this host whose process is gone (killed, crashed), and those on any host whose
    heartbeat is older than ``RUN_STALE_AFTER_SECONDS`` (a stopped container, a reused pid).
    Their committed work stays: the next run continues from it."""
    stale_after = timedelta(seconds=db.settings.run_stale_after_seconds)
    now = utcnow()
    closed: list[Run] = []
    async with db.transaction() as repos:
        for run in await repos.runs.abandoned(host, now - stale_after):
            if reason := _why_abandoned(run, host, now - stale_after):
                await repos.runs.close_abandoned(run, now, reason)
                await repos.sources.abandon_attempts(run.id)
                closed.append(run)
    for run in closed:
        log.warning("run_interrupted", interrupted_run_id=run.id, host=run.host, pid=run.pid)
    return closed


def _why_abandoned(run: Run, host: str, beaten_before: datetime) -> str | None:
    """Why the run has no process left (None: it may still be working)."""
    last_sign = run.heartbeat_at or run.started_at
    if last_sign < beaten_before:
        return (
            f"interrupted: no heartbeat from process {run.pid} on {run.host} since "
            f"{last_sign:%Y-%m-%d %H:%M:%S} UTC (the heartbeat stopped)"
        )
    if run.host == host and not _alive(run.pid):
        return f"interrupted: process {run.pid} on {run.host} ended without finishing"
    return None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True  # unknown process: leave the run alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def new_run_id() -> str:
    """Time-ordered, unique run id, e.g. ``20261128T150102-3f9a1c2b``."""
    return f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


async def get_run(db: Database, run_id: str) -> Run:
    async with db.transaction() as repos:
        run = await repos.runs.get(run_id)
    if run is None:
        raise NotFoundError(f"no run {run_id!r}: see `tg-parser runs list`")
    return run


async def list_runs(
    db: Database, *, limit: int = 20, stage: str | None = None, status: str | None = None
) -> list[Run]:
    """Recent runs, newest first, optionally of one stage or status."""
    async with db.transaction() as repos:
        return await repos.runs.list(limit=limit, stage=stage, status=status)
