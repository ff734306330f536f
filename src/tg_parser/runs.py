"""Run records for every stage execution: counters, timings, status and the error."""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog

from tg_parser.clock import utcnow
from tg_parser.errors import NotFoundError
from tg_parser.models import Run
from tg_parser.store import Database

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
async def track_run(db: Database, stage: str, scope: dict[str, Any]) -> AsyncIterator[RunTracker]:
    """Record a run: ``succeeded`` when the block ends, ``failed``/``cancelled`` when it raises."""
    run = Run(
        id=new_run_id(),
        stage=stage,
        scope=scope,
        status="running",
        counters={},
        started_at=utcnow(),
        host=socket.gethostname(),
        pid=os.getpid(),
    )
    await close_interrupted_runs(db, run.host or "")
    async with db.transaction() as repos:
        await repos.runs.create(run)
    tracker = RunTracker(db, run)
    started = time.perf_counter()
    with structlog.contextvars.bound_contextvars(run_id=run.id, stage=stage):
        try:
            yield tracker
        except BaseException as exc:
            cancelled = isinstance(exc, KeyboardInterrupt | SystemExit | asyncio.CancelledError)
            status = "cancelled" if cancelled else "failed"
            await _finish(tracker, status, started, error=str(exc) or type(exc).__name__)
            raise
        await _finish(tracker, "succeeded", started)


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
    log.info("run_finished", status=status, duration_seconds=duration, **counters)


async def close_interrupted_runs(db: Database, host: str) -> list[Run]:
    """Runs on this host whose process is gone (killed, crashed) become ``failed`` with
    ``interrupted: …``, and their open source attempts are closed. Their committed work
    stays: the next run continues from it."""
    async with db.transaction() as repos:
        stale = [run for run in await repos.runs.running_on(host) if not _alive(run.pid)]
        for run in stale:
            await repos.runs.mark_interrupted(run, utcnow())
            await repos.sources.abandon_attempts(run.id)
    for run in stale:
        log.warning("run_interrupted", interrupted_run_id=run.id, pid=run.pid)
    return stale


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
