"""A query as the retrievers see it: checked text, and the stemmed terms of its content words.

Only words reach the full-text index (a word is letters and digits, see store/terms.py),
each one quoted, so quotes, ``*``, ``NEAR``, ``-``, ``:`` or SQL in a query are just text.
"""

from __future__ import annotations

from dataclasses import dataclass

from tg_parser.errors import InputError
from tg_parser.search.models import MAX_QUERY_CHARS
from tg_parser.store.terms import normalised, stem, words
from tg_parser.text.words import STOPWORDS

MAX_TERMS = 32  # the most distinct terms a full-text query asks for


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[str, ...]  # the stems looked up in the index, in query order

    @classmethod
    def parse(cls, text: str) -> Query:
        """The query, or an ``InputError`` for an empty or overlong one."""
        text = " ".join(text.split())
        if not text:
            raise InputError("the search query is empty: give some words to look for")
        if len(text) > MAX_QUERY_CHARS:
            raise InputError(
                f"the search query is {len(text)} characters long; at most {MAX_QUERY_CHARS}"
            )
        return cls(text=text, terms=query_terms(text))


def query_terms(text: str) -> tuple[str, ...]:
    """The distinct stems of the query's words, stopwords left out (unless that leaves
    nothing: a query of only stopwords is still looked up)."""
    found = [normalised(match.group()) for match in words(text)]
    content = [word for word in found if word not in STOPWORDS] or found
    stems = dict.fromkeys(stem(word) for word in content)
    return tuple(stems)[:MAX_TERMS]
