"""The search index's analyser: text → the stemmed terms that are indexed and searched.

It lives with the index because the index is made of its output: the repository writes
the terms of every saved document, the migration that created the index backfilled them,
and a query must be cut into terms the same way to match. A word is a run of letters and
digits (``[^\\W_]+``) with the combining marks written over them (Arabic vowel marks),
stemmed by ``tg_parser.stemming`` (Russian rules for Cyrillic, Arabic for Arabic, English
for Latin), so the index needs no language detection and mixed texts work.
Terms are plain alphanumeric words, which both backends index alike: SQLite's FTS5
``unicode61`` tokenizer and PostgreSQL's ``simple`` configuration take them as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from tg_parser.stemming import COMBINING_MARKS, normalised, stem

# a word as the index sees it (underscores split words, as both backends' parsers do)
WORD = re.compile(rf"(?:[^\W_][{COMBINING_MARKS}]*)+")
# the longest word kept: longer runs (hashes, base64) are noise that bloats the index
MAX_WORD = 40

__all__ = ["WORD", "index_text", "normalised", "stem", "term", "terms", "words"]


def words(text: str) -> Iterator[re.Match[str]]:
    """The words of ``text``, with their positions (for highlighting)."""
    return (match for match in WORD.finditer(text) if len(match.group()) <= MAX_WORD)


@lru_cache(maxsize=200_000)
def term(word: str) -> str:
    """The indexed term of one word as written (its normalised stem; cached, as the same
    words come back in every text)."""
    return stem(normalised(word))


def terms(text: str) -> list[str]:
    """The stemmed terms of ``text`` in order (repeats kept: they count for ranking)."""
    return [term(match.group()) for match in words(text)]


def index_text(text: str) -> str:
    """What the index stores for a document: its terms, space-separated."""
    return " ".join(terms(text))
