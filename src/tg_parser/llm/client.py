"""The seam between tg-parser and a model provider's API: one structured call.

A ``ModelClient`` sends instructions, the input (the data, delimited) and the JSON Schema
the answer must follow, and returns the answer's text with the tokens it cost. One module
per provider implements it (``llm/openai.py``, ``llm/anthropic.py``, ``llm/gemini.py``,
``llm/ollama.py``), each the only importer of its SDK. Clients never retry (their SDK's
own retries are switched off): they translate every failure into the ``ProviderError``
tree, and ``llm/calls.py`` retries, limits and records around them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

_KEY_LIKE = re.compile(r"\bsk-[\w*.-]+")


@dataclass(frozen=True)
class CompletionRequest:
    """One structured call: system ``instructions``, the ``input`` data and its schema."""

    instructions: str
    input: str
    schema_name: str  # a short identifier, e.g. "message_analysis" ([a-zA-Z0-9_-])
    schema: dict[str, Any]  # JSON Schema of the answer (an object)
    max_output_tokens: int


@dataclass(frozen=True)
class Usage:
    """Tokens one call cost, as the provider reported them (reasoning is part of output)."""

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0


@dataclass(frozen=True)
class Completion:
    """The answer's text (JSON of the requested schema, not yet validated) and its usage."""

    text: str
    usage: Usage
    model: str  # the model that answered, as the provider names it


class ModelClient(Protocol):
    provider: str  # "openai", "anthropic", "gemini", "ollama"
    model: str
    parameters: dict[str, Any]  # generation parameters sent with every call (for metadata)

    async def complete(self, request: CompletionRequest) -> Completion:
        """The answer, or a ``ProviderError`` (``RetryableProviderError`` when worth retrying)."""
        ...

    async def aclose(self) -> None: ...


def one_line(text: str, *, secret: str = "", limit: int = 300) -> str:
    """A provider's message on one short line for ours, with ``secret`` and anything that
    looks like an API key masked."""
    flat = _KEY_LIKE.sub("sk-…", " ".join(text.split()))
    if secret:
        flat = flat.replace(secret, "***")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
