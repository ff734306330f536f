"""Topics for a reader in a terminal of 80 columns: the list as sizes and titles, a topic as
its card and its messages shortened to two lines, each with its date and Telegram link.

Rich wraps to the terminal's width; every text from the data goes in as plain ``Text``
(never as markup, so brackets in a title stay brackets).
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from tg_parser.store import StoredTopic
    from tg_parser.topics.catalog import TopicView


SUPPORTING_SHOWN = 10  # the best-scored ones; `--json` lists every item
TEXT_LINES = 2
INDENT = "    "


def print_list(console: Console, topics: list[StoredTopic]) -> None:
    if not topics:
        console.print("No topics yet: run `tg-parser topics build` (or `tg-parser run`).")
        return
    table = Table(box=None, pad_edge=False, title=f"{len(topics)} topics, the largest first")
    table.add_column("items", justify="right")
    table.add_column("anchors", justify="right")
    table.add_column("topic (id, type)")
    for topic in topics:
        card = topic.card
        label = Text(card.title).append(f"\n{card.id} ({card.type})", style="dim")
        table.add_row(str(len(topic.bundle.items)), str(len(card.anchors)), label)
    console.print(table)


def print_topic(console: Console, view: TopicView) -> None:
    card = view.topic.card
    anchors = [s for s in view.sources if s["role"] == "anchor"]
    supporting = sorted(
        (s for s in view.sources if s["role"] != "anchor"), key=lambda s: -s.get("score", 0)
    )
    console.print(Text(card.title, style="bold"))
    console.print(
        f"{card.type} · {len(anchors)} anchors, {len(supporting)} supporting · "
        f"{', '.join(card.sources)} · updated {_when(card.updated_at)}"
    )
    console.print(Text(card.id, style="dim"))
    console.print()
    console.print(Text(card.summary))
    console.print()
    console.print(Text("In scope: " + "; ".join(card.scope_in)))
    console.print(Text("Out of scope: " + "; ".join(card.scope_out)))
    _print_sources(console, view, "Anchors", anchors)
    shown = supporting[:SUPPORTING_SHOWN]
    heading = f"Supporting ({len(shown)} of {len(supporting)}, the best scored"
    heading += "; --json lists all)" if len(shown) < len(supporting) else ")"
    _print_sources(console, view, heading if supporting else "Supporting: none", shown)


def _print_sources(
    console: Console, view: TopicView, heading: str, sources: list[dict[str, Any]]
) -> None:
    console.print()
    console.print(Text(heading, style="bold"))
    width = max(40, min(console.width, 100) - len(INDENT))
    for source in sources:
        console.print(Text(_header(source), style="cyan"))
        for line in _shortened(view, source["source_ref"], width):
            console.print(Text(INDENT + line))


def _header(source: dict[str, Any]) -> str:
    """``2025-01-04 09:30 · post · score 0.90 · https://t.me/...`` (the ref without a link)."""
    parts = [source["date"][:16].replace("T", " ")] if "date" in source else []
    parts.append(source["message_type"])
    if "score" in source:
        parts.append(f"score {source['score']:.2f}")
    parts.append(source.get("telegram_url") or source["source_ref"])
    return "  " + " · ".join(parts)


def _shortened(view: TopicView, ref: str, width: int) -> list[str]:
    message = view.messages.get(ref)
    if message is None:
        return ["(not processed: run `tg-parser process`)"]
    text = " ".join(message.document.text_clean.split()) or "(no text: media only)"
    return textwrap.wrap(text, width=width, max_lines=TEXT_LINES, placeholder=" …")


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
