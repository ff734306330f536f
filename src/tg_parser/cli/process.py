"""`tg-parser process`: raw messages into documents through the configured provider."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from tg_parser.cli.common import (
    CONCURRENCY_OPTION,
    JSON_OPTION,
    MODEL_OPTION,
    NOISE_LABELS,
    PROVIDER_OPTION,
    announce,
    console,
    err_console,
    print_json,
    print_table,
    settings_of,
    with_database,
)
from tg_parser.cli.queued import QUEUE_OPTION, submit_queued
from tg_parser.errors import InputError

if TYPE_CHECKING:
    from tg_parser.process import ProcessReport
    from tg_parser.store import Database

CHANNEL_OPTION = typer.Option(
    None, "--channel", help="Process only this channel (@name, t.me link or -100… id)."
)
ALL_OPTION = typer.Option(False, "--all", help="Process every channel (the default).")
FORCE_OPTION = typer.Option(
    False, "--force", help="Process every message again, not only new or changed ones."
)
LIMIT_OPTION = typer.Option(
    None, "--limit", min=1, help="Process at most N messages (oldest first; posts first)."
)
DRY_RUN_OPTION = typer.Option(
    False,
    "--dry-run",
    help="Count what would be processed, by channel, and estimate the model's tokens and "
    "cost; call nothing, write nothing.",
)
RETRY_FAILED_OPTION = typer.Option(
    False, "--retry-failed", help="Process only the messages in `tg-parser failures list`."
)
NO_SKIP_OPTION = typer.Option(
    False, "--no-skip", help="Send noise, ads and trivial messages to the model too."
)


def process(
    ctx: typer.Context,
    channel: str | None = CHANNEL_OPTION,
    all_channels: bool = ALL_OPTION,
    force: bool = FORCE_OPTION,
    limit: int | None = LIMIT_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    retry_failed: bool = RETRY_FAILED_OPTION,
    provider: str | None = PROVIDER_OPTION,
    model: str | None = MODEL_OPTION,
    concurrency: int | None = CONCURRENCY_OPTION,
    no_skip: bool = NO_SKIP_OPTION,
    queue: bool = QUEUE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Turn new and changed messages into documents (clean text, summary, topics, noise)."""
    if channel and all_channels:
        raise InputError("give --channel CHANNEL or --all, not both")
    if queue:
        if dry_run:
            raise InputError("--dry-run answers at once: leave out --queue")
        queued = {
            "stage": "process",
            "channel": channel,
            "force": force,
            "limit": limit,
            "retry_failed": retry_failed,
            "provider": provider,
            "model": model,
            "concurrency": concurrency,
            "skip_trivial": not no_skip,
        }
        submit_queued(ctx, queued, json_output)
        return
    from tg_parser.cli.progress import ProgressDisplay
    from tg_parser.llm import ModelRequest
    from tg_parser.process import ProcessOptions
    from tg_parser.wiring import wired_stages

    request = ModelRequest(provider, model, concurrency, skip_trivial=not no_skip)
    options = ProcessOptions(
        channel=channel, force=force, limit=limit, dry_run=dry_run, retry_failed=retry_failed
    )

    async def work(db: Database) -> ProcessReport:
        async with wired_stages(settings_of(ctx), request) as stages:
            announce(stages.notice)
            return await stages.process(db, options, display)

    with ProgressDisplay() as display:
        report = with_database(ctx, work)
    if json_output:
        print_json(report.to_json_dict())
    elif dry_run:
        _print_plan(report)
    else:
        _print_summary(report)


def _print_plan(report: ProcessReport) -> None:
    counts = report.counters
    console.print(
        f"Dry run, nothing written: {counts['pending']} messages to process, "
        f"{counts['skipped']} up to date (provider {report.provider}, {report.pipeline_version})",
        soft_wrap=True,
    )
    if report.channels:
        print_table(["channel", "to process"], sorted(report.channels.items()))
    e = report.estimate
    if e is not None and not e["model_calls"]:
        console.print("No model calls: every message to process is analysed locally")
    elif e is not None:
        cost = "no price known" if e["cost_usd"] is None else f"${e['cost_usd']:,.4f}"
        console.print(
            f"{report.model_id}: {e['model_calls']} calls, ~{e['input_tokens']:,} input and "
            f"~{e['output_tokens']:,} output tokens, estimated {cost}; "
            f"{e['local_only']} messages stay local (noise, trivial), "
            f"{e['repeated_texts']} repeat a text already counted",
            soft_wrap=True,
        )


def _print_summary(report: ProcessReport) -> None:
    counts = report.counters
    console.print(
        f"Processed {counts['processed']} messages with {report.provider} "
        f"({report.model_id}) in {report.duration_seconds:.2f}s (run {report.run_id})",
        soft_wrap=True,
    )
    console.print(
        f"noise: {counts['noise']}{noise_breakdown(report)}, failed: {counts['failed']}, "
        f"skipped: {counts['skipped']} (up to date or past --limit)",
        soft_wrap=True,
    )
    if counts["failed"]:
        err_console.print(
            f"Warning: {counts['failed']} messages failed and were recorded; see "
            "`tg-parser failures list` (the next run tries them again)",
            soft_wrap=True,
        )


def noise_breakdown(report: ProcessReport) -> str:
    """`` (6 ads, 4 greetings, 2 one-liners)``: the kinds found, the most frequent first."""
    found = sorted(
        ((count, kind) for kind, count in report.noise_reasons.items() if count),
        key=lambda pair: -pair[0],
    )
    parts = [f"{count} {NOISE_LABELS.get(kind, kind)}" for count, kind in found]
    return f" ({', '.join(parts)})" if parts else ""
