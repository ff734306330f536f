"""Key phrases: the author's hashtags first, then 1 to 3 word phrases, RU and EN."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sample_posts import sample_text
from tg_parser.text.clean import clean_text
from tg_parser.text.keyphrases import distinct_phrases, key_phrases
from tg_parser.text.words import ANALYSED_CHARS, STOPWORDS


@pytest.mark.parametrize(
    ("post_id", "expected"),
    [
        (4, {"python", "python314", "альфа", "аннотаций"}),
        (5, {"postgresql", "tuning", "памяти", "индексов"}),
        (10, {"postgresql", "vacuum", "место", "таблицы"}),
        (16, {"postgresql", "vacuum", "autovacuum", "таблицы"}),
        (7, {"python", "packaging", "pip", "pyenv"}),
        (9, {"ev", "market", "sales", "plug-in"}),
        (18, {"python", "performance", "free-threaded", "gil"}),
    ],
)
def test_key_phrases_of_real_posts(post_id: int, expected: set[str]) -> None:
    phrases = key_phrases(clean_text(sample_text(post_id)), top_k=8)
    assert expected <= set(phrases)


def test_hashtags_come_first_in_order_without_the_hash() -> None:
    phrases = key_phrases(clean_text(sample_text(6)))
    assert phrases[:2] == ["кофе", "coffee"]


def test_repeated_multiword_phrase_is_one_phrase() -> None:
    text = (
        "Connection pooling matters. Without connection pooling every request opens a "
        "socket; with connection pooling in PgBouncer the database stays calm."
    )
    phrases = key_phrases(text, top_k=3)
    assert phrases[0] == "connection pooling"
    assert "connection" not in phrases and "pooling" not in phrases


def test_inflected_forms_count_as_one_word() -> None:
    text = "Аннотации в Python. Про аннотации спорят. Чтение аннотаций стало проще."
    assert key_phrases(text, top_k=1) == ["аннотации"]


@pytest.mark.parametrize("post_id", [4, 8, 12, 20])
def test_phrases_are_lower_case_with_no_stopword_at_the_edges(post_id: int) -> None:
    phrases = key_phrases(sample_text(post_id), top_k=10)
    assert len(phrases) == len(set(phrases)) == 10
    for phrase in phrases:
        words = phrase.split()
        assert phrase == phrase.lower() and 1 <= len(words) <= 3
        assert words[0] not in STOPWORDS and words[-1] not in STOPWORDS


def test_top_k_and_determinism() -> None:
    text = sample_text(8)
    assert len(key_phrases(text, top_k=3)) == 3
    assert key_phrases(text, top_k=3) == key_phrases(text, top_k=10)[:3]
    assert key_phrases(text) == key_phrases(text)


@pytest.mark.parametrize("text", ["", "😀", "и в на", "https://example.com @someone"])
def test_nothing_to_say(text: str) -> None:
    assert key_phrases(text) == []


@given(st.text(), st.integers(min_value=0, max_value=10))
def test_never_fails(text: str, top_k: int) -> None:
    phrases = key_phrases(text, top_k=top_k)
    assert len(phrases) <= top_k and all(phrases)


def test_distinct_phrases_strip_drop_empty_and_repeats_and_cap() -> None:
    phrases = [" PostgreSQL ", "postgresql", "", "  ", "autovacuum", "Index", "WAL", "MVCC", "x"]
    assert distinct_phrases(phrases) == ["PostgreSQL", "autovacuum", "Index", "WAL", "MVCC"]
    assert distinct_phrases(phrases, limit=2) == ["PostgreSQL", "autovacuum"]


def test_a_very_long_message_has_the_key_phrases_of_its_head() -> None:
    line = "PostgreSQL vacuum speeds up large tables; vacuum memory shrinks.\n"
    start = line * (ANALYSED_CHARS // len(line) + 1)
    tail = "Bananas ripen in paper bags, bananas everywhere.\n" * 5000
    phrases = key_phrases(start + tail)
    assert phrases == key_phrases(start)
    assert "vacuum" in phrases and not any("banana" in p for p in phrases)
