"""Typed entities with confidence, deduplicated, in text order."""

# ruff: noqa: RUF001  (Russian text is the data here)

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sample_posts import sample_text
from tg_parser.text.entities import extract_entities
from tg_parser.text.words import ANALYSED_CHARS


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(e.type, e.value) for e in extract_entities(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Теги #python и #кофе_дома", [("hashtag", "#python"), ("hashtag", "#кофе_дома")]),
        ("C# и F# не теги, а &#123; тоже", []),
        ("Пишите @pgsql_news или @durov", [("mention", "@pgsql_news"), ("mention", "@durov")]),
        ("mail notes.techlife@example.com now", [("email", "notes.techlife@example.com")]),
        (
            "Docs: https://docs.astral.sh/uv/. And (see https://en.wikipedia.org/wiki/Go_(game))",
            [
                ("url", "https://docs.astral.sh/uv/"),
                ("url", "https://en.wikipedia.org/wiki/Go_(game)"),
            ],
        ),
        (
            "канал t.me/durov, сайт www.example.com!",
            [("url", "t.me/durov"), ("url", "www.example.com")],
        ),
        ("Звоните +7 (999) 123-45-67", [("phone", "+7 (999) 123-45-67")]),
        ("или 8 800 555-35-35.", [("phone", "8 800 555-35-35")]),
        ("Call +1 415 555 0100 today", [("phone", "+1 415 555 0100")]),
        ("ИНН 7701234567 не телефон", []),
        ("Встреча 12 марта 2026 г. в 10:00", [("date", "12 марта 2026 г.")]),
        ("Release on 2026-03-12.", [("date", "2026-03-12")]),
        ("Дедлайн 01.04.2025", [("date", "01.04.2025")]),
        ("on March 12, 2025 and Dec 5", [("date", "March 12, 2025"), ("date", "Dec 5")]),
        ("since 5 May 2024", [("date", "5 May 2024")]),
        ("2026-13-45 is not a date", []),
        (
            "15 км, 3.5 GB, 200 ms, $20, 25%, 290 ₽, 10 000 ₽, 92–96 °C",
            [
                ("number_with_unit", "15 км"),
                ("number_with_unit", "3.5 GB"),
                ("number_with_unit", "200 ms"),
                ("number_with_unit", "$20"),
                ("number_with_unit", "25%"),
                ("number_with_unit", "290 ₽"),
                ("number_with_unit", "10 000 ₽"),
                ("number_with_unit", "96 °C"),
            ],
        ),
        (
            "за 5 минут и 16 недель, 1 Гбит/с",
            [
                ("number_with_unit", "5 минут"),
                ("number_with_unit", "16 недель"),
                ("number_with_unit", "1 Гбит/с"),
            ],
        ),
        ("Python 3.14 и PostgreSQL 18", []),
    ],
)
def test_extracts_typed_entities(text: str, expected: list[tuple[str, str]]) -> None:
    assert _pairs(text) == expected


def test_duplicates_are_dropped_and_order_is_the_text_order() -> None:
    text = "#python and @durov, again #Python and @durov at https://t.me/durov"
    assert _pairs(text) == [
        ("hashtag", "#python"),
        ("mention", "@durov"),
        ("url", "https://t.me/durov"),
    ]


def test_an_email_is_not_a_mention_and_a_url_hides_its_parts() -> None:
    pairs = _pairs("a@example.com https://example.com/@user/2026-03-12?x=15%")
    assert pairs == [
        ("email", "a@example.com"),
        ("url", "https://example.com/@user/2026-03-12?x=15%"),
    ]


def test_real_post() -> None:
    entities = extract_entities(sample_text(7))
    pairs = [(e.type, e.value) for e in entities]
    assert ("url", "https://docs.astral.sh/uv/") in pairs
    assert ("number_with_unit", "2.1 seconds") in pairs
    assert ("hashtag", "#packaging") in pairs
    assert all(0.0 < e.confidence <= 1.0 for e in entities)


@given(st.text())
def test_never_fails(text: str) -> None:
    for entity in extract_entities(text):
        assert entity.value and entity.value in text and 0 <= entity.confidence <= 1


def test_a_very_long_message_yields_the_entities_of_its_head() -> None:
    line = "Docs at https://example.com/docs, 5 kg for $20 on 2026-01-02, ask @pgsql_news.\n"
    start = line * (ANALYSED_CHARS // len(line) + 1)
    tail = "Write to late@example.org about #bananas, +7 999 123-45-67, 12 GB.\n" * 2000
    assert _pairs(start + tail) == _pairs(start) == _pairs(line)


def test_overlapping_matches_among_many_entities_go_to_the_specific_type() -> None:
    text = " ".join(
        f"2026-01-{day:02d} https://ex.com/{day}/5kg +7 999 123-45-{day:02d}"
        for day in range(1, 29)
    )
    pairs = _pairs(text)
    assert len(pairs) == 28 * 3
    assert {kind for kind, _ in pairs} == {"date", "url", "phone"}
