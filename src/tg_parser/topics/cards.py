"""What a card says (``CardText``, ``WrittenCard``: shared with the model writer in
``model_cards.py``) and the offline card writer, which takes title, summary, scope and tags
from the topic's documents:

- key phrases: the documents' own key phrases (``ProcessedDocument.topics``), weighted by
  similarity to the topic and preferring documents in the channel's language; when the
  documents have none, the most frequent long words;
- title: ``"<Phrase>: <phrase>"`` (object: aspect), or the one phrase there is;
- summary: 1 to 3 sentences of the anchors that carry the most key phrases, in text order;
- scope_in: the top key phrases; scope_out: the titles of the nearest other topics.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.discovery import Draft

MAX_PHRASES = 5
MAX_SUMMARY_CHARS = 400
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_WORD = re.compile(r"[^\W\d_]{5,}")
_NO_NEIGHBOUR = {
    "ru": "Другие темы канала",
    "en": "Other subjects of the channel",
}


@dataclass(frozen=True)
class CardText:
    """What a card says; ``phrases``: the documents' key phrases, which the bundle's
    justifications cite (and, offline, the card's scope_in and tags)."""

    title: str
    summary: str
    phrases: list[str]
    scope_in: list[str]
    tags: list[str]

    @classmethod
    def offline(cls, title: str, summary: str, phrases: list[str]) -> CardText:
        scope = phrases[:MAX_PHRASES]
        return cls(title, summary, phrases, scope, [phrase.casefold() for phrase in phrases])


@dataclass(frozen=True)
class WrittenCard:
    """A topic's card as written: its draft (anchors as confirmed), text, scope_out (None:
    the nearest topics' titles, filled in by the build) and the writer's metadata."""

    draft: Draft
    text: CardText
    scope_out: list[str] | None = None
    writer: dict[str, Any] | None = None  # metadata["writer"]; None for the offline writer
    source: str = "offline"  # offline, model, reused or offline_fallback


def write_text(corpus: Corpus, draft: Draft, language: str | None) -> CardText:
    weighted = [*draft.anchors, *sorted(draft.members.items())]
    phrases = key_phrases([(corpus.items[i], score) for i, score in weighted], language)
    anchors = [corpus.items[i] for i in draft.anchor_indexes()]
    if not phrases:
        phrases = [_first_words(anchors[0].text)]
    return CardText.offline(_title(phrases), _summary(anchors, phrases), phrases)


def key_phrases(weighted: Sequence[tuple[Item, float]], language: str | None) -> list[str]:
    """The top phrases of the documents, weighted by their scores (ties: alphabetical)."""
    preferred = [(item, s) for item, s in weighted if item.language == language] or weighted
    counts: dict[str, float] = {}
    shown: dict[str, str] = {}
    for item, score in preferred:
        for phrase in item.phrases or _words(item.text):
            key = phrase.casefold()
            counts[key] = counts.get(key, 0.0) + score
            shown.setdefault(key, phrase)
    ranked = sorted(counts, key=lambda key: (-round(counts[key], 6), key))
    return [shown[key] for key in ranked[:MAX_PHRASES]]


def scope_out(
    titles: Sequence[str], centres: np.ndarray, own: int, language: str | None
) -> list[str]:
    """Titles of the nearest other topics (up to 5), or a plain fallback."""
    nearest = nearest_titles(titles, centres, own)
    return nearest or [_NO_NEIGHBOUR.get(language or "", _NO_NEIGHBOUR["en"])]


def nearest_titles(titles: Sequence[str], centres: np.ndarray, own: int) -> list[str]:
    """The other topics' titles (up to 5), nearest centre first, without repeats."""
    if len(titles) < 2:
        return []
    sims = centres @ centres[own]
    order = sorted((i for i in range(len(titles)) if i != own), key=lambda i: (-sims[i], i))
    picked = dict.fromkeys(titles[i] for i in order if titles[i] != titles[own])
    return list(picked)[:MAX_PHRASES]


def shared_phrases(item: Item, phrases: Sequence[str]) -> list[str]:
    own = {p.casefold() for p in item.phrases}
    return [p for p in phrases if p.casefold() in own]


def _title(phrases: list[str]) -> str:
    """``"<Object>: <aspect>"``: the top phrase, then the next one that does not repeat it."""
    head = phrases[0][:1].upper() + phrases[0][1:]
    first = phrases[0].casefold()
    aspects = [p for p in phrases[1:] if first not in p.casefold() and p.casefold() not in first]
    return f"{head}: {aspects[0]}" if aspects else head


def _summary(anchors: list[Item], phrases: list[str]) -> str:
    split = (s.strip() for item in anchors for s in _SENTENCE.split(item.summary or item.text))
    sentences = list(dict.fromkeys(s for s in split if s))
    wanted = [p.casefold() for p in phrases]
    ranked = sorted(
        range(len(sentences)),
        key=lambda i: (-sum(p in sentences[i].casefold() for p in wanted), i),
    )
    chosen: list[int] = []
    for index in ranked[:3]:
        if sum(len(sentences[i]) for i in chosen) + len(sentences[index]) <= MAX_SUMMARY_CHARS:
            chosen.append(index)
    text = " ".join(sentences[i].strip() for i in sorted(chosen or ranked[:1]))
    return text[:MAX_SUMMARY_CHARS].strip() or anchors[0].text[:MAX_SUMMARY_CHARS]


def _words(text: str) -> list[str]:
    counts = Counter(word.casefold() for word in _WORD.findall(text))
    return [word for word, _ in sorted(counts.items(), key=lambda w: (-w[1], w[0]))[:MAX_PHRASES]]


def _first_words(text: str) -> str:
    return " ".join(text.split()[:6]) or "…"
