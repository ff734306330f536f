# ruff: noqa: RUF001  (Cyrillic and Arabic letters are the data here)
"""Lexical vectors joined to the embedding."""

from __future__ import annotations

import numpy as np
import pytest

from tg_parser.embed import normalise
from tg_parser.models import source_ref
from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.lexical import content_stems, shape_tokens, with_lexical
from tg_parser.topics.options import TopicOptions

TEXTS = [
    "Restic backups to a remote bucket every night",
    "Restic restore tests: the backups are only as good as the restore",
    "ZFS snapshots and scrubs on the pool",
    "A ZFS pool with snapshots every hour",
    "Home Assistant automations for the lights",
    "Home Assistant presence detection and lights",
]


def _corpus() -> Corpus:
    items = [
        Item(source_ref("c", "post", n), "c", str(n), "post", text)
        for n, text in enumerate(TEXTS, start=1)
    ]
    vectors = normalise(np.random.default_rng(0).normal(size=(len(items), 8)).astype(np.float32))
    return Corpus(items, vectors)


def test_content_stems_of_arabic_words_drop_their_marks_and_prefixes() -> None:
    assert content_stems("الصَّلاةُ عِمَادُ الدِّينِ، والصلاة بالكتاب") == [
        "صلا",
        "عماد",
        "دين",
        "والصلا",
        "كتاب",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Heat (1995)\nОценка: 9/10\n\n#КиноСтрим", ["#кинострим", "<year>"]),
        ("#Restic #restic and #2", ["#restic", "#restic"]),
        (
            "Video: https://youtu.be/abc and www.GitHub.com/x/y",
            ["<site:youtu.be>", "<site:github.com>"],
        ),
        ("Released in 1995, 2 TB", []),
    ],
)
def test_shape_tokens(text: str, expected: list[str]) -> None:
    assert shape_tokens(text) == expected


def test_content_stems_keep_the_words_that_carry_content() -> None:
    assert content_stems("Is it the restic backups? A ZFS pool, 2 TB") == [
        "restic",
        "backup",
        "zfs",
        "pool",
    ]


def test_vectors_are_joined_normalised_and_the_same_on_a_rerun() -> None:
    data = _corpus()
    options = TopicOptions(lexical_weight=0.4, lexical_dimensions=3)

    joined = with_lexical(data, options)

    assert joined.vectors.shape == (6, 8 + 3)
    assert np.allclose(np.linalg.norm(joined.vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(joined.vectors, with_lexical(_corpus(), options).vectors)
    lexical = joined.vectors[:, 8:]
    same = float(lexical[0] @ lexical[1])  # two restic posts share their words
    other = float(lexical[0] @ lexical[4])
    assert same > other


def test_weight_zero_leaves_the_embedding_alone() -> None:
    data = _corpus()
    assert with_lexical(data, TopicOptions(lexical_weight=0)) is data
