"""Importing Telegram Desktop exports: a channel's posts, or its discussion group's comments.

Messages are converted and stored in batches, one transaction per batch, so a failure
mid-file keeps what was stored and a re-run continues (unchanged messages are skipped).
Every import is a run with counters. A channel imported under its numeric id gets the
username its own post links reveal (see ``usernames``), so its links can be public.
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import structlog

from tg_parser import metrics
from tg_parser.errors import InputError
from tg_parser.ingest.threads import DiscussionThreads
from tg_parser.ingest.usernames import OwnLinks
from tg_parser.models import OnProgress, Progress, Source, channel_key, numeric_channel_key
from tg_parser.runs import RunTracker, track_run
from tg_parser.sources import WORKER_MIN_BYTES, ExportChat, ExportFile, read_batches, timezone
from tg_parser.store import Database, Repositories

log = structlog.get_logger(__name__)

BATCH_SIZE = 1000


@dataclass(frozen=True)
class ImportOptions:
    path: Path
    chat: str | None = None
    channel: str | None = None
    comments_for: str | None = None
    timezone: str = "UTC"
    batch_size: int = BATCH_SIZE
    worker_min_bytes: int = WORKER_MIN_BYTES

    def scope(self) -> dict[str, Any]:
        scope = {"path": str(self.path), "chat": self.chat, "channel": self.channel}
        scope |= {"comments_for": self.comments_for, "timezone": self.timezone}
        return {key: value for key, value in scope.items() if value is not None}


@dataclass
class ImportReport:
    run_id: str
    path: str
    chat: dict[str, Any]
    channel: str
    message_type: str
    counters: dict[str, int]
    duration_seconds: float = 0.0
    username: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return asdict(self)


async def import_desktop(
    db: Database, options: ImportOptions, progress: OnProgress | None = None
) -> ImportReport:
    """Import one chat of an export as posts, or (``comments_for``) as comments."""
    started = time.perf_counter()
    async with track_run(db, "import", options.scope()) as run:
        timezone(options.timezone)  # a bad zone fails before anything is read
        export = ExportFile.open(options.path)
        chat = export.choose(options.chat)
        async with db.transaction() as repos:
            source = await _target(repos, chat, options)
        await run.set_channel(source.channel_key)
        threads = DiscussionThreads(source) if options.comments_for else None
        post_channel = None if threads else source.channel_key
        own_links = OwnLinks()
        batches = read_batches(
            (export.path, chat, options.timezone, post_channel),
            options.batch_size,
            worker_min_bytes=options.worker_min_bytes,
        )
        async with run.claimed([source.channel_key]), _attempt(db, source, run):
            async for batch in batches:
                run.add(**batch.counts)
                own_links.add(batch.posts)
                async with db.transaction() as repos:
                    collected = (
                        await threads.comments(repos, batch.messages, run)
                        if threads
                        else batch.posts
                    )
                    result = await repos.messages.store(collected)
                counts = {what: getattr(result, what) for what in metrics.STORE_OUTCOMES}
                run.add(**counts)
                metrics.observe_collected("import", counts)
                await run.checkpoint(every=1.0)
                if progress is not None:
                    progress(_read(options.path.name, batch.bytes_read, export.size, run))
        if threads is None:
            source = await _learn_username(db, source, own_links)
        report = ImportReport(
            run_id=run.id,
            path=str(export.path),
            chat=chat.to_json_dict(),
            channel=source.channel_key,
            message_type="comment" if threads else "post",
            counters=_all_counters(run, threads is not None),
            duration_seconds=round(time.perf_counter() - started, 3),
            username=source.username,
        )
        log.info("import_finished", channel=source.channel_key, **report.counters)
    return report


async def _target(repos: Repositories, chat: ExportChat, options: ImportOptions) -> Source:
    """The source the messages belong to (created or updated for a channel's own export)."""
    if options.comments_for:
        return await _commented_channel(repos, options.comments_for)
    numeric = int(numeric_channel_key(chat.id))
    existing = await repos.sources.find_by_numeric_id(numeric)
    if options.channel:
        key = channel_key(options.channel)
        await _check_identity(repos, key, numeric, existing)
    else:
        key = existing.channel_key if existing else str(numeric)
    identity: dict[str, Any] = {"numeric_id": numeric}
    if chat.name:
        identity["title"] = chat.name
    if not key.startswith("-"):
        identity["username"] = key
    return await repos.sources.upsert(key, **identity)


async def _learn_username(db: Database, source: Source, links: OwnLinks) -> Source:
    """Record the username the export's own links reveal, for a source without one, unless
    another channel is known under that name."""
    name = None if source.username else links.username()
    if name is None:
        return source
    async with db.transaction() as repos:
        holder = await repos.sources.get(name)
        if holder is not None and holder.numeric_id not in (None, source.numeric_id):
            return source
        return await repos.sources.upsert(source.channel_key, username=name)


async def _check_identity(
    repos: Repositories, key: str, numeric: int, existing: Source | None
) -> None:
    if existing is not None and existing.channel_key != key:
        raise InputError(
            f"this export's chat {numeric} is already stored as channel "
            f"{existing.channel_key!r}: import it without --channel or with --channel "
            f"{existing.channel_key}"
        )
    named = await repos.sources.get(key)
    if named is not None and named.numeric_id not in (None, numeric):
        raise InputError(
            f"channel {key!r} is chat {named.numeric_id}, but this export is chat {numeric}: "
            "check --channel"
        )


async def _commented_channel(repos: Repositories, channel: str) -> Source:
    key = channel_key(channel)
    source = await repos.sources.get(key)
    if source is None and key.startswith("-"):
        source = await repos.sources.find_by_numeric_id(int(key))
    if source is None or await repos.messages.count(source.channel_key) == 0:
        raise InputError(
            f"channel {channel!r} has no imported posts: import the channel's own export "
            "first (tg-parser import CHANNEL_EXPORT), then its discussion group"
        )
    return source


@asynccontextmanager
async def _attempt(db: Database, source: Source, run: RunTracker) -> Any:
    """Record the import as an attempt on the source (its health in `sources list`)."""
    async with db.transaction() as repos:
        attempt = await repos.sources.start_attempt(source.id, run.id)
    try:
        yield
    except BaseException as exc:
        async with db.transaction() as repos:
            await repos.sources.finish_attempt(attempt, stored=_stored(run), error=exc)
        raise
    async with db.transaction() as repos:
        await repos.sources.finish_attempt(attempt, stored=_stored(run))


def _read(name: str, bytes_read: int, size: int, run: RunTracker) -> Progress:
    """How much of the export ``name`` is read: only its size is known up front, so the
    share is counted in bytes, with the messages read so far."""
    return Progress("import", bytes_read, size, "bytes", name, run.counters["messages_read"])


def _stored(run: RunTracker) -> int:
    return run.counters["inserted"] + run.counters["edited"]


COUNTERS: tuple[str, ...] = ("messages_read", "inserted", "edited", "unchanged", "service_skipped")
COUNTERS += ("unsupported_skipped", "duplicate_ids")
COMMENT_COUNTERS = ("comments", "thread_roots", "unmatched_copies", "not_in_thread")


def _all_counters(run: RunTracker, comments: bool) -> dict[str, int]:
    """Every counter of the report, zeros included, so reports always have the same keys."""
    names = COUNTERS + (COMMENT_COUNTERS if comments else ())
    for name in names:
        run.counters.setdefault(name, 0)
    return {name: run.counters[name] for name in names}
