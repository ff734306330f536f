"""Noise: messages that carry no knowledge — advertising (cross-promotion of other channels
and giveaways among it), greetings and holiday wishes, notices about the channel (away,
back, a milestone, a schedule one-liner), navigation posts, unreadable text, one-liners and
media without text.

The rules are data: ``RULES`` lists each reason with its kind and its test, in the order
they are tried; the first that holds gives the verdict. The markers are general (a
curator's list for any Russian or English channel, not a list of known posts):
advertising in ``advertising``, the social markers and the shapes of short content in
``noise_markers``, unreadable text in ``script``. :func:`noise_kind` files a reason —
also a model's own — under one of ``NOISE_KINDS``. A very long message is judged by its
head and its tail (``ANALYSED_CHARS`` each), where labels and greetings sit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tg_parser.text import advertising as ads
from tg_parser.text import noise_markers as markers
from tg_parser.text.script import is_unreadable
from tg_parser.text.words import URL, ends, words

MIN_WORDS = 8  # a post with fewer words and no link says too little to be knowledge


@dataclass(frozen=True)
class Message:
    """What the rules look at: the text (its ends when very long), its word count, the
    links in it and behind it, whether it has media, and the one-liner threshold."""

    text: str
    words: int
    links: tuple[str, ...]
    media: bool
    min_words: int


@dataclass(frozen=True)
class NoiseRule:
    reason: str  # stored in the document's metadata as ``noise_reason``
    kind: str  # one of NOISE_KINDS: what summaries count
    applies: Callable[[Message], bool]


def _labelled(pattern: re.Pattern[str]) -> Callable[[Message], bool]:
    return lambda message: pattern.search(message.text) is not None


def _too_short(message: Message) -> bool:
    return (
        message.words < message.min_words
        and not markers.has_link(message.text)
        and not markers.carries_content(message.text)
    )


RULES: tuple[NoiseRule, ...] = (
    *(
        NoiseRule(f"advertising: {name}", "advertising", _labelled(pattern))
        for name, pattern in ads.LABELLED
    ),
    NoiseRule("advertising: label", "advertising", lambda m: ads.has_label_line(m.text)),
    NoiseRule(
        "advertising: partner link",
        "advertising",
        lambda m: ads.is_partner_offer(m.text, m.links),
    ),
    NoiseRule("advertising: paid platform", "advertising", lambda m: ads.is_paid_platform(m.text)),
    NoiseRule("advertising: paid offer", "advertising", lambda m: ads.is_paid_offer(m.text)),
    NoiseRule("advertising: ad copy", "advertising", lambda m: ads.is_ad_copy(m.text)),
    NoiseRule(
        "advertising: cross-promotion",
        "cross_promotion",
        lambda m: ads.is_cross_promotion(m.text, m.words),
    ),
    NoiseRule("advertising: giveaway", "giveaway", lambda m: ads.is_giveaway(m.text, m.words)),
    NoiseRule("media only", "media_only", lambda m: m.words == 0 and m.media),
    NoiseRule("empty", "empty", lambda m: m.words == 0),
    NoiseRule("unreadable text", "unreadable", lambda m: is_unreadable(m.text)),
    NoiseRule("greeting", "greeting", lambda m: markers.is_greeting(m.text, m.words)),
    NoiseRule(
        "notice: away, back or a milestone",
        "notice",
        lambda m: markers.is_notice(m.text, m.words),
    ),
    NoiseRule("notice: schedule", "notice", lambda m: markers.is_schedule(m.text, m.words)),
    NoiseRule("navigation", "navigation", lambda m: markers.is_navigation(m.text)),
    NoiseRule("too short", "one_liner", _too_short),
)
NOISE_KINDS = (
    "advertising",
    "cross_promotion",
    "giveaway",
    "greeting",
    "notice",
    "navigation",
    "unreadable",
    "one_liner",
    "media_only",
    "empty",
    "other",
)
_KIND_OF_REASON = {rule.reason: rule.kind for rule in RULES}
_KIND_WORDS = (  # a model's own reasons, by their words
    ("cross_promotion", re.compile(r"cross[- ]promo|other channel|взаимопиар")),
    ("giveaway", re.compile(r"giveaway|розыгрыш|contest|конкурс")),
    ("advertising", re.compile(r"advert|\bads?\b|promo|sponsor|partner|erid|реклам")),
    ("greeting", re.compile(r"greeting|wish|holiday|congratulat|привет|поздрав")),
    ("notice", re.compile(r"notice|vacation|absence|away|return|schedule|отпуск|объявлен")),
    ("navigation", re.compile(r"navigation|table of contents|index|навигац|оглавлен")),
    ("unreadable", re.compile(r"unreadable|encoding|garbled|кодировк")),
    ("one_liner", re.compile(r"too short|one[- ]line|reaction|коротк")),
    ("media_only", re.compile(r"media")),
    ("empty", re.compile(r"^empty|no text")),
)


def classify_noise(
    text: str, payload: dict[str, Any] | None = None, *, min_words: int = MIN_WORDS
) -> tuple[bool, str | None]:
    """``(True, reason)`` for the first of ``RULES`` that holds, ``(False, None)`` for
    content."""
    text = ends(text)
    message = Message(
        text=text,
        words=len(words(text)),
        links=_links(text, payload),
        media=bool(payload and payload.get("media")),
        min_words=min_words,
    )
    rule = next((rule for rule in RULES if rule.applies(message)), None)
    return (True, rule.reason) if rule else (False, None)


def noise_kind(reason: str | None) -> str:
    """The kind of noise a reason names (``other`` when it names none of them)."""
    if reason in _KIND_OF_REASON:
        return _KIND_OF_REASON[reason]
    text = (reason or "").casefold()
    return next((kind for kind, pattern in _KIND_WORDS if pattern.search(text)), "other")


def _links(text: str, payload: dict[str, Any] | None) -> tuple[str, ...]:
    """URLs in the text and behind its links (``text_link`` entities of the payload)."""
    links = [match.group() for match in URL.finditer(text)]
    entities = (payload or {}).get("text_entities")
    if isinstance(entities, list):
        links += [
            e["href"] for e in entities if isinstance(e, dict) and isinstance(e.get("href"), str)
        ]
    return tuple(links)
