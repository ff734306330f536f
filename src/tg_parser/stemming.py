"""Word stems: the Snowball stemmers (PyStemmer), the one module that imports them.

A word is case-folded, stripped of the combining marks that no precomposed letter holds
(Arabic vowel marks, Russian stress marks) and of the Arabic tatweel, with ``ё`` read as
``е`` and ``ٱ`` as ``ا``. Its script picks the rules: Cyrillic words take the Russian
ones, Arabic words the Arabic ones, Latin words the English ones, and a word of any other
script is its own stem (``ферритина``, ``ферритином`` → ``ферритин``; ``tests``,
``testing`` → ``test``; ``الصلاة``, ``صلاة`` → ``صلا``) — no language detection is needed
and mixed texts work. The search index, offline titles and a model's topic labels all
stem through here, so a word has one stem everywhere.
"""

# ruff: noqa: RUF001, RUF002  (Cyrillic and Arabic letters are the data here)

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_RULES = (
    (re.compile(r"[а-я]"), Stemmer.Stemmer("russian")),
    (re.compile(r"[\u0621-\u064a]"), Stemmer.Stemmer("arabic")),
    (re.compile(r"[a-z]"), Stemmer.Stemmer("english")),
)
_TATWEEL = "\u0640"
# the combining marks written over letters that no precomposed letter holds (Russian stress
# marks, Arabic vowel and Quranic marks), as a regex class body: a word goes on across them
COMBINING_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"


def normalised(word: str) -> str:
    """``word`` case-folded and composed, its loose combining marks and tatweel dropped,
    ``ё`` read as ``е`` and the Arabic alef wasla as a plain alef."""
    composed = unicodedata.normalize("NFC", word.casefold())
    kept = (char for char in composed if not unicodedata.combining(char) and char != _TATWEEL)
    return "".join(kept).replace("ё", "е").replace("ٱ", "ا")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of one normalised word: by the rules of its script (Russian, Arabic,
    English), the word itself in another script."""
    for letters, stemmer in _RULES:
        if letters.search(word):
            return str(stemmer.stemWord(word))
    return word
