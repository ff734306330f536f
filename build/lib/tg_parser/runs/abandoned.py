"""Runs whose process is gone: closed as ``failed`` so their claims are free again."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import structlog

from tg_parser.clock import utcnow
from tg_parser.models import Run
from tg_parser.store import Database

log = structlog.get_logger(__name__)


async def close_abandoned_runs(db: Database, host: str) -> list[Run]:
    """Runs left ``queued`` or ``running`` by a process that is gone become ``failed`` with
    ``interrupted: …``, their claims are released and their open source attempts closed:
    those on this host whose process is gone (killed, crashed), and running ones on any host
    whose heartbeat is older than ``RUN_STALE_AFTER_SECONDS`` (a stopped container, a reused
    pid). A queued run waits for a process to take it; one queued by a process (``serve``'s
    in-process queue) ends with that process. Their committed work stays: the next run
    continues from it."""
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
    if run.status == "running" and last_sign < beaten_before:
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
