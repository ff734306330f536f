"""Topic discovery over a corpus: pure logic, no storage.

1. Topics kept from earlier builds come first (their anchors and ids do not change).
2. Posts are clustered; a cluster that holds no kept anchor and is not explained by a kept
   topic becomes a ``cluster`` topic if its most central posts pass the anchor rules.
   Clusters whose leading title phrase is the same are merged (``merging.py``, passed in).
   When a model labelled most documents, its labels group them instead (``labels``): a
   group becomes a topic (or joins the kept topic that holds its anchors), its most
   central posts are the anchors, and every document of the group is *pinned* to it —
   a member whatever its distance to the centre.
3. Long posts that no topic explains (not close enough to any centre) become
   ``singleton`` topics, greedily, best first.
4. Every other document (posts and comments) supports the topic whose centre is nearest,
   when the similarity reaches the supporting threshold.

A cluster's centre is the normalised mean of its anchor and member posts, settled by a few
assign/recompute rounds (a fixed point below 10,000 documents; beyond, until about 1% of
them still move — deterministic either way, so a re-run on the same input assigns every
document the same way); a singleton's centre is its anchor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from tg_parser.embed import normalise
from tg_parser.topics.cluster import cluster_labels
from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.labels import NO_GROUP, label_groups
from tg_parser.topics.options import TopicOptions

_CHUNK = 4096
SINGLETON_FULL_LENGTH = 600
SINGLETON_FULL_PHRASES = 4
SETTLE_EXACT_BELOW = 10_000  # documents: below, settling runs to a fixed point
SETTLE_TOLERANCE = 0.01  # beyond, membership changes per round (a share of the documents)


@dataclass
class Draft:
    """A topic being built: anchors (corpus index, score) and supporting members."""

    type: Literal["singleton", "cluster"]
    anchors: list[tuple[int, float]]
    centre: np.ndarray
    members: dict[int, float] = field(default_factory=dict)
    pinned: set[int] = field(default_factory=set)  # members by a model's label

    def anchor_indexes(self) -> list[int]:
        return [index for index, _ in self.anchors]


def centre_of(corpus: Corpus, indexes: Sequence[int]) -> np.ndarray:
    return normalise(corpus.vectors[list(indexes)].mean(axis=0))


Merge = Callable[[Corpus, list["Draft"], Sequence["Draft"], float], list["Draft"]]


def discover(
    corpus: Corpus, kept: Sequence[Draft], options: TopicOptions, merge: Merge | None = None
) -> list[Draft]:
    """The topics of the corpus; ``merge`` (``merging.merge_twins``, which reads titles and
    so cannot be imported here) joins clusters after they settle."""
    topics = list(kept)
    posts = corpus.posts()
    documents = list(range(len(corpus)))
    groups = label_groups(corpus, documents, options.min_cluster_size, options.seed)
    if groups is not None:
        _label_topics(corpus, groups, topics, options)
    else:
        _cluster_topics(corpus, posts, topics, options)
    settle(corpus, topics, options.supporting_score)
    if groups is None and merge is not None:
        topics = merge(corpus, topics, kept, options.supporting_score)
    explained = {i for topic in topics for i in (*topic.anchor_indexes(), *topic.members)}
    _add_singletons(corpus, [i for i in posts if i not in explained], topics, options)
    settle(corpus, topics, options.supporting_score)
    return _limit(topics, options.max_topics)


def _cluster_topics(
    corpus: Corpus, posts: list[int], topics: list[Draft], options: TopicOptions
) -> None:
    kept = list(topics)
    labels = cluster_labels(
        corpus.vectors[posts],
        min_cluster_size=options.min_cluster_size,
        min_samples=options.min_samples,
        dimensions=options.dimensions,
        seed=options.seed,
    )
    taken = {i for topic in kept for i in topic.anchor_indexes()}
    for label in sorted(set(labels.tolist()) - {NO_GROUP}):
        members = [posts[j] for j in np.flatnonzero(labels == label)]
        draft = _cluster_topic(corpus, members, taken, kept, options)
        if draft is not None:
            topics.append(draft)


def _label_topics(
    corpus: Corpus, groups: np.ndarray, topics: list[Draft], options: TopicOptions
) -> None:
    """A topic per label group that has enough posts to anchor it; a group holding a kept
    topic's anchors is that topic. Every document of a group is pinned to its topic."""
    owner = {i: topic for topic in topics for i in topic.anchor_indexes()}
    for group in sorted(set(groups.tolist()) - {NO_GROUP}):
        members = np.flatnonzero(groups == group).tolist()
        holders = [owner[i] for i in members if i in owner]
        draft = holders[0] if holders else _group_topic(corpus, members, options)
        if draft is None:
            continue
        if not holders:
            topics.append(draft)
        draft.pinned.update(i for i in members if i not in owner)


def _group_topic(corpus: Corpus, members: list[int], options: TopicOptions) -> Draft | None:
    posts = [i for i in members if corpus.items[i].message_type == "post"]
    if len(posts) < options.cluster_min_anchors:
        return None
    centre = centre_of(corpus, posts)
    ranked = sorted(
        zip(posts, similarity(corpus.vectors[posts], centre), strict=True),
        key=lambda m: (-m[1], corpus.items[m[0]].ref),
    )
    return Draft("cluster", ranked[: max(options.anchors_top_n, 2)], centre)


def settle(corpus: Corpus, topics: Sequence[Draft], threshold: float, rounds: int = 10) -> None:
    """Assign documents, move cluster centres to their posts' mean, until nothing moves —
    from ``SETTLE_EXACT_BELOW`` documents on, until the memberships that change (a document
    leaving a topic or joining one) are at most ``SETTLE_TOLERANCE`` of the documents: in
    a large corpus some always swing between near centres, and a round is a pass over
    every document."""
    allowed = int(len(corpus) * SETTLE_TOLERANCE) if len(corpus) >= SETTLE_EXACT_BELOW else 0
    for _ in range(rounds):
        before = [set(topic.members) for topic in topics]
        assign(corpus, topics, threshold)
        for topic in topics:
            if topic.type == "cluster":
                topic.centre = centre_of(corpus, _core_posts(corpus, topic))
        changes = zip(before, topics, strict=True)
        moved = sum(len(b.symmetric_difference(t.members)) for b, t in changes)
        if moved <= allowed:
            return


def _core_posts(corpus: Corpus, topic: Draft) -> list[int]:
    members = [i for i in sorted(topic.members) if corpus.items[i].message_type == "post"]
    return [*topic.anchor_indexes(), *members]


def _cluster_topic(
    corpus: Corpus,
    members: list[int],
    taken: set[int],
    kept: Sequence[Draft],
    options: TopicOptions,
) -> Draft | None:
    if taken.intersection(members):
        return None
    centre = centre_of(corpus, members)
    if kept and float(np.max(_centres(kept) @ centre)) >= options.supporting_score:
        return None
    scores = similarity(corpus.vectors[members], centre)
    ranked = sorted(
        zip(members, scores, strict=True), key=lambda m: (-m[1], corpus.items[m[0]].ref)
    )
    anchors = [
        (i, s) for i, s in ranked[: options.anchors_top_n] if s >= options.cluster_anchor_score
    ]
    if len(anchors) < options.cluster_min_anchors:
        return None
    return Draft("cluster", anchors, centre)


def _add_singletons(
    corpus: Corpus, posts: list[int], topics: list[Draft], options: TopicOptions
) -> None:
    taken = {i for topic in topics for i in topic.anchor_indexes()}
    candidates = []
    for i in posts:
        score = singleton_score(corpus.items[i])
        long_enough = len(corpus.items[i].text) >= options.singleton_min_chars
        if i not in taken and long_enough and score >= options.singleton_min_score:
            candidates.append((i, score))
    candidates.sort(key=lambda c: (-c[1], corpus.items[c[0]].ref))
    for i, score in candidates:
        if (
            topics
            and float(np.max(_centres(topics) @ corpus.vectors[i])) >= options.supporting_score
        ):
            continue
        topics.append(Draft("singleton", [(i, score)], corpus.vectors[i]))


def singleton_score(item: Item) -> float:
    """How well a lone post can stand as a topic: 0.6 * length (full at 600 characters)
    + 0.4 * key phrases (full at 4), rounded to 4 places."""
    length = min(1.0, len(item.text) / SINGLETON_FULL_LENGTH)
    phrases = min(1.0, len(item.phrases) / SINGLETON_FULL_PHRASES)
    return round(0.6 * length + 0.4 * phrases, 4)


def assign(corpus: Corpus, topics: Sequence[Draft], threshold: float) -> None:
    """Make every non-anchor document a member of its nearest topic above ``threshold``;
    a comment joins the topic of its post instead when it is that close to the post."""
    for topic in topics:
        topic.members.clear()
    if not topics:
        return
    centres = _centres(topics)
    anchors = {i for topic in topics for i in topic.anchor_indexes()}
    best, scores = _nearest_centres(corpus.vectors, centres)
    free = np.ones(len(corpus), dtype=bool)
    free[sorted(anchors)] = False
    documents = np.flatnonzero(free & (scores >= threshold))
    order = documents[np.argsort(best[documents], kind="stable")]
    bounds = np.searchsorted(best[order], np.arange(len(topics) + 1))
    for index, topic in enumerate(topics):
        chosen = order[bounds[index] : bounds[index + 1]]
        topic.members.update(zip(chosen.tolist(), scores[chosen].tolist(), strict=True))
    _join_threads(corpus, topics, threshold)
    _pin(corpus, topics, anchors)


def _pin(corpus: Corpus, topics: Sequence[Draft], anchors: set[int]) -> None:
    """Move every pinned document into its topic (score: its similarity to the centre)."""
    if not any(topic.pinned for topic in topics):
        return
    owner = {i: topic for topic in topics for i in topic.members}
    for topic in topics:
        for i in sorted(topic.pinned - anchors):
            current = owner.get(i)
            if current is topic:
                continue
            if current is not None:
                del current.members[i]
            topic.members[i] = _score(corpus.vectors[i] @ topic.centre)
            owner[i] = topic


def _join_threads(corpus: Corpus, topics: Sequence[Draft], threshold: float) -> None:
    owner = {i: topic for topic in topics for i in (*topic.anchor_indexes(), *topic.members)}
    pairs = sorted(corpus.threads.items())
    for (comment, post), score in zip(pairs, _pair_scores(corpus, pairs), strict=True):
        topic = owner.get(post)
        if topic is None or score < threshold or comment in topic.anchor_indexes():
            continue
        current = owner.get(comment)
        if current is not None and current is not topic:
            del current.members[comment]
        topic.members[comment] = max(score, topic.members.get(comment, 0.0))
        owner[comment] = topic


def _pair_scores(corpus: Corpus, pairs: Sequence[tuple[int, int]]) -> list[float]:
    """The clipped, rounded similarity of each (comment, post) pair's vectors."""
    if not pairs:
        return []
    rows = np.asarray(pairs)
    sims = np.einsum("ij,ij->i", corpus.vectors[rows[:, 0]], corpus.vectors[rows[:, 1]])
    return [_score(value) for value in sims.tolist()]


def _nearest_centres(vectors: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's most similar centre and that similarity, clipped to 0..1 and rounded to
    4 places (as ``_score``)."""
    best = np.zeros(len(vectors), dtype=np.int64)
    scores = np.zeros(len(vectors), dtype=np.float64)
    for start in range(0, len(vectors), _CHUNK):
        sims = vectors[start : start + _CHUNK] @ centres.T
        nearest = np.argmax(sims, axis=1)
        best[start : start + _CHUNK] = nearest
        scores[start : start + _CHUNK] = sims[np.arange(len(nearest)), nearest]
    return best, np.round(np.clip(scores, 0.0, 1.0), 4)


def similarity(vectors: np.ndarray, centre: np.ndarray) -> list[float]:
    """Cosine similarity of each row to ``centre``, clipped to 0..1 and rounded."""
    return [_score(value) for value in (vectors @ centre).tolist()]


def _score(value: float) -> float:
    return round(min(1.0, max(0.0, float(value))), 4)


def _centres(topics: Sequence[Draft]) -> np.ndarray:
    return np.vstack([topic.centre for topic in topics])


def _limit(topics: list[Draft], max_topics: int | None) -> list[Draft]:
    if max_topics is None or len(topics) <= max_topics:
        return topics
    ranked = sorted(topics, key=lambda t: -(len(t.anchors) + len(t.members)))
    return ranked[:max_topics]
