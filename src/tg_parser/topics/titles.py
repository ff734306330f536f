"""Offline titles: a phrase a person would write for the topic, from its own texts.

- Phrases are runs of 1 to 3 naming words (nouns, adjectives, names; no verbs, adverbs,
  pronouns or stopwords; an English phrase ends with a word that can be a noun) and the
  author's hashtags, keyed by their dictionary forms (``pymorphy3``,
  Snowball), so "анализа крови" and "анализ крови" are one phrase.
- A phrase's score: the share of the topic's documents that hold it, times its rarity in
  the channel (inverse document frequency over a sample of the channel's posts), with a
  bonus for each extra word — the most representative multi-word phrase wins.
- The title is that phrase in its title form (a Russian phrase in the nominative, upper
  case lowered); a singleton, or a cluster that no phrase covers well, takes its central
  anchor's headline line, shortened. Text that is not in the channel's script (mojibake,
  combining marks) never becomes a title.
- ``distinct_titles``: no two topics of a channel share a title; the larger topic keeps it,
  the other gets its next phrase ("Кинострим — Гарри Поттер"), its headline, or a number.
"""

# ruff: noqa: RUF001, RUF002  (Russian words and typographic characters are the data here)

from __future__ import annotations

import itertools
import math
import re
import weakref
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from tg_parser.text.keyphrases import content_runs
from tg_parser.text.lemmas import ends_a_title, lemma_key, names_a_thing, nominative
from tg_parser.text.script import in_script, is_garbled
from tg_parser.text.sentences import split_sentences
from tg_parser.text.words import HASHTAG, MENTION, URL
from tg_parser.topics.corpus import Corpus
from tg_parser.topics.discovery import Draft

SAMPLE_DOCUMENTS = 24  # the topic's documents a title is read from (anchors first)
BACKGROUND_DOCUMENTS = 800  # the channel's posts phrase rarity is counted over
MIN_SHARE = 0.34  # a cluster phrase held by fewer of its documents does not name it
MAX_WORDS = 3
MAX_PHRASES = 8
HEADLINE_WORDS = 8
HEADLINE_MIN_WORDS = 3
CLAUSE_MIN_WORDS = 4
HASHTAG_BONUS = 1.5  # the author's own hashtag is a label they chose for the subject
# words that name no subject on their own (their dictionary forms and English stems)
_GENERIC = frozenset(
    {"год", "неделя", "день", "месяц", "время", "раз", "час", "минута", "часть", "человек"}
    | {"вопрос", "спасибо", "друг", "пост", "канал", "year", "week", "day", "month", "time"}
    | {"minut", "hour", "part", "thing", "way", "peopl", "post", "channel", "thank", "today"}
    | {"сезон", "серия", "выпуск", "эпизод", "ютуб", "season", "episod", "seri", "video"}
    | {"problem", "issu"}
)
_FALLBACK = {"ru": "Заметки канала", "en": "Channel notes"}
_PARENTHESES = re.compile(r"\s*[(\[][^)\]]*\d[^)\]]*[)\]]|#\d+")
_CAMEL = re.compile(r"\d+|[A-ZА-ЯЁ]?[a-zа-яё]+|[A-ZА-ЯЁ]+(?![a-zа-яё])")
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)
_CLAUSE = re.compile(r"[,:;—–]\s")
_LINK_IN_BRACKETS = re.compile(r"\s*\((?:https?://|www\.)[^)\s]*\)")
_MARKUP = re.compile(r"\*\*|__|~~|`")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)  # "Home Assistant's" is written "Home Assistant"
_EDGES = " \t.,;:!?—–-|/\\*\"'«»()[]"
_backgrounds: dict[int, tuple[weakref.ref[Corpus], Counter[tuple[str, ...]], int]] = {}

Key = tuple[str, ...]


@dataclass(frozen=True)
class Phrase:
    key: Key
    text: str  # the title form
    share: float  # of the topic's documents holding it
    score: float


def title_of(
    corpus: Corpus, draft: Draft, language: str | None, phrases: list[Phrase] | None = None
) -> str:
    """The topic's title (see the module's description); ``phrases``: its
    :func:`topic_phrases` when the caller has them already."""
    phrases = topic_phrases(corpus, draft, language) if phrases is None else phrases
    headline = headline_of(corpus, draft, language)
    if headline and (draft.type == "singleton" or not phrases or phrases[0].share < MIN_SHARE):
        return headline
    if phrases:
        return phrases[0].text
    return headline or _FALLBACK.get(language or "", _FALLBACK["en"])


def topic_phrases(corpus: Corpus, draft: Draft, language: str | None) -> list[Phrase]:
    """The topic's best ``MAX_PHRASES`` phrases in the channel's script, the most
    representative first, none a part of a better one ("оценка" after "оценка пачума")."""
    documents = [corpus.items[i].text for i in reading_order(corpus, draft)]
    documents = [text for text in documents if not is_garbled(text)] or [""]
    counts: Counter[Key] = Counter()
    forms: dict[Key, Counter[str]] = {}
    tags: dict[Key, Counter[str]] = {}
    for text in documents:
        for match in HASHTAG.finditer(text):
            tags.setdefault((lemma_key(match.group(1)),), Counter())[match.group(1)] += 1
    for text in documents:
        for key, form in _candidates(text):
            counts[key] += 1
            forms.setdefault(key, Counter())[form] += 1
    background, total = _background(corpus)
    needed = min(2, len(documents))
    scored = []
    for key, count in counts.items():
        if count < needed or set(key) <= _GENERIC:
            continue
        share = count / len(documents)
        rarity = math.log((total + 1) / (background[key] + 1)) + 1
        score = share * rarity * (1 + 0.4 * (len(key) - 1))
        score *= HASHTAG_BONUS if key in tags else 1.0
        scored.append((-round(score, 9), _form(forms[key], tags.get(key)), key, share))
    phrases: list[Phrase] = []
    for minus_score, form, key, share in sorted(scored):
        if len(phrases) >= MAX_PHRASES:
            break
        if in_script(form, language) and not any(contains(p.key, key) for p in phrases):
            phrases.append(Phrase(key, title_form(form), share, -minus_score))
    return phrases


def _form(forms: Counter[str], tags: Counter[str] | None) -> str:
    """How to write a phrase: as the author's hashtag ("running", not "runs"), in the case
    the text writes it ("PostgreSQL" for "#postgresql"); else as most often written."""
    if tags:
        tag = _most_common(tags)
        cased = Counter({f: n for f, n in forms.items() if f.casefold() == tag.casefold()})
        return _most_common(cased) if cased else tag
    return _most_common(forms)


def _most_common(counts: Counter[str]) -> str:
    return max(counts.items(), key=lambda pair: (pair[1], pair[0]))[0]


def headline_of(corpus: Corpus, draft: Draft, language: str | None) -> str | None:
    """The central anchor's first meaningful line, shortened (None when it has none): its
    first sentence of three words or more ("Всем привет." is not a headline)."""
    text = corpus.items[draft.anchors[0][0]].text
    for line in [] if is_garbled(text) else text.splitlines():
        line = _LINK_IN_BRACKETS.sub("", line)
        line = _PARENTHESES.sub("", HASHTAG.sub(" ", URL.sub(" ", MENTION.sub(" ", line))))
        line = " ".join(_MARKUP.sub("", line).split()).strip(_EDGES)
        sentences = [s.strip(_EDGES) for s in split_sentences(line)]
        said = [s for s in sentences if len(s.split()) >= HEADLINE_MIN_WORDS] or sentences[:1]
        line = said[0] if said else ""
        if sum(char.isalpha() for char in line) >= 3 and in_script(line, language):
            return _shortened(line)
    return None


def title_form(phrase: str) -> str:
    """A phrase as a title: a Russian CamelCase hashtag in words ("ВоВсеТяжкие" → "Во все
    тяжкие"; Latin CamelCase is a name: "PostgreSQL", "JavaScript"), a Russian phrase in
    the nominative, shouting lowered (acronyms of up to four letters kept), the first
    letter upper case."""
    words = phrase.split()
    parts = [] if len(words) > 1 or _LATIN.search(phrase) else _CAMEL.findall(phrase)
    if len(parts) > 1:
        return _sentence_case(parts)
    if phrase.isupper() and len(phrase) > 4:
        words = [w.lower() for w in words]
    text = " ".join(nominative(words))
    return text[:1].upper() + text[1:]


def _sentence_case(parts: list[str]) -> str:
    words = [parts[0], *(p if p.isupper() and len(p) > 1 else p.lower() for p in parts[1:])]
    return " ".join(words)


def distinct_titles(
    corpus: Corpus, drafts: Sequence[Draft], titles: Sequence[str], language: str | None
) -> list[str]:
    """``titles`` with every repeat (ignoring case) replaced: the larger topic keeps the
    title, the others take the first free alternative, deterministically."""
    order = sorted(
        range(len(drafts)), key=lambda i: (-_size(drafts[i]), _anchor_ref(corpus, drafts[i]))
    )
    result = list(titles)
    taken: set[str] = set()
    for i in order:
        title = titles[i]
        if title.casefold() in taken:
            options = _alternatives(corpus, drafts[i], title, language)
            title = next(option for option in options if option.casefold() not in taken)
        taken.add(title.casefold())
        result[i] = title
    return result


def _alternatives(corpus: Corpus, draft: Draft, title: str, language: str | None) -> Iterator[str]:
    own = {lemma_key(word) for word in title.split()}
    phrases = [
        p
        for p in topic_phrases(corpus, draft, language)
        if not own & set(p.key) and p.text.casefold() not in title.casefold()
    ]
    options = [f"{title} — {phrase.text}" for phrase in phrases[:3]]
    headline = headline_of(corpus, draft, language)
    if headline:
        options += [headline, f"{title} — {headline}"]
    return itertools.chain(options, (f"{title} ({n})" for n in itertools.count(2)))


def reading_order(corpus: Corpus, draft: Draft) -> list[int]:
    """Anchors, then posts, then comments, each by score: at most ``SAMPLE_DOCUMENTS``."""
    members = sorted(
        draft.members.items(),
        key=lambda m: (corpus.items[m[0]].message_type != "post", -m[1], m[0]),
    )
    return [*draft.anchor_indexes(), *(i for i, _ in members)][:SAMPLE_DOCUMENTS]


@lru_cache(maxsize=1 << 15)
def _candidates(text: str) -> tuple[tuple[Key, str], ...]:
    """The phrases of one text (each once): key and the form it is written in."""
    found: dict[Key, str] = {}
    for run in content_runs(text):
        naming = [names_a_thing(word) for word in run]
        ending = [ends_a_title(word) for word in run]
        for size in range(1, MAX_WORDS + 1):
            for start in range(len(run) - size + 1):
                if all(naming[start : start + size]) and ending[start + size - 1]:
                    words = [_POSSESSIVE.sub("", word) for word in run[start : start + size]]
                    key = tuple(lemma_key(word) for word in words)
                    found.setdefault(key, " ".join(words))
    return tuple(found.items())


def _background(corpus: Corpus) -> tuple[Counter[Key], int]:
    """How many of (a sample of) the channel's posts hold each phrase, once per corpus."""
    cached = _backgrounds.get(id(corpus))
    if cached is not None and cached[0]() is corpus:
        return cached[1], cached[2]
    posts = corpus.posts() or list(range(len(corpus)))
    step = max(1, math.ceil(len(posts) / BACKGROUND_DOCUMENTS))
    counts: Counter[Key] = Counter()
    sample = posts[::step]
    for i in sample:
        counts.update(key for key, _ in _candidates(corpus.items[i].text))
    _backgrounds.clear()
    _backgrounds[id(corpus)] = (weakref.ref(corpus), counts, len(sample))
    return counts, len(sample)


def contains(longer: Key, shorter: Key) -> bool:
    size = len(shorter)
    return any(longer[i : i + size] == shorter for i in range(len(longer) - size + 1))


def _shortened(line: str) -> str:
    """At most ``HEADLINE_WORDS`` words: the first clause when the line is longer (or the
    words that fit, with an ellipsis); shouting lowered."""
    line = line[next((i for i, c in enumerate(line) if c.isalnum()), 0) :]
    if line.isupper() and len(line) > 4:
        line = line.lower()
    if len(line.split()) > HEADLINE_WORDS:
        clause = _CLAUSE.split(line, maxsplit=1)[0]
        fits = CLAUSE_MIN_WORDS <= len(clause.split()) <= HEADLINE_WORDS
        line = clause if fits else " ".join(line.split()[:HEADLINE_WORDS]).strip(_EDGES) + "…"
    text = line.strip(_EDGES.replace(".", "")) if line.endswith("…") else line.strip(_EDGES)
    return text[:1].upper() + text[1:]


def _anchor_ref(corpus: Corpus, draft: Draft) -> str:
    return corpus.items[draft.anchors[0][0]].ref


def _size(draft: Draft) -> int:
    return len(draft.anchors) + len(draft.members)
