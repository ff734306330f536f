"""Hybrid search: full-text and semantic candidates, fused by rank, shown with snippets.

Both retrievers apply the filters themselves (channel, topic, kind, language, dates), so
each list holds only what may be returned and the fusion ranks within the filtered set.
``channels`` is a restriction set by the caller (an API key that may read some channels
only): a search never sees, names or counts another channel's messages.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Collection
from functools import cache

import structlog

from tg_parser.embed import Embedder, LocalEmbedder
from tg_parser.errors import InputError, NotFoundError
from tg_parser.models import telegram_url
from tg_parser.registry import resolve_channel
from tg_parser.search.fusion import Fused, fuse
from tg_parser.search.models import (
    MAX_LIMIT,
    Scores,
    SearchFilters,
    SearchHit,
    SearchMode,
    SearchResults,
    TopicRef,
)
from tg_parser.search.query import Query
from tg_parser.search.semantic import discard, semantic_search, vector_index
from tg_parser.search.snippets import snippet
from tg_parser.search.topics import topics_of
from tg_parser.store import Database
from tg_parser.store.search import HitRow, IndexFilter

log = structlog.get_logger(__name__)

CANDIDATES = 100  # documents each retriever hands to the fusion
WEIGHTS = {"lexical": 1.0, "semantic": 1.0}
# in hybrid mode a full-text match votes only when it holds this share of the query's words:
# a document sharing one word of four with the query is weak evidence that drowns good
# semantic matches (bench/search_quality.py: nDCG@10 0.78 without it, 0.89 with it)
MIN_COVERAGE = 0.75


async def search(
    db: Database,
    query: str,
    filters: SearchFilters | None = None,
    *,
    mode: SearchMode = "hybrid",
    limit: int = 10,
    channels: Collection[str] | None = None,
    embedder: Embedder | None = None,
) -> SearchResults:
    """The ``limit`` best messages for ``query`` (an ``InputError`` for a bad query or
    limit, ``NotFoundError`` for an unknown channel or topic). ``embedder`` defaults to
    the local model (loaded once per process)."""
    parsed = Query.parse(query)
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"--limit must be between 1 and {MAX_LIMIT}, not {limit}")
    filters = filters or SearchFilters()
    where = await _index_filter(db, filters, channels)
    retrievers: dict[str, Awaitable[list[tuple[str, float]]]] = {}
    if mode != "semantic":
        retrievers["lexical"] = _lexical(db, parsed, where, hybrid=mode == "hybrid")
    if mode != "lexical":
        model = embedder or default_embedder(db.settings.embed_threads)
        retrievers["semantic"] = _semantic(db, model, parsed.text, where)
    # side by side: the full-text query runs in the database, the dot product in a thread
    lists = dict(zip(retrievers, await asyncio.gather(*retrievers.values()), strict=True))
    ranked = fuse(lists, WEIGHTS)
    hits = await _hits(db, ranked, parsed, limit)
    log.info("search", mode=mode, terms=len(parsed.terms), hits=len(hits))
    return SearchResults(query=parsed.text, mode=mode, filters=filters, hits=hits)


async def _lexical(
    db: Database, query: Query, where: IndexFilter, *, hybrid: bool
) -> list[tuple[str, float]]:
    """Full-text matches, best first (in hybrid mode those covering enough of the query)."""
    async with db.reading() as repos:
        matches = await repos.search.lexical(query.terms, where, CANDIDATES)
    needed = MIN_COVERAGE * len(query.terms) if hybrid else 0
    return [(match.source_ref, match.score) for match in matches if match.matched >= needed]


async def _semantic(
    db: Database, embedder: Embedder, text: str, where: IndexFilter
) -> list[tuple[str, float]]:
    """The nearest documents in meaning, best first (the vector index brought up to date
    first)."""
    index = await vector_index(db, embedder)
    return await semantic_search(index, embedder, text, where, CANDIDATES)


@cache
def default_embedder(threads: int) -> Embedder:
    return LocalEmbedder(threads=threads)


async def warm_up(db: Database) -> None:
    """Load what the first semantic search would wait for: the local model and the
    documents' vectors (``serve`` does it as it starts, ``SEARCH_WARM_UP``)."""
    started = time.perf_counter()
    model = default_embedder(db.settings.embed_threads)
    index = await vector_index(db, model)
    await semantic_search(index, model, "warm-up", IndexFilter(), 1)  # the model, BLAS
    log.info("search_warmed", documents=len(index), seconds=round(time.perf_counter() - started, 2))


async def _index_filter(
    db: Database, filters: SearchFilters, allowed: Collection[str] | None
) -> IndexFilter:
    """The filters as the index takes them: the channel resolved, the topic's messages."""
    channels = None if allowed is None else sorted(set(allowed))
    if filters.channel is not None:
        channels = [await _channel(db, filters.channel, channels)]
    refs = None
    if filters.topic is not None:
        async with db.reading() as repos:
            topic = await repos.topics.get(filters.topic)
        if topic is None or (channels is not None and topic.channel_id not in channels):
            raise NotFoundError(f"no topic {filters.topic!r}: see `tg-parser topics list`")
        refs = [item.source_ref for item in topic.bundle.items]
    return IndexFilter(
        channels=channels,
        message_type=filters.kind,
        language=filters.lang,
        since=filters.since,
        until=filters.until,
        refs=refs,
    )


async def _channel(db: Database, channel: str, allowed: list[str] | None) -> str:
    """The stored key of the channel; one outside ``allowed`` is as unknown as a typo,
    and the error then names no other channel."""
    if allowed is None:
        return await resolve_channel(db, channel)
    try:
        key = await resolve_channel(db, channel)
    except NotFoundError:
        key = None
    if key not in allowed:
        raise NotFoundError(f"no channel {channel!r} among the channels you may search")
    return key


async def _hits(db: Database, ranked: list[Fused], query: Query, limit: int) -> list[SearchHit]:
    """The best ``limit`` of ``ranked`` that still exist, as results (read ``limit * 2`` at
    a time: a document gone since it was indexed takes no place)."""
    hits: list[SearchHit] = []
    for start in range(0, len(ranked), limit * 2):
        window = ranked[start : start + limit * 2]
        refs = [entry.source_ref for entry in window]
        async with db.reading() as repos:
            rows = await repos.search.hits(refs)
            topics = await topics_of(repos, list(rows.values()))
        discard(db, [ref for ref in refs if ref not in rows])  # gone: not to be found again
        kept = [entry for entry in window if entry.source_ref in rows][: limit - len(hits)]
        hits.extend(
            _hit(entry, rows[entry.source_ref], topics.get(entry.source_ref), query)
            for entry in kept
        )
        if len(hits) == limit or len(rows) == len(refs):
            break
    return hits


def _hit(entry: Fused, row: HitRow, topic: TopicRef | None, query: Query) -> SearchHit:
    shown = snippet(row.document.get("text_clean", ""), set(query.terms))
    return SearchHit(
        source_ref=row.source_ref,
        channel=row.channel_id,
        message_type="comment" if row.message_type == "comment" else "post",
        message_id=row.message_id,
        date=row.date,
        url=_url(row),
        language=row.document.get("language"),
        snippet=shown.text,
        highlights=shown.highlights,
        topic=topic,
        scores=Scores(
            lexical=entry.scores.get("lexical"),
            semantic=entry.scores.get("semantic"),
            fused=round(entry.fused, 6),
        ),
    )


def _url(row: HitRow) -> str | None:
    channel = row.username.lower() if row.username else row.channel_id
    if row.message_type != "comment":
        return telegram_url(channel, row.message_id)
    if row.thread_id is None:
        return None
    return telegram_url(channel, row.thread_id, row.message_id)
