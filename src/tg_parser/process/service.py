"""A processing run: plan the pending messages by channel (or only estimate their cost, a
dry run), claim the channels, and send each channel's messages through the window worker."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import structlog

from tg_parser.llm import Analyser, CallEstimate
from tg_parser.models import OnProgress
from tg_parser.process.options import PIPELINE_VERSION, STAGE, ProcessOptions
from tg_parser.process.window import (
    ProgressCounter,
    Worker,
    channel_context,
    message_input,
    windows,
)
from tg_parser.registry import resolve_channel
from tg_parser.runs import RunTracker, claimable_channels, track_run
from tg_parser.store import Database, PendingMessage
from tg_parser.text.noise import NOISE_KINDS

log = structlog.get_logger(__name__)


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
            worker = Worker(db, analyser, options, run, ProgressCounter(progress, pending))
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
    worker = Worker(db, analyser, options, run, ProgressCounter(None, len(todo)))
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
            context = await channel_context(repos, channel_id)
        async for rows, posts in windows(db, channel_id, ids):
            for row in rows:
                estimate = analyser.estimate(message_input(row, context, posts))
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
