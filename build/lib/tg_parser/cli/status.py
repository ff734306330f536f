"""`tg-parser status`: what the database holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from tg_parser.cli.common import (
    JSON_OPTION,
    NOISE_LABELS,
    format_cell,
    print_json,
    print_table,
    with_database,
)

if TYPE_CHECKING:
    from tg_parser.status import DatabaseStatus


def status(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Summarise the database: schema, sources, messages, documents, failures, topics,
    model calls and runs."""
    from tg_parser.status import database_status

    summary = with_database(ctx, database_status)
    if as_json:
        print_json(summary.to_json())
        return
    typer.echo(f"Database: {summary.database}")
    typer.echo(f"Schema: {_schema_line(summary)}")
    print_table(["what", "count"], _count_rows(summary))
    latest = summary.latest_run
    if latest is not None:
        typer.echo(
            f"Latest run: {latest.id} ({latest.stage}, {latest.status}, "
            f"started {format_cell(latest.started_at)})"
        )


def _schema_line(summary: DatabaseStatus) -> str:
    schema = summary.schema_
    state = "up to date" if schema.up_to_date else "run `tg-parser db upgrade`"
    return f"{schema.current or 'none'} (newest {schema.head}; {state})"


def _count_rows(summary: DatabaseStatus) -> list[tuple[str, int]]:
    rows = [(f"sources {name}", count) for name, count in summary.sources.items()]
    rows += [
        ("posts", summary.messages.posts),
        ("comments", summary.messages.comments),
        ("earlier versions of edited messages", summary.messages.edit_versions),
        ("processed documents", summary.processed_documents),
        ("of them noise", summary.noise["total"]),
        *_noise_rows(summary),
        ("messages that failed (`failures list`)", summary.failures),
        ("topics", summary.topics),
        ("model calls (`usage`)", summary.model_calls),
    ]
    rows += [(f"runs {name}", count) for name, count in summary.runs.items()]
    return rows


def _noise_rows(summary: DatabaseStatus) -> list[tuple[str, int]]:
    """One row per kind of noise found, the most frequent first."""
    found = [(kind, n) for kind, n in summary.noise.items() if kind != "total" and n]
    found.sort(key=lambda pair: -pair[1])
    return [(f"  noise: {NOISE_LABELS.get(kind, kind)}", count) for kind, count in found]
