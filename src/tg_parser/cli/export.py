"""`tg-parser export`: the knowledge base as files (NDJSON/JSON) for RAG pipelines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import typer

from tg_parser.cli.common import JSON_OPTION, console, print_json, with_database

if TYPE_CHECKING:
    from tg_parser.export import ExportReport

OUT_OPTION = typer.Option(..., "--out", help="Directory to write the files into.")
OVERWRITE_OPTION = typer.Option(
    False,
    "--overwrite",
    help="Replace files in --out that tg-parser did not write or that changed since "
    "(without it such an export is refused and writes nothing).",
)
CHANNEL_OPTION = typer.Option(None, "--channel", help="Export one channel only.")
TOPIC_OPTION = typer.Option(None, "--topic-id", help="Export one topic and its messages.")
FROM_OPTION = typer.Option(
    None, "--from", help="Messages dated on or after this day or moment (YYYY-MM-DD or ISO)."
)
TO_OPTION = typer.Option(None, "--to", help="Messages dated up to this day (inclusive) or moment.")
FORMAT_OPTION = typer.Option(
    "ndjson", "--format", help="kb_entries.ndjson (one entry a line) or kb_entries.json."
)
SUPPORTING_OPTION = typer.Option(
    True,
    "--include-supporting/--no-include-supporting",
    help="Keep topics' supporting messages, or their anchors only.",
)
NOISE_OPTION = typer.Option(
    False, "--include-noise", help="Also export messages flagged as noise (ads, greetings)."
)
PRETTY_OPTION = typer.Option(False, "--pretty", help="Indent the JSON files.")


def export(
    ctx: typer.Context,
    out: str = OUT_OPTION,
    overwrite: bool = OVERWRITE_OPTION,
    channel: str | None = CHANNEL_OPTION,
    topic_id: str | None = TOPIC_OPTION,
    date_from: str | None = FROM_OPTION,
    date_to: str | None = TO_OPTION,
    file_format: Literal["ndjson", "json"] = FORMAT_OPTION,
    include_supporting: bool = SUPPORTING_OPTION,
    include_noise: bool = NOISE_OPTION,
    pretty: bool = PRETTY_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Write the knowledge base: entries, topics, one file per topic and a manifest."""
    from tg_parser.cli.progress import ProgressDisplay
    from tg_parser.export import ExportOptions, export_kb, output_directory
    from tg_parser.export.options import date_bound

    options = ExportOptions(
        out=output_directory(out),
        overwrite=overwrite,
        channel=channel,
        topic_id=topic_id,
        date_from=date_bound(date_from, "--from") if date_from else None,
        date_to=date_bound(date_to, "--to", end_of_day=True) if date_to else None,
        format=file_format,
        include_supporting=include_supporting,
        include_noise=include_noise,
        pretty=pretty,
    )
    with ProgressDisplay() as display:
        report = with_database(ctx, lambda db: export_kb(db, options, display))
    if json_output:
        print_json(report.to_json_dict())
    else:
        print_summary(report)


def print_summary(report: ExportReport) -> None:
    counts = report.counts
    console.print(
        f"Exported {counts['topic_entries']} topics and {counts['message_entries']} messages "
        f"({counts['posts']} posts, {counts['comments']} comments) to {report.out} "
        f"in {report.duration_seconds:.2f}s (run {report.run_id})",
        soft_wrap=True,
    )
    left_out = {
        "noise": counts["skipped_noise"],
        "without text": counts["skipped_empty"],
        "outside the dates": counts["skipped_dates"],
        "in other topics": counts["skipped_other_topics"],
    }
    shown = [f"{count} {why}" for why, count in left_out.items() if count]
    if shown:
        console.print("left out: " + ", ".join(shown), soft_wrap=True)
    size = sum(f["bytes"] for f in report.files)
    console.print(f"{len(report.files)} files, {size:,} bytes; see manifest.json", soft_wrap=True)
