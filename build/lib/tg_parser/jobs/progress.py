"""A queued run's progress, written to its record as the stage reports it, so anyone
(``GET /runs/{id}/events``, another process) can follow it from the database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from tg_parser.errors import TgParserError
from tg_parser.models import Progress
from tg_parser.runs import RunTracker

FLUSH_SECONDS = 0.5


class ProgressRecorder:
    """An ``OnProgress`` callback keeping the last report; ``recording`` writes it (and the
    counters so far) to the run every ``FLUSH_SECONDS`` while it changes."""

    def __init__(self, tracker: RunTracker) -> None:
        self.tracker = tracker
        self._latest: dict[str, Any] | None = None
        self._written: dict[str, Any] | None = None

    def __call__(self, progress: Progress) -> None:
        self._latest = {k: v for k, v in asdict(progress).items() if v not in (None, "")}

    @asynccontextmanager
    async def recording(self) -> AsyncIterator[ProgressRecorder]:
        flushing = asyncio.create_task(self._flush_every(FLUSH_SECONDS))
        try:
            yield self
        finally:
            flushing.cancel()
            await asyncio.wait([flushing])  # a cancellation of this task still goes through
            await self.flush()

    async def flush(self) -> None:
        if self._latest is None or self._latest == self._written:
            return
        latest = self._latest
        async with self.tracker.db.transaction() as repos:
            await repos.runs.describe(self.tracker.id, progress=latest)
        self._written = latest

    async def _flush_every(self, seconds: float) -> None:
        """Flush now and then; a failed write is tried again next time."""
        while True:
            await asyncio.sleep(seconds)
            with contextlib.suppress(TgParserError):
                await self.flush()
