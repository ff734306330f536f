"""Live collection: each selected source's batches into the store, with cursors and health.

Every batch is stored in ONE transaction with the cursor update it carries, so a crash at
any point loses and duplicates nothing: the next run resumes from the last committed
cursor. The whole ingest is one run (stage ``ingest``); every source tried gets an attempt
row (see ``attempt.py``), and a failure is classified by its error class:

- ``RetryableSourceError``: the attempt fails, ``fail_count`` grows, the next run retries;
- ``RateLimitedError``: the same, and the source is deferred until the wait is over;
- ``SourceUnavailableError``: the source goes to status ``error`` until `sources resume`;
- anything else the live source raises (an HTTP library error, a parser bug): the same as
  ``RetryableSourceError``, with the exception's class and message on one line.

One source failing never stops the others; only our own side failing (the database, the
configuration) stops the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from tg_parser import registry
from tg_parser.clock import utcnow
from tg_parser.config import Settings
from tg_parser.errors import InputError, RunInProgressError
from tg_parser.ingest.attempt import SourceCollection, SourceReport, with_zeros
from tg_parser.models import OnProgress, Source, SourceVia
from tg_parser.runs import RunTracker, track_run
from tg_parser.sources import LiveSource, Window
from tg_parser.sources.telegram import TelegramSource
from tg_parser.sources.web import WebSource
from tg_parser.store import Database

log = structlog.get_logger(__name__)

LiveSourceFactory = Callable[[SourceVia], LiveSource]
OUTCOMES = ("collected", "failed", "deferred", "skipped")


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
    progress: OnProgress | None = None,
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
    counters = with_zeros(run.counters) | {
        f"sources_{outcome}": run.counters[f"sources_{outcome}"] for outcome in OUTCOMES
    }
    duration = round(time.perf_counter() - started, 3)
    return IngestReport(run.id, reports, counters, duration)


async def _select(db: Database, options: IngestOptions) -> list[tuple[Source, bool]]:
    """The sources to visit, each with whether the user named it."""
    if options.all == bool(options.channels):
        raise InputError("give --source CHANNEL (repeatable) or --all, not both or neither")
    if options.all:
        async with db.transaction() as repos:
            return [(source, False) for source in await repos.sources.list()]
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
    progress: OnProgress | None,
) -> SourceReport:
    source, named = selected
    report = _not_now(source, named) or await _collect(db, pool, source, options, run, progress)
    log.info(
        "ingest_source_finished",
        channel=source.channel_key,
        outcome=report.outcome,
        reason=report.reason,
        **report.counters,
    )
    return report


async def _collect(
    db: Database,
    pool: _LiveSources,
    source: Source,
    options: IngestOptions,
    run: RunTracker,
    progress: OnProgress | None,
) -> SourceReport:
    """One attempt at the source, claimed for this run; a source another ingest is
    collecting right now is skipped, saying which run has it."""
    try:
        async with run.claimed([source.channel_key]):
            collection = SourceCollection(db, source, run, progress)
            return await collection.attempt(pool.get(source.via), _window(source, options))
    except RunInProgressError as busy:
        return SourceReport(source.channel_key, "skipped", busy.message)


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


def live_sources(settings: Settings) -> LiveSourceFactory:
    """The real way in for each ``via``."""

    def make(via: SourceVia) -> LiveSource:
        return TelegramSource(settings) if via == "telegram" else WebSource(settings)

    return make


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
