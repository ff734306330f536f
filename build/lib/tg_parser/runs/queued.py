"""Queued runs: recorded (and holding their claims) when they are asked for, started later
by whatever executes them (``serve``'s in-process queue, or a worker).

``queue_run`` records a ``queued`` run with its request, so it is listed at once and a
second request for the same stage and channel is refused (``RunInProgressError``) before
anything is executed. ``start_queued`` makes it ``running`` on this process and
``executing`` tracks it while the job works: the stage's own ``track_run`` inside takes
this record instead of making one, so a run started over HTTP is the record the CLI makes.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from typing import Any

from tg_parser.clock import utcnow
from tg_parser.models import Run, RunStatus
from tg_parser.runs.abandoned import close_abandoned_runs
from tg_parser.runs.claims import claim
from tg_parser.runs.records import new_run_id
from tg_parser.runs.tracking import RunTracker, executing_run, running
from tg_parser.store import Database, Webhook


async def queue_run(
    db: Database,
    stage: str,
    *,
    channel: str | None,
    claims: Collection[str],
    request: dict[str, Any],
    webhook: Webhook | None = None,
    local: bool = True,
) -> Run:
    """Record a run to execute later; ``RunInProgressError`` (nothing recorded) when a
    queued or running run of the stage holds one of ``claims``. ``local``: this process
    executes it (its in-process queue), so the run ends with the process."""
    now = utcnow()
    run = Run(
        id=new_run_id(),
        stage=stage,
        scope={"channel": channel or "*"},
        status="queued",
        counters={},
        started_at=now,
        host=socket.gethostname() if local else None,
        pid=os.getpid() if local else None,
        channel=channel,
        request=request,
        webhook_url=webhook.url if webhook else None,
    )
    await close_abandoned_runs(db, socket.gethostname())
    async with db.transaction() as repos:
        await repos.runs.create(run, webhook_secret=webhook.secret if webhook else None)
        await claim(repos, run, claims)  # refused: the run is rolled back
    return run


async def start_queued(db: Database, run_id: str) -> RunTracker | None:
    """Start the queued run on this process (None: it is no longer queued, e.g. cancelled)."""
    async with db.transaction() as repos:
        started = await repos.runs.start(
            run_id, host=socket.gethostname(), pid=os.getpid(), now=utcnow()
        )
        run = await repos.runs.get(run_id)
    return RunTracker(db, run) if started and run is not None else None


@asynccontextmanager
async def executing(tracker: RunTracker) -> AsyncIterator[RunTracker]:
    """Track a started queued run while its job works (finished as the block ends); the
    stage's `track_run` inside takes its record."""
    token = executing_run.set(tracker)
    try:
        async with running(tracker):
            yield tracker
    finally:
        executing_run.reset(token)


@asynccontextmanager
async def as_parent(tracker: RunTracker) -> AsyncIterator[None]:
    """Runs recorded inside the block (a pipeline's stages) name the tracker's run as their
    parent."""
    tracker.adopted = True
    token = executing_run.set(tracker)
    try:
        yield
    finally:
        executing_run.reset(token)


async def close_queued(db: Database, run_id: str, status: RunStatus, error: str) -> bool:
    """End a run that never started (cancelled in the queue, or its job could not start);
    False when it is no longer queued."""
    async with db.transaction() as repos:
        return await repos.runs.finish(
            run_id,
            status=status,
            counters={},
            finished_at=utcnow(),
            duration_seconds=0.0,
            error=error,
            if_status="queued",
        )
