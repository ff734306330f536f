"""Pure topic discovery and card writing over synthetic vectors."""

# ruff: noqa: RUF001

from __future__ import annotations

import numpy as np
import pytest

from tg_parser.embed import normalise
from tg_parser.models import source_ref
from tg_parser.topics.cards import key_phrases, scope_out
from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.discovery import Draft, discover, singleton_score
from tg_parser.topics.options import TopicOptions

LONG = "Подробный разбор темы с примерами и цифрами. " * 10


def corpus(groups: int = 3, per_group: int = 8, loners: int = 2, seed: int = 1) -> Corpus:
    """``groups`` tight clusters of posts, each with one comment, plus far-away long posts."""
    rng = np.random.default_rng(seed)
    directions = normalise(rng.normal(size=(groups + loners, 64)).astype(np.float32))
    items, rows, number = [], [], 0
    for g in range(groups):
        for _ in range(per_group):
            number += 1
            items.append(
                _item(number, "post", f"Пост о теме {g}. Детали.", (f"тема {g}", "детали"))
            )
            rows.append(directions[g] + rng.normal(0, 0.05, 64))
        number += 1
        items.append(_item(number, "comment", "Согласен", (), thread=number - 1))
        rows.append(directions[g] + rng.normal(0, 0.05, 64))
    for k in range(loners):
        number += 1
        items.append(_item(number, "post", LONG, ("разбор", "примеры", "цифры", f"тема {k}")))
        rows.append(directions[groups + k])
    order = sorted(range(len(items)), key=lambda i: items[i].ref)
    vectors = normalise(np.array(rows, dtype=np.float32))
    return Corpus([items[i] for i in order], vectors[order])


def _item(
    number: int, kind: str, text: str, phrases: tuple[str, ...], thread: int | None = None
) -> Item:
    return Item(
        ref=source_ref("chan", kind, number),  # type: ignore[arg-type]
        channel_id="chan",
        message_id=str(number),
        message_type=kind,  # type: ignore[arg-type]
        text=text,
        phrases=phrases,
        language="ru",
        thread_ref=source_ref("chan", "post", thread) if thread else None,
    )


def test_clusters_singletons_and_supporting_items() -> None:
    data = corpus()
    drafts = discover(data, [], TopicOptions())
    kinds = sorted(d.type for d in drafts)
    assert kinds == ["cluster", "cluster", "cluster", "singleton", "singleton"]
    for draft in drafts:
        scores = [s for _, s in draft.anchors]
        assert scores == sorted(scores, reverse=True)
        assert all(s >= 0.5 for s in draft.members.values())
    clusters = [d for d in drafts if d.type == "cluster"]
    assert all(len(d.anchors) == 3 and len(d.anchors) + len(d.members) == 9 for d in clusters)


def test_discovery_is_deterministic_and_keeps_earlier_topics() -> None:
    data = corpus()
    first = discover(data, [], TopicOptions())
    again = discover(data, [], TopicOptions())
    assert [(d.anchors, d.members) for d in first] == [(d.anchors, d.members) for d in again]
    kept = [Draft(d.type, d.anchors, d.centre) for d in first]
    rerun = discover(data, kept, TopicOptions())
    assert [(d.anchors, d.members) for d in rerun] == [(d.anchors, d.members) for d in first]


def test_max_topics_keeps_the_largest() -> None:
    drafts = discover(corpus(), [], TopicOptions(max_topics=2))
    assert [d.type for d in drafts] == ["cluster", "cluster"]


def test_too_few_posts_make_no_cluster() -> None:
    assert discover(corpus(groups=1, per_group=2, loners=0), [], TopicOptions()) == []


@pytest.mark.parametrize(
    ("length", "phrases", "expected"),
    [(600, 4, 1.0), (300, 4, 0.7), (600, 0, 0.6), (900, 2, 0.8)],
)
def test_singleton_score(length: int, phrases: int, expected: float) -> None:
    item = _item(1, "post", "x" * length, tuple(f"p{i}" for i in range(phrases)))
    assert singleton_score(item) == expected


def test_key_phrases_prefer_the_channel_language_and_scope_out_falls_back() -> None:
    ru = _item(1, "post", "текст", ("кофе",))
    en = Item(**{**ru.__dict__, "language": "en", "phrases": ("coffee",)})
    assert key_phrases([(ru, 0.5), (en, 0.9)], "ru") == ["кофе"]
    assert scope_out(["Кофе"], np.ones((1, 2)), 0, "ru") == ["Другие темы канала"]
    centres = normalise(np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
    assert scope_out(["A", "B", "C"], centres, 0, "en") == ["B", "C"]
