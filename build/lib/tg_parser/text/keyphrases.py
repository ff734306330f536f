"""Key phrases of a Russian or English message: the author's hashtags, then phrases
of 1 to 3 words scored by frequency and position (of its head, when very long:
``ANALYSED_CHARS``).

Candidates are runs of words between stopwords, punctuation and line breaks; a phrase
counts its own occurrences and those of its words (joined by a crude stem, so "аннотации"
and "аннотаций" are one word), and earns more the earlier it first appears. Phrases are
lower case; the order is deterministic (score, then first position, then text).
"""

# ruff: noqa: RUF001  (Russian words and typographic characters are the data here)

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from tg_parser.text.words import EMAIL, HASHTAG, MENTION, URL, WORD, head, is_stopword, stem

TOP_K = 5
MAX_WORDS = 3
_BREAK = re.compile(r"[.,;:!?()\[\]{}«»\"“”—–/\\|]|\s-\s|\n")


@dataclass
class _Candidate:
    words: tuple[str, ...]  # stems
    first: int  # position of the first word of the first occurrence
    count: int = 0
    forms: Counter[str] = field(default_factory=Counter)

    def surface(self) -> str:
        best = max(self.forms.items(), key=lambda item: item[1])
        return best[0]


def key_phrases(text: str, *, top_k: int = TOP_K, max_words: int = MAX_WORDS) -> list[str]:
    """Up to ``top_k`` key phrases of ``text``: its hashtags first (without ``#``, in
    order), then the best-scored phrases that do not repeat a chosen one."""
    text = head(text)
    chosen = _hashtags(text)[:top_k]
    seen = {stem(word) for phrase in chosen for word in phrase.split()}
    for candidate in _ranked(_candidates(text, max_words)):
        if len(chosen) >= top_k:
            break
        if set(candidate.words) <= seen:
            continue
        chosen.append(candidate.surface())
        seen.update(candidate.words)
    return chosen


def _hashtags(text: str) -> list[str]:
    tags = [match.group(1).replace("_", " ").lower() for match in HASHTAG.finditer(text)]
    return list(dict.fromkeys(tags))


def _candidates(text: str, max_words: int) -> list[_Candidate]:
    text = HASHTAG.sub(" ", URL.sub(" ", EMAIL.sub(" ", MENTION.sub(" ", text))))
    found: dict[tuple[str, ...], _Candidate] = {}
    position = 0
    for chunk in _BREAK.split(text):
        for run in _runs(WORD.findall(chunk)):
            stems = [stem(w) for w in run]
            for size in range(1, max_words + 1):
                for start in range(len(run) - size + 1):
                    forms = run[start : start + size]
                    key = tuple(stems[start : start + size])
                    entry = found.setdefault(key, _Candidate(key, position + start))
                    entry.count += 1
                    entry.forms[" ".join(forms).lower()] += 1
            position += len(run)
    return list(found.values())


def content_runs(text: str) -> list[list[str]]:
    """Runs of content words of ``text`` (between stopwords, punctuation and line breaks),
    links, e-mails and mentions left out; a hashtag is one word (``#КиноСтрим`` →
    ``КиноСтрим``) of a run of its own, after the text's runs."""
    text = URL.sub(" ", EMAIL.sub(" ", MENTION.sub(" ", head(text))))
    runs = []
    for chunk in _BREAK.split(HASHTAG.sub(" . ", text)):
        runs += _runs(WORD.findall(chunk))
    runs += [[tag] for tag in dict.fromkeys(m.group(1) for m in HASHTAG.finditer(text))]
    return [run for run in runs if _is_content(run[0]) or len(run) > 1]


def _runs(tokens: list[str]) -> list[list[str]]:
    """Runs of content words (no stopwords, no bare numbers, at least 2 characters)."""
    runs: list[list[str]] = [[]]
    for token in tokens:
        if is_stopword(token) or not _is_content(token):
            runs.append([])
        else:
            runs[-1].append(token)
    return [run for run in runs if run]


def _is_content(token: str) -> bool:
    letters = sum(ch.isalpha() for ch in token)
    return letters >= 2 and (len(token) >= 3 or token.isupper())


def _ranked(candidates: list[_Candidate]) -> list[_Candidate]:
    word_counts = Counter[str]()
    for candidate in candidates:
        if len(candidate.words) == 1:
            word_counts[candidate.words[0]] += candidate.count

    def score(candidate: _Candidate) -> float:
        if len(candidate.words) > 1 and candidate.count < 2:
            return 0.0
        weight = sum(word_counts[w] for w in candidate.words) / len(candidate.words)
        length_bonus = 1 + 0.5 * (len(candidate.words) - 1)
        position = 1 / math.log2(2 + candidate.first / 10)
        return candidate.count * weight * length_bonus * position

    scored = [(score(c), c) for c in candidates]
    scored = [(s, c) for s, c in scored if s > 0]
    scored.sort(key=lambda item: (-round(item[0], 9), item[1].first, item[1].surface()))
    return [c for _, c in scored]


def distinct_phrases(values: list[str], limit: int = TOP_K) -> list[str]:
    """Phrases written elsewhere (e.g. by a model) stripped, without empty ones or repeats
    (ignoring case, the first kept), at most ``limit``."""
    unique: dict[str, str] = {}
    for value in (v.strip() for v in values):
        if value:
            unique.setdefault(value.casefold(), value)
    return list(unique.values())[:limit]
