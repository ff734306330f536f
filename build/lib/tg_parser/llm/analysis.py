"""The model analyser: messages analysed by an LLM through structured calls.

``ModelAnalyser`` implements the analyser interface over a ``CallRunner``. The local
algorithms still do what they do best and cost nothing: the clean text, the typed
entities found by pattern (URLs, e-mails, phones, dates, numbers with units) and the noise
flag. Messages flagged as noise or too short to say anything keep the full offline
analysis and skip the model unless ``skip_trivial`` is off; identical texts in one run are
sent once. The model writes the language, summary, key phrases, named entities and its own
noise verdict; an answer that does not validate gets one repair call, then the message
fails (each answer that does not validate counts as a failed call for the breaker, so a
model that only answers garbage stops the run). With ``batch_size`` above 1, short
messages (up to ``batch_max_chars``) share calls, ``batch_size`` at a time; one the batch
answer leaves out is sent on its own. A message longer than ``max_input_chars`` is sent
cut (the document keeps its whole clean text and records the cut in its metadata); the
dry-run estimate counts what would be sent.

What is sent and how the answer is checked is ``analysis_wire``: the message is data
between tags, defused, and the system prompt says never to follow what the data says.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from tg_parser.errors import ProviderOutputError
from tg_parser.llm.analysis_wire import (
    ANALYSIS_SCHEMA,
    BATCH_SCHEMA,
    MAX_INPUT_CHARS,
    ModelAnalysis,
    for_model,
    merge,
    parse_answer,
    parse_batch,
    render_batch,
    render_input,
    unreadable,
)
from tg_parser.llm.base import Analysis, CallEstimate, MessageInput
from tg_parser.llm.batcher import MicroBatcher
from tg_parser.llm.calls import CallRunner, estimate_tokens
from tg_parser.llm.client import CompletionRequest
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.llm.prompts import Prompt, defuse, load_prompt
from tg_parser.models import CallRecord
from tg_parser.text import extract_entities

MIN_WORDS = 5  # below this many words a message skips the model
# a typical answer: summary, key phrases, a few entities (reasoning models spend more)
ESTIMATED_OUTPUT_TOKENS = 160
T = TypeVar("T")


@dataclass(frozen=True)
class BatchOptions:
    size: int = 1  # messages per call; 1 sends every message on its own
    max_chars: int = 600  # only messages up to this long share calls


class ModelAnalyser:
    """Analyses messages with a model; see the module docstring for what goes where."""

    def __init__(
        self,
        runner: CallRunner,
        *,
        max_output_tokens: int = 4096,
        output_language: str | None = None,
        skip_trivial: bool = True,
        batch: BatchOptions | None = None,
        max_input_chars: int = MAX_INPUT_CHARS,
    ) -> None:
        self.runner = runner
        self.prompt = load_prompt("message-analysis")
        self.batch_prompt = self.prompt.then(load_prompt("message-analysis-batch"))
        self.offline = OfflineAnalyser()
        self.max_output_tokens = max_output_tokens
        self.output_language = output_language
        self.skip_trivial = skip_trivial
        self.batch = batch or BatchOptions()
        self.max_input_chars = max_input_chars
        self.provider = runner.client.provider
        self.model_id = runner.client.model
        self.prompt_name = self.prompt.name
        self.prompt_id = self.prompt.id
        self.parameters: dict[str, Any] = runner.client.parameters | {
            "prompt_version": self.prompt.version,
            "output_language": output_language or "message",
            "skip_trivial": skip_trivial,
            "batch_size": self.batch.size,
            "max_input_chars": max_input_chars,
        }
        self._seen: dict[str, asyncio.Future[Analysis]] = {}
        self._batcher: MicroBatcher[tuple[MessageInput, str], ModelAnalysis] = MicroBatcher(
            self._ask_batch, self._ask_one, size=self.batch.size
        )

    def estimate(self, item: MessageInput) -> CallEstimate | None:
        """Tokens the message would cost (None: it would skip the model), without calling."""
        text, noise, _ = self.offline.screen(item)
        if self._skip_reason(text, noise) is not None:
            return None
        sent, _ = for_model(text, self.max_input_chars)
        user_turn = render_input(item, sent, self.output_language)
        instructions = estimate_tokens(self.prompt.instructions)
        if self._batched(sent):
            instructions = estimate_tokens(self.batch_prompt.instructions) // self.batch.size
        return CallEstimate(
            key=_identity(item, text),
            input_tokens=instructions + estimate_tokens(user_turn),
            output_tokens=ESTIMATED_OUTPUT_TOKENS,
        )

    async def analyse(self, item: MessageInput) -> Analysis:
        text, noise, noise_reason = self.offline.screen(item)
        reason = self._skip_reason(text, noise, noise_reason)
        if reason is not None:
            local = await self.offline.analyse(item)
            return local.model_copy(update={"metadata": self._offline_metadata(reason)})
        key = _identity(item, text)
        if key in self._seen:
            return await asyncio.shield(self._seen[key])
        future: asyncio.Future[Analysis] = asyncio.get_running_loop().create_future()
        self._seen[key] = future
        local = Analysis(
            text_clean=text, entities=extract_entities(text), noise=noise, noise_reason=noise_reason
        )
        sent, cut = for_model(text, self.max_input_chars)
        try:
            result = merge(local, await self._answer(item, sent))
            result.metadata.update(cut)
        except BaseException as exc:
            del self._seen[key]
            future.set_exception(exc)
            future.exception()  # retrieved: waiting duplicates re-raise it themselves
            raise
        future.set_result(result)
        return result

    def drain_calls(self) -> list[CallRecord]:
        return self.runner.drain()

    def _batched(self, text: str) -> bool:
        return self.batch.size > 1 and len(text) <= self.batch.max_chars

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
            "provider": self.offline.provider,
            "model_id": self.offline.model_id,
            "prompt_name": self.offline.prompt_name,
            "prompt_id": self.offline.prompt_id,
            "parameters": self.offline.parameters,
            "llm_skipped": reason,
        }

    async def _answer(self, item: MessageInput, sent: str) -> ModelAnalysis:
        """The model's analysis of ``sent``, the message as the model gets it."""
        if self._batched(sent):
            return await self._batcher.submit((item, sent))
        return await self._ask_one((item, sent))

    async def _ask_one(self, message: tuple[MessageInput, str]) -> ModelAnalysis:
        item, sent = message
        user_turn = render_input(item, sent, self.output_language)
        try:
            return await self._call(self.prompt, user_turn, item.source_ref, parse_answer)
        except ProviderOutputError as exc:
            if not unreadable(exc):
                raise
            repair = self.prompt.then(load_prompt("message-analysis-repair"))
            retry_turn = f"{user_turn}\n<error>{defuse(str(exc))}</error>"
            return await self._call(repair, retry_turn, item.source_ref, parse_answer)

    async def _ask_batch(
        self, messages: Sequence[tuple[MessageInput, str]]
    ) -> list[ModelAnalysis | None]:
        if len(messages) == 1:
            return [await self._ask_one(messages[0])]
        user_turn = render_batch(messages, self.output_language)
        parse = partial(parse_batch, count=len(messages))
        try:
            return await self._call(self.batch_prompt, user_turn, None, parse, batch=True)
        except ProviderOutputError as exc:
            if not unreadable(exc):
                raise
            return [None] * len(messages)  # each message gets its own call instead

    async def _call(
        self,
        prompt: Prompt,
        user_turn: str,
        source_ref: str | None,
        parse: Callable[[str], T],
        *,
        batch: bool = False,
    ) -> T:
        """The parsed answer; one that does not parse counts as a failed call (breaker)."""
        request = CompletionRequest(
            instructions=prompt.instructions,
            input=user_turn,
            schema_name="message_analysis_batch" if batch else "message_analysis",
            schema=BATCH_SCHEMA if batch else ANALYSIS_SCHEMA,
            max_output_tokens=self.max_output_tokens,
        )
        return await self.runner.call_checked(
            request, prompt, lambda completion: parse(completion.text), source_ref=source_ref
        )


def _identity(item: MessageInput, text: str) -> str:
    """Messages with this key get the same analysis: reposts of one text, in any channel
    (a comment's key includes its post, the context it is read in)."""
    context = (item.post_text or "") if item.message_type == "comment" else ""
    material = "\x00".join((item.message_type, text, context))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
