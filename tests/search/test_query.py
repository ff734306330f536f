"""Queries: checked, and cut into the stems of their content words."""

from __future__ import annotations

import pytest

from tg_parser.errors import InputError
from tg_parser.search.query import MAX_TERMS, Query, query_terms


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Как сдать анализ на ферритин?", ("сдат", "анализ", "ферритин")),
        ("testing the tests", ("test",)),
        ('NEAR("a" * b) -c:d', ("near", "b", "c", "d")),  # "a" is a stopword
        ("the and", ("the", "and")),  # only stopwords: still looked up
        ("Ёлки-палки", ("елк", "палк")),
        ("", ()),
    ],
)
def test_terms_are_stems_of_content_words(text: str, terms: tuple[str, ...]) -> None:
    assert query_terms(text) == terms


def test_terms_are_capped() -> None:
    assert len(query_terms(" ".join(f"word{n}" for n in range(100)))) == MAX_TERMS


@pytest.mark.parametrize("text", ["", "  \n\t ", "x" * 1001])
def test_empty_and_overlong_queries_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        Query.parse(text)
