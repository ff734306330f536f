"""Clusters that name the same subject become one topic."""

from __future__ import annotations

import numpy as np

from tg_parser.embed import normalise
from tg_parser.models import source_ref
from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.discovery import Draft
from tg_parser.topics.merging import merge_twins

TEXTS = {
    "anime": "Аниме стрим: смотрим новую серию вместе",
    "film": "Кино стрим: фильм вечера и оценка зрителей",
}


def _corpus(rows: list[tuple[str, list[float]]]) -> Corpus:
    items = [
        Item(
            ref=source_ref("c", "post", n),
            channel_id="c",
            message_id=str(n),
            message_type="post",
            text=TEXTS[subject] + f" {n}",
            language="ru",
        )
        for n, (subject, _) in enumerate(rows, start=1)
    ]
    return Corpus(items, normalise(np.array([v for _, v in rows], dtype=np.float32)))


def _draft(corpus: Corpus, indexes: list[int]) -> Draft:
    centre = normalise(corpus.vectors[indexes].mean(axis=0))
    return Draft("cluster", [(i, 0.9) for i in indexes[:2]], centre, {i: 0.8 for i in indexes[2:]})


def test_near_clusters_with_one_leading_phrase_merge_into_the_kept_or_larger_one() -> None:
    rows = [("anime", [1, 0.1, 0])] * 3 + [("anime", [1, -0.1, 0])] * 4
    rows += [("film", [0.9, 0, 0.4])] * 3
    data = _corpus(rows)
    small, large, film = (
        _draft(data, [0, 1, 2]),
        _draft(data, [3, 4, 5, 6]),
        _draft(data, [7, 8, 9]),
    )

    merged = merge_twins(data, [small, large, film], [], threshold=0.5)

    assert merged == [large, film]  # the film cluster is near, but names another subject
    assert np.allclose(large.centre, normalise(data.vectors[:7].mean(axis=0)))
    assert set(large.members) == {0, 1, 2, 5, 6}  # the twin's documents, until settled
    small, large = _draft(data, [0, 1, 2]), _draft(data, [3, 4, 5, 6])
    assert merge_twins(data, [small, large], [small], threshold=0.5) == [small]  # its id stays


def test_clusters_far_apart_stay_apart_whatever_their_words() -> None:
    data = _corpus([("anime", [1, 0, 0])] * 3 + [("anime", [0, 1, 0])] * 3)
    first, second = _draft(data, [0, 1, 2]), _draft(data, [3, 4, 5])

    assert merge_twins(data, [first, second], [], threshold=0.5) == [first, second]
