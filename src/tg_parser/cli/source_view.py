"""One source for a reader in a terminal of 80 columns: its fields as ``key  value`` lines
(long values wrap under their value, never squeezed into a narrow column), then its
recent attempts, one line each with the error under it.
"""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from tg_parser.models import Source
    from tg_parser.registry import SourceSummary


ERROR_INDENT = "    "


def print_source(console: Console, summary: SourceSummary) -> None:
    s = summary.source
    console.print(Text(f"{s.channel_key} ({s.status}, via {s.via})", style="bold"))
    fields = [(key, _shown(value)) for key, value in _fields(summary) if value is not None]
    key_width = max(len(key) for key, _ in fields)
    value_width = max(30, console.width - key_width - 2)
    for key, value in fields:
        first, *more = textwrap.wrap(value, width=value_width) or [""]
        console.print(Text.assemble((key.ljust(key_width), "cyan"), "  ", first))
        for line in more:
            console.print(Text(" " * (key_width + 2) + line))
    console.print()
    if not summary.attempts:
        console.print(Text(_no_attempts(s)))
        return
    console.print(Text(f"Recent attempts ({len(summary.attempts)}, the newest first)", "bold"))
    width = max(40, console.width - len(ERROR_INDENT))
    for attempt in summary.attempts:
        console.print(Text("  " + _attempt_line(attempt)))
        if attempt["error_message"]:
            error = f"{attempt['error_class']}: {attempt['error_message']}"
            for line in textwrap.wrap(" ".join(error.split()), width=width):
                console.print(Text(ERROR_INDENT + line))


def _fields(summary: SourceSummary) -> list[tuple[str, Any]]:
    s = summary.source
    return [
        ("title", s.title),
        ("description", s.description),
        ("username", s.username),
        ("numeric id", s.numeric_id),
        ("subscribers", s.subscribers),
        ("discussion group", s.discussion_group_id),
        ("status reason", s.status_reason),
        ("stored", f"{summary.posts} posts, {summary.comments} comments"),
        ("comments", "collected" if s.include_comments else "not collected"),
        ("history", f"{_shown(s.history_from, 'open')} .. {_shown(s.history_to, 'open')}"),
        ("poll every", timedelta(seconds=s.poll_interval_seconds)),
        ("export to", s.export_dir or "not exported by the scheduler"),
        ("provider", s.provider or "LLM_PROVIDER"),
        ("model", s.model or "LLM_MODEL"),
        ("high watermark", s.high_watermark),
        ("backfill", _backfill(s)),
        ("last attempt", s.last_attempt_at),
        ("last success", s.last_success_at),
        ("last error at", s.last_error_at),
        ("last error", s.last_error),
        ("fails in a row", s.fail_count),
        ("rate-limited until", s.rate_limit_until),
        ("added", s.created_at),
        ("updated", s.updated_at),
        ("id", s.id),
    ]


def _no_attempts(source: Source) -> str:
    if source.via == "export":
        return "No attempts: collected from exports (`tg-parser import`)."
    return f"No attempts yet: `tg-parser ingest --source {source.channel_key}` collects it."


def _backfill(source: Source) -> str | None:
    if source.backfill_complete:
        return "complete"
    if source.backfill_before is not None:
        return f"older than message {source.backfill_before} still to collect"
    return None


def _attempt_line(attempt: dict[str, Any]) -> str:
    """``2026-12-04 10:15:00  succeeded      4 stored  run 20261204T101500-3f9a1c2b``"""
    line = f"{_shown(attempt['started_at'])}  {attempt['status']:<9}  "
    line += f"{attempt['messages_stored'] or 0:>5} stored"
    return line + (f"  run {attempt['run_id']}" if attempt["run_id"] else "")


def _shown(value: Any, absent: str = "-") -> str:
    if value is None:
        return absent
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value)
