"""Clusters that name the same subject become one topic.

HDBSCAN splits a large subject into several dense clusters now and then (one per
sub-series of posts, one per post template). The words the posts share tell such twins
apart from neighbouring subjects better than their centres do: clusters whose leading
title phrase (``titles.topic_phrases``: the dictionary form of the most representative
phrase, held by at least ``titles.MIN_SHARE`` of the cluster's documents) is the same
are merged, when their centres are at least ``supporting_score`` similar too (a post
template shared by unrelated subjects is not a subject). A topic kept from an earlier
build, else the largest, keeps its anchors (so its id), and its centre becomes the mean
of all their posts; their documents become its members until the caller settles them
again.
"""

from __future__ import annotations

from collections.abc import Sequence

from tg_parser.topics.corpus import Corpus
from tg_parser.topics.discovery import Draft, centre_of
from tg_parser.topics.titles import MIN_SHARE, Key, topic_phrases


def merge_twins(
    corpus: Corpus, drafts: Sequence[Draft], kept: Sequence[Draft], threshold: float
) -> list[Draft]:
    """``drafts`` with the clusters that share a leading phrase and are ``threshold``
    similar to the keeper merged into it: a ``kept`` one, else the largest (ties: the first
    anchor's ref); singletons and label groups are left alone."""
    old = {id(draft) for draft in kept}
    language = corpus.language()
    twins: dict[Key, list[Draft]] = {}
    for draft in drafts:
        key = _leading_key(corpus, draft, language)
        if key is not None:
            twins.setdefault(key, []).append(draft)
    merged: set[int] = set()
    for group in twins.values():
        keeper = min(
            group,
            key=lambda d: (id(d) not in old, -_size(d), corpus.items[d.anchors[0][0]].ref),
        )
        twins_of = [d for d in group if d is keeper or float(d.centre @ keeper.centre) >= threshold]
        if len(twins_of) > 1:
            keeper.centre = centre_of(corpus, _posts(corpus, twins_of))
            for twin in twins_of:
                if twin is not keeper:
                    keeper.members.update({i: s for i, s in twin.anchors} | twin.members)
                    merged.add(id(twin))
    return [draft for draft in drafts if id(draft) not in merged]


def _leading_key(corpus: Corpus, draft: Draft, language: str | None) -> Key | None:
    if draft.type != "cluster" or draft.pinned:
        return None
    phrases = topic_phrases(corpus, draft, language)
    return phrases[0].key if phrases and phrases[0].share >= MIN_SHARE else None


def _size(draft: Draft) -> int:
    return len(draft.anchors) + len(draft.members)


def _posts(corpus: Corpus, group: Sequence[Draft]) -> list[int]:
    indexes = {i for d in group for i in (*d.anchor_indexes(), *d.members)}
    return sorted(i for i in indexes if corpus.items[i].message_type == "post")
