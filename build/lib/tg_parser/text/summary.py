"""Extractive summaries: the most central sentences of a message within a length budget
(:func:`summarise`), and the central, non-redundant sentences of many messages — a topic's
(:func:`select_sentences`, maximal marginal relevance).

Each sentence is a TF-IDF vector of its word stems (stopwords aside); a sentence's
centrality is its cosine similarity to the centroid of all sentences. The most central
sentences that fit the budget are kept in their original order. A very long message is
summarised from its head (``ANALYSED_CHARS``): the work stays bounded.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

from tg_parser.text.sentences import split_sentences
from tg_parser.text.words import HASHTAG, head, is_stopword, stem, words

BUDGET = 300  # characters
NEAR_DUPLICATE = 0.8  # cosine of two sentences that say the same
MIN_LENGTH = 400  # characters; shorter messages are their own summary
_ELLIPSIS = "..."
_NUMBER = re.compile(r".*\d.*")  # a number, a rating, an episode code ("S10", "E1-6")
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
    vectors = _vectors(sentences)
    centroid = _centroid(vectors, [1.0] * len(vectors))
    return [_dot(vector, centroid) for vector in vectors]


def select_sentences(
    sentences: Sequence[str],
    weights: Sequence[float],
    *,
    budget: int = 400,
    limit: int = 3,
    diversity: float = 0.3,
) -> list[str]:
    """Up to ``limit`` sentences within ``budget`` characters, chosen by maximal marginal
    relevance: central to all of them (their centroid weighted by ``weights``, e.g. how
    close each sentence's message is to the topic) and unlike those already chosen
    (``diversity`` weighs the redundancy). Most relevant first; repeats are left out."""
    unique = list(dict.fromkeys(s.strip() for s in sentences if s.strip()))
    first = {s.strip(): w for s, w in reversed(list(zip(sentences, weights, strict=True)))}
    vectors = _vectors(unique)
    centroid = _centroid(vectors, [first[s] for s in unique])
    relevance = [_dot(vector, centroid) for vector in vectors]
    chosen: list[int] = []
    used = 0
    candidates = set(range(len(unique)))
    while candidates and len(chosen) < limit:
        candidates -= {i for i in candidates if _redundant(i, vectors, chosen)}
        if not candidates:
            break
        best = max(
            candidates, key=lambda i: (_marginal(i, relevance, vectors, chosen, diversity), -i)
        )
        candidates.discard(best)
        cost = len(_ended(unique[best])) + (1 if chosen else 0)
        if used + cost <= budget:
            chosen.append(best)
            used += cost
    return [_ended(unique[i]) for i in chosen]


def _ended(sentence: str) -> str:
    """A sentence that ends in a full stop (or ``!``, ``?``, ``…``), so that sentences of
    different messages read as separate sentences when joined."""
    return sentence if sentence[-1] in ".!?…" else sentence.rstrip(":;,-\u2013\u2014 ") + "."


def _redundant(index: int, vectors: list[dict[str, float]], chosen: list[int]) -> bool:
    """Saying what a chosen sentence says (the same words but a number or two)."""
    return any(_dot(vectors[index], vectors[j]) >= NEAR_DUPLICATE for j in chosen)


def _marginal(
    index: int,
    relevance: list[float],
    vectors: list[dict[str, float]],
    chosen: list[int],
    diversity: float,
) -> float:
    redundancy = max((_dot(vectors[index], vectors[j]) for j in chosen), default=0.0)
    return round((1 - diversity) * relevance[index] - diversity * redundancy, 9)


def _vectors(sentences: Sequence[str]) -> list[dict[str, float]]:
    """TF-IDF of the sentences' word stems (words with digits aside: "8/10" or "S2" is not
    what a sentence is about)."""
    bags = [
        Counter(stem(w) for w in words(s) if not is_stopword(w) and not _NUMBER.fullmatch(w))
        for s in sentences
    ]
    frequency = Counter(term for bag in bags for term in bag)
    idf = {term: math.log(1 + len(bags) / count) for term, count in frequency.items()}
    return [_unit({t: n * idf[t] for t, n in bag.items()}) for bag in bags]


def _centroid(vectors: list[dict[str, float]], weights: Sequence[float]) -> dict[str, float]:
    centroid: dict[str, float] = {}
    for vector, weight in zip(vectors, weights, strict=True):
        for term, value in vector.items():
            centroid[term] = centroid.get(term, 0.0) + weight * value
    return _unit(centroid)


def _dot(vector: dict[str, float], other: dict[str, float]) -> float:
    return sum(value * other.get(term, 0.0) for term, value in vector.items())


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
