"""What goes to the model for a message analysis and what must come back.

The user turn carries context lines, then the message (and a comment's post) between
tags, defused so the data cannot close them; a batch carries several messages, each
``<message id="N">``. A message longer than ``LLM_MAX_INPUT_CHARS`` is sent cut, with a
visible marker saying how much was left out (``for_model``). The answer must be JSON of
``ANALYSIS_SCHEMA`` (a batch: of ``BATCH_SCHEMA``), validated here; ``merge`` joins it
with the local analysis.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tg_parser.errors import ProviderOutputError
from tg_parser.llm.base import Analysis, MessageInput
from tg_parser.llm.prompts import defuse
from tg_parser.models import Entity
from tg_parser.text import detect_language, distinct_phrases
from tg_parser.text.words import head

NAMED_ENTITY_CONFIDENCE = 0.8
NAMED_TYPES = ("person", "organization", "product", "location", "event")
BATCH_POST_CHARS = 300  # a batched comment's post, as context, is cut to this
MAX_INPUT_CHARS = 20_000  # the most characters of one message sent (LLM_MAX_INPUT_CHARS)
_LANGUAGE = re.compile(r"^[a-z]{2}$")
M = TypeVar("M", bound=BaseModel)


class NamedEntity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str
    value: str


class ModelAnalysis(BaseModel):
    """What the model must answer (validated; unknown fields are an error)."""

    model_config = ConfigDict(extra="forbid")
    language: str
    summary: str
    topics: list[str] = Field(max_length=8)
    entities: list[NamedEntity] = Field(max_length=20)
    noise: bool
    noise_reason: str


ANALYSIS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["language", "summary", "topics", "entities", "noise", "noise_reason"],
    "properties": {
        "language": {"type": "string", "description": "ISO 639-1 code"},
        "summary": {"type": "string"},
        "topics": {"type": "array", "items": {"type": "string"}},
        "entities": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type", "value"],
                "properties": {
                    "type": {"type": "string", "enum": list(NAMED_TYPES)},
                    "value": {"type": "string"},
                },
            },
        },
        "noise": {"type": "boolean"},
        "noise_reason": {"type": "string"},
    },
}


class BatchResult(ModelAnalysis):
    id: str


class BatchAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    results: list[BatchResult]


BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["results"],
    "properties": {
        "results": {
            "type": "array",
            "items": {
                **ANALYSIS_SCHEMA,
                "required": ["id", *ANALYSIS_SCHEMA["required"]],
                "properties": {"id": {"type": "string"}, **ANALYSIS_SCHEMA["properties"]},
            },
        }
    },
}


def for_model(text: str, limit: int = MAX_INPUT_CHARS) -> tuple[str, dict[str, Any]]:
    """The message as the model gets it — whole, or its first ``limit`` characters and a
    marker saying how many more there are — and what the document's metadata records of
    the cut (nothing when it went whole)."""
    if len(text) <= limit:
        return text, {}
    sent = head(text, limit)
    marker = f"[… {len(text) - len(sent):,} more characters not sent]"
    cut = {"input_truncated": True, "input_chars": len(text), "sent_chars": len(sent)}
    return f"{sent}\n{marker}", cut


def render_input(item: MessageInput, text: str, output_language: str | None) -> str:
    """The user turn: context lines, then the (defused) message ``text`` between tags."""
    language = output_language or "the message's own language"
    lines = [
        f"Channel: {defuse(item.channel.title or item.channel.channel_id)}",
        f"Message type: {item.message_type}",
        f"Date: {item.date.date().isoformat()}",
        f"Output language: {language}",
    ]
    if item.post_text:
        lines.append(f"<post>\n{defuse(item.post_text[:2000])}\n</post>")
    lines.append(f"<message>\n{defuse(text)}\n</message>")
    return "\n".join(lines)


def render_batch(items: Sequence[tuple[MessageInput, str]], output_language: str | None) -> str:
    """The user turn of a batch: shared context, then each (message, clean text) by id."""
    first = items[0][0]
    language = output_language or "each message's own language"
    lines = [
        f"Channel: {defuse(first.channel.title or first.channel.channel_id)}",
        f"Output language: {language}",
    ]
    for number, (item, text) in enumerate(items, start=1):
        lines.append(
            f'<message id="{number}" type="{item.message_type}" '
            f'date="{item.date.date().isoformat()}">'
        )
        if item.post_text:
            lines.append(f"<post>\n{defuse(item.post_text[:BATCH_POST_CHARS])}\n</post>")
        lines.append(f"{defuse(text)}\n</message>")
    return "\n".join(lines)


def parse_answer(text: str) -> ModelAnalysis:
    """The model's answer, validated; anything else is a ``ProviderOutputError``."""
    return _validated(ModelAnalysis, text)


def unreadable(error: ProviderOutputError) -> bool:
    """Whether ``error`` is an answer that came but is not JSON of the schema (raised by
    the parsers here, from the parse error), which a repair call may mend — unlike a
    provider that refused or cut its answer."""
    return isinstance(error.__cause__, ValueError)


def parse_batch(text: str, count: int) -> list[ModelAnalysis | None]:
    """The batch's answers by position (ids 1..count); a missing id is ``None``."""
    answer = _validated(BatchAnswer, text)
    by_id = {result.id.strip(): result for result in answer.results}
    return [_as_single(by_id.get(str(number))) for number in range(1, count + 1)]


def _as_single(result: BatchResult | None) -> ModelAnalysis | None:
    return None if result is None else ModelAnalysis(**result.model_dump(exclude={"id"}))


def _validated(model: type[M], text: str) -> M:
    try:
        return model.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ProviderOutputError(
            f"the model's answer is not valid analysis JSON: {first}"
        ) from exc


def merge(local: Analysis, answer: ModelAnalysis) -> Analysis:
    """The document: the local clean text and pattern entities, the model's reading."""
    named = [
        Entity(type=e.type, value=e.value.strip(), confidence=NAMED_ENTITY_CONFIDENCE)
        for e in answer.entities
        if e.type in NAMED_TYPES and e.value.strip()
    ]
    seen = {(e.type, e.value) for e in local.entities}
    entities = local.entities + [e for e in named if (e.type, e.value) not in seen]
    language = answer.language.strip().lower()
    return Analysis(
        text_clean=local.text_clean,
        summary=answer.summary.strip() or None,
        topics=distinct_phrases(answer.topics),
        entities=entities,
        language=language if _LANGUAGE.match(language) else detect_language(local.text_clean),
        noise=answer.noise or local.noise,
        noise_reason=(answer.noise_reason.strip() or None) if answer.noise else local.noise_reason,
    )
