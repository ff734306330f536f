"""What a card says (``CardText``, ``WrittenCard``: shared with the model writer in
``model_cards.py``) and the offline card writer, which takes title, summary, scope and tags
from the topic's documents:

- key phrases: the documents' own key phrases (``ProcessedDocument.topics``), weighted by
  similarity to the topic and preferring documents in the channel's language, in its
  script; when the documents have none, the most frequent long words;
- title: a phrase a person would write for the topic (``titles.py``);
- summary: 1 to 3 sentences selected across the topic's documents — central to them and
  not repeating each other (maximal marginal relevance), posts before comments;
- scope_in: the topic's next phrases after its title (``titles.topic_phrases``: naming
  words in their dictionary form, "марафон", not "марафона"), else the top key phrases;
  scope_out: the titles of the nearest other topics.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tg_parser.text.script import in_script
from tg_parser.text.sentences import split_sentences
from tg_parser.text.summary import select_sentences
from tg_parser.text.words import HASHTAG, words
from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.discovery import Draft
from tg_parser.topics.titles import Phrase, contains, reading_order, title_of, topic_phrases

MAX_PHRASES = 5
MAX_SUMMARY_CHARS = 400
MIN_SENTENCE_WORDS = 3
MAX_SENTENCE_CHARS = 220
_TRAILING_TAGS = re.compile(r"(?:\s*#\w+)+$")
_LINK_IN_BRACKETS = re.compile(r"\s*\((?:https?://|www\.)[^)\s]*\)")
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
    def offline(
        cls, title: str, summary: str, phrases: list[str], scope: Sequence[str] = ()
    ) -> CardText:
        scope_in = list(scope[:MAX_PHRASES]) or phrases[:MAX_PHRASES]
        return cls(title, summary, phrases, scope_in, [phrase.casefold() for phrase in phrases])


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
    ranked = topic_phrases(corpus, draft, language)
    title = title_of(corpus, draft, language, ranked)
    scope = _scope(ranked, title)
    summary = topic_summary(corpus, draft, language)
    return CardText.offline(title, summary, phrases or [title], scope)


def _scope(phrases: Sequence[Phrase], title: str) -> list[str]:
    """The phrases other than the title, no two sharing a word: the better one stays,
    unless the other contains it ("Bot API" replaces "Bot")."""
    kept: list[Phrase] = []
    for phrase in phrases:
        if phrase.text.casefold() == title.casefold():
            continue
        clash = [i for i, other in enumerate(kept) if set(other.key) & set(phrase.key)]
        if not clash:
            kept.append(phrase)
        elif len(clash) == 1 and contains(phrase.key, kept[clash[0]].key):
            kept[clash[0]] = phrase
    return [phrase.text for phrase in kept]


def topic_summary(corpus: Corpus, draft: Draft, language: str | None) -> str:
    """1 to 3 sentences of the topic's documents, central and not redundant (comments
    weigh half as much as posts); the central anchor's head when none qualifies."""
    scores = dict(draft.anchors) | draft.members
    sentences: list[str] = []
    weights: list[float] = []
    for index in reading_order(corpus, draft):
        item = corpus.items[index]
        weight = scores[index] * (1.0 if item.message_type == "post" else 0.5)
        weight *= 1.0 if language in (None, item.language) else 0.5
        for sentence in _sentences(item.text, language):
            sentences.append(sentence)
            weights.append(weight)
    chosen = select_sentences(sentences, weights, budget=MAX_SUMMARY_CHARS)
    if chosen:
        return " ".join(chosen)
    anchor = corpus.items[draft.anchors[0][0]]
    return (anchor.summary or anchor.text)[:MAX_SUMMARY_CHARS].strip() or "…"


def _sentences(text: str, language: str | None) -> list[str]:
    """The text's sentences that say something: three words (with letters) or more besides hashtags,
    links and mentions, not a paragraph of their own, readable in the channel's script."""
    found = []
    for sentence in split_sentences(text):
        sentence = _LINK_IN_BRACKETS.sub("", _TRAILING_TAGS.sub("", sentence)).strip()
        count = sum(any(c.isalpha() for c in w) for w in words(HASHTAG.sub(" ", sentence)))
        short = len(sentence) <= MAX_SENTENCE_CHARS
        if count >= MIN_SENTENCE_WORDS and short and in_script(sentence, language):
            found.append(sentence)
    return found


def key_phrases(weighted: Sequence[tuple[Item, float]], language: str | None) -> list[str]:
    """The top phrases of the documents, weighted by their scores (ties: alphabetical)."""
    preferred = [(item, s) for item, s in weighted if item.language == language] or weighted
    counts: dict[str, float] = {}
    shown: dict[str, str] = {}
    for item, score in preferred:
        for phrase in item.phrases or _words(item.text):
            if not in_script(phrase, language):
                continue
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


def _words(text: str) -> list[str]:
    counts = Counter(word.casefold() for word in _WORD.findall(text))
    return [word for word, _ in sorted(counts.items(), key=lambda w: (-w[1], w[0]))[:MAX_PHRASES]]
