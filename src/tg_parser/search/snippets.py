"""A result's snippet: the stretch of its text with the most of the query's words, and where
those words are in it (to highlight: bold in a terminal, ``<mark>`` on a page)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from tg_parser.store.terms import term, words

WIDTH = 240  # characters of text in a snippet
LEAD = 40  # characters shown before the first matching word
ELLIPSIS = "…"
MAX_STEP = 30  # the most characters a cut moves to the edge of a word


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: list[tuple[int, int]]


def snippet(text: str, terms: Collection[str], width: int = WIDTH) -> Snippet:
    """The window of ``text`` with the most distinct query terms (the start when none)."""
    text = " ".join(text.split())
    matches = [
        (match.start(), match.end(), found)
        for match in words(text)
        if (found := term(match.group())) in terms
    ]
    lead = min(LEAD, width // 4)
    start = max(0, _best_start(matches, width - lead) - lead) if matches else 0
    start = _word_start(text, start)
    end = _word_end(text, min(len(text), start + width))
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - start
    highlights = [(s + shift, e + shift) for s, e, _ in matches if s >= start and e <= end]
    return Snippet(prefix + text[start:end] + suffix, highlights)


def _best_start(matches: list[tuple[int, int, str]], width: int) -> int:
    """Where the ``width`` with the most distinct terms (then the most matches) begins."""
    best, best_key = matches[0][0], (0, 0)
    for index, (start, _, _) in enumerate(matches):
        inside = [m for m in matches[index:] if m[1] <= start + width]
        key = (len({term for _, _, term in inside}), len(inside))
        if key > best_key:
            best, best_key = start, key
    return best


def _word_start(text: str, position: int) -> int:
    """``position`` moved back to the start of its word (a word is not cut in two, unless
    it is longer than ``MAX_STEP``: a link, a hash)."""
    moved = position
    while 0 < moved < len(text) and not text[moved - 1].isspace():
        moved -= 1
    return moved if position - moved <= MAX_STEP else position


def _word_end(text: str, position: int) -> int:
    moved = position
    while moved < len(text) and not text[moved].isspace():
        moved += 1
    return moved if moved - position <= MAX_STEP else position
