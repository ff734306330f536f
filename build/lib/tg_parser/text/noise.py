"""Noise: messages that carry no knowledge — advertising (cross-promotion of other channels
and giveaways among it), greetings and holiday wishes, notices about the channel (away,
back, a milestone), one-liners and media without text. Each verdict comes with a reason
("advertising: erid marker", "advertising: cross-promotion", "greeting", "notice: away,
back or a milestone", "too short", "media only"); :func:`noise_kind` files a reason (also
a model's) under one of ``NOISE_KINDS``.

The rules are general markers, not a list of known posts: the Russian advertising law's
labels (``erid``, "Реклама." with the advertiser's ИНН), ad hashtags, sponsorship
statements, promo codes and partner links (``utm_*``/``ref``/``aff``/``partner``); the
social markers and the shapes of short content are in ``noise_markers``.
A very long message is judged by its head and its tail (``ANALYSED_CHARS`` each), where
such labels and greetings sit.
"""

# ruff: noqa: RUF001  (Russian words and typographic characters are the data here)

from __future__ import annotations

import re
from typing import Any

from tg_parser.text import noise_markers as markers
from tg_parser.text.clean import line_key
from tg_parser.text.words import URL, ends, words

MIN_WORDS = 8  # a post with fewer words and no link says too little to be knowledge
_FLAGS = re.IGNORECASE | re.MULTILINE

_ADVERTISING = [
    ("erid marker", re.compile(r"(?<!\w)erid\s*[:=]?\s*[a-z0-9]{5,}", _FLAGS)),
    (
        "ad hashtag",
        re.compile(r"#(?:реклама|ad|ads|sponsored|promo|промо|партн[её]р|partner)(?!\w)", _FLAGS),
    ),
    (
        "advertiser's ИНН",
        re.compile(r"(?<!\w)ИНН:?\s*\d{10}(?:\d{2})?(?!\d)", re.MULTILINE),
    ),
    (
        "sponsored",
        re.compile(
            r"(?<!\w)(?:(?:is|was) sponsored|sponsored by|paid partnership|на правах рекламы"
            r"|партн[её]рский материал|при поддержке партн[её]ра|спонсор (?:поста|выпуска))",
            _FLAGS,
        ),
    ),
    (
        "promo code",
        re.compile(
            r"(?<!\w)(?:промокод\w*|(?:promo|discount|coupon|referral|use|with|enter) code)"
            r"\s*[:«\"]?\s*[A-ZА-Я0-9][A-ZА-Я0-9_-]{2,}(?!\w)",
            _FLAGS,
        ),
    ),
]
_AD_LABELS = frozenset({"реклама", "sponsored", "advertisement", "ad", "промо", "партнёрский пост"})
_PARTNER_LINK = re.compile(
    r"[?&](?:utm_[a-z]+|ref|aff|affiliate|partner|referral)=|/(?:partner|ref|aff)/", re.I
)
# a tracked link is ordinary in news; with an offer next to it, it is a partner link
_OFFER = re.compile(
    r"скидк|распродаж|бонус|кешб[еэ]к|купи|закаж|оформи|discount|% off|sale|bonus|cashback"
    r"|free trial|sign up|register|\border\b|\bbuy\b|\bshop\b",
    re.IGNORECASE,
)
NOISE_KINDS = (
    "advertising",
    "cross_promotion",
    "giveaway",
    "greeting",
    "notice",
    "one_liner",
    "media_only",
    "empty",
    "other",
)
_KIND_WORDS = (  # the reason's words → its kind; a model's own reasons are mapped too
    ("cross_promotion", re.compile(r"cross[- ]promo|other channel|взаимопиар")),
    ("giveaway", re.compile(r"giveaway|розыгрыш|contest|конкурс")),
    ("advertising", re.compile(r"advert|\bads?\b|promo|sponsor|partner|erid|реклам")),
    ("greeting", re.compile(r"greeting|wish|holiday|congratulat|привет|поздрав")),
    ("notice", re.compile(r"notice|vacation|absence|away|return|отпуск|объявлен")),
    ("one_liner", re.compile(r"too short|one[- ]line|reaction|коротк")),
    ("media_only", re.compile(r"media")),
    ("empty", re.compile(r"^empty|no text")),
)


def classify_noise(
    text: str, payload: dict[str, Any] | None = None, *, min_words: int = MIN_WORDS
) -> tuple[bool, str | None]:
    """``(True, reason)`` for advertising (cross-promotion and giveaways among it),
    greetings and wishes, notices about the channel, one-liners (fewer than ``min_words``
    words, no link and no content shape) and media without text; ``(False, None)`` for
    content."""
    text = ends(text)
    reason = _advertising(text, payload) or _chatter(text, payload, min_words)
    return reason is not None, reason


def _advertising(text: str, payload: dict[str, Any] | None) -> str | None:
    for name, pattern in _ADVERTISING:
        if pattern.search(text):
            return f"advertising: {name}"
    if any(line_key(line) in _AD_LABELS for line in text.splitlines()):
        return "advertising: label"
    if _OFFER.search(text) and any(_PARTNER_LINK.search(link) for link in _links(text, payload)):
        return "advertising: partner link"
    count = len(words(text))
    if markers.is_cross_promotion(text, count):
        return "advertising: cross-promotion"
    if markers.is_giveaway(text, count):
        return "advertising: giveaway"
    return None


def _chatter(text: str, payload: dict[str, Any] | None, min_words: int) -> str | None:
    count = len(words(text))
    if count == 0:
        return "media only" if payload and payload.get("media") else "empty"
    if markers.is_greeting(text, count):
        return "greeting"
    if markers.is_notice(text, count):
        return "notice: away, back or a milestone"
    if count < min_words and not markers.has_link(text) and not markers.carries_content(text):
        return "too short"
    return None


def noise_kind(reason: str | None) -> str:
    """The kind of noise a reason names (``other`` when it names none of them)."""
    text = (reason or "").casefold()
    return next((kind for kind, pattern in _KIND_WORDS if pattern.search(text)), "other")


def _links(text: str, payload: dict[str, Any] | None) -> list[str]:
    """URLs in the text and behind its links (``text_link`` entities of the payload)."""
    links = [match.group() for match in URL.finditer(text)]
    entities = (payload or {}).get("text_entities")
    if isinstance(entities, list):
        links += [
            e["href"] for e in entities if isinstance(e, dict) and isinstance(e.get("href"), str)
        ]
    return links
