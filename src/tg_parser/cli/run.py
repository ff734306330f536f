"""`tg-parser run`: import → process → topics → export in one command."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tg_parser.cli.common import (
    CONCURRENCY_OPTION,
    JSON_OPTION,
    MODEL_OPTION,
    PROVIDER_OPTION,
    announce,
    console,
    print_json,
    settings_of,
    with_database,
)
from tg_parser.cli.export import OVERWRITE_OPTION
from tg_parser.cli.process import noise_breakdown
from tg_parser.cli.queued import QUEUE_OPTION, submit_queued
from tg_parser.errors import InputError, SourceError

if TYPE_CHECKING:
    from tg_parser.pipeline import PipelineReport
    from tg_parser.store import Database

CHANNEL_OPTION = typer.Option(
    None, "--channel", help="Work on this channel only (with --import: store it under this key)."
)
ALL_OPTION = typer.Option(
    False,
    "--all",
    help="Work on every channel (the default): collect the live sources first, then process, "
    "build topics and export.",
)
NO_INGEST_OPTION = typer.Option(
    False, "--no-ingest", help="Do not collect the live sources first; work on what is stored."
)
IMPORT_OPTION = typer.Option(
    None, "--import", help="First import this Telegram Desktop export (result.json or folder)."
)
COMMENTS_OPTION = typer.Option(
    None, "--comments", help="Also import this discussion-group export as the channel's comments."
)
OUT_OPTION = typer.Option("kb", "--out", help="Directory for the knowledge-base files.")


def run(
    ctx: typer.Context,
    channel: str | None = CHANNEL_OPTION,
    all_channels: bool = ALL_OPTION,
    no_ingest: bool = NO_INGEST_OPTION,
    import_path: Path | None = IMPORT_OPTION,
    comments_path: Path | None = COMMENTS_OPTION,
    out: str = OUT_OPTION,
    overwrite: bool = OVERWRITE_OPTION,
    provider: str | None = PROVIDER_OPTION,
    model: str | None = MODEL_OPTION,
    concurrency: int | None = CONCURRENCY_OPTION,
    queue: bool = QUEUE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Collect the live sources (or import an export), process, build topics and export: the
    knowledge base in one go."""
    if channel and all_channels:
        raise InputError("give --channel CHANNEL or --all, not both")
    if all_channels and import_path:
        raise InputError("--import works on one channel: leave out --all")
    if queue:
        if import_path or comments_path:
            raise InputError("--queue works on stored messages: import first, then queue")
        queued = {
            "stage": "run",
            "channel": channel,
            "collect": not no_ingest,
            "out": out,
            "overwrite": overwrite,
            "provider": provider,
            "model": model,
            "concurrency": concurrency,
        }
        submit_queued(ctx, queued, json_output)
        return
    from tg_parser.cli.progress import ProgressDisplay
    from tg_parser.export import output_directory
    from tg_parser.llm import ModelRequest
    from tg_parser.pipeline import PipelineOptions, run_pipeline
    from tg_parser.wiring import wired_stages

    request = ModelRequest(provider, model, concurrency)
    options = PipelineOptions(
        out=output_directory(out),
        overwrite=overwrite,
        channel=channel,
        import_path=import_path,
        comments_path=comments_path,
        collect=not no_ingest,
    )

    async def work(db: Database) -> PipelineReport:
        async with wired_stages(settings_of(ctx), request) as stages:
            announce(stages.notice)
            return await run_pipeline(db, options, stages, display)

    with ProgressDisplay() as display:
        report = with_database(ctx, work)
    if json_output:
        print_json(report.to_json_dict())
    else:
        print_summary(report)
    if report.ingest is not None and report.ingest.failed:
        names = ", ".join(failed.channel for failed in report.ingest.failed)
        raise SourceError(
            f"{len(report.ingest.failed)} of {len(report.ingest.sources)} sources failed to "
            f"collect ({names}): see `tg-parser sources show CHANNEL`; the knowledge base was "
            "built from what is stored, and the next run resumes where they stopped"
        )


def print_summary(report: PipelineReport) -> None:
    if report.ingest is not None:
        counts = report.ingest.counters
        console.print(
            f"Collected {counts['sources_collected']} of {len(report.ingest.sources)} live "
            f"sources: {counts['posts_inserted']} new posts, {counts['comments_inserted']} new "
            f"comments ({counts['sources_failed']} failed, {counts['sources_deferred']} deferred, "
            f"{counts['sources_skipped']} skipped)",
            soft_wrap=True,
        )
    for imported in report.imports:
        counts = imported.counters
        kind = "comments" if imported.message_type == "comment" else "posts"
        console.print(
            f"Imported {kind}: {counts['inserted']} new, {counts['edited']} edited, "
            f"{counts['unchanged']} unchanged",
            soft_wrap=True,
        )
    if report.process is not None:
        counts = report.process.counters
        noise = noise_breakdown(report.process)
        console.print(
            f"Processed {counts['processed']} messages ({counts['noise']} noise{noise}, "
            f"{counts['failed']} failed, {counts['skipped']} up to date)",
            soft_wrap=True,
        )
    if report.topics is not None:
        counts = report.topics.counters
        cards = ""
        if counts.get("llm_calls") or counts.get("cards_reused"):
            cards = (
                f"; cards: {counts['cards_model']} written by the model, "
                f"{counts['cards_reused']} reused, {counts['cards_offline_fallback']} offline"
            )
        console.print(
            f"Topics: {counts.get('topics_total', 0)} ({counts.get('cluster_total', 0)} clusters, "
            f"{counts.get('singleton_total', 0)} singletons), "
            f"{counts.get('covered_items_total', 0)} messages in topics{cards}",
            soft_wrap=True,
        )
    if report.export is not None:
        counts = report.export.counts
        console.print(
            f"Knowledge base: {counts['topic_entries']} topic and {counts['message_entries']} "
            f"message entries in {Path(report.export.out).resolve()} "
            f"(kb_entries.ndjson, topics.json, manifest.json) in {report.duration_seconds:.1f}s",
            soft_wrap=True,
        )
