"""`tg-parser search QUERY`: hybrid (full-text + semantic) search over processed messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.text import Text

from tg_parser.cli.common import JSON_OPTION, console, print_json, settings_of, with_database

if TYPE_CHECKING:
    from tg_parser.search import SearchHit, SearchResults
    from tg_parser.store import Database


def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., metavar="QUERY", help="Words or a question, any language."),
    channel: str | None = typer.Option(None, "--channel", help="Only this channel."),
    topic: str | None = typer.Option(None, "--topic", help="Only this topic's messages."),
    kind: str | None = typer.Option(None, "--kind", help="Only posts or only comments."),
    lang: str | None = typer.Option(None, "--lang", help="Only this language (ru, en, …)."),
    since: str | None = typer.Option(None, "--since", help="From this date (YYYY-MM-DD)."),
    until: str | None = typer.Option(
        None, "--until", help="Up to this date, inclusive (YYYY-MM-DD)."
    ),
    limit: int = typer.Option(10, "--limit", help="How many results (1-100)."),
    mode: str = typer.Option(
        "hybrid", "--mode", help="hybrid (default), lexical (full text) or semantic."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Find messages by words (any word form, Russian and English) and by meaning."""
    from tg_parser.embed import LocalEmbedder
    from tg_parser.search import SearchFilters, search_mode
    from tg_parser.search import search as run_search

    chosen = search_mode(mode)
    filters = SearchFilters.of(
        channel=channel, topic=topic, kind=kind, lang=lang, since=since, until=until
    )
    embedder = LocalEmbedder(threads=settings_of(ctx).embed_threads)

    async def work(db: Database) -> SearchResults:
        return await run_search(db, query, filters, mode=chosen, limit=limit, embedder=embedder)

    results = with_database(ctx, work)
    if json_output:
        print_json(results.to_json_dict())
    else:
        _print(results)


def _print(results: SearchResults) -> None:
    if not results.hits:
        console.print(f"Nothing found for “{results.query}”.")
        return
    for number, hit in enumerate(results.hits, start=1):
        console.print(_heading(number, hit))
        console.print(_snippet(hit))
        if hit.url:
            console.print(hit.url, style="blue")
        console.print()


def _heading(number: int, hit: SearchHit) -> Text:
    where = f"{hit.channel} · {hit.message_type} {hit.message_id} · {hit.date:%Y-%m-%d}"
    heading = Text(f"{number}. {where}", style="bold")
    if hit.topic is not None:
        heading.append(f" · {hit.topic.title}", style="cyan")
    scores = hit.scores
    parts = [f"fused {scores.fused:.4f}"]
    parts += [f"lexical {scores.lexical:.3f}"] if scores.lexical is not None else []
    parts += [f"semantic {scores.semantic:.3f}"] if scores.semantic is not None else []
    heading.append(f"  ({', '.join(parts)})", style="dim")
    return heading


def _snippet(hit: SearchHit) -> Text:
    text = Text(hit.snippet)
    for start, end in hit.highlights:
        text.stylize("bold yellow", start, end)
    return text
