"""`tg-parser sources add/list/show/pause/resume/remove`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import typer

from tg_parser.cli import source_view
from tg_parser.cli.common import (
    JSON_OPTION,
    console,
    print_json,
    print_table,
    settings_of,
    with_database,
)

if TYPE_CHECKING:
    from tg_parser.models import Source
    from tg_parser.registry import SourceSummary

app = typer.Typer(
    help="Manage the channels to collect: add, list, show, pause, resume, remove.",
    no_args_is_help=True,
)

CHANNEL = typer.Argument(
    ...,
    metavar="CHANNEL",
    help="@name, name, https://t.me/name, t.me/s/name or a -100… id.",
    show_default=False,
)
# A `-100…` id looks like an option to the parser; let it through as the CHANNEL argument.
CHANNEL_ARGS: dict[str, Any] = {"ignore_unknown_options": True}
_HEALTH_COLUMNS = ["last success", "last error", "fails"]
# tg_parser.models.SourceVia, spelt out so that loading the CLI does not load the models
# (a test checks they agree)
Via = Literal["telegram", "web", "export"]
VIA = typer.Option(
    None,
    "--via",
    help="How to collect it: telegram, web or export (new sources: telegram when "
    "Telegram credentials and a session exist, else web).",
)


@app.command(context_settings=CHANNEL_ARGS)
def add(
    ctx: typer.Context,
    channel: str = CHANNEL,
    via: Via | None = VIA,
    include_comments: bool | None = typer.Option(
        None,
        "--include-comments/--no-include-comments",
        help="Collect comments too (new sources: no).",
    ),
    since: str | None = typer.Option(
        None, "--since", help="Start of the history window: ISO date/datetime (naive = UTC)."
    ),
    until: str | None = typer.Option(
        None, "--until", help="End of the history window: ISO date/datetime (naive = UTC)."
    ),
    poll_interval: str | None = typer.Option(
        None,
        "--poll-interval",
        help="How often the scheduler runs it: seconds or 30m, 1h, 1d (new sources: "
        "SCHEDULE_DEFAULT_POLL_INTERVAL).",
    ),
    export_dir: str | None = typer.Option(
        None,
        "--export-dir",
        help="Directory scheduled runs export the channel into ('' : not exported).",
    ),
    provider: str | None = typer.Option(
        None,
        "--provider",
        help="Provider scheduled runs process with: openai, anthropic, gemini, ollama, "
        "offline or auto ('' : LLM_PROVIDER).",
    ),
    model: str | None = typer.Option(
        None, "--model", help="Model scheduled runs process with ('' : LLM_MODEL)."
    ),
) -> None:
    """Add a channel, or change the settings given for one already added."""
    from tg_parser import registry

    since_at = registry.parse_when(since, "--since") if since else None
    until_at = registry.parse_when(until, "--until") if until else None
    interval = registry.parse_interval(poll_interval) if poll_interval else None
    result = with_database(
        ctx,
        lambda db: registry.add_source(
            db,
            channel,
            via=via,
            include_comments=include_comments,
            since=since_at,
            until=until_at,
            poll_interval_seconds=interval,
            export_dir=export_dir,
            provider=provider,
            model=model,
            new_via=registry.default_via(settings_of(ctx)),
        ),
    )
    key = result.source.channel_key
    if result.action == "unchanged":
        typer.echo(f"Source {key} is already added; no settings given, nothing changed.")
    else:
        typer.echo(f"Source {key} {result.action}: {_settings_line(result.source)}.")


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List the sources with status, message counts and health."""
    from tg_parser import registry

    summaries = with_database(ctx, registry.list_sources)
    if as_json:
        print_json([summary.to_json() for summary in summaries])
        return
    if not summaries:
        typer.echo("No sources yet: add one with `tg-parser sources add @channel`.")
        return
    print_table(
        [*["key", "title", "via", "status", "posts", "comments"], *_HEALTH_COLUMNS],
        [_list_row(summary) for summary in summaries],
    )


@app.command(context_settings=CHANNEL_ARGS)
def show(ctx: typer.Context, channel: str = CHANNEL, as_json: bool = JSON_OPTION) -> None:
    """Show a source's settings, cursor and health, and its recent attempts."""
    from tg_parser import registry

    summary = with_database(ctx, lambda db: registry.show_source(db, channel))
    if as_json:
        print_json(summary.to_json(with_attempts=True))
        return
    source_view.print_source(console, summary)


@app.command(context_settings=CHANNEL_ARGS)
def pause(ctx: typer.Context, channel: str = CHANNEL) -> None:
    """Stop collecting a source until it is resumed."""
    from tg_parser import registry

    source = with_database(ctx, lambda db: registry.pause_source(db, channel))
    typer.echo(f"Source {source.channel_key} paused.")


@app.command(context_settings=CHANNEL_ARGS)
def resume(ctx: typer.Context, channel: str = CHANNEL) -> None:
    """Make a paused (or failed) source active again."""
    from tg_parser import registry

    source = with_database(ctx, lambda db: registry.resume_source(db, channel))
    typer.echo(f"Source {source.channel_key} active.")


@app.command(context_settings=CHANNEL_ARGS)
def remove(
    ctx: typer.Context,
    channel: str = CHANNEL,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a source with its settings, cursors and attempts; stored messages stay."""
    from tg_parser import registry

    source = with_database(ctx, lambda db: registry.get_source(db, channel))
    if not yes:
        typer.confirm(
            f"Remove source {source.channel_key} (its cursors and attempt history)?", abort=True
        )
    result = with_database(ctx, lambda db: registry.remove_source(db, source.channel_key))
    typer.echo(
        f"Source {source.channel_key} removed; its {result.kept_messages} stored messages "
        "were kept."
    )


def _settings_line(source: Source) -> str:
    window = f"{_date(source.history_from)} .. {_date(source.history_to)}"
    comments = "with comments" if source.include_comments else "posts only"
    every = timedelta(seconds=source.poll_interval_seconds)
    line = f"via {source.via}, {comments}, history {window}, poll every {every}"
    return line + (f", export to {source.export_dir}" if source.export_dir else "")


def _date(value: datetime | None) -> str:
    return "open" if value is None else value.isoformat()


def _list_row(summary: SourceSummary) -> list[object]:
    s = summary.source
    return [
        *[s.channel_key, s.title, s.via, s.status, summary.posts, summary.comments],
        *[s.last_success_at, s.last_error_at, s.fail_count],
    ]
