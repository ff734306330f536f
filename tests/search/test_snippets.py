"""Snippets: the window with the most query words, cut at word edges, highlights inside."""

from __future__ import annotations

from tg_parser.search.query import query_terms
from tg_parser.search.snippets import ELLIPSIS, snippet


def _marked(text: str, query: str, width: int = 60) -> tuple[str, list[str]]:
    shown = snippet(text, set(query_terms(query)), width)
    return shown.text, [shown.text[start:end] for start, end in shown.highlights]


def test_the_window_with_most_query_words_is_shown() -> None:
    text = "Кофе. " + "слово " * 40 + "Ферритин и ферритина уровня. " + "хвост " * 30
    shown, marked = _marked(text, "ферритином уровни")
    assert shown.startswith(ELLIPSIS) and shown.endswith(ELLIPSIS)
    assert marked == ["Ферритин", "ферритина", "уровня"]


def test_a_text_without_query_words_shows_its_start() -> None:
    shown, marked = _marked("Short text about espresso", "чай")
    assert (shown, marked) == ("Short text about espresso", [])


def test_words_are_not_cut_and_long_tokens_are() -> None:
    shown, _ = _marked("alpha " * 5 + "testing " + "beta " * 30, "tests", width=30)
    words = shown.replace(ELLIPSIS, " ").split()
    assert "testing" in words and set(words) <= {"alpha", "testing", "beta"}
    link = "https://example.com/" + "x" * 200
    shown, _ = _marked(f"{link} tests", "tests", width=30)
    assert len(shown) <= 30 + 2 * len(ELLIPSIS) + 30
