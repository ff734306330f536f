"""The one analyser interface: a message (with its context) in, an analysis out.

Every analyser — ``OfflineAnalyser`` (local algorithms) and ``ModelAnalyser`` (a model of
a provider such as OpenAI) — is one class with one small async method, ``analyse``. It
declares what it is (provider, model, prompt) as attributes; the processing service records
them in each document's metadata. ``estimate`` says what a message would cost without
analysing it, so a dry run prices any analyser the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from tg_parser.models import CallRecord, Entity, MessageType


@dataclass(frozen=True)
class ChannelContext:
    """What an analyser knows about the channel: its title and its learnt boilerplate
    (repeated signatures and footers that are not content)."""

    channel_id: str
    title: str | None = None
    boilerplate: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class MessageInput:
    """One raw message to analyse; a comment carries its post's text as context."""

    source_ref: str
    message_type: MessageType
    text: str
    date: datetime
    channel: ChannelContext
    post_text: str | None = None
    raw_payload: dict[str, Any] | None = None


class Analysis(BaseModel):
    """An analyser's result for one message (the body of a ProcessedDocument)."""

    model_config = ConfigDict(extra="forbid")

    text_clean: str
    summary: str | None = None
    topics: list[str] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    language: str | None = None
    noise: bool = False
    noise_reason: str | None = None
    # document metadata the analyser adds or overrides (e.g. which provider really wrote it)
    metadata: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class CallEstimate:
    """What one message would cost; messages with the same ``key`` share one call."""

    key: str
    input_tokens: int
    output_tokens: int


class Analyser(Protocol):
    provider: str  # who analyses: "offline", or the model's provider, e.g. "openai"
    model_id: str  # e.g. "offline-extractive", "gpt-5-mini"
    prompt_name: str  # the algorithm or prompt used, e.g. "offline-analysis"
    prompt_id: str  # "sha256:<hex>" of the prompt text or of the algorithm's parameters
    parameters: dict[str, Any]  # the parameters actually used

    async def analyse(self, item: MessageInput) -> Analysis: ...

    def estimate(self, item: MessageInput) -> CallEstimate | None:
        """The model call the message would cost (None: it costs none), without calling."""
        ...

    def drain_calls(self) -> list[CallRecord]:
        """The model calls made since the last drain (none offline)."""
        ...
