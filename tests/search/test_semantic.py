"""The in-memory vector index: filters, exact ranking, the projected shortlist above
``EXACT_ROWS`` rows, and updates in place (added, replaced, removed rows)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from tg_parser.search import vectors
from tg_parser.search.vectors import VectorIndex
from tg_parser.store.search import IndexedVector, IndexFilter

DIMENSIONS = 64


def _entry(n: int, *, noise: bool = False) -> IndexedVector:
    return IndexedVector(
        source_ref=f"tg:c{n % 2}:post:{n}",
        channel_id=f"c{n % 2}",
        message_type="post" if n % 3 else "comment",
        language="ru" if n % 5 else "en",
        date=datetime.fromtimestamp(n * 60, UTC),
        noise=noise,
        vector=None,
    )


def _unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=-1, keepdims=True)).astype(np.float32)


def _index(rows: int, seed: int = 0) -> tuple[VectorIndex, np.ndarray]:
    matrix = _unit(np.random.default_rng(seed).standard_normal((rows, DIMENSIONS)))
    index = VectorIndex(DIMENSIONS)
    entries = [_entry(n) for n in range(rows)]
    index.update(entries, {e.source_ref: v for e, v in zip(entries, matrix, strict=True)})
    return index, matrix


def test_exact_ranking_and_filters() -> None:
    index, matrix = _index(50)
    assert index.basis is None and len(index) == 50  # small: exact
    query = matrix[7]
    assert index.nearest(query, IndexFilter(), 3)[0] == ("tg:c1:post:7", 1.0)
    kept = index.nearest(query, IndexFilter(channels=["c0"], message_type="post"), 50)
    assert kept and all(int(r.rsplit(":", 1)[1]) % 6 in (2, 4) for r, _ in kept)
    late = IndexFilter(since=datetime.fromtimestamp(40 * 60, UTC), language="en")
    assert {r for r, _ in index.nearest(query, late, 50)} == {"tg:c0:post:40", "tg:c1:post:45"}
    assert index.nearest(query, IndexFilter(refs=["tg:c0:post:2", "gone"]), 5)[0][0] == (
        "tg:c0:post:2"
    )
    assert index.nearest(query, IndexFilter(channels=[]), 5) == []
    assert index.nearest(query, IndexFilter(channels=["unknown"]), 5) == []
    assert index.nearest(query, IndexFilter(language="de"), 5) == []


def test_updates_add_replace_and_remove_rows_in_place() -> None:
    index, matrix = _index(10)
    other = _unit(np.random.default_rng(9).standard_normal((2, DIMENSIONS)))
    index.update([_entry(3)], {"tg:c1:post:3": other[0]})  # replaced: its new vector
    assert index.nearest(other[0], IndexFilter(), 1) == [("tg:c1:post:3", 1.0)]
    assert index.nearest(matrix[3], IndexFilter(), 1)[0][0] != "tg:c1:post:3"
    index.update([_entry(4, noise=True), _entry(5)], {})  # noise now; no current vector
    found = {ref for ref, _ in index.nearest(matrix[4], IndexFilter(), 10)}
    assert len(index) == 8 and not found & {"tg:c0:post:4", "tg:c1:post:5"}
    index.update([_entry(10)], {"tg:c0:post:10": other[1]})  # added
    assert index.nearest(other[1], IndexFilter(channels=["c0"]), 1) == [("tg:c0:post:10", 1.0)]
    index.discard(["tg:c0:post:10", "never there"])  # found gone
    assert len(index) == 8 and "tg:c0:post:10" not in {
        ref for ref, _ in index.nearest(other[1], IndexFilter(), 10)
    }


def test_a_reader_keeps_its_rows_while_the_index_grows_and_compacts() -> None:
    index, matrix = _index(vectors._MIN_CAPACITY)  # full: the next row makes new arrays
    before = index.rows
    index.update(
        [_entry(vectors._MIN_CAPACITY)], {_entry(vectors._MIN_CAPACITY).source_ref: matrix[0]}
    )
    assert index.rows.matrix is not before.matrix and before.size == vectors._MIN_CAPACITY
    assert len(before.refs) == before.size  # the old rows are untouched by the growth
    gone = [_entry(n, noise=True) for n in range(vectors._MIN_CAPACITY // 2)]
    index.update(gone, {})
    assert index.rows.size == len(index) == vectors._MIN_CAPACITY // 2 + 1  # compacted
    best = index.nearest(matrix[600], IndexFilter(refs=[_entry(600).source_ref]), 1)
    assert best == [(_entry(600).source_ref, 1.0)]


def test_a_large_index_shortlists_in_a_projection_and_finds_the_exact_best() -> None:
    rows = vectors.EXACT_ROWS + 1000
    index, matrix = _index(rows, seed=1)
    assert index.basis is not None and index.rows.projected is not None
    rng = np.random.default_rng(2)
    for target in rng.choice(rows, 20, replace=False):
        query = _unit(matrix[target] + 0.05 * rng.standard_normal(DIMENSIONS))
        best = index.nearest(query, IndexFilter(), 10)
        exact = np.argsort(-(matrix @ query))[:10]
        assert best[0][0] == _entry(int(target)).source_ref
        assert [r for r, _ in best][:1] == [_entry(int(exact[0])).source_ref]
        assert [score for _, score in best] == sorted((s for _, s in best), reverse=True)
    added = _unit(rng.standard_normal(DIMENSIONS))  # a row added later is projected too
    index.update([_entry(rows)], {_entry(rows).source_ref: added})
    assert index.nearest(added, IndexFilter(), 1)[0][0] == _entry(rows).source_ref
