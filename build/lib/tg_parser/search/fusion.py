"""Reciprocal-rank fusion: each list votes ``weight / (K + rank)`` for its documents.

Ranks, not scores, are fused, so BM25 (or ts_rank) and cosine similarity need no common
scale (Cormack, Clarke and Büttcher, SIGIR 2009; K = 60 as there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

K = 60


@dataclass
class Fused:
    source_ref: str
    fused: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)  # by list name


def fuse(
    lists: Mapping[str, Sequence[tuple[str, float]]], weights: Mapping[str, float]
) -> list[Fused]:
    """The documents of all ``lists`` (each best first), by fused score, then source_ref."""
    found: dict[str, Fused] = {}
    for name, ranked in lists.items():
        for rank, (ref, score) in enumerate(ranked, start=1):
            entry = found.setdefault(ref, Fused(ref))
            entry.fused += weights.get(name, 1.0) / (K + rank)
            entry.scores[name] = score
    return sorted(found.values(), key=lambda entry: (-entry.fused, entry.source_ref))
