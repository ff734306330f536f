"""One attempt at one live source: describe the channel, then store its batches.

Each batch is stored in ONE transaction with the cursor update it carries (high-watermark,
backfill position, comment cursors), so a crash at any point loses and duplicates
nothing. A ``SourceError`` closes the attempt as failed and updates the source's health by
the error's class. Whatever else the live source raises (an HTTP library error it did not
classify, a parser bug on a strange page) is this source's ``RetryableSourceError``: the
source fails, the run goes on with the others. Ctrl-C closes the attempt as cancelled; an
error of our own side (the database, the configuration) closes it as failed; both go on up
(they stop the run).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any, Literal

import structlog

from tg_parser import metrics
from tg_parser.clock import utcnow
from tg_parser.errors import RateLimitedError, RetryableSourceError, SourceError, TgParserError
from tg_parser.models import OnProgress, Progress, Source
from tg_parser.runs import RunTracker
from tg_parser.sources import Batch, LiveSource, Window, prefetch
from tg_parser.store import Database

log = structlog.get_logger(__name__)

Outcome = Literal["collected", "failed", "deferred", "skipped"]

STORED = metrics.STORE_OUTCOMES
MESSAGE_COUNTERS = tuple(f"{kind}_{what}" for kind in ("posts", "comments") for what in STORED)


@dataclass
class SourceReport:
    channel: str
    outcome: Outcome
    reason: str | None = None
    counters: Counter[str] = field(default_factory=Counter)

    def to_json_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"channel": self.channel, "outcome": self.outcome}
        if self.reason:
            data["reason"] = self.reason
        return data | {"counters": with_zeros(self.counters)}


class SourceCollection:
    """One attempt at one source: describe, then batches stored with their cursors."""

    def __init__(
        self, db: Database, source: Source, run: RunTracker, progress: OnProgress | None
    ) -> None:
        self.db, self.source, self.run, self.progress = db, source, run, progress
        self.report = SourceReport(source.channel_key, "collected")

    async def attempt(self, live: LiveSource, window: Window) -> SourceReport:
        async with self.db.transaction() as repos:
            attempt = await repos.sources.start_attempt(self.source.id, self.run.id)
        try:
            await self._collect(live, window)
        except SourceError as exc:
            await self._failed(attempt, exc)
        except (KeyboardInterrupt, asyncio.CancelledError):
            async with self.db.transaction() as repos:
                await repos.sources.cancel_attempt(attempt, stored=self._stored())
            raise
        except Exception as exc:  # a setup or storage problem: recorded, then it stops the run
            async with self.db.transaction() as repos:
                await repos.sources.finish_attempt(attempt, stored=self._stored(), error=exc)
            raise
        else:
            async with self.db.transaction() as repos:
                await repos.sources.finish_attempt(attempt, stored=self._stored())
                if self.source.status == "error":
                    await repos.sources.set_status(self.source.channel_key, "active")
        return self.report

    async def _collect(self, live: LiveSource, window: Window) -> None:
        source = await self._describe(live)
        async with self.db.transaction() as repos:
            cursors = await repos.cursors.get(source.id)
        batches = _guarded(live.collect(source, window, cursors), source.channel_key)
        async for batch in read_ahead(batches):
            await self._store(batch)
            if window.limit is not None and self.report.counters["messages"] >= window.limit:
                break

    async def _describe(self, live: LiveSource) -> Source:
        """Resolve the channel and keep what was learnt about it on the source row."""
        with _source_failures(self.source.channel_key):
            info = asdict(await live.describe(self.source))
        values = {key: value for key, value in info.items() if value is not None}
        async with self.db.transaction() as repos:
            numeric = values.get("numeric_id")
            owner = await repos.sources.find_by_numeric_id(numeric) if numeric else None
            if owner is not None and owner.id != self.source.id:
                log.warning(
                    "numeric_id_taken", channel=self.source.channel_key, by=owner.channel_key
                )
                del values["numeric_id"]
            return await repos.sources.upsert(self.source.channel_key, **values)

    async def _store(self, batch: Batch) -> None:
        counts: Counter[str] = Counter(batches=1, messages=len(batch.messages))
        async with self.db.transaction() as repos:
            for kind in ("post", "comment"):
                items = [item for item in batch.messages if item.message.message_type == kind]
                if items:
                    result = await repos.messages.store(items)
                    counts[f"{kind}s_inserted"] += result.inserted
                    counts[f"{kind}s_edited"] += result.edited
                    counts[f"{kind}s_unchanged"] += result.unchanged
            await repos.sources.save_cursor(self.source.id, batch.cursor)
            await repos.cursors.advance(self.source.id, batch.cursor.comment_cursors)
        self.report.counters.update(counts)
        self.run.add(**counts)
        metrics.observe_collected(
            "ingest",
            {what: counts[f"posts_{what}"] + counts[f"comments_{what}"] for what in STORED},
        )
        await self.run.checkpoint(every=1.0)
        if self.progress is not None:
            done = self.report.counters["messages"]
            self.progress(Progress("ingest", done, subject=self.source.channel_key))

    async def _failed(self, attempt: int, exc: SourceError) -> None:
        self.report.outcome, self.report.reason = "failed", exc.message
        async with self.db.transaction() as repos:
            await repos.sources.finish_attempt(attempt, stored=self._stored(), error=exc)
            if isinstance(exc, RateLimitedError):
                until = utcnow() + timedelta(seconds=exc.seconds)
                await repos.sources.defer(self.source.id, until)
                self.report.reason += f" (deferred until {until:%Y-%m-%d %H:%M:%S} UTC)"
            elif not exc.retryable:
                await repos.sources.set_status(self.source.channel_key, "error", exc.message)

    def _stored(self) -> int:
        counts = self.report.counters
        return sum(
            counts[f"{kind}_{what}"]
            for kind in ("posts", "comments")
            for what in ("inserted", "edited")
        )


@contextmanager
def _source_failures(channel: str) -> Iterator[None]:
    """An error the live source raised without classifying it, as this source's
    ``RetryableSourceError`` (one line; the traceback is logged at DEBUG)."""
    try:
        yield
    except TgParserError:
        raise
    except Exception as exc:
        log.debug("source_unexpected_error", channel=channel, exc_info=exc)
        detail = " ".join(str(exc).split())[:200] or "no details"
        raise RetryableSourceError(
            f"{type(exc).__name__} while collecting {channel}: {detail}; try again later "
            "(LOG_LEVEL=DEBUG logs where it happened)"
        ) from exc


async def _guarded(batches: AsyncIterator[Batch], channel: str) -> AsyncIterator[Batch]:
    """The source's batches with :func:`_source_failures`; closing it closes the source."""
    try:
        with _source_failures(channel):
            async for batch in batches:
                yield batch
    finally:
        close = getattr(batches, "aclose", None)
        if close is not None:
            await close()


def read_ahead(batches: AsyncIterator[Batch], depth: int = 2) -> AsyncIterator[Batch]:
    """The source's batches, fetched up to ``depth`` ahead while earlier ones are stored,
    so request latency and storage overlap. A batch is only a promise until it is stored
    with its cursor: one fetched but not stored when a crash comes is fetched again."""
    return prefetch(batches, depth)


def with_zeros(counters: Counter[str]) -> dict[str, int]:
    """Message counters with zeros included, so reports always have the same keys."""
    names = ("messages", "batches", *MESSAGE_COUNTERS)
    return {name: counters[name] for name in names}
