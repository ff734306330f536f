"""Reciprocal-rank fusion."""

from __future__ import annotations

from tg_parser.search.fusion import K, fuse


def test_documents_in_both_lists_come_first_with_both_scores() -> None:
    fused = fuse(
        {"lexical": [("a", 9.0), ("b", 5.0)], "semantic": [("b", 0.8), ("c", 0.7)]},
        {"lexical": 1.0, "semantic": 1.0},
    )
    assert [entry.source_ref for entry in fused] == ["b", "a", "c"]
    assert fused[0].scores == {"lexical": 5.0, "semantic": 0.8}
    assert fused[0].fused == 1 / (K + 2) + 1 / (K + 1)


def test_ties_are_broken_by_source_ref_and_weights_count() -> None:
    fused = fuse({"x": [("b", 1.0)], "y": [("a", 1.0)]}, {"x": 1.0, "y": 1.0})
    assert [entry.source_ref for entry in fused] == ["a", "b"]
    fused = fuse({"x": [("b", 1.0)], "y": [("a", 1.0)]}, {"x": 2.0, "y": 1.0})
    assert [entry.source_ref for entry in fused] == ["b", "a"]
