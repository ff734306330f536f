"""Live collection: each selected source's batches into the store, with cursors and health.

Every batch is stored in ONE transaction with the cursor update it carries, so a crash at
any point loses and duplicates nothing: the next run resumes from the last committed
cursor. The whole ingest is one run (stage ``ingest``); every source tried gets an attempt
row, and a failure is classified by its error class:

- ``RetryableSourceError``: the attempt fails, ``fail_count`` grows, the next run retries;
- ``RateLimitedError``: the same, and the source is deferred until the wait is over;
- ``SourceUnavailableError``: the source goes to status ``error`` until `sources resume`.

One source failing never stops the others.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import structlog

from tg_parser.clock import utcnow
from tg_parser.errors import InputError, RateLimitedError, SourceError
from tg_parser.models import Source, SourceVia
from tg_parser.runs import RunTracker, track_run
from tg_parser.sources import registry
from tg_parser.sources.base import Batch, LiveSource, Window
from tg_parser.store.database import Database

log = structlog.get_logger(__name__)

LiveSourceFactory = Callable[[SourceVia], LiveSource]
# channel being collected, messages collected so far in this run
Progress = Callable[[str, int], None]
Outcome = Literal["collected", "failed", "deferred", "skipped"]

MESSAGE_COUNTERS = tuple(
    f"{kind}_{what}"
    for kind in ("posts", "comments")
    for what in ("inserted", "edited", "unchanged")
)


@dataclass(frozen=True)
class IngestOptions:
    channels: tuple[str, ...] = ()
    all: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None

    def scope(self) -> dict[str, Any]:
        scope: dict[str, Any] = {"channels": list(self.channels)} if self.channels else {}
        scope |= {"all": True} if self.all else {}
        scope |= {"since": self.since.isoformat()} if self.since else {}
        scope |= {"until": self.until.isoformat()} if self.until else {}
        return scope | ({"limit": self.limit} if self.limit is not None else {})


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
        return data | {"counters": _with_zeros(self.counters)}


@dataclass
class IngestReport:
    run_id: str
    sources: list[SourceReport]
    counters: dict[str, int]
    duration_seconds: float

    @property
    def failed(self) -> list[SourceReport]:
        return [report for report in self.sources if report.outcome == "failed"]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "counters": self.counters,
            "duration_seconds": self.duration_seconds,
            "sources": [report.to_json_dict() for report in self.sources],
        }


async def ingest(
    db: Database,
    options: IngestOptions,
    live_sources: LiveSourceFactory,
    progress: Progress | None = None,
) -> IngestReport:
    """Collect every selected source; failures are recorded per source, never raised."""
    started = time.perf_counter()
    selected = await _select(db, options)
    pool = _LiveSources(live_sources)
    async with track_run(db, "ingest", options.scope()) as run:
        try:
            reports = [
                await _visit(db, pool, source, options, run, progress) for source in selected
            ]
        finally:
            await pool.close()
        for report in reports:
            run.add(**{f"sources_{report.outcome}": 1})
    counters = _with_zeros(run.counters) | {
        f"sources_{outcome}": run.counters[f"sources_{outcome}"]
        for outcome in ("collected", "failed", "deferred", "skipped")
    }
    duration = round(time.perf_counter() - started, 3)
    return IngestReport(run.id, reports, counters, duration)


async def _select(db: Database, options: IngestOptions) -> list[tuple[Source, bool]]:
    """The sources to visit, each with whether the user named it."""
    if options.all == bool(options.channels):
        raise InputError("give --source CHANNEL (repeatable) or --all, not both or neither")
    if options.all:
        return [(summary.source, False) for summary in await registry.list_sources(db)]
    named = [await registry.get_source(db, channel) for channel in options.channels]
    for source in named:
        if source.via == "export":
            raise InputError(
                f"source {source.channel_key} is collected from exports: use `tg-parser import`, "
                f"or `tg-parser sources add {source.channel_key} --via web|telegram`"
            )
    return [(source, True) for source in named]


async def _visit(
    db: Database,
    pool: _LiveSources,
    selected: tuple[Source, bool],
    options: IngestOptions,
    run: RunTracker,
    progress: Progress | None,
) -> SourceReport:
    source, named = selected
    report = _not_now(source, named) or await _Collection(db, source, run, progress).attempt(
        pool.get(source.via), _window(source, options)
    )
    log.info(
        "ingest_source_finished",
        channel=source.channel_key,
        outcome=report.outcome,
        reason=report.reason,
        **report.counters,
    )
    return report


def _not_now(source: Source, named: bool) -> SourceReport | None:
    """Why the source is not collected in this run (None: collect it)."""
    key = source.channel_key
    if source.status == "paused":
        return SourceReport(key, "skipped", f"paused (`tg-parser sources resume {key}`)")
    if source.status == "error" and not named:
        reason = f"in error: {source.status_reason or source.last_error or 'unknown'}"
        return SourceReport(key, "skipped", f"{reason} (`tg-parser sources resume {key}`)")
    if source.via == "export":
        return SourceReport(key, "skipped", "collected from exports (`tg-parser import`)")
    until = source.rate_limit_until
    if until is not None and until > utcnow():
        return SourceReport(key, "deferred", f"rate-limited until {until:%Y-%m-%d %H:%M:%S} UTC")
    return None


def _window(source: Source, options: IngestOptions) -> Window:
    return Window(
        since=options.since or source.history_from,
        until=options.until or source.history_to,
        limit=options.limit,
    )


class _Collection:
    """One attempt at one source: describe, then batches stored with their cursors."""

    def __init__(
        self, db: Database, source: Source, run: RunTracker, progress: Progress | None
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
        except BaseException:
            async with self.db.transaction() as repos:
                await repos.sources.cancel_attempt(attempt, stored=self._stored())
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
        batches = live.collect(source, window, cursors)
        try:
            async for batch in batches:
                await self._store(batch)
                if window.limit is not None and self.report.counters["messages"] >= window.limit:
                    break
        finally:
            close = getattr(batches, "aclose", None)
            if close is not None:
                await close()

    async def _describe(self, live: LiveSource) -> Source:
        """Resolve the channel and keep what was learnt about it on the source row."""
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
        await self.run.checkpoint(every=1.0)
        if self.progress is not None:
            self.progress(self.source.channel_key, self.run.counters["messages"])

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


class _LiveSources:
    """One live source per way in, made when first needed and closed at the end."""

    def __init__(self, factory: LiveSourceFactory) -> None:
        self.factory = factory
        self.opened: dict[SourceVia, LiveSource] = {}

    def get(self, via: SourceVia) -> LiveSource:
        if via not in self.opened:
            self.opened[via] = self.factory(via)
        return self.opened[via]

    async def close(self) -> None:
        for live in self.opened.values():
            await live.close()


def _with_zeros(counters: Counter[str]) -> dict[str, int]:
    """Message counters with zeros included, so reports always have the same keys."""
    names = ("messages", "batches", *MESSAGE_COUNTERS)
    return {name: counters[name] for name in names}
