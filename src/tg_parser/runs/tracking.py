"""Run records for every stage execution: counters, timings, status and the error."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import structlog

from tg_parser import metrics
from tg_parser.clock import utcnow
from tg_parser.errors import TgParserError
from tg_parser.models import Run, RunStatus, channel_key
from tg_parser.runs.abandoned import close_abandoned_runs
from tg_parser.runs.claims import claim
from tg_parser.runs.records import new_run_id
from tg_parser.store import Database, Repositories

log = structlog.get_logger(__name__)


class RunTracker:
    """The live side of a run: counters the stage increments while it works."""

    def __init__(self, db: Database, run: Run) -> None:
        self.db = db
        self.run = run
        self.counters: Counter[str] = Counter()
        self.adopted = False  # a queued run: the stage's own `track_run` has taken it
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
            await claim(repos, self.run, subjects)
        yield
        async with self.db.transaction() as repos:
            await repos.runs.release(self.id, self.run.stage, subjects)

    async def set_channel(self, channel: str) -> None:
        """The one channel the run turned out to work on (e.g. the chat an import found)."""
        if self.run.channel is None:
            async with self.db.transaction() as repos:
                await repos.runs.describe(self.id, channel=channel)
            self.run = self.run.model_copy(update={"channel": channel})

    async def guard(self, repos: Repositories) -> None:
        """Inside a transaction saving the run's work: raise to roll it back when the work is
        no longer the run's to save (a batch whose lease another worker took over)."""

    async def checkpoint(self, *, every: float = 0.0) -> None:
        """Persist the counters so far (visible to `runs show` while the run goes on).

        With ``every``, skip the write when the last one was less than that many seconds ago.
        """
        if every and time.monotonic() - self._saved_at < every:
            return
        async with self.db.transaction() as repos:
            await repos.runs.save_counters(self.id, dict(self.counters))
        self._saved_at = time.monotonic()


# The run a queued job executes: the stage's own `track_run` inside it takes that record
# instead of making one, and the runs of a pipeline's stages name it as their parent.
executing_run: ContextVar[RunTracker | None] = ContextVar("executing_run", default=None)


@asynccontextmanager
async def track_run(
    db: Database, stage: str, scope: dict[str, Any], *, claims: Collection[str] = ()
) -> AsyncIterator[RunTracker]:
    """Record a run: ``succeeded`` when the block ends, ``failed``/``cancelled`` when it raises.

    The run claims ``claims`` (channel keys) for its stage before it starts: when another
    running run of the stage holds one, ``RunInProgressError`` names that run and nothing is
    recorded. Claims are released when the run ends. While the block runs, a heartbeat is
    written every ``RUN_HEARTBEAT_SECONDS``, so a run whose process vanished is recognised
    from any host. Inside a queued run of the same stage (``executing_run``), that run is
    the record: its scope becomes the stage's and the queue finishes it.
    """
    outer = executing_run.get()
    if outer is not None and outer.run.stage == stage and not outer.adopted:
        outer.adopted = True
        async with db.transaction() as repos:
            await repos.runs.describe(outer.id, scope=scope)
            await claim(repos, outer.run, claims)
        yield outer
        return
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
        channel=channel_of(scope),
        parent_id=outer.id if outer is not None else None,
    )
    await close_abandoned_runs(db, run.host or "")
    async with db.transaction() as repos:
        await repos.runs.create(run)
        await claim(repos, run, claims)  # refused: the run and its claims are rolled back
    async with running(RunTracker(db, run)) as tracker:
        yield tracker


def channel_of(scope: dict[str, Any]) -> str | None:
    """The one channel a scope names (None: several, or every one)."""
    named = scope.get("channel") or scope.get("comments_for")
    if named is None and len(scope.get("channels") or ()) == 1:
        named = scope["channels"][0]
    if not isinstance(named, str) or named == "*":
        return None
    try:
        return channel_key(named)
    except TgParserError:
        return None


@asynccontextmanager
async def running(tracker: RunTracker) -> AsyncIterator[RunTracker]:
    """Beat while the block runs; then finish the run as the block ended."""
    started = time.perf_counter()
    with (
        structlog.contextvars.bound_contextvars(run_id=tracker.id, stage=tracker.run.stage),
        metrics.run_active(tracker.run.stage),
    ):
        try:
            async with _heartbeat(tracker):
                yield tracker
        except BaseException as exc:
            cancelled = isinstance(exc, KeyboardInterrupt | SystemExit | asyncio.CancelledError)
            status: RunStatus = "cancelled" if cancelled else "failed"
            await _finish(tracker, status, started, error=str(exc) or type(exc).__name__)
            raise
        await _finish(tracker, "succeeded", started)


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
    tracker: RunTracker, status: RunStatus, started: float, error: str | None = None
) -> None:
    duration = round(time.perf_counter() - started, 3)
    counters, finished_at = dict(tracker.counters), utcnow()
    # closing the run again is harmless: it survives a connection lost on the first try
    await tracker.db.idempotent(
        lambda repos: repos.runs.finish(
            tracker.id,
            status=status,
            counters=counters,
            finished_at=finished_at,
            duration_seconds=duration,
            error=error,
        )
    )
    tracker.run = tracker.run.model_copy(
        update={"status": status, "counters": counters, "duration_seconds": duration}
    )
    metrics.observe_run(tracker.run.stage, status, duration)
    log.info("run_finished", status=status, duration_seconds=duration, **counters)
