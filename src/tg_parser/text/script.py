"""Whether a piece of text is readable in a channel's script: not mojibake (UTF-8 read as
Windows-1251 or Latin-1, "Рџ Рѕ"), not stacked with combining marks ("Z̷̡a̸l"), and
written in the channel's alphabet (Russian: the Russian letters, not Serbian or
Macedonian ones that only mojibake brings) or in Latin (names, products, code).
"""

# ruff: noqa: RUF001, RUF002, RUF003  (Cyrillic and mojibake characters are the data here)

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# a UTF-8 Cyrillic letter read as Windows-1251 starts with "Р" or "С" and goes on with one
# of the characters a continuation byte becomes (those that ordinary text never puts right
# after a letter: not quotes, dashes or "ё"); read as Latin-1, with "Ð" or "Ñ"
_MOJIBAKE = re.compile(
    r"[РСрс][ЂЃ‚ѓ„†‡€‰Љ‹ЊЌЋЏђ•™љ›њќћџЎўЈ¤Ґ¦§©Є¬®Ї°±ІіґµЃ¶·№єјЅѕї]|[ÐÑ][\u0080-\u00bf]"
)
_ALPHABETS = {
    "ru": re.compile(r"[а-яё]", re.IGNORECASE),
    "uk": re.compile(r"[а-щьюяєіїґ']", re.IGNORECASE),
}
MAX_MARKS = 0.05  # generic combining marks per letter in ordinary text (Russian has none)
# Latin text read the same way ("Ã©", "â€™"), and the generic combining marks "Zalgo" text
# stacks (not a script's own vowel signs: Arabic harakat, Hebrew points, Devanagari)
_LATIN_MOJIBAKE = re.compile(r"[ÃÂ][\u0080-\u00bf]|â€.")
_STACKED_MARK = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
UNREADABLE_SHARE = 0.3  # of a message's letters: broken pairs (two each) and stacked marks


@lru_cache(maxsize=1 << 14)
def is_garbled(text: str) -> bool:
    """Mojibake (two or more telltale pairs, or most of a short text) or a text whose
    letters are stacked with generic combining marks (a script's own vowel signs, such as
    Arabic harakat, are letters' parts, not garbling)."""
    found = len(_MOJIBAKE.findall(text))
    letters = sum(char.isalpha() for char in text)
    if found >= 2 or (found and found * 4 >= letters):
        return True
    return len(_STACKED_MARK.findall(text)) > MAX_MARKS * max(letters, 1)


def is_unreadable(text: str) -> bool:
    """A whole message that cannot be read: mojibake or stacked combining marks make up
    ``UNREADABLE_SHARE`` of its letters (a broken word quoted in a readable post does not)."""
    letters = sum(char.isalpha() for char in text)
    pairs = len(_MOJIBAKE.findall(text)) + len(_LATIN_MOJIBAKE.findall(text))
    broken = 2 * pairs + len(_STACKED_MARK.findall(text))
    return letters > 0 and broken >= UNREADABLE_SHARE * letters


@lru_cache(maxsize=1 << 14)
def in_script(text: str, language: str | None) -> bool:
    """Every letter of ``text`` is of the channel's alphabet or Latin, and it is not
    garbled. A channel of unknown (or another) language only rules out garbled text."""
    if is_garbled(text):
        return False
    if language == "en":
        return all(_is_latin(char) for char in text if char.isalpha())
    alphabet = _ALPHABETS.get(language or "")
    if alphabet is None:
        return True
    return all(alphabet.match(char) or _is_latin(char) for char in text if char.isalpha())


def _is_latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")
