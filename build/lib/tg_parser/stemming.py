"""Word stems: the Snowball stemmers (PyStemmer), the one module that imports them.

A word is case-folded and ``ё`` read as ``е``; Cyrillic words take the Russian rules, the
others the English ones (``ферритина``, ``ферритином`` → ``ферритин``; ``tests``,
``testing`` → ``test``), so no language detection is needed and mixed texts work. The
search index, offline titles and a model's topic labels all stem through here, so a word
has one stem everywhere.
"""

# ruff: noqa: RUF001, RUF002  (Cyrillic letters are the data here)

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_CYRILLIC = re.compile(r"[а-я]")
_RUSSIAN = Stemmer.Stemmer("russian")
_ENGLISH = Stemmer.Stemmer("english")


def normalised(word: str) -> str:
    return word.casefold().replace("ё", "е")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of one normalised word (Russian rules for Cyrillic, English otherwise)."""
    stemmer = _RUSSIAN if _CYRILLIC.search(word) else _ENGLISH
    return str(stemmer.stemWord(word))
