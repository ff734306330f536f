"""Processing: raw messages into ProcessedDocuments through an analyser (offline or a model).

Only messages without a document, or whose text or pipeline version changed since, are
processed (all of them with ``force``). Per channel, the boilerplate (repeated signatures
and footers) is learnt once from the channel's posts; a comment is analysed with its
post's text as context. Messages go through the analyser concurrently (bounded by a
semaphore) and are saved in batches, one transaction per batch, so an interrupted run
keeps what it saved and a re-run continues; a stopped run (Ctrl-C, SIGTERM) first saves,
once, every answer it received, so only the calls in flight are asked again. A message
that fails is recorded in ``processing_failures`` and never stops the run; a later
success clears its record — unless the provider itself is failing (the call runner's
breaker): then the messages in flight finish, what they answered is saved, and the run
stops ``failed``.
Every run is a run (stage ``process``) with counters processed / noise / failed / skipped;
its report also breaks the noise down by kind (advertising, greetings, one-liners, …).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import structlog

from tg_parser import metrics
from tg_parser.clock import utcnow
from tg_parser.errors import ConfigError, ProviderAuthError, ProviderError, ProviderFailingError
from tg_parser.llm import Analyser, Analysis, CallEstimate, ChannelContext, MessageInput
from tg_parser.models import CallRecord, OnProgress, ProcessedDocument, Progress, document_id
from tg_parser.registry import resolve_channel
from tg_parser.runs import RunTracker, claimable_channels, track_run
from tg_parser.store import Database, Failure, PendingMessage, Repositories, StoredDocument
from tg_parser.text import learn_boilerplate
from tg_parser.text.noise import NOISE_KINDS, noise_kind

log = structlog.get_logger(__name__)

PIPELINE_VERSION = "processing:v1.1.0"
STAGE = "process"
BATCH_SIZE = 100
WINDOW = 2000  # messages in flight per window (bounds the tasks held at once)
CONCURRENCY = 8
# why messages are noise, from the reasons the offline rules give ("advertising: erid
# marker", "greeting", "too short", "media only", "empty") and a model's own words

Row = dict[str, Any]


@dataclass(frozen=True)
class ProcessOptions:
    channel: str | None = None
    force: bool = False
    limit: int | None = None
    dry_run: bool = False
    retry_failed: bool = False
    batch_size: int = BATCH_SIZE
    concurrency: int = CONCURRENCY

    def scope(self) -> dict[str, Any]:
        scope = {
            "channel": self.channel,
            "force": self.force,
            "limit": self.limit,
            "retry_failed": self.retry_failed,
        }
        return {key: value for key, value in scope.items() if value not in (None, False)}


@dataclass
class ProcessReport:
    """What a run did (or, ``dry_run``, would do): counters and messages per channel."""

    provider: str
    model_id: str
    dry_run: bool
    channels: dict[str, int]
    counters: dict[str, int]
    duration_seconds: float
    run_id: str | None = None
    pipeline_version: str = PIPELINE_VERSION
    estimate: dict[str, Any] | None = None  # dry run with a model: calls, tokens, cost
    noise_reasons: dict[str, int] = field(default_factory=lambda: dict.fromkeys(NOISE_KINDS, 0))

    def to_json_dict(self) -> dict[str, Any]:
        report: dict[str, Any] = {"run_id": self.run_id} if self.run_id else {}
        return (
            report
            | {
                "dry_run": self.dry_run,
                "provider": self.provider,
                "model_id": self.model_id,
                "pipeline_version": self.pipeline_version,
                "channels": self.channels,
                "counters": self.counters,
                "noise_reasons": self.noise_reasons,
                "duration_seconds": self.duration_seconds,
            }
            | ({"estimate": self.estimate} if self.estimate is not None else {})
        )


async def process_messages(
    db: Database, analyser: Analyser, options: ProcessOptions, progress: OnProgress | None = None
) -> ProcessReport:
    """Process the pending messages of one channel (or of all); ``dry_run`` only counts them.

    A run claims its channels before it lists their pending messages, so two runs never
    process (and pay for) the same message: the second is refused, naming the first."""
    started = time.perf_counter()
    channel = await resolve_channel(db, options.channel)
    if options.dry_run:
        report, by_channel = await _plan(db, analyser, options, channel)
        report.estimate = await _estimate(db, analyser, by_channel)
    else:
        claims = await claimable_channels(db, channel)
        async with track_run(db, STAGE, options.scope(), claims=claims) as run:
            report, by_channel = await _plan(db, analyser, options, channel, claims)
            pending = report.counters["pending"]
            in_scope = pending + report.counters["skipped"]
            worker = _Worker(db, analyser, options, run, _Counter(progress, pending))
            for channel_id, ids in by_channel.items():
                await worker.channel(channel_id, ids)
            run.add(skipped=in_scope - run.counters["processed"] - run.counters["failed"])
            report.run_id, report.counters = run.id, _counters(run)
            report.noise_reasons |= worker.noise_reasons
    report.duration_seconds = round(time.perf_counter() - started, 3)
    log.info("process_finished", dry_run=options.dry_run, **report.counters)
    return report


async def _plan(
    db: Database,
    analyser: Analyser,
    options: ProcessOptions,
    channel: str | None,
    claims: list[str] | None = None,
) -> tuple[ProcessReport, dict[str, list[int]]]:
    """The report so far and the pending messages by channel (of the ``claims`` only)."""
    by_channel, counters = await pending_work(db, options, channel, claims)
    report = ProcessReport(
        provider=analyser.provider,
        model_id=analyser.model_id,
        dry_run=options.dry_run,
        channels={key: len(ids) for key, ids in by_channel.items()},
        counters=counters,
        duration_seconds=0.0,
    )
    return report, by_channel


async def pending_work(
    db: Database, options: ProcessOptions, channel: str | None, claims: list[str] | None = None
) -> tuple[dict[str, list[int]], dict[str, int]]:
    """The pending messages' row ids by channel (of the ``claims`` only), and the counters
    ``pending`` and ``skipped`` (in scope, but up to date or past the limit)."""
    async with db.transaction() as repos:
        failed = await repos.failures.list(stage=STAGE) if options.retry_failed else None
        pending = await repos.documents.pending(
            channel_id=channel,
            pipeline_version=PIPELINE_VERSION,
            force=options.force or options.retry_failed,
            limit=options.limit,
            only=None if failed is None else [f.source_ref for f in failed],
        )
        in_scope = await repos.messages.count(channel)
    if claims is not None:  # a channel that arrived after the claims is another run's
        pending = [message for message in pending if message.channel_id in claims]
    return _by_channel(pending), {"pending": len(pending), "skipped": in_scope - len(pending)}


async def process_batch(
    db: Database,
    analyser: Analyser,
    options: ProcessOptions,
    run: RunTracker,
    channel_id: str,
    ids: list[int],
) -> dict[str, int]:
    """Process the messages ``ids`` of one channel that are still to do, within ``run`` (a
    part of a run spread over workers): those a worker that held the batch before saved
    (with ``force``: since the run started) are not asked again. Its counters."""
    async with db.transaction() as repos:
        still = await repos.documents.pending(
            channel_id=channel_id,
            pipeline_version=PIPELINE_VERSION,
            force=options.force or options.retry_failed,
            rows=ids,
            not_since=run.run.started_at,
        )
    todo = [message.id for message in still]
    worker = _Worker(db, analyser, options, run, _Counter(None, len(todo)))
    await worker.channel(channel_id, todo)
    noise = {f"noise_{kind}": count for kind, count in worker.noise_reasons.items()}
    return {name: run.counters[name] for name in ("processed", "noise", "failed")} | noise


async def _estimate(
    db: Database, analyser: Analyser, by_channel: dict[str, list[int]]
) -> dict[str, int]:
    """Calls and tokens the pending messages would cost: messages that skip the model
    (noise, trivial) and repeats of a text already counted cost nothing."""
    estimates: dict[str, CallEstimate] = {}
    local = repeated = 0
    for channel_id, ids in by_channel.items():
        async with db.transaction() as repos:
            context = await _context(repos, channel_id)
        async for rows, posts in _windows(db, channel_id, ids):
            for row in rows:
                estimate = analyser.estimate(_input(row, context, posts))
                if estimate is None:
                    local += 1
                elif estimate.key in estimates:
                    repeated += 1
                else:
                    estimates[estimate.key] = estimate
    return {
        "model_calls": len(estimates),
        "local_only": local,
        "repeated_texts": repeated,
        "input_tokens": sum(e.input_tokens for e in estimates.values()),
        "output_tokens": sum(e.output_tokens for e in estimates.values()),
    }


COUNTERS = ("processed", "noise", "failed", "skipped")


def _counters(run: RunTracker) -> dict[str, int]:
    """Every counter of the report, zeros included, so reports always have the same keys."""
    for name in COUNTERS:
        run.counters.setdefault(name, 0)
    return {name: run.counters[name] for name in COUNTERS}


def _by_channel(pending: list[PendingMessage]) -> dict[str, list[int]]:
    """The pending messages' row ids by channel, in processing order."""
    grouped: dict[str, list[int]] = {}
    for message in pending:
        grouped.setdefault(message.channel_id, []).append(message.id)
    return grouped


async def _windows(
    db: Database, channel_id: str, ids: list[int]
) -> AsyncIterator[tuple[list[Row], dict[Any, str]]]:
    """The rows of ``ids``, ``WINDOW`` at a time, with the texts of their comments' posts."""
    for start in range(0, len(ids), WINDOW):
        async with db.transaction() as repos:
            rows = await repos.messages.rows(ids[start : start + WINDOW])
            threads = {row["thread_id"] for row in rows if row["message_type"] == "comment"}
            posts = await repos.messages.post_texts(channel_id, threads - {None})
        yield rows, posts


@dataclass
class _Counter:
    """Messages done of the run's total, reported as they are saved."""

    report: OnProgress | None
    total: int
    done: int = 0

    def advance(self, count: int) -> None:
        self.done += count
        if self.report is not None:
            self.report(Progress("process", self.done, self.total))


@dataclass
class _Worker:
    """Runs the analyser over a channel's pending messages and saves the results."""

    db: Database
    analyser: Analyser
    options: ProcessOptions
    run: RunTracker
    progress: _Counter
    semaphore: asyncio.Semaphore = field(init=False)
    noise_reasons: Counter[str] = field(default_factory=Counter)
    stop: ProviderFailingError | None = None  # the provider is failing: end the run
    answered: list[StoredDocument | Failure] = field(default_factory=list)  # not saved yet
    saving: asyncio.Task[None] | None = None  # the last save started

    def __post_init__(self) -> None:
        self.semaphore = asyncio.Semaphore(self.options.concurrency)

    async def channel(self, channel_id: str, ids: list[int]) -> None:
        async with self.db.transaction() as repos:
            context = await _context(repos, channel_id)
        async for rows, posts in _windows(self.db, channel_id, ids):
            await self.window(context, rows, posts)

    async def window(self, context: ChannelContext, rows: list[Row], posts: dict[Any, str]) -> None:
        """Analyse the rows ``concurrency`` at a time, saving the results as they complete,
        every ``batch_size`` of them or every second (no batch waits for its slowest
        message, and a kill loses at most a second of answers). When the run is stopped
        (Ctrl-C, SIGTERM: this task is cancelled) or a message ends it (a bad key), the
        calls in flight are dropped, but every answer already received is saved, once."""
        tasks = [asyncio.create_task(self.one(_input(row, context, posts), row)) for row in rows]
        try:
            await self._save_as_answered(tasks)
        finally:
            await _drop(tasks)
            await self._save_rest()
        if self.stop is not None:
            raise self.stop

    async def _save_as_answered(self, tasks: list[asyncio.Task[None]]) -> None:
        saved_at = time.monotonic()
        for next_done in asyncio.as_completed(tasks):
            await next_done  # raises the error of a message that ends the run
            if len(self.answered) >= self.options.batch_size or time.monotonic() > saved_at + 1:
                await self._save_answered()
                saved_at = time.monotonic()

    async def _save_answered(self) -> None:
        """Save the answers received so far, with the calls they cost, in a task of its own:
        a stop does not cut it halfway (which would lose the calls it took, or count its
        documents twice); ``_save_rest`` waits for it."""
        results, self.answered = self.answered, []
        calls = [replace(call, run_id=self.run.id) for call in self.analyser.drain_calls()]
        self.saving = asyncio.create_task(self.save(results, calls))
        await asyncio.shield(self.saving)

    async def _save_rest(self) -> None:
        """Once the window is over: the save under way ends, then what came in since is saved."""
        if self.saving is not None:
            await asyncio.wait([self.saving])
            self.saving.result()  # a save that failed fails the run
        await self._save_answered()

    async def save(self, results: list[StoredDocument | Failure], calls: list[CallRecord]) -> None:
        """Store documents, failures and the model calls made for them in one transaction."""
        stored = [result for result in results if isinstance(result, StoredDocument)]
        failures = [result for result in results if isinstance(result, Failure)]
        async with self.db.transaction() as repos:
            await self.run.guard(repos)
            await repos.documents.save(stored)
            await repos.failures.clear(STAGE, [s.document.source_ref for s in stored])
            await repos.failures.record(STAGE, failures, run_id=self.run.id, now=utcnow())
            await repos.llm_calls.add(calls)
        noise = [s.document.metadata or {} for s in stored if s.noise]
        self.noise_reasons.update(noise_kind(metadata.get("noise_reason")) for metadata in noise)
        self.run.add(processed=len(stored), noise=len(noise), failed=len(failures))
        metrics.observe_processed(processed=len(stored), failed=len(failures))
        await self.run.checkpoint(every=1.0)
        self.progress.advance(len(results))

    async def one(self, item: MessageInput, row: Row) -> None:
        """Analyse the message and keep its result in ``answered`` the moment it is known
        (no await in between, so a stop cannot lose it). When the provider is failing (its
        breaker tripped), a message whose call was not made gets no result."""
        async with self.semaphore:
            if self.stop is None and (result := await self._result(item, row)) is not None:
                self.answered.append(result)

    async def _result(self, item: MessageInput, row: Row) -> StoredDocument | Failure | None:
        """The message's document, or its failure. A failure never stops the run, except
        one that every other message would hit too (a bad key, a wrong setting) or a
        provider that is failing (the run stops after this window)."""
        try:
            analysis = await self.analyser.analyse(item)
            return _stored(row, analysis, self.analyser)
        except (ProviderAuthError, ConfigError):
            raise
        except ProviderFailingError as stop:
            self.stop = self.stop or stop
            return _failure(item, stop.failed_call) if stop.failed_call else None
        except Exception as exc:
            return _failure(item, exc)


async def _drop(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel the tasks still running (their calls are dropped) and wait for all to end;
    what they raised was raised by ``window`` already or no longer matters."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _failure(item: MessageInput, exc: Exception) -> Failure:
    failure = Failure(item.source_ref, type(exc).__name__, _failure_message(exc))
    log.warning("message_failed", source_ref=item.source_ref, error=failure.error_class)
    return failure


async def _context(repos: Repositories, channel_id: str) -> ChannelContext:
    """The channel's title and the boilerplate learnt from all its posts."""
    source = await repos.sources.get(channel_id)
    texts = await repos.messages.texts(channel_id, "post")
    return ChannelContext(
        channel_id=channel_id,
        title=source.title if source else None,
        boilerplate=learn_boilerplate(texts),
    )


def _input(row: Row, context: ChannelContext, posts: dict[Any, str]) -> MessageInput:
    is_comment = row["message_type"] == "comment"
    return MessageInput(
        source_ref=row["source_ref"],
        message_type=row["message_type"],
        text=row["text"],
        date=row["date"],
        channel=context,
        post_text=posts.get(row["thread_id"]) if is_comment else None,
        raw_payload=row["raw_payload"],
    )


def _stored(row: Row, analysis: Analysis, analyser: Analyser) -> StoredDocument:
    ref = row["source_ref"]
    document = ProcessedDocument(
        id=document_id(ref),
        source_ref=ref,
        source_message_id=str(row["message_id"]),
        channel_id=row["channel_id"],
        processed_at=utcnow(),
        text_clean=analysis.text_clean,
        summary=analysis.summary or None,
        topics=analysis.topics or None,
        entities=analysis.entities or None,
        language=analysis.language or None,
        metadata=_metadata(row, analysis, analyser),
    )
    return StoredDocument(
        document=document,
        noise=analysis.noise,
        input_hash=row["content_hash"],
        pipeline_version=PIPELINE_VERSION,
    )


def _metadata(row: Row, analysis: Analysis, analyser: Analyser) -> dict[str, Any]:
    metadata = {
        "pipeline_version": PIPELINE_VERSION,
        "provider": analyser.provider,
        "model_id": analyser.model_id,
        "prompt_name": analyser.prompt_name,
        "prompt_id": analyser.prompt_id,
        "parameters": analyser.parameters,
        "message_type": row["message_type"],
        "message_date": row["date"].isoformat(),
        "noise": analysis.noise,
    }
    if analysis.noise and analysis.noise_reason:
        metadata["noise_reason"] = analysis.noise_reason
    return metadata | analysis.metadata


def _failure_message(exc: Exception) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0][:500] if text else type(exc).__name__
    attempts = exc.attempts if isinstance(exc, ProviderError) else 1
    return f"{line} (after {attempts} attempts)" if attempts > 1 else line
