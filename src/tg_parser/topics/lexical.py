"""Lexical evidence beside the embedding: the words a channel's documents share.

The embedder tells apart broad subjects but not the narrow sections of one channel
(films and series of a stream channel, the readers' cases of a self-hosting channel):
the words do. Each document gets a small lexical vector — TF-IDF over its content stems
(``tg_parser.stemming``: by the rules of each word's script — Russian, Arabic, English —
or the word itself in another script; letters only, at least three of them, no
stopwords) and the marks of the channel's own structure (``shape_tokens``: its hashtags,
the sites it links to, a release year in brackets) — a token in fewer than two documents
or in more than half of them left out; beyond ``SAMPLE_LIMIT`` documents, the vocabulary
and the SVD are fitted on a seeded sample — reduced by a truncated SVD to
``lexical_dimensions`` (LSA: the few main lexical axes of the channel, not its rare
words) — and the vector a build clusters, assigns and scores with is the embedding joined
with that vector times ``lexical_weight``, re-normalised. Cosines stay cosines: the
lexical part weighs ``weight² / (1 + weight²)`` of them. Seeded: the same documents give
the same vectors.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from tg_parser.embed import normalise
from tg_parser.stemming import normalised, stem
from tg_parser.text.words import HASHTAG, URL, is_stopword, words
from tg_parser.topics.corpus import Corpus
from tg_parser.topics.options import TopicOptions

MIN_LETTERS = 3
MIN_DOCUMENTS = 2
MAX_SHARE = 0.5
SAMPLE_LIMIT = 8000
YEAR = re.compile(r"\((?:19|20)\d\d\)")  # "Heat (1995)": a film's, a book's, a game's
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?", re.IGNORECASE)


def with_lexical(corpus: Corpus, options: TopicOptions) -> Corpus:
    """The corpus with its vectors joined to their lexical vectors (unchanged when the
    weight is 0 or the documents share too few words)."""
    lexical = lexical_vectors([item.text for item in corpus.items], options)
    if lexical is None:
        return corpus
    return Corpus(corpus.items, joined(corpus.vectors, lexical, options.lexical_weight))


def joined(vectors: np.ndarray, lexical: np.ndarray, weight: float) -> np.ndarray:
    """The embedding rows joined with their lexical rows times ``weight``, re-normalised."""
    return normalise(np.hstack([vectors, weight * lexical]))


def lexical_vectors(texts: list[str], options: TopicOptions) -> np.ndarray | None:
    """One normalised LSA row per text, or None (weight 0, or fewer than three shared
    stems). Beyond ``SAMPLE_LIMIT`` texts the vocabulary and the axes are those of a
    seeded sample of that many."""
    if options.lexical_weight == 0 or len(texts) < 3:
        return None
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = [[*content_stems(text), *shape_tokens(text)] for text in texts]
    sample = documents
    if len(documents) > SAMPLE_LIMIT:
        picked = np.random.default_rng(options.seed).choice(len(documents), SAMPLE_LIMIT, False)
        sample = [documents[i] for i in sorted(picked.tolist())]
    vectoriser = TfidfVectorizer(
        analyzer=_as_is, sublinear_tf=True, min_df=MIN_DOCUMENTS, max_df=MAX_SHARE
    )
    try:
        fitted = vectoriser.fit_transform(sample)
    except ValueError:  # no stem is shared by enough documents
        return None
    components = min(options.lexical_dimensions, fitted.shape[1] - 1, len(sample) - 1)
    if components < 2:
        return None
    svd = TruncatedSVD(n_components=components, random_state=options.seed).fit(fitted)
    counts = fitted if sample is documents else vectoriser.transform(documents)
    return normalise(svd.transform(counts))


def content_stems(text: str) -> list[str]:
    """The stems of the words of ``text`` that carry content, in order: letters only, at
    least ``MIN_LETTERS`` of them, not a stopword."""
    return [key for key in map(_content_stem, words(text)) if key is not None]


def shape_tokens(text: str) -> list[str]:
    """The marks of a channel's structure that a reader browses by, as tokens no word can
    be: each hashtag (``#kinostream``), the site of each link (``<site:youtu.be>``), and
    ``<year>`` for a year in brackets."""
    tags = [f"#{normalised(tag)}" for tag in HASHTAG.findall(text)]
    sites = [
        f"<site:{_SCHEME.sub('', link).split('/')[0].casefold()}>" for link in URL.findall(text)
    ]
    return [*tags, *sites, *(["<year>"] if YEAR.search(text) else [])]


@lru_cache(maxsize=1 << 18)
def _content_stem(word: str) -> str | None:
    key = normalised(word)
    if len(key) < MIN_LETTERS or not key.isalpha() or is_stopword(key):
        return None
    return stem(key)


def _as_is(stems: list[str]) -> list[str]:
    return stems
