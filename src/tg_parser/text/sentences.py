"""Split Russian and English text into sentences.

Lines are separate sentences (Telegram posts use line breaks for headings and lists).
Inside a line a sentence ends at ``.``, ``!``, ``?`` or ``…`` followed by a space — unless
the word before is a known abbreviation or an initial, or the next word starts in lower
case. Dots inside URLs, numbers and file names are never followed by a space, so they
never split.
"""

# ruff: noqa: RUF001  (Russian words and typographic characters are the data here)

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    """т.е т.д т.п т.к т.н др пр см ср напр им ул д г гг в вв стр руб коп тыс млн млрд
    долл мин сек ч проф акад доц рис табл прим англ нем франц лат ок кв наб пл пер
    e.g i.e etc vs mr mrs ms dr prof inc ltd co corp jr sr st no approx fig eq ch vol
    jan feb mar apr jun jul aug sep sept oct nov dec a.m p.m u.s u.k""".split()  # noqa: SIM905
)
_END = re.compile(r"[.!?…]+[\"'»”)\]]*(?= )")
_WORD_BEFORE = re.compile(r"(\S+)$")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` in order, stripped, empty ones left out."""
    sentences: list[str] = []
    for line in text.splitlines():
        sentences.extend(_split_line(" ".join(line.split())))
    return [s for s in sentences if s]


def _split_line(line: str) -> list[str]:
    parts, start = [], 0
    for match in _END.finditer(line):
        if _is_boundary(line, start, match):
            parts.append(line[start : match.end()].strip())
            start = match.end()
    parts.append(line[start:].strip())
    return parts


def _is_boundary(line: str, start: int, match: re.Match[str]) -> bool:
    following = line[match.end() :].lstrip()
    if not following or following[0].islower():
        return False
    if match.group() != ".":
        return True
    before = _WORD_BEFORE.search(line, start, match.start())
    if before is None:
        return True
    word = before.group(1).lstrip("([«\"'").casefold()
    return word not in ABBREVIATIONS and not (len(word) == 1 and word.isalpha())
