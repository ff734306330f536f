"""The model provider: a message analysed by an LLM through one structured call.

``ModelProvider`` implements the provider interface over a ``CallRunner``. The local
algorithms still do what they do best and cost nothing: the clean text, the typed
entities found by pattern (URLs, e-mails, phones, dates, numbers with units) and the noise
flag. Messages flagged as noise or too short to say anything skip the model unless
``skip_trivial`` is off; identical texts in one run are sent once. The model writes the
language, summary, key phrases, named entities and its own noise verdict, as JSON of
``ANALYSIS_SCHEMA``; an answer that does not validate gets one repair call, then the
message fails.

The message is data, not instructions: it is sent between ``<message>`` tags in the user
turn (a comment's post between ``<post>`` tags), any such tag inside the text is defused,
and the system prompt says never to follow what the data says.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tg_parser.errors import ProviderOutputError
from tg_parser.llm.base import Analysis, MessageInput
from tg_parser.llm.calls import CallRunner, estimate_tokens
from tg_parser.llm.client import CompletionRequest
from tg_parser.llm.offline import OfflineProvider
from tg_parser.llm.prompts import Prompt, load_prompt
from tg_parser.models import Entity
from tg_parser.store.llm_calls import CallRecord

MIN_WORDS = 5  # below this many words a message skips the model
# a typical answer: summary, key phrases, a few entities (reasoning models spend more)
ESTIMATED_OUTPUT_TOKENS = 160
NAMED_ENTITY_CONFIDENCE = 0.8
NAMED_TYPES = ("person", "organization", "product", "location", "event")
_TAG = re.compile(r"<(/?)(message|post|error)\b", re.IGNORECASE)
_LANGUAGE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class CallEstimate:
    """What one message would cost; messages with the same ``key`` share one call."""

    key: str
    input_tokens: int
    output_tokens: int


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


class ModelProvider:
    """Analyses messages with a model; see the module docstring for what goes where."""

    def __init__(
        self,
        runner: CallRunner,
        *,
        max_output_tokens: int = 4096,
        output_language: str | None = None,
        skip_trivial: bool = True,
    ) -> None:
        self.runner = runner
        self.prompt = load_prompt("message-analysis")
        self.repair = load_prompt("message-analysis-repair")
        self.offline = OfflineProvider()
        self.max_output_tokens = max_output_tokens
        self.output_language = output_language
        self.skip_trivial = skip_trivial
        self.name = runner.client.provider
        self.model_id = runner.client.model
        self.prompt_name = self.prompt.name
        self.prompt_id = self.prompt.id
        self.parameters: dict[str, Any] = runner.client.parameters | {
            "prompt_version": self.prompt.version,
            "output_language": output_language or "message",
            "skip_trivial": skip_trivial,
        }
        self._seen: dict[str, asyncio.Future[Analysis]] = {}

    def estimate(self, item: MessageInput) -> CallEstimate | None:
        """Tokens the message would cost (None: it would skip the model), without calling."""
        text, noise, _ = self.offline.screen(item)
        if self._skip_reason(text, noise) is not None:
            return None
        local = Analysis(text_clean=text)
        user_turn = render_input(item, local, self.output_language)
        return CallEstimate(
            key=_identity(item, text),
            input_tokens=estimate_tokens(self.prompt.instructions + user_turn),
            output_tokens=ESTIMATED_OUTPUT_TOKENS,
        )

    async def analyse(self, item: MessageInput) -> Analysis:
        local = await self.offline.analyse(item)
        reason = self._skip_reason(local.text_clean, local.noise, local.noise_reason)
        if reason is not None:
            return local.model_copy(update={"metadata": self._offline_metadata(reason)})
        key = _identity(item, local.text_clean)
        if key in self._seen:
            return await asyncio.shield(self._seen[key])
        future: asyncio.Future[Analysis] = asyncio.get_running_loop().create_future()
        self._seen[key] = future
        try:
            result = await self._ask(item, local)
        except BaseException as exc:
            del self._seen[key]
            future.set_exception(exc)
            future.exception()  # retrieved: waiting duplicates re-raise it themselves
            raise
        future.set_result(result)
        return result

    def drain_calls(self) -> list[CallRecord]:
        return self.runner.drain()

    def _skip_reason(self, text: str, noise: bool, noise_reason: str | None = None) -> str | None:
        if not self.skip_trivial:
            return None
        if noise:
            return f"noise: {noise_reason or 'flagged'}"
        if len(text.split()) < MIN_WORDS:
            return f"trivial: fewer than {MIN_WORDS} words"
        return None

    def _offline_metadata(self, reason: str) -> dict[str, Any]:
        return {
            "provider": self.offline.name,
            "model_id": self.offline.model_id,
            "prompt_name": self.offline.prompt_name,
            "prompt_id": self.offline.prompt_id,
            "parameters": self.offline.parameters,
            "llm_skipped": reason,
        }

    async def _ask(self, item: MessageInput, local: Analysis) -> Analysis:
        request = self._request(self.prompt, render_input(item, local, self.output_language))
        completion = await self.runner.call(request, self.prompt, source_ref=item.source_ref)
        try:
            answer = parse_answer(completion.text)
        except ProviderOutputError as exc:
            fixed = self._request(
                self.repair,
                request.input + f"\n<error>{defuse(str(exc))}</error>",
                instructions=self.prompt.instructions + "\n" + self.repair.instructions,
            )
            completion = await self.runner.call(fixed, self.repair, source_ref=item.source_ref)
            answer = parse_answer(completion.text)
        return merge(local, answer)

    def _request(
        self, prompt: Prompt, text: str, *, instructions: str | None = None
    ) -> CompletionRequest:
        return CompletionRequest(
            instructions=instructions or prompt.instructions,
            input=text,
            schema_name="message_analysis",
            schema=ANALYSIS_SCHEMA,
            max_output_tokens=self.max_output_tokens,
        )


def render_input(item: MessageInput, local: Analysis, output_language: str | None) -> str:
    """The user turn: context lines, then the (defused) data between tags."""
    language = output_language or "the message's own language"
    lines = [
        f"Channel: {defuse(item.channel.title or item.channel.channel_id)}",
        f"Message type: {item.message_type}",
        f"Date: {item.date.date().isoformat()}",
        f"Output language: {language}",
    ]
    if item.post_text:
        lines.append(f"<post>\n{defuse(item.post_text[:2000])}\n</post>")
    lines.append(f"<message>\n{defuse(local.text_clean)}\n</message>")
    return "\n".join(lines)


def parse_answer(text: str) -> ModelAnalysis:
    """The model's answer, validated; anything else is a ``ProviderOutputError``."""
    try:
        return ModelAnalysis.model_validate(json.loads(text))
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
        topics=_unique([t.strip() for t in answer.topics if t.strip()])[:5],
        entities=entities,
        language=language if _LANGUAGE.match(language) else local.language,
        noise=answer.noise or local.noise,
        noise_reason=(answer.noise_reason.strip() or None) if answer.noise else local.noise_reason,
    )


def _identity(item: MessageInput, text: str) -> str:
    """Messages with this key get the same analysis (reposts of one text)."""
    context = (item.post_text or "") if item.message_type == "comment" else ""
    material = "\x00".join((item.message_type, text, context, item.channel.title or ""))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def defuse(text: str) -> str:
    """Data cannot open or close our tags: ``</message>`` inside it becomes ``</ message>``."""
    return _TAG.sub(lambda m: f"<{m.group(1)} {m.group(2)}", text)


def _unique(items: list[str]) -> list[str]:
    """The items without repeats (ignoring case), first occurrence kept."""
    unique: dict[str, str] = {}
    for item in items:
        unique.setdefault(item.lower(), item)
    return list(unique.values())
