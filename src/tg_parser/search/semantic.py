"""Semantic search: the query's vector against the stored vectors of the indexed documents,
a dot product in numpy (the vectors are unit length: it is the cosine).

The vectors of all indexed documents are held in memory, one matrix per database and
model, with their filter fields as arrays, and reloaded when the index changes (its
fingerprint). Up to ``EXACT_ROWS`` rows the search is exact; above, it first ranks the rows
in a 128-dimensional projection (the matrix's principal directions: a quarter of the
memory to read per query, the cost that dominates) and then re-ranks ``SHORTLIST`` times
as many rows as asked for by their full vectors. On real vectors of the local model that
finds 99.4% of the exact top 10 (bench/search_bench.py reads 100k rows: exact search
alone takes over 40 ms there on a loaded machine). Documents without a current vector
(``topics build`` embeds them too) are embedded here, at most ``EMBED_PER_SEARCH`` per
search so that no search waits long; a matrix still missing some is completed by the
next searches. Any change to the index reloads the whole matrix (seconds at 100k rows).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import numpy as np
import structlog
from threadpoolctl import ThreadpoolController

from tg_parser.clock import utcnow
from tg_parser.embed import Embedder, normalise, text_hash
from tg_parser.store import Database, StoredVector
from tg_parser.store.search import IndexedVector, IndexFilter

log = structlog.get_logger(__name__)

EMBED_PER_SEARCH = 1000
EXACT_ROWS = 20_000
PROJECTED_DIMENSIONS = 128
SHORTLIST = 10  # rows re-ranked exactly per row asked for, above EXACT_ROWS
_FIT_ROWS = 8192  # rows the projection is fitted on
EMBED_BATCH = 256
_CACHE: dict[tuple[str, str], VectorIndex] = {}


@dataclass
class VectorIndex:
    """The unit vectors of the indexed documents (rows) and what filters look at."""

    fingerprint: tuple[Any, ...]
    complete: bool
    refs: list[str]
    channels: np.ndarray  # str
    types: np.ndarray  # str
    languages: np.ndarray  # str ("" when unknown)
    dates: np.ndarray  # datetime64[s], UTC
    matrix: np.ndarray  # float32, one row per document

    def __post_init__(self) -> None:
        self.position = {ref: row for row, ref in enumerate(self.refs)}
        self.basis, self.projected = _projection(self.matrix)

    def mask(self, where: IndexFilter) -> np.ndarray:
        """The rows the filter lets through."""
        keep = np.ones(len(self.refs), dtype=bool)
        if where.channels is not None:
            keep &= np.isin(self.channels, list(where.channels))
        if where.message_type is not None:
            keep &= self.types == where.message_type
        if where.language is not None:
            keep &= self.languages == where.language
        if where.since is not None:
            keep &= self.dates >= _datetime64(where.since)
        if where.until is not None:
            keep &= self.dates < _datetime64(where.until)
        if where.refs is not None:
            rows = [self.position[ref] for ref in where.refs if ref in self.position]
            chosen = np.zeros(len(self.refs), dtype=bool)
            chosen[rows] = True
            keep &= chosen
        return keep

    def nearest(self, query: np.ndarray, where: IndexFilter, limit: int) -> list[tuple[str, float]]:
        """The ``limit`` rows most similar to ``query`` among those ``where`` keeps."""
        rows = np.flatnonzero(self.mask(where))
        if self.basis is not None and self.projected is not None and rows.size > EXACT_ROWS:
            coarse = _rows(self.projected, rows) @ (self.basis @ query)
            rows = rows[_top(coarse, limit * SHORTLIST)]
        similarity = _rows(self.matrix, rows) @ query
        best = _top(similarity, limit)
        return [(self.refs[rows[i]], float(similarity[i])) for i in best]


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _rows(matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The rows of ``matrix`` (the matrix itself when all, saving a copy)."""
    return matrix if rows.size == len(matrix) else matrix[rows]


def _top(scores: np.ndarray, count: int) -> np.ndarray:
    """Positions of the ``count`` highest scores, best first (ties: lower position)."""
    count = min(count, scores.size)
    if count == 0:
        return np.zeros(0, dtype=np.intp)
    best = np.argpartition(-scores, count - 1)[:count]
    return best[np.lexsort((best, -scores[best]))]


def _projection(matrix: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The principal directions of a large matrix and its rows projected on them."""
    if len(matrix) <= EXACT_ROWS:
        return None, None
    sample = np.random.default_rng(0).choice(len(matrix), _FIT_ROWS, replace=False)
    _, _, directions = np.linalg.svd(matrix[np.sort(sample)], full_matrices=False)
    basis = np.ascontiguousarray(directions[:PROJECTED_DIMENSIONS], dtype=np.float32)
    return basis, np.ascontiguousarray(matrix @ basis.T)


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
    """The current matrix of the database's indexed documents (cached while unchanged)."""
    key = (db.describe(), embedder.model_id)
    async with db.reading() as repos:
        fingerprint = await repos.search.fingerprint()
    cached = _CACHE.get(key)
    if cached is not None and cached.complete and cached.fingerprint == fingerprint:
        return cached
    async with db.reading() as repos:
        rows = await repos.search.vectors(embedder.model_id)
    vectors, complete = await _with_missing(db, embedder, rows)
    index = await asyncio.to_thread(
        _build, fingerprint, complete, rows, vectors, embedder.dimensions
    )
    _CACHE[key] = index
    return index


async def _with_missing(
    db: Database, embedder: Embedder, rows: Sequence[IndexedVector]
) -> tuple[dict[str, np.ndarray], bool]:
    """The stored vectors by source_ref, plus those of up to ``EMBED_PER_SEARCH`` documents
    embedded now (and stored); whether every row has one."""
    vectors = {
        row.source_ref: np.frombuffer(row.vector, dtype=np.float32)
        for row in rows
        if row.vector is not None
    }
    missing = [row.source_ref for row in rows if row.vector is None]
    for start in range(0, min(len(missing), EMBED_PER_SEARCH), EMBED_BATCH):
        async with db.reading() as repos:
            texts = await repos.search.texts(missing[start : start + EMBED_BATCH])
        refs = list(texts)
        embedded = normalise(await asyncio.to_thread(embedder.embed, [texts[r] for r in refs]))
        stored = [
            StoredVector(r, text_hash(texts[r]), v) for r, v in zip(refs, embedded, strict=True)
        ]
        async with db.transaction() as repos:
            await repos.embeddings.save(embedder.model_id, stored, utcnow())
        vectors.update(zip(refs, embedded, strict=True))
    if missing:
        log.info(
            "search_embedded", documents=min(len(missing), EMBED_PER_SEARCH), missing=len(missing)
        )
    return vectors, len(missing) <= EMBED_PER_SEARCH


def _build(
    fingerprint: tuple[Any, ...],
    complete: bool,
    rows: Sequence[IndexedVector],
    vectors: dict[str, np.ndarray],
    dimensions: int,
) -> VectorIndex:
    kept = [row for row in rows if row.source_ref in vectors]
    matrix = np.zeros((len(kept), dimensions), dtype=np.float32)
    for position, row in enumerate(kept):
        matrix[position] = vectors[row.source_ref]
    return VectorIndex(
        fingerprint=fingerprint,
        complete=complete,
        refs=[row.source_ref for row in kept],
        channels=np.array([row.channel_id for row in kept], dtype=str),
        types=np.array([row.message_type for row in kept], dtype=str),
        languages=np.array([row.language or "" for row in kept], dtype=str),
        dates=np.array([_datetime64(row.date) for row in kept], dtype="datetime64[s]"),
        matrix=matrix,
    )


def _datetime64(moment: datetime) -> np.datetime64:
    return np.datetime64(int(moment.timestamp()), "s")
