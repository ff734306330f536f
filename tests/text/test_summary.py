"""Sentence splitting (RU/EN, abbreviations, URLs, numbers) and the extractive summary."""

# ruff: noqa: RUF001  (Russian text is the data here)

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sample_posts import sample_text
from tg_parser.text.clean import clean_text
from tg_parser.text.sentences import split_sentences
from tg_parser.text.summary import centrality, select_sentences, summarise
from tg_parser.text.words import ANALYSED_CHARS


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Первое. Второе! Третье? Четвёртое…", ["Первое.", "Второе!", "Третье?", "Четвёртое…"]),
        ("Вышел Python 3.14. Ура.", ["Вышел Python 3.14.", "Ура."]),
        (
            "См. https://docs.python.org/3/whatsnew/3.14.html. Там всё.",
            ["См. https://docs.python.org/3/whatsnew/3.14.html.", "Там всё."],
        ),
        ("Это т.е. пример, т.д. и т.п. Конец.", ["Это т.е. пример, т.д. и т.п. Конец."]),
        ("Автор — А. С. Пушкин. Дальше.", ["Автор — А. С. Пушкин.", "Дальше."]),
        ("E.g. this works. Mr. Smith agrees.", ["E.g. this works.", "Mr. Smith agrees."]),
        ("It costs $7,500. Sales grew 25%.", ["It costs $7,500.", "Sales grew 25%."]),
        ("Он сказал: «Хватит!» Потом ушёл.", ["Он сказал: «Хватит!»", "Потом ушёл."]),
        ("Заголовок\n\nТекст абзаца. Ещё одно.", ["Заголовок", "Текст абзаца.", "Ещё одно."]),
        ("version 3.13.2 and uv.lock stay whole", ["version 3.13.2 and uv.lock stay whole"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


_PIECES = st.sampled_from(
    [
        "Word",
        "word",
        "т.е.",
        "U.S.",
        "A.",
        "end.",
        "end!",
        "why?",
        "so…",
        "«Quote.»",
        '"Hi."',
        "(see)",
        "3.14.",
        "...",
        ".",
        "x.)",
        "Ура!",
        "мир",
        " ",
        " ",
        "  ",
        "\n",
        "\t",
        "\u00a0",
    ]
)


@given(st.lists(_PIECES, max_size=60).map(" ".join))
def test_splitting_keeps_every_word_in_order(text: str) -> None:
    sentences = split_sentences(text)
    assert " ".join(sentences) == " ".join(text.split())
    assert all(s and s == " ".join(s.split()) for s in sentences)


def test_a_sentence_ends_only_before_a_capital_or_a_digit() -> None:
    text = "One. two. Three! four? 5. Six… seven."
    assert split_sentences(text) == ["One. two.", "Three! four?", "5.", "Six… seven."]


def test_a_very_long_message_is_summarised_from_its_head() -> None:
    point = (
        "PostgreSQL 17 vacuums large tables much faster than before.\n"
        "The new memory structure cuts vacuum time and memory for large tables.\n"
    )
    start = point * (ANALYSED_CHARS // len(point) + 1)
    bananas = "Bananas ripen faster in paper bags. Green bananas ripen in bags within days.\n"
    summary = summarise(start + bananas * 3000)
    assert summary is not None and "banana" not in summary.casefold()
    assert summary == summarise(start)


@pytest.mark.parametrize("post_id", [4, 5, 6, 7, 8, 9, 16, 18, 20])
def test_summary_of_real_posts_is_central_sentences_within_budget(post_id: int) -> None:
    text = clean_text(sample_text(post_id))
    summary = summarise(text)
    assert summary is not None
    assert len(summary) <= 300
    assert "#" not in summary  # trailing hashtags are not summary material
    words = summary.split()
    assert 5 <= len(words) < len(text.split())
    positions = [text.find(s.rstrip(".")) for s in split_sentences(summary)]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)


def test_summary_opens_with_the_heading_of_a_titled_post() -> None:
    summary = summarise(clean_text(sample_text(9)))
    assert summary is not None and summary.startswith("EV market 2024 in numbers.")


@pytest.mark.parametrize("post_id", [14, 19])  # under 400 characters
def test_short_messages_have_no_summary(post_id: int) -> None:
    assert len(sample_text(post_id)) < 400
    assert summarise(sample_text(post_id)) is None


def test_budget_and_threshold_are_parameters() -> None:
    text = clean_text(sample_text(8))
    short = summarise(text, budget=120)
    assert short is not None and len(short) <= 120
    assert summarise(text, min_length=10_000) is None
    assert summarise(sample_text(19), min_length=100) is not None


def test_one_long_sentence_is_shortened_at_a_word() -> None:
    sentence = ("Очень длинное предложение " * 30).strip()
    summary = summarise(f"{sentence}. Второе {sentence.lower()}.", budget=100)
    assert summary is not None and len(summary) <= 100 and summary.endswith("...")


def test_the_most_central_sentence_scores_highest() -> None:
    sentences = [
        "PostgreSQL vacuum frees dead rows in tables.",
        "Autovacuum runs vacuum on tables automatically.",
        "My cat likes fish.",
    ]
    scores = centrality(sentences)
    assert scores[2] < min(scores[:2])
    assert all(0.0 <= s <= 1.0 + 1e-9 for s in scores)


@given(st.text(), st.integers(min_value=0, max_value=500))
def test_never_fails_and_keeps_the_budget(text: str, budget: int) -> None:
    summary = summarise(text, budget=budget, min_length=0)
    assert summary is None or len(summary) <= max(budget, 3)


def test_select_sentences_is_central_and_not_redundant() -> None:
    sentences = [
        "PostgreSQL 17 vacuums large tables faster.",
        "PostgreSQL 17 vacuums large tables faster!",
        "Оценка: 8/10 for the new PostgreSQL vacuum.",
        "Оценка: 9/10 for the new PostgreSQL vacuum.",
        "Autovacuum settings matter for large PostgreSQL tables.",
        "My cat likes boxes.",
    ]
    chosen = select_sentences(sentences, [1.0] * 6, budget=400, limit=3)
    assert chosen[0].startswith("PostgreSQL 17 vacuums")
    assert len(chosen) == 3
    assert sum(s.startswith("Оценка") for s in chosen) <= 1  # numbers aside, the same
    assert "My cat likes boxes." not in chosen
    assert select_sentences(sentences, [1.0] * 6, budget=60, limit=3) == [chosen[0]]
