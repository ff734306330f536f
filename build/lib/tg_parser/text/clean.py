"""Clean message text: normalised whitespace and punctuation, learnt boilerplate removed.

A channel's boilerplate is the lines that repeat across a large share of its messages
(signatures, "Подписывайтесь на канал …" footers, a lone "@channel"). It is learnt once per
channel with :func:`learn_boilerplate` and removed by :func:`clean_text`. Links are kept.
"""

# ruff: noqa: RUF001  (Russian words and typographic characters are the data here)

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from tg_parser.text.words import HASHTAG, WORD

# invisible characters, dropped; the zero-width joiner only next to letters, since it
# also glues emoji sequences together (each pattern is one pass a long text is fast in)
_INVISIBLE = re.compile(
    r"[\u00ad\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    r"\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]"
)
_JOINER = re.compile(r"(?<=\w)\u200d+|\u200d+(?=\w)")
_REPLACEMENTS = {
    **dict.fromkeys("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007", " "),
    **dict.fromkeys("\u2008\u2009\u200a\u202f\u205f\u3000\t", " "),
    **dict.fromkeys("“”„‟″〝〞＂", '"'),
    **dict.fromkeys("‘’‚‛′＇", "'"),
    **dict.fromkeys("‐‑−", "-"),
    **dict.fromkeys("‒―", "—"),
    "…": "...",
}
_REPLACED = re.compile("[" + re.escape("".join(_REPLACEMENTS)) + "]")
# after spaces are collapsed: a dash (or a run of them) between two single spaces
_SPACED_DASH = re.compile(r" (?<=\S )(?:(?:--?|–|—) )+(?=\S)")
_DOTS = re.compile(r"\.{4,}")
_WORD_CHARACTER = re.compile(r"[^\W_]")


def clean_text(text: str, boilerplate: frozenset[str] = frozenset()) -> str:
    """Normalised ``text`` without the lines in ``boilerplate`` (keys of :func:`line_key`).

    Paragraph breaks are kept (runs of blank lines become one); so are single line breaks,
    which carry lists and headings. ``clean_text(clean_text(x, b), b) == clean_text(x, b)``.
    """
    lines = [_clean_line(line) for line in normalise_characters(text).splitlines()]
    if boilerplate:
        lines = [line for line in lines if not (line and line_key(line) in boilerplate)]
    kept = [line for line, before in zip(lines, ["", *lines], strict=False) if line or before]
    return "\n".join(kept).strip()


def normalise_characters(text: str) -> str:
    """Invisible characters dropped, spaces, quotes, dashes and ellipses in one form."""
    while True:  # dropping a character can compose its neighbours, and the reverse
        cleaner = _INVISIBLE.sub("", text)
        if "\u200d" in cleaner:
            cleaner = _JOINER.sub("", cleaner)
        cleaner = unicodedata.normalize("NFC", cleaner)
        if cleaner == text:
            text = _REPLACED.sub(lambda match: _REPLACEMENTS[match.group()], text)
            return _DOTS.sub("...", text) if "...." in text else text
        text = cleaner


def line_key(line: str) -> str:
    """What makes two lines the same boilerplate: case, spaces and edge punctuation aside."""
    key = " ".join(line.split()).casefold()
    first = _WORD_CHARACTER.search(key)
    if first is None:
        return ""
    last = _WORD_CHARACTER.search(key[::-1])
    return key[first.start() : len(key) - last.start()] if last else ""


def learn_boilerplate(
    texts: Iterable[str],
    *,
    min_share: float = 0.2,
    min_messages: int = 5,
    max_line_length: int = 200,
) -> frozenset[str]:
    """Keys of the lines that appear in at least ``min_share`` of the messages that have
    text (and in at least ``min_messages`` of them): signatures and footers. Messages
    without words (photos and videos without a caption) are left out of the share, so a
    footer under most captions is learnt however many media posts the channel has. Lines
    made only of hashtags are content (the channel's own tags) and never boilerplate."""
    counts: Counter[str] = Counter()
    total = 0
    for text in texts:
        if WORD.search(text) is None:
            continue
        total += 1
        counts.update(_candidate_keys(text, max_line_length))
    needed = max(min_messages, min_share * total)
    return frozenset(key for key, count in counts.items() if count >= needed)


def _candidate_keys(text: str, max_line_length: int) -> set[str]:
    keys = set()
    for line in normalise_characters(text).splitlines():
        line = _clean_line(line)
        key = line_key(line)
        if key and len(line) <= max_line_length and not _only_hashtags(line):
            keys.add(key)
    return keys


def _clean_line(line: str) -> str:
    return _SPACED_DASH.sub(" — ", " ".join(line.split()))


def _only_hashtags(line: str) -> bool:
    return not WORD.findall(HASHTAG.sub(" ", line))
