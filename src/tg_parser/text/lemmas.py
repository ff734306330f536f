"""Dictionary forms of words and phrases: ``pymorphy3`` for Russian, the Snowball stemmer
(``tg_parser.stemming``) for English. A key joins the inflected forms of a word
("анализа", "анализы" → "анализ"; "backups" → "backup"); :func:`nominative` puts a
Russian phrase in the form a title uses ("звёздных войн" → "звёздные войны", "анализа
крови" → "анализ крови").

Which words can stand in a title: the part of speech of a Russian word by ``pymorphy3``,
of an English one by ``lemminflect``'s dictionary (the parts of speech a word form can
have). A word neither knows is a name ("ZFS", "Cloudflare", "Sunnah") and names a thing.
"""

# ruff: noqa: RUF001  (Russian words are the data here)

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

import lemminflect
import pymorphy3

from tg_parser.stemming import stem

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)
_AGREEING = frozenset({"ADJF", "PRTF", "NUMR"})
# parts of speech that never make a title: verbs, adverbs, pronouns, particles and the like
_NOT_NAMING = frozenset(
    {"VERB", "INFN", "GRND", "PRTS", "ADJS", "ADVB", "PRED", "CONJ", "PRCL", "INTJ", "PREP", "NPRO"}
    | {"COMP"}  # "лучше", "больше"
)
# the English parts of speech (Universal Dependencies) of words that can be in a title
_ENGLISH_NAMING = frozenset({"NOUN", "PROPN", "ADJ", "NUM"})
# English pronouns the dictionary calls nouns ("Nothing offsite" is no title)
_ENGLISH_PRONOUNS = frozenset(
    {"nothing", "something", "anything", "everything", "someone", "anyone", "everyone"}
)


@cache
def _morph() -> Any:
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=1 << 16)
def _parse(word: str) -> Any:
    return _morph().parse(word)[0]


@lru_cache(maxsize=1 << 16)
def lemma_key(word: str) -> str:
    """The key of a word's inflected forms (lower case)."""
    lower = word.lower().replace("ё", "е")
    if _CYRILLIC.search(lower):
        return str(_parse(lower).normal_form).replace("ё", "е")
    if _LATIN.search(lower):
        return stem(lower)
    return lower


def names_a_thing(word: str) -> bool:
    """Whether a word can be part of a title: a Russian noun, adjective, participle or
    numeral (not a verb, adverb or pronoun); an English word that can be a noun or an
    adjective, an -ing form ("Fasting", "Running": an activity) or a verb's base form (a
    modifier: "Restore test"), not an inflected verb, an adverb or a pronoun ("avoids",
    "said", "never", "nothing"); any other word."""
    if _CYRILLIC.search(word):
        return _parse(word.lower()).tag.POS not in _NOT_NAMING
    if _LATIN.search(word):
        lower = word.lower()
        if lower in _ENGLISH_PRONOUNS:
            return False
        parts = _english_parts(lower)
        return (
            not parts
            or bool(parts & _ENGLISH_NAMING)
            or lower.endswith("ing")
            or _is_verb_base(lower)
        )
    return True


def ends_a_title(word: str) -> bool:
    """Whether a title can end with the word: anything but an English word that cannot be
    a noun ("Hard drives", not "Drives hard")."""
    if _CYRILLIC.search(word) or not _LATIN.search(word):
        return True
    lower = word.lower()
    parts = _english_parts(lower)
    return not parts or "NOUN" in parts or "PROPN" in parts or lower.endswith("ing")


def _is_verb_base(word: str) -> bool:
    return word in lemminflect.getAllLemmas(word).get("VERB", ())


@lru_cache(maxsize=1 << 16)
def _english_parts(word: str) -> frozenset[str]:
    """The parts of speech an English word form can have (empty: not in the dictionary).
    The dictionary misses some plurals ("lectures" only as a verb): a form in -s whose
    singular is a noun is a noun too."""
    parts = set(lemminflect.getAllLemmas(word))
    if word.endswith("s") and "NOUN" not in parts:
        singular = word[:-2] if word.endswith("es") else word[:-1]
        for base in {singular, word[:-1]}:
            if word in lemminflect.getAllInflections(base, upos="NOUN").get("NNS", ()):
                parts.add("NOUN")
    return frozenset(parts)


def nominative(words: list[str]) -> list[str]:
    """A Russian phrase in the nominative: its first noun and the adjectives before it
    (agreeing with it in gender and number); what follows the noun ("крови" in "анализа
    крови") is kept. Other words and phrases without a noun come back as they were."""
    parses: list[Any] = [_parse(w.lower()) if _is_russian_word(w) else None for w in words]
    head = next((i for i, p in enumerate(parses) if p is not None and p.tag.POS == "NOUN"), None)
    if head is None or not all(p is not None and p.tag.POS in _AGREEING for p in parses[:head]):
        return words
    noun = parses[head]
    number = noun.tag.number or "sing"
    wanted = {"nomn", number} | (
        {noun.tag.gender} if number == "sing" and noun.tag.gender else set()
    )
    result = list(words)
    for i in range(head + 1):
        form = parses[i].inflect({"nomn", number} if i == head else wanted)
        if form is not None:
            result[i] = _same_case(form.word, words[i])
    return result


def _is_russian_word(word: str) -> bool:
    """Cyrillic letters only, and not CamelCase (a glued hashtag is not inflected)."""
    plain = word.isalpha() and (word.islower() or word.isupper() or word[1:].islower())
    return plain and _CYRILLIC.search(word) is not None


def _same_case(form: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return form.upper()
    return form[:1].upper() + form[1:] if original[:1].isupper() else form
