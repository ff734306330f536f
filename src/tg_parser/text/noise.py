"""Noise: messages that carry no knowledge — advertising, greetings and one-liners, media
without text. Each verdict comes with a reason ("advertising: erid marker", "greeting",
"too short", "media only").

The rules are general markers, not a list of known posts: the Russian advertising law's
labels (``erid``, "Реклама." with the advertiser's ИНН), ad hashtags, sponsorship
statements, promo codes and partner links (``utm_*``/``ref``/``aff``/``partner``).
A very long message is judged by its head and its tail (``ANALYSED_CHARS`` each), where
such labels and greetings sit.
"""

# ruff: noqa: RUF001  (Russian words and typographic characters are the data here)

from __future__ import annotations

import re
from typing import Any

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
_GREETING = re.compile(
    r"^\W*(?:доброе утро|добрый (?:день|вечер)|доброй ночи|спокойной ночи|всем привет"
    r"|привет(?:ствую)?|здравствуйте|всем (?:хорош|отличн)\w*|хорош(?:их|его|ей) \w+"
    r"|с (?:новым годом|рождеством|праздник\w*|пятницей|днём \w+)"
    r"|good (?:morning|afternoon|evening|night)|gm|gn|hello|hi|hey|greetings"
    r"|happy (?:new year|holidays|\w+day)|merry christmas|have a (?:nice|good|great) \w+)"
    r"(?!\w)",
    re.IGNORECASE,
)
_ABOUT_CHANNEL = re.compile(
    r"(?:это|этот|наш|мой) канал|this channel|welcome to|добро пожаловать", re.IGNORECASE
)
_GREETING_WORDS = 15


def classify_noise(
    text: str, payload: dict[str, Any] | None = None, *, min_words: int = MIN_WORDS
) -> tuple[bool, str | None]:
    """``(True, reason)`` for advertising, greetings, one-liners (fewer than ``min_words``
    words and no link) and media without text; ``(False, None)`` for content."""
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
    return None


def _chatter(text: str, payload: dict[str, Any] | None, min_words: int) -> str | None:
    count = len(words(text))
    if count == 0:
        return "media only" if payload and payload.get("media") else "empty"
    if _GREETING.search(text) and (count <= _GREETING_WORDS or _ABOUT_CHANNEL.search(text)):
        return "greeting"
    if count < min_words and not URL.search(text):
        return "too short"
    return None


def _links(text: str, payload: dict[str, Any] | None) -> list[str]:
    """URLs in the text and behind its links (``text_link`` entities of the payload)."""
    links = [match.group() for match in URL.finditer(text)]
    entities = (payload or {}).get("text_entities")
    if isinstance(entities, list):
        links += [
            e["href"] for e in entities if isinstance(e, dict) and isinstance(e.get("href"), str)
        ]
    return links
