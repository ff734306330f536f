"""Offline titles on real texts (a subset of a real Russian channel, tests/data/topics):
phrases a person would write, never mojibake, never the same title twice."""

# ruff: noqa: RUF001

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tg_parser.embed import normalise
from tg_parser.models import source_ref
from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.discovery import Draft
from tg_parser.topics.titles import distinct_titles, title_form, title_of, topic_phrases

SUBSET = json.loads(
    (Path(__file__).parent.parent / "data" / "topics" / "guzel_subset.json").read_text("utf-8")
)


def channel() -> tuple[Corpus, dict[str, Draft]]:
    """One draft per group of the subset; each group's posts are its anchor and members."""
    items, groups = [], {}
    for name, texts in SUBSET.items():
        for text in texts:
            number = len(items) + 1
            ref = source_ref("guzel", "post", number)
            items.append(Item(ref, "guzel", str(number), "post", text, language="ru"))
            groups.setdefault(name, []).append(len(items) - 1)
    vectors = normalise(np.eye(len(items), dtype=np.float32))
    data = Corpus(items, vectors)
    drafts = {
        name: Draft(
            "cluster" if len(indexes) > 1 else "singleton",
            [(indexes[0], 0.9)],
            vectors[indexes[0]],
            {i: 0.8 for i in indexes[1:]},
        )
        for name, indexes in groups.items()
    }
    return data, drafts


def test_titles_are_phrases_of_the_texts_in_the_channel_language() -> None:
    data, drafts = channel()
    titles = {name: title_of(data, draft, "ru") for name, draft in drafts.items()}
    assert titles["kino"] == "Оценка Пачума"  # in every post: the multi-word phrase wins
    assert titles["super"] == "Сверхи"  # the author's own hashtag for the series
    assert titles["anime"] == "Аниме стрим"  # the author's CamelCase hashtag, in words
    assert ":" not in "".join(titles.values())


def test_english_titles_are_noun_phrases() -> None:
    texts = [
        "Cloudflare Tunnel avoids opening ports. Home Assistant's presence detection follows.",
        "The Cloudflare Tunnel avoids port forwarding; Home Assistant's automations are next.",
        "Nothing offsite yet: Cloudflare Tunnel avoids it all, said the Home Assistant forum.",
    ]
    items = [
        Item(source_ref("lab", "post", n), "lab", str(n), "post", text, language="en")
        for n, text in enumerate(texts, start=1)
    ]
    vectors = normalise(np.eye(len(items), dtype=np.float32))
    draft = Draft("cluster", [(0, 0.9)], vectors[0], {1: 0.8, 2: 0.8})
    phrases = [p.text for p in topic_phrases(Corpus(items, vectors), draft, "en")]
    assert phrases[:2] == ["Cloudflare Tunnel", "Home Assistant"]  # no possessive
    assert not any(word in p.split() for p in phrases for word in ["avoids", "Nothing", "said"])


def test_mojibake_never_becomes_a_title() -> None:
    data, drafts = channel()
    assert title_of(data, drafts["moji"], "ru") == "Заметки канала"
    assert (
        "Сверхъестественное"
        in distinct_titles(data, [drafts["super"], drafts["super"]], ["Сверхи", "Сверхи"], "ru")[1]
    )  # the headline without its episodes


def test_duplicate_titles_get_the_next_phrase_deterministically() -> None:
    data, drafts = channel()
    order = [drafts["kino"], drafts["anime"], drafts["super"]]
    titles = distinct_titles(data, order, ["Стрим", "Стрим", "Стрим"], "ru")
    assert len({t.casefold() for t in titles}) == 3
    assert titles[0] == "Стрим"  # the largest topic keeps the title
    assert all(t.startswith("Стрим") for t in titles)
    assert distinct_titles(data, order, ["Стрим", "Стрим", "Стрим"], "ru") == titles


def test_title_form() -> None:
    assert title_form("звёздных войн") == "Звёздные войны"
    assert title_form("анализа крови") == "Анализ крови"
    assert title_form("ВоВсеТяжкие") == "Во все тяжкие"
    assert title_form("СТАЛЬНОЙ АЛХИМИК") == "Стальной алхимик"
    assert title_form("ТТГ") == "ТТГ"
    assert title_form("backups") == "Backups"
    assert title_form("PostgreSQL") == "PostgreSQL"
    assert title_form("EVs") == "EVs"
