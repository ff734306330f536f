"""`tg-parser import`: a Telegram Desktop export into the database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tg_parser.cli.common import (
    JSON_OPTION,
    console,
    err_console,
    print_json,
    print_table,
    with_database,
)

if TYPE_CHECKING:
    from tg_parser.ingest import ImportReport

PATH_ARGUMENT = typer.Argument(
    ..., help="result.json, the export's folder, or a full-account export."
)
CHAT_OPTION = typer.Option(
    None, "--chat", help="Chat to import from a full-account export (name or id)."
)
CHANNEL_OPTION = typer.Option(
    None, "--channel", help="Channel key to store under, e.g. @name (default: the chat id)."
)
COMMENTS_OPTION = typer.Option(
    None, "--comments-for", help="Import a discussion group's export as comments of CHANNEL."
)
TIMEZONE_OPTION = typer.Option(
    "UTC", "--timezone", help="Zone of the local dates of old exports (IANA name)."
)
LIST_OPTION = typer.Option(
    False, "--list-chats", help="List the chats in the export and import nothing."
)


def import_desktop(
    ctx: typer.Context,
    path: Path = PATH_ARGUMENT,
    chat: str | None = CHAT_OPTION,
    channel: str | None = CHANNEL_OPTION,
    comments_for: str | None = COMMENTS_OPTION,
    timezone: str = TIMEZONE_OPTION,
    list_only: bool = LIST_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Import a Telegram Desktop export (posts of a channel, or comments of its group)."""
    if list_only:
        _print_chats(path, json_output)
        return
    from tg_parser.cli.progress import ProgressDisplay
    from tg_parser.ingest import ImportOptions
    from tg_parser.ingest import import_desktop as import_export

    options = ImportOptions(
        path=path, chat=chat, channel=channel, comments_for=comments_for, timezone=timezone
    )
    with ProgressDisplay() as display:
        report = with_database(ctx, lambda db: import_export(db, options, display))
    if json_output:
        print_json(report.to_json_dict())
    else:
        _print_summary(report)


def _print_chats(path: Path, json_output: bool) -> None:
    from tg_parser.sources import list_chats

    chats = list_chats(path)
    if json_output:
        print_json([chat.to_json_dict() for chat in chats])
        return
    print_table(["id", "name", "type"], [(c.id, c.name, c.type) for c in chats], title="Chats")


def _print_summary(report: ImportReport) -> None:
    counts = report.counters
    name = report.chat.get("name", report.chat["id"])
    kind = "comments" if report.message_type == "comment" else "messages"
    console.print(
        f"Imported {name} into channel {report.channel} in {report.duration_seconds:.2f}s "
        f"(run {report.run_id})",
        soft_wrap=True,
    )
    console.print(
        f"{kind}: {counts['inserted']} new, {counts['edited']} edited, "
        f"{counts['unchanged']} unchanged; skipped: {counts['service_skipped']} service, "
        f"{counts['duplicate_ids']} repeated ids, {counts['unsupported_skipped']} unsupported",
        soft_wrap=True,
    )
    if report.username not in (None, report.channel):
        console.print(f"links: public, as @{report.username}", soft_wrap=True)
    if report.message_type == "comment":
        console.print(
            f"threads: {counts['thread_roots']} posts found, {counts['unmatched_copies']} "
            f"copies without a stored post, {counts['not_in_thread']} messages in no thread",
            soft_wrap=True,
        )
    if counts["duplicate_ids"]:
        err_console.print(
            f"Warning: {counts['duplicate_ids']} messages reuse an id seen earlier in this file; "
            "only the first of each was kept (was the export edited by hand?)",
            soft_wrap=True,
        )
