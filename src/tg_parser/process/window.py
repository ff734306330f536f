"""One window of a channel's pending messages: analysed concurrently, the answers saved as
they come (every batch, or every second), and, when the run is stopped or the provider
fails, every answer already received saved once before the window ends."""

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
from tg_parser.llm import Analyser, Analysis, ChannelContext, MessageInput
from tg_parser.models import CallRecord, OnProgress, ProcessedDocument, Progress, document_id
from tg_parser.process.options import PIPELINE_VERSION, STAGE, ProcessOptions
from tg_parser.runs import RunTracker
from tg_parser.store import Database, Failure, Repositories, StoredDocument
from tg_parser.text import learn_boilerplate
from tg_parser.text.noise import noise_kind

log = structlog.get_logger(__name__)

WINDOW = 2000  # messages in flight per window (bounds the tasks held at once)

Row = dict[str, Any]


async def windows(
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
class ProgressCounter:
    """Messages done of the run's total, reported as they are saved."""

    report: OnProgress | None
    total: int
    done: int = 0

    def advance(self, count: int) -> None:
        self.done += count
        if self.report is not None:
            self.report(Progress("process", self.done, self.total))


@dataclass
class Worker:
    """Runs the analyser over a channel's pending messages and saves the results."""

    db: Database
    analyser: Analyser
    options: ProcessOptions
    run: RunTracker
    progress: ProgressCounter
    semaphore: asyncio.Semaphore = field(init=False)
    noise_reasons: Counter[str] = field(default_factory=Counter)
    stop: ProviderFailingError | None = None  # the provider is failing: end the run
    answered: list[StoredDocument | Failure] = field(default_factory=list)  # not saved yet
    saving: asyncio.Task[None] | None = None  # the last save started

    def __post_init__(self) -> None:
        self.semaphore = asyncio.Semaphore(self.options.concurrency)

    async def channel(self, channel_id: str, ids: list[int]) -> None:
        async with self.db.transaction() as repos:
            context = await channel_context(repos, channel_id)
        async for rows, posts in windows(self.db, channel_id, ids):
            await self.window(context, rows, posts)

    async def window(self, context: ChannelContext, rows: list[Row], posts: dict[Any, str]) -> None:
        """Analyse the rows ``concurrency`` at a time, saving the results as they complete,
        every ``batch_size`` of them or every second (no batch waits for its slowest
        message, and a kill loses at most a second of answers). When the run is stopped
        (Ctrl-C, SIGTERM: this task is cancelled) or a message ends it (a bad key), the
        calls in flight are dropped, but every answer already received is saved, once."""
        tasks = [
            asyncio.create_task(self.one(message_input(row, context, posts), row)) for row in rows
        ]
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


async def channel_context(repos: Repositories, channel_id: str) -> ChannelContext:
    """The channel's title and the boilerplate learnt from all its posts."""
    source = await repos.sources.get(channel_id)
    texts = await repos.messages.texts(channel_id, "post")
    return ChannelContext(
        channel_id=channel_id,
        title=source.title if source else None,
        boilerplate=learn_boilerplate(texts),
    )


def message_input(row: Row, context: ChannelContext, posts: dict[Any, str]) -> MessageInput:
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
