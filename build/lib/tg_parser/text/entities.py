"""Typed entities of a message: hashtags, mentions, URLs, e-mails, phone numbers, numbers
with units and dates, each with a confidence (how sure the pattern is), deduplicated and in
text order; of its head, when the message is very long (``ANALYSED_CHARS``)."""

# ruff: noqa: RUF001  (Russian words and typographic characters are the data here)

from __future__ import annotations

import re
from bisect import bisect_left, insort

from tg_parser.models import Entity
from tg_parser.text.words import EMAIL, HASHTAG, MENTION, head

_URL = re.compile(r"(?:https?://|www\.|t\.me/)[^\s<>\"«»]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?'\")]}»…"
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ (-]{0,2}\d{2,4}[) -]{0,2}\d{2,4}[ -]?\d{2,4}(?:[ -]?\d{2,4})?"
    r"|8[ (-]{0,2}\d{3}[) -]{0,2}\d{3}[ -]?\d{2}[ -]?\d{2})(?![\w])"
)
_RU_MONTHS = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
_EN_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?"
)
_DATES = [
    (re.compile(r"(?<![\d-])\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\d-])"), 0.95),
    (re.compile(r"(?<![\d.])(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.\d{4}(?![\d.])"), 0.9),
    (
        re.compile(
            rf"(?<!\d)(?:[1-9]|[12]\d|3[01]) (?:{_RU_MONTHS})(?: \d{{4}}(?: г\.| года)?)?(?!\w)",
            re.I,
        ),
        0.9,
    ),
    (
        re.compile(
            rf"(?<!\w)(?:{_EN_MONTHS}) (?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?(?:, \d{{4}})?(?!\w)"
        ),
        0.85,
    ),
    (re.compile(rf"(?<!\d)(?:[1-9]|[12]\d|3[01]) (?:{_EN_MONTHS})(?: \d{{4}})?(?!\w)"), 0.85),
]
_NUMBER = r"\d+(?:[ \u202f]\d{3})*(?:[.,]\d+)?"
_UNITS = (
    r"%|₽|€|\$|£|₾|руб|рубл(?:ей|я|ь)|usd|eur|rub|usdt|gel|лари|тыс|млн|млрд|k"
    r"|км/ч|km/h|mph|км|km|мм|mm|см|cm|м|m|кг|kg|мг|mg|г|g|мл|ml|л|l"
    r"|[kmgt]i?b|[кмгт]б|гб|мб|тб|[кмг]бит/с|[kmg]bps|ghz|mhz|ггц|мгц|kwh|квт·ч|квт|kw|вт|w|mah|мач"
    r"|ms|мс|µs|ns|s|сек|с|мин|min|ч|h|rps|qps|dpi|px|fps|мп|mp|°c|°"
    r"|минут[аы]?|секунд[аы]?|час(?:а|ов)?|дн(?:ей|я)|день|недел[ьиюя]|месяц(?:а|ев)?|лет"
    r"|minutes?|seconds?|hours?|days?|weeks?|months?|years?|x|×"
)
_WITH_UNIT = [
    (re.compile(rf"(?<![\w.,])(?:[$€£₽]) ?{_NUMBER}(?:[kKmM]\b)?"), 0.9),
    (re.compile(rf"(?<![\w.,]){_NUMBER} ?(?:{_UNITS})(?![\w/])", re.I), 0.8),
]


def extract_entities(text: str) -> list[Entity]:
    """Entities of ``text`` in order of appearance; overlapping matches go to the more
    specific type (URL and e-mail before mention, date and phone before number)."""
    taken: list[tuple[int, int, str, str, float]] = []  # sorted, never overlapping
    for kind, found in _matches(head(text)):
        for start, end, value, confidence in found:
            if not _overlaps(taken, start, end):
                insort(taken, (start, end, kind, value, confidence))
    seen: set[tuple[str, str]] = set()
    entities = []
    for _, _, kind, value, confidence in taken:
        key = (kind, value.casefold())
        if key not in seen:
            seen.add(key)
            entities.append(Entity(type=kind, value=value, confidence=confidence))
    return entities


def _overlaps(taken: list[tuple[int, int, str, str, float]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps a span of ``taken``: only its neighbours can."""
    index = bisect_left(taken, (start,))
    before = index > 0 and taken[index - 1][1] > start
    return before or (index < len(taken) and taken[index][0] < end)


def _matches(text: str) -> list[tuple[str, list[tuple[int, int, str, float]]]]:
    return [
        ("url", [_url(m) for m in _URL.finditer(text)]),
        ("email", _found(EMAIL, text, 0.95)),
        ("mention", _found(MENTION, text, 0.9)),
        ("hashtag", _found(HASHTAG, text, 0.95)),
        ("phone", _phones(text)),
        ("date", [hit for pattern, conf in _DATES for hit in _found(pattern, text, conf)]),
        ("number_with_unit", [hit for p, conf in _WITH_UNIT for hit in _found(p, text, conf)]),
    ]


def _found(
    pattern: re.Pattern[str], text: str, confidence: float
) -> list[tuple[int, int, str, float]]:
    return [(m.start(), m.end(), m.group(), confidence) for m in pattern.finditer(text)]


def _url(match: re.Match[str]) -> tuple[int, int, str, float]:
    value = match.group()
    while value and value[-1] in _URL_TAIL:
        if value[-1] == ")" and value.count("(") >= value.count(")"):
            break  # a balanced parenthesis belongs to the URL: …/wiki/Go_(game)
        value = value[:-1]
    return match.start(), match.start() + len(value), value, 0.99


def _phones(text: str) -> list[tuple[int, int, str, float]]:
    hits = []
    for m in _PHONE.finditer(text):
        digits = sum(ch.isdigit() for ch in m.group())
        if 10 <= digits <= 15:
            hits.append((m.start(), m.end(), m.group(), 0.8))
    return hits
