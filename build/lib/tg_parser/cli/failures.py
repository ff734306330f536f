"""`tg-parser failures list`: messages a stage could not handle."""

from __future__ import annotations

import typer

from tg_parser.cli.common import JSON_OPTION, print_json, print_table, with_database

app = typer.Typer(help="Show messages a stage could not handle.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    channel: str | None = typer.Option(None, "--channel", help="Only this channel's messages."),
    stage: str | None = typer.Option(None, "--stage", help="Only this stage's, e.g. process."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List current failures, most recent first (a later success removes one)."""
    from tg_parser.failures import list_failures

    failures = with_database(ctx, lambda db: list_failures(db, channel=channel, stage=stage))
    if as_json:
        print_json([failure.to_json_dict() for failure in failures])
        return
    if not failures:
        typer.echo("No failures: every message was handled.")
        return
    print_table(
        ["source_ref", "stage", "attempts", "error", "run", "last failed"],
        [
            (
                f.source_ref,
                f.stage,
                f.attempts,
                f"{f.error_class}: {f.error_message}",
                f.run_id,
                f.updated_at,
            )
            for f in failures
        ],
    )
