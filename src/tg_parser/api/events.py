"""Server-sent events of a run: ``progress`` whenever its record changes, then ``end``.

The run's record is polled (its progress and counters are written by whatever executes
it, in this process or another), so any server can follow any run. A comment line is sent
now and then while nothing changes, so proxies keep the connection open.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Collection
from typing import Any

import orjson
from fastapi.responses import StreamingResponse

from tg_parser.models import RUN_ACTIVE, Run
from tg_parser.runs import get_run
from tg_parser.store import Database

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0


async def run_stream(
    db: Database, run_id: str, channels: Collection[str] | None = None
) -> StreamingResponse:
    """The run's events as a streamed answer (``NotFoundError``, before anything is sent,
    for a run that is not there or of another channel)."""
    await get_run(db, run_id, channels)
    return StreamingResponse(
        run_events(db, run_id, channels),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def run_events(
    db: Database, run_id: str, channels: Collection[str] | None = None
) -> AsyncIterator[str]:
    """The run's events until it ends."""
    last: Any = None
    quiet_since = time.monotonic()
    number = 0
    while True:
        run = await get_run(db, run_id, channels)
        state = (run.status, run.counters, run.progress)
        if state != last:
            number += 1
            yield _event("progress", number, _progress(run))
            last, quiet_since = state, time.monotonic()
        if run.status not in RUN_ACTIVE:
            yield _event("end", number + 1, _progress(run) | _ending(run))
            return
        if time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)


def _progress(run: Run) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "stage": run.stage,
        "status": run.status,
        "counters": run.counters,
        "progress": run.progress,
    }


def _ending(run: Run) -> dict[str, Any]:
    ended = {"error": run.error, "duration_seconds": run.duration_seconds}
    return {key: value for key, value in ended.items() if value is not None}


def _event(name: str, number: int, data: dict[str, Any]) -> str:
    return f"event: {name}\nid: {number}\ndata: {orjson.dumps(data).decode()}\n\n"
