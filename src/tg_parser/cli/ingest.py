"""`tg-parser ingest`: collect new posts and comments from live channels."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from tg_parser.cli.common import (
    JSON_OPTION,
    console,
    print_json,
    settings_of,
    with_database,
)
from tg_parser.cli.queued import QUEUE_OPTION, submit_queued
from tg_parser.errors import InputError, SourceError

if TYPE_CHECKING:
    from tg_parser.ingest import IngestReport, SourceReport

SOURCE_OPTION = typer.Option(
    None, "--source", help="Channel to collect (repeatable); an `error` source is retried."
)
ALL_OPTION = typer.Option(False, "--all", help="Collect every active source.")
SINCE_OPTION = typer.Option(
    None, "--since", help="Override the history window's start for this run (ISO date/datetime)."
)
UNTIL_OPTION = typer.Option(
    None, "--until", help="Override the history window's end for this run (ISO date/datetime)."
)
LIMIT_OPTION = typer.Option(None, "--limit", min=1, help="At most this many messages per source.")


def ingest(
    ctx: typer.Context,
    source: list[str] | None = SOURCE_OPTION,
    all_sources: bool = ALL_OPTION,
    since: str | None = SINCE_OPTION,
    until: str | None = UNTIL_OPTION,
    limit: int | None = LIMIT_OPTION,
    queue: bool = QUEUE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Collect what is new in live channels (web preview or Telegram), resumably."""
    if queue:
        if len(source or ()) > 1 or since or until:
            raise InputError("--queue takes one --source (or --all), without --since/--until")
        channel = source[0] if source else None
        submit_queued(ctx, {"stage": "ingest", "channel": channel, "limit": limit}, json_output)
        return
    from tg_parser.cli.progress import ProgressDisplay
    from tg_parser.ingest import live as service
    from tg_parser.registry import parse_when

    options = service.IngestOptions(
        channels=tuple(source or ()),
        all=all_sources,
        since=parse_when(since, "--since") if since else None,
        until=parse_when(until, "--until") if until else None,
        limit=limit,
    )
    live = service.live_sources(settings_of(ctx))
    with ProgressDisplay() as display:
        report = with_database(ctx, lambda db: service.ingest(db, options, live, display))
    if json_output:
        print_json(report.to_json_dict())
    else:
        _print_summary(report)
    if report.failed:
        names = ", ".join(failed.channel for failed in report.failed)
        raise SourceError(
            f"{len(report.failed)} of {len(report.sources)} sources failed ({names}): "
            "see `tg-parser sources show CHANNEL`; the next run resumes where they stopped"
        )


def _print_summary(report: IngestReport) -> None:
    if not report.sources:
        console.print("No sources to collect: add one with `tg-parser sources add @channel`.")
        return
    for source in report.sources:
        console.print(f"{source.channel}: {_outcome_line(source)}", soft_wrap=True)
    counts = report.counters
    console.print(
        f"Collected {counts['sources_collected']} of {len(report.sources)} sources in "
        f"{report.duration_seconds:.2f}s (run {report.run_id}): {counts['messages']} messages "
        f"in {counts['batches']} batches; {counts['sources_failed']} failed, "
        f"{counts['sources_deferred']} deferred, {counts['sources_skipped']} skipped",
        soft_wrap=True,
    )


def _outcome_line(source: SourceReport) -> str:
    if source.outcome != "collected":
        return f"{source.outcome}: {source.reason}"
    c = source.counters
    return (
        f"{c['posts_inserted']} new posts, {c['comments_inserted']} new comments, "
        f"{c['posts_edited'] + c['comments_edited']} edited, "
        f"{c['posts_unchanged'] + c['comments_unchanged']} unchanged"
    )
