"""Semantic search: the query's vector against the stored vectors of the indexed documents,
a dot product in numpy (the vectors are unit length: it is the cosine; search/vectors.py
holds them).

The vectors are held in memory, one index per database and model, and kept up to date
incrementally: before each search the index's fingerprint (its highest id and latest
update) is read, and when it changed only the rows added or replaced since are read and
applied (a document turned noise leaves; a document whose result turns out gone is
removed by the search). The first search of a process reads them all (seconds at 100k
rows). Documents without a current vector (``topics build`` embeds them too) are embedded
here, at most ``EMBED_PER_SEARCH`` per search so that no search waits long; the next
searches embed the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import structlog
from threadpoolctl import ThreadpoolController

from tg_parser.clock import utcnow
from tg_parser.embed import Embedder, normalise, text_hash
from tg_parser.search.vectors import VectorIndex
from tg_parser.store import Database, StoredVector
from tg_parser.store.search import IndexedVector, IndexFilter

log = structlog.get_logger(__name__)

EMBED_PER_SEARCH = 1000
EMBED_BATCH = 256


@dataclass
class _Cached:
    """A database's index for one model, what it has seen, and what it still lacks."""

    index: VectorIndex
    fingerprint: tuple[Any, ...] | None = None
    pending: dict[str, IndexedVector] = field(default_factory=dict)  # no current vector yet
    _locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = field(default_factory=dict)

    def lock(self) -> asyncio.Lock:
        """One update at a time (per event loop: a lock belongs to one)."""
        return self._locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())


_CACHE: dict[tuple[str, str], _Cached] = {}


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


async def semantic_search(
    index: VectorIndex, embedder: Embedder, text: str, where: IndexFilter, limit: int
) -> list[tuple[str, float]]:
    """The documents of ``index`` nearest to ``text`` in meaning, best first, with their
    cosine (in a worker thread: no database work, so it can run beside a query)."""

    def nearest() -> list[tuple[str, float]]:  # one trip to a worker thread for both
        query = normalise(embedder.embed([text]))[0]
        # one BLAS thread: a matrix-vector product is bound by memory, and BLAS threads
        # that spin waiting for a core cost a loaded machine several times the work
        with _blas().limit(limits=1, user_api="blas"):
            return index.nearest(query, where, limit)

    return await asyncio.to_thread(nearest)


async def vector_index(db: Database, embedder: Embedder) -> VectorIndex:
    """The database's indexed documents' vectors, brought up to date."""
    key = (db.describe(), embedder.model_id)
    cached = _CACHE.setdefault(key, _Cached(VectorIndex(embedder.dimensions)))
    async with db.reading() as repos:
        fingerprint = await repos.search.fingerprint()
    if cached.fingerprint == fingerprint and not cached.pending:
        return cached.index
    async with cached.lock():
        if cached.fingerprint != fingerprint:
            await _refresh(db, embedder, cached, fingerprint)
        if cached.pending:
            await _embed_pending(db, embedder, cached)
    return cached.index


def discard(db: Database, refs: Collection[str]) -> None:
    """Forget documents found gone, in every cached index of the database."""
    where = db.describe()
    for (described, _), cached in _CACHE.items():
        if described == where:
            cached.index.discard(refs)
            for ref in refs:
                cached.pending.pop(ref, None)


async def _refresh(
    db: Database, embedder: Embedder, cached: _Cached, fingerprint: tuple[Any, ...]
) -> None:
    """Read the rows added or replaced since the cached fingerprint (all of them, for a
    first look or an index that went back) and apply them."""
    seen = cached.fingerprint
    since = None if seen is None or not _went_forward(seen, fingerprint) else seen
    if since is None:
        cached.index, cached.pending = VectorIndex(embedder.dimensions), {}
    async with db.reading() as repos:
        if since is None:
            rows = await repos.search.vectors(embedder.model_id)
        else:
            changed = await repos.search.changed(since=since[1], after_id=since[0])
            rows = await repos.search.vectors(embedder.model_id, refs=changed)
    await asyncio.to_thread(_apply, cached, rows, {})
    cached.fingerprint = fingerprint
    log.info("search_vectors_read", rows=len(rows), full=since is None)


def _went_forward(seen: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    """Whether the index only grew or changed since ``seen`` (not emptied, nor restored from
    a backup, nor lost its first row)."""
    if None in seen or None in now:
        return False
    (top, latest, first), (now_top, now_latest, now_first) = seen, now
    return bool(now_top >= top and now_latest >= latest and now_first == first)


async def _embed_pending(db: Database, embedder: Embedder, cached: _Cached) -> None:
    """Give up to ``EMBED_PER_SEARCH`` pending documents their vectors: those stored since
    (by ``topics build``), else embedded now (and stored)."""
    refs = list(cached.pending)[:EMBED_PER_SEARCH]
    async with db.reading() as repos:
        rows = await repos.search.vectors(embedder.model_id, refs=refs)
    missing = [row.source_ref for row in rows if row.vector is None and not row.noise]
    embedded: dict[str, np.ndarray] = {}
    for start in range(0, len(missing), EMBED_BATCH):
        embedded.update(await _embedded(db, embedder, missing[start : start + EMBED_BATCH]))
    found = {row.source_ref for row in rows}
    for ref in refs:
        if ref not in found:  # gone meanwhile
            cached.pending.pop(ref, None)
    await asyncio.to_thread(_apply, cached, rows, embedded)
    log.info("search_embedded", documents=len(embedded), pending=len(cached.pending))


async def _embedded(db: Database, embedder: Embedder, refs: Sequence[str]) -> dict[str, np.ndarray]:
    """The vectors of the documents ``refs``, embedded now and stored."""
    async with db.reading() as repos:
        texts = await repos.search.texts(refs)
    found = list(texts)
    vectors = normalise(await asyncio.to_thread(embedder.embed, [texts[r] for r in found]))
    stored = [StoredVector(r, text_hash(texts[r]), v) for r, v in zip(found, vectors, strict=True)]
    async with db.transaction() as repos:
        await repos.embeddings.save(embedder.model_id, stored, utcnow())
    return dict(zip(found, vectors, strict=True))


def _apply(cached: _Cached, rows: Sequence[IndexedVector], embedded: dict[str, np.ndarray]) -> None:
    """Update the index with ``rows`` (their stored vectors, or those just ``embedded``);
    a row still without a vector is pending."""
    vectors = {
        row.source_ref: np.frombuffer(row.vector, dtype=np.float32)
        for row in rows
        if row.vector is not None
    }
    vectors.update(embedded)
    cached.index.update(rows, vectors)
    for row in rows:
        if row.noise or row.source_ref in vectors:
            cached.pending.pop(row.source_ref, None)
        else:
            cached.pending[row.source_ref] = row
