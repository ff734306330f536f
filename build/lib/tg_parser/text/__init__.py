"""Offline text analysis: pure functions over message text (no database, no I/O).

``clean`` (normalisation and learnt boilerplate), ``language`` (ISO 639-1), ``summary``
(extractive), ``keyphrases``, ``entities`` (typed, with confidence) and ``noise``
(advertising, greetings, one-liners, media only). ``words`` holds the shared tokeniser and
the Russian and English stopwords.
"""

from tg_parser.text.clean import clean_text, learn_boilerplate
from tg_parser.text.entities import extract_entities
from tg_parser.text.keyphrases import distinct_phrases, key_phrases
from tg_parser.text.language import detect_language
from tg_parser.text.noise import classify_noise
from tg_parser.text.sentences import split_sentences
from tg_parser.text.summary import summarise

__all__ = [
    "classify_noise",
    "clean_text",
    "detect_language",
    "distinct_phrases",
    "extract_entities",
    "key_phrases",
    "learn_boilerplate",
    "split_sentences",
    "summarise",
]
