"""Split Russian and English text into sentences.

Lines are separate sentences (Telegram posts use line breaks for headings and lists).
Inside a line a sentence ends at ``.``, ``!``, ``?`` or ``…`` followed by a space — unless
the word before is a known abbreviation or an initial, or the next word starts in lower
case. Dots inside URLs, numbers and file names are never followed by a space, so they
never split.
"""

# ruff: noqa: RUF001  (Russian words and typographic characters are the data here)

from __future__ import annotations

from collections.abc import Iterator

ABBREVIATIONS = frozenset(
    """т.е т.д т.п т.к т.н др пр см ср напр им ул д г гг в вв стр руб коп тыс млн млрд
    долл мин сек ч проф акад доц рис табл прим англ нем франц лат ок кв наб пл пер
    e.g i.e etc vs mr mrs ms dr prof inc ltd co corp jr sr st no approx fig eq ch vol
    jan feb mar apr jun jul aug sep sept oct nov dec a.m p.m u.s u.k""".split()  # noqa: SIM905
)
_TERMINALS = ".!?…"
_CLOSERS = "\"'»”)]"
_OPENERS = "([«\"'"


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` in order, stripped, empty ones left out.

    One pass over the words of each line (linear in the text, however long its lines)."""
    sentences: list[str] = []
    for line in text.splitlines():
        sentences.extend(_split_line(line.split()))
    return sentences


def _split_line(words: list[str]) -> Iterator[str]:
    start = 0
    for index in range(len(words) - 1):
        if _ends_sentence(words[index], words[index + 1]):
            yield " ".join(words[start : index + 1])
            start = index + 1
    if start < len(words):
        yield " ".join(words[start:])


def _ends_sentence(word: str, following: str) -> bool:
    """Whether a sentence ends after ``word`` (ending in ``.!?…``, then closing quotes or
    brackets), ``following`` being the next word."""
    if following[0].islower():
        return False
    closed = word.rstrip(_CLOSERS)
    stem = closed.rstrip(_TERMINALS)
    if len(stem) == len(closed):
        return False
    if word[len(stem) :] != ".":
        return True
    stem = stem.lstrip(_OPENERS).casefold()
    return stem not in ABBREVIATIONS and not (len(stem) == 1 and stem.isalpha())
