"""The in-memory vector index: filters, exact ranking, and the projected shortlist above
``EXACT_ROWS`` rows."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from tg_parser.search import semantic
from tg_parser.search.semantic import VectorIndex
from tg_parser.store.search import IndexFilter


def _index(rows: int, seed: int = 0) -> VectorIndex:
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((rows, 64)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return VectorIndex(
        fingerprint=(rows,),
        complete=True,
        refs=[f"tg:c{n % 2}:post:{n}" for n in range(rows)],
        channels=np.array([f"c{n % 2}" for n in range(rows)]),
        types=np.array(["post" if n % 3 else "comment" for n in range(rows)]),
        languages=np.array(["ru" if n % 5 else "en" for n in range(rows)]),
        dates=np.array([n * 60 for n in range(rows)], dtype="datetime64[s]"),
        matrix=matrix,
    )


def test_exact_ranking_and_filters() -> None:
    index = _index(50)
    assert index.basis is None  # small: exact
    query = index.matrix[7]
    assert index.nearest(query, IndexFilter(), 3)[0] == ("tg:c1:post:7", 1.0)
    kept = index.nearest(query, IndexFilter(channels=["c0"], message_type="post"), 50)
    assert kept and all(int(r.rsplit(":", 1)[1]) % 6 in (2, 4) for r, _ in kept)
    late = IndexFilter(since=datetime.fromtimestamp(40 * 60, UTC), language="en")
    assert {r for r, _ in index.nearest(query, late, 50)} == {"tg:c0:post:40", "tg:c1:post:45"}
    assert index.nearest(query, IndexFilter(refs=["tg:c0:post:2", "gone"]), 5)[0][0] == (
        "tg:c0:post:2"
    )
    assert index.nearest(query, IndexFilter(channels=[]), 5) == []


def test_a_large_index_shortlists_in_a_projection_and_finds_the_exact_best() -> None:
    rows = semantic.EXACT_ROWS + 1000
    index = _index(rows, seed=1)
    assert index.basis is not None and index.projected is not None
    rng = np.random.default_rng(2)
    for target in rng.choice(rows, 20, replace=False):
        query = index.matrix[target] + 0.05 * rng.standard_normal(64).astype(np.float32)
        query /= np.linalg.norm(query)
        best = index.nearest(query, IndexFilter(), 10)
        exact = np.argsort(-(index.matrix @ query))[:10]
        assert best[0][0] == index.refs[target]
        assert [r for r, _ in best][:1] == [index.refs[exact[0]]]
        assert [score for _, score in best] == sorted((s for _, s in best), reverse=True)
