"""The in-memory vector index: one unit vector per indexed document, with the fields that
filters look at, updated in place as documents come, change or go.

Rows live in preallocated arrays that grow by a quarter when full, so adding documents
copies nothing until then; a changed document rewrites its row, a removed one is marked
dead (the arrays are compacted when a third of their rows are). Readers take the current
``Rows`` once and keep it: an update makes a new ``Rows`` (sharing the arrays unless they
grew), so a search running beside an update sees the rows and refs of one moment (only a
replaced row may already hold its new vector).

Up to ``EXACT_ROWS`` rows the search is exact; above, it first ranks the rows in a
128-dimensional projection (the matrix's principal directions: a quarter of the memory to
read per query, the cost that dominates) and then re-ranks ``SHORTLIST`` times as many rows
as asked for by their full vectors. On real vectors of the local model that finds 99.4% of
the exact top 10.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from tg_parser.store.search import IndexedVector, IndexFilter

EXACT_ROWS = 20_000
PROJECTED_DIMENSIONS = 128
SHORTLIST = 10  # rows re-ranked exactly per row asked for, above EXACT_ROWS
_FIT_ROWS = 8192  # rows the projection is fitted on
_GROWTH = 1.25
_MIN_CAPACITY = 1024


@dataclass(frozen=True)
class Rows:
    """The first ``size`` rows of the arrays (capacity beyond is unused)."""

    size: int
    refs: list[str]  # by row (a removed document keeps its row until compacted)
    position: dict[str, int]  # the rows of the live documents
    alive: np.ndarray  # bool: False for a removed document
    channels: np.ndarray  # int32 codes (Codes)
    types: np.ndarray  # int32 codes
    languages: np.ndarray  # int32 codes (unknown: the code of "")
    dates: np.ndarray  # datetime64[s], UTC
    matrix: np.ndarray  # float32 unit vectors
    projected: np.ndarray | None  # float32, matrix @ basis.T (above EXACT_ROWS)


class Codes:
    """Small integers for strings (channels, types, languages): filters compare numbers."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}

    def of(self, value: str) -> int:
        return self._codes.setdefault(value, len(self._codes))

    def known(self, values: Iterable[str]) -> list[int]:
        return [self._codes[value] for value in values if value in self._codes]


class VectorIndex:
    """The unit vectors of the indexed documents, by source_ref."""

    def __init__(self, dimensions: int) -> None:
        self.dimensions = dimensions
        self.basis: np.ndarray | None = None
        self.rows = _allocate(0, dimensions, projected=None)
        self._channels, self._types, self._languages = Codes(), Codes(), Codes()

    def __len__(self) -> int:
        return len(self.rows.position)

    def update(self, changed: Iterable[IndexedVector], vectors: Mapping[str, np.ndarray]) -> None:
        """Insert or replace the documents that have a vector in ``vectors``; remove the
        others among ``changed`` (noise now, or no current vector)."""
        rows = self.rows
        replaced: dict[int, IndexedVector] = {}
        added: dict[str, IndexedVector] = {}
        for entry in changed:
            row = rows.position.get(entry.source_ref)
            if entry.noise or entry.source_ref not in vectors:
                if row is not None:
                    _remove(rows, row)
            elif row is None:
                added[entry.source_ref] = entry
            else:
                replaced[row] = entry
        self._write(rows, list(replaced), list(replaced.values()), vectors)
        if added:
            rows = self._grown(rows, len(added))
            start = rows.size
            rows.refs.extend(added)
            rows.position.update((ref, start + n) for n, ref in enumerate(added))
            rows = replace(rows, size=start + len(added))
            self._write(rows, list(range(start, rows.size)), list(added.values()), vectors)
        self.rows = self._compacted(self._projected(rows))

    def discard(self, refs: Iterable[str]) -> None:
        """Remove documents found gone (their index rows deleted)."""
        rows = self.rows
        for ref in refs:
            row = rows.position.get(ref)
            if row is not None:
                _remove(rows, row)

    def mask(self, rows: Rows, where: IndexFilter) -> np.ndarray:
        """The rows the filter lets through."""
        keep = rows.alive[: rows.size].copy()
        if where.channels is not None:
            keep &= np.isin(rows.channels[: rows.size], self._channels.known(where.channels))
        if where.message_type is not None:
            keep &= np.isin(rows.types[: rows.size], self._types.known([where.message_type]))
        if where.language is not None:
            keep &= np.isin(rows.languages[: rows.size], self._languages.known([where.language]))
        if where.since is not None:
            keep &= rows.dates[: rows.size] >= _datetime64(where.since)
        if where.until is not None:
            keep &= rows.dates[: rows.size] < _datetime64(where.until)
        if where.refs is not None:
            found = (rows.position.get(ref, rows.size) for ref in where.refs)
            chosen = np.zeros(rows.size + 1, dtype=bool)
            chosen[list(found)] = True
            keep &= chosen[: rows.size]
        return keep

    def nearest(self, query: np.ndarray, where: IndexFilter, limit: int) -> list[tuple[str, float]]:
        """The ``limit`` rows most similar to ``query`` among those ``where`` keeps."""
        rows = self.rows  # once: an update may replace it meanwhile
        chosen = np.flatnonzero(self.mask(rows, where))
        if self.basis is not None and rows.projected is not None and chosen.size > EXACT_ROWS:
            coarse = _products(rows.projected, chosen, rows.size, self.basis @ query)
            chosen = chosen[_top(coarse, limit * SHORTLIST)]
        similarity = _products(rows.matrix, chosen, rows.size, query)
        best = _top(similarity, limit)
        return [(rows.refs[chosen[i]], float(similarity[i])) for i in best]

    def _write(
        self,
        rows: Rows,
        at: list[int],
        entries: list[IndexedVector],
        vectors: Mapping[str, np.ndarray],
    ) -> None:
        """Write the ``entries`` into the rows ``at`` (all at once: a first read is 100k)."""
        if not at:
            return
        rows.alive[at] = True
        rows.channels[at] = [self._channels.of(entry.channel_id) for entry in entries]
        rows.types[at] = [self._types.of(entry.message_type) for entry in entries]
        rows.languages[at] = [self._languages.of(entry.language or "") for entry in entries]
        rows.dates[at] = np.array(
            [int(entry.date.timestamp()) for entry in entries], dtype="datetime64[s]"
        )
        rows.matrix[at] = np.stack([vectors[entry.source_ref] for entry in entries])
        if rows.projected is not None and self.basis is not None:
            rows.projected[at] = rows.matrix[at] @ self.basis.T

    def _grown(self, rows: Rows, more: int) -> Rows:
        """``rows`` with room for ``more`` (new arrays, copied, when full)."""
        if rows.size + more <= len(rows.alive):
            return rows
        capacity = max(rows.size + more, int(len(rows.alive) * _GROWTH), _MIN_CAPACITY)
        return _copied(rows, capacity, self.dimensions)

    def _projected(self, rows: Rows) -> Rows:
        """``rows`` with a projection once they are more than ``EXACT_ROWS``."""
        if rows.projected is not None or len(rows.position) <= EXACT_ROWS:
            return rows
        live = np.flatnonzero(rows.alive[: rows.size])
        sample = np.random.default_rng(0).choice(live, _FIT_ROWS, replace=False)
        _, _, directions = np.linalg.svd(rows.matrix[np.sort(sample)], full_matrices=False)
        self.basis = np.ascontiguousarray(directions[:PROJECTED_DIMENSIONS], dtype=np.float32)
        projected = np.zeros((len(rows.alive), len(self.basis)), dtype=np.float32)
        projected[: rows.size] = rows.matrix[: rows.size] @ self.basis.T
        return replace(rows, projected=projected)

    def _compacted(self, rows: Rows) -> Rows:
        """``rows`` without their dead rows, when a third or more are dead."""
        if rows.size - len(rows.position) < max(rows.size // 3, 1):
            return rows
        live = np.flatnonzero(rows.alive[: rows.size])
        return _copied(rows, max(len(live), _MIN_CAPACITY), self.dimensions, live)


def _remove(rows: Rows, row: int) -> None:
    rows.alive[row] = False
    del rows.position[rows.refs[row]]


def _allocate(capacity: int, dimensions: int, *, projected: int | None) -> Rows:
    """Empty rows for ``capacity`` documents (``projected``: the projection's width)."""
    return Rows(
        size=0,
        refs=[],
        position={},
        alive=np.zeros(capacity, dtype=bool),
        channels=np.zeros(capacity, dtype=np.int32),
        types=np.zeros(capacity, dtype=np.int32),
        languages=np.zeros(capacity, dtype=np.int32),
        dates=np.zeros(capacity, dtype="datetime64[s]"),
        matrix=np.zeros((capacity, dimensions), dtype=np.float32),
        projected=(
            None if projected is None else np.zeros((capacity, projected), dtype=np.float32)
        ),
    )


def _copied(rows: Rows, capacity: int, dimensions: int, take: np.ndarray | None = None) -> Rows:
    """New arrays of ``capacity`` holding ``rows`` (only the rows ``take``, if given)."""
    taken = np.arange(rows.size) if take is None else take
    width = None if rows.projected is None else rows.projected.shape[1]
    new = _allocate(capacity, dimensions, projected=width)
    for name in ("alive", "channels", "types", "languages", "dates", "matrix", "projected"):
        source, target = getattr(rows, name), getattr(new, name)
        if source is not None:
            target[: len(taken)] = source[taken]
    if take is None:
        refs, position = list(rows.refs), dict(rows.position)
    else:
        refs = [rows.refs[row] for row in take]
        position = {ref: row for row, ref in enumerate(refs)}
    return replace(new, size=len(taken), refs=refs, position=position)


def _products(matrix: np.ndarray, chosen: np.ndarray, size: int, vector: np.ndarray) -> np.ndarray:
    """The ``chosen`` rows of ``matrix`` times ``vector``: when they are most of its first
    ``size`` rows, all of those are multiplied (copying the chosen ones would cost more)."""
    if chosen.size * 2 < size:
        return np.asarray(matrix[chosen] @ vector)
    return np.asarray((matrix[:size] @ vector)[chosen])


def _top(scores: np.ndarray, count: int) -> np.ndarray:
    """Positions of the ``count`` highest scores, best first (ties: lower position)."""
    count = min(count, scores.size)
    if count == 0:
        return np.zeros(0, dtype=np.intp)
    best = np.argpartition(-scores, count - 1)[:count]
    return best[np.lexsort((best, -scores[best]))]


def _datetime64(moment: datetime) -> np.datetime64:
    return np.datetime64(int(moment.timestamp()), "s")
