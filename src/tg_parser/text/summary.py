"""Extractive summary: the most central sentences of a message within a length budget.

Each sentence is a TF-IDF vector of its word stems (stopwords aside); a sentence's
centrality is its cosine similarity to the centroid of all sentences. The most central
sentences that fit the budget are kept in their original order. A very long message is
summarised from its head (``ANALYSED_CHARS``): the work stays bounded.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

from tg_parser.text.sentences import split_sentences
from tg_parser.text.words import HASHTAG, head, is_stopword, stem, words

BUDGET = 300  # characters
MIN_LENGTH = 400  # characters; shorter messages are their own summary
_ELLIPSIS = "..."
_TRAILING_TAGS = re.compile(r"(?:\s+#\w+)+$")
_TERMINAL = frozenset(".!?…:;\"'»)")


def summarise(text: str, *, budget: int = BUDGET, min_length: int = MIN_LENGTH) -> str | None:
    """The most central sentences of ``text`` (of its head, when very long) within
    ``budget`` characters, in order; None for a text shorter than ``min_length`` or of a
    single sentence."""
    if len(text) < min_length:
        return None
    sentences = [
        _TRAILING_TAGS.sub("", s)
        for s in split_sentences(head(text))
        if len(words(HASHTAG.sub(" ", s))) >= 2
    ]
    if len(sentences) < 2:
        return None
    order = sorted(range(len(sentences)), key=_ranking(centrality(sentences)))
    chosen: list[int] = []
    used = 0
    for index in order:
        cost = len(_closed(sentences[index])) + (1 if chosen else 0)
        if used + cost <= budget:
            chosen.append(index)
            used += cost
    if not chosen:
        return _shorten(sentences[order[0]], budget)
    return " ".join(_closed(sentences[i]) for i in sorted(chosen))


def centrality(sentences: list[str]) -> list[float]:
    """Cosine similarity of each sentence's TF-IDF vector to the centroid (0..1)."""
    bags = [Counter(stem(w) for w in words(s) if not is_stopword(w)) for s in sentences]
    frequency = Counter(term for bag in bags for term in bag)
    idf = {term: math.log(1 + len(bags) / count) for term, count in frequency.items()}
    vectors = [_unit({t: n * idf[t] for t, n in bag.items()}) for bag in bags]
    centroid: dict[str, float] = {}
    for vector in vectors:
        for term, value in vector.items():
            centroid[term] = centroid.get(term, 0.0) + value
    centroid = _unit(centroid)
    return [sum(v * centroid[t] for t, v in vector.items()) for vector in vectors]


def _ranking(scores: list[float]) -> Callable[[int], tuple[float, int]]:
    # most central first; the earlier sentence wins a tie (and the first gets a small lead
    # bonus: Telegram posts open with their point)
    def key(index: int) -> tuple[float, int]:
        bonus = 0.05 if index == 0 else 0.0
        return (-round(scores[index] + bonus, 9), index)

    return key


def _closed(sentence: str) -> str:
    """A heading joined to the next sentence gets a full stop."""
    return sentence if sentence[-1] in _TERMINAL else sentence + "."


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {t: v / norm for t, v in vector.items()} if norm else {}


def _shorten(sentence: str, budget: int) -> str:
    cut = sentence[: max(budget - len(_ELLIPSIS), 0)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:—-") + _ELLIPSIS
