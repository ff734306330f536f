"""The one provider interface: a message (with its context) in, an analysis out.

Every provider — `offline` here, LLM providers later — is one class with one small async
method, ``analyse``. It declares what it is (name, model, prompt) as attributes; the
processing service records them in each document's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from tg_parser.models import CallRecord, Entity, MessageType


@dataclass(frozen=True)
class ChannelContext:
    """What a provider knows about the channel: its title and its learnt boilerplate
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
    """A provider's result for one message (the body of a ProcessedDocument)."""

    model_config = ConfigDict(extra="forbid")

    text_clean: str
    summary: str | None = None
    topics: list[str] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    language: str | None = None
    noise: bool = False
    noise_reason: str | None = None
    # document metadata the provider adds or overrides (e.g. which provider really wrote it)
    metadata: dict[str, Any] = Field(default_factory=dict)


class Provider(Protocol):
    name: str  # e.g. "offline", "openai"
    model_id: str  # e.g. "offline-extractive", "gpt-5-mini"
    prompt_name: str  # the algorithm or prompt used, e.g. "offline-analysis"
    prompt_id: str  # "sha256:<hex>" of the prompt text or of the algorithm's parameters
    parameters: dict[str, Any]  # the parameters actually used

    async def analyse(self, item: MessageInput) -> Analysis: ...

    def drain_calls(self) -> list[CallRecord]:
        """The model calls made since the last drain (none for local providers)."""
        ...
