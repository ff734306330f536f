"""A model's per-message topic labels as the grouping of a channel.

When most posts of a channel were analysed by a model, the labels it gave them
(``ProcessedDocument.topics``) say what each post is about better than any distance
between vectors. They are brought into one vocabulary per channel — case-folded, every
word stemmed (Snowball, by script: Russian, Arabic or English), so "Iron", "iron" and "irons" are
one label — and each post takes, of its labels, the one most posts of the channel share
(a label fewer than ``min_size`` posts carry groups nothing).

A model is wrong now and then. A post keeps its label unless its nearest neighbours (by
vector) mostly carry another one: ``OWN_WEIGHT`` is added to the post's own label, and
every label gets its similarity-weighted share among the post's ``NEIGHBOURS`` nearest
documents; the highest total wins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from tg_parser.stemming import normalised, stem
from tg_parser.text.words import WORD
from tg_parser.topics.cluster import reduce
from tg_parser.topics.corpus import Corpus, Item

NO_GROUP = -1
MIN_LABELLED_SHARE = 0.5
NEIGHBOURS = 10
OWN_WEIGHT = 0.5
SMOOTH_LIMIT = 8000
REDUCED_DIMENSIONS = 32
_CHUNK = 512


def normal_label(label: str) -> str:
    """One vocabulary entry: the label's words, case-folded and stemmed."""
    return " ".join(stem(normalised(word)) for word in WORD.findall(label))


def labelled_share(items: Sequence[Item]) -> float:
    return (
        sum(item.labelled and bool(item.phrases) for item in items) / len(items) if items else 0.0
    )


def label_groups(
    corpus: Corpus, indexes: Sequence[int], min_size: int, seed: int = 0
) -> np.ndarray | None:
    """A group number per item of ``indexes`` (``NO_GROUP``: none), or None when too few
    of them carry a model's labels to group by."""
    items = [corpus.items[i] for i in indexes]
    if labelled_share(items) < MIN_LABELLED_SHARE:
        return None
    candidates = [_candidates(item) for item in items]
    counts = Counter(label for labels in candidates for label in set(labels))
    vocabulary = sorted(label for label, count in counts.items() if count >= min_size)
    number = {label: n for n, label in enumerate(vocabulary)}
    chosen = np.array(
        [
            max(
                (number[label] for label in labels if label in number),
                key=lambda n: counts[vocabulary[n]],
                default=NO_GROUP,
            )
            for labels in candidates
        ]
    )
    return smooth(corpus.vectors[list(indexes)], chosen, len(vocabulary), seed)


def _candidates(item: Item) -> list[str]:
    if not item.labelled:
        return []
    return [label for label in (normal_label(p) for p in item.phrases[:3]) if label]


def smooth(vectors: np.ndarray, groups: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """Each row's group, or the group its nearest neighbours agree on when they outweigh
    its own label; a row without a group keeps none (the vectors place it, as any
    document without a model's label).

    Beyond ``SMOOTH_LIMIT`` rows the neighbours are looked for among a seeded sample of
    that many rows, in the clustering's PCA space, so 100,000 documents take seconds."""
    if size < 2 or len(groups) <= NEIGHBOURS:
        return groups
    points, reference = vectors, np.arange(len(groups))
    if len(groups) > SMOOTH_LIMIT:
        points = reduce(vectors, REDUCED_DIMENSIONS, seed)
        picked = np.random.default_rng(seed).choice(len(groups), SMOOTH_LIMIT, replace=False)
        reference = np.sort(picked)
    result = groups.copy()
    known = groups[reference]
    for start in range(0, len(groups), _CHUNK):
        rows = np.arange(start, min(start + _CHUNK, len(groups)))
        sims = points[rows] @ points[reference].T
        sims[reference[None, :] == rows[:, None]] = -np.inf  # a row is not its own neighbour
        nearest = np.argpartition(-sims, NEIGHBOURS, axis=1)[:, :NEIGHBOURS]
        for offset, row in enumerate(nearest.tolist()):
            own = int(groups[start + offset])
            if own != NO_GROUP:
                result[start + offset] = _vote(known, row, sims[offset, row], own, size)
    return result


def _vote(groups: np.ndarray, neighbours: list[int], sims: np.ndarray, own: int, size: int) -> int:
    weights = np.clip(sims, 0.0, None)
    votes = np.zeros(size)
    for neighbour, weight in zip(neighbours, weights.tolist(), strict=True):
        if groups[neighbour] != NO_GROUP:
            votes[groups[neighbour]] += weight
    total = float(weights.sum())
    if total > 0:
        votes /= total
    votes[own] += OWN_WEIGHT
    return int(np.argmax(votes))
