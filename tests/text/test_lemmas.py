"""Dictionary forms: keys that join inflected forms, titles in the nominative."""

from __future__ import annotations

from tg_parser.text.lemmas import ends_a_title, lemma_key, names_a_thing, nominative


def test_keys_join_inflected_forms() -> None:
    assert lemma_key("анализа") == lemma_key("Анализы") == "анализ"
    assert lemma_key("backups") == lemma_key("backup")
    assert lemma_key("ёлки") == lemma_key("елка")


def test_nominative_agrees_adjectives_with_their_noun() -> None:
    assert nominative(["резервных", "копий"]) == ["резервные", "копии"]
    assert nominative(["Стального", "алхимика"]) == ["Стальной", "алхимик"]
    assert nominative(["анализа", "крови"]) == ["анализ", "крови"]
    assert nominative(["ZFS", "snapshots"]) == ["ZFS", "snapshots"]
    assert nominative(["ВоВсеТяжкие"]) == ["ВоВсеТяжкие"]


def test_verbs_and_adverbs_do_not_name_things() -> None:
    assert [names_a_thing(w) for w in ["ферритин", "показывает", "очень", "ZFS"]] == [
        True,
        False,
        False,
        True,
    ]


def test_english_words_that_cannot_name_a_thing() -> None:
    named = ["snapshots", "lectures", "Fasting", "restore", "hard", "Cloudflare", "Sunnah"]
    assert all(names_a_thing(word) for word in named)  # "lectures" is a plural, not a verb
    assert not any(names_a_thing(word) for word in ["avoids", "follows", "said", "never"])


def test_an_english_title_ends_with_what_can_be_a_noun() -> None:
    assert all(ends_a_title(word) for word in ["drives", "test", "running", "ZFS", "ферритин"])
    assert not any(ends_a_title(word) for word in ["hard", "new", "restore", "quickly"])
