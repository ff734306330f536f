"""The seam between tg-parser and a model provider's API: one structured call.

A ``ModelClient`` sends instructions, the input (the data, delimited) and the JSON Schema
the answer must follow, and returns the answer's text with the tokens it cost. One module
per provider implements it (``llm/openai.py``, ``llm/anthropic.py``, ``llm/gemini.py``,
``llm/ollama.py``), each the only importer of its SDK. Clients never retry (their SDK's
own retries are switched off): they translate every failure into the ``ProviderError``
tree, and ``llm/calls.py`` retries, limits and records around them.

A provider's text can carry secrets: a server or proxy may echo the key or the request's
headers in its error body. Every client raises its errors inside ``masked_errors(key)``,
so what is kept or printed of them (call records, failures, runs, logs, the CLI's line)
has the configured key, credential headers, bearer tokens, key-like strings, ``key=``
query values and passwords in URLs replaced by ``***``.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from tg_parser.errors import ProviderError

MASK = "***"
# "authorization: Bearer …", '"x-api-key": "…"', "x-goog-api-key=…" — the name is kept
_CREDENTIAL_HEADER = re.compile(
    r"(?i)\b((?:proxy-)?authorization|x-api-key|x-goog-api-key|api-key)"
    r"([\"']?\s*[:=]\s*[\"']?)(?:(bearer|basic)\s+)?[^\s\"',;&}]+"
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+(?!\*\*\*)[^\s\"',;}]+")
# OpenAI (sk-, sk-proj-, sk-ant- …), Groq (gsk_), xAI (xai-), Google (AIza…)
_KEY_LIKE = re.compile(r"\b(?:sk-|gsk_|xai-)[\w.-]{6,}|\bAIza[\w-]{20,}")
_KEY_QUERY = re.compile(r"(?i)([?&](?:key|api_key|access_token)=)[^&\s\"']+")
_URL_PASSWORD = re.compile(r"(\w://)[^/\s:@]+:[^/\s@]*@")


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


def mask(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with the ``secrets`` and anything that looks like a credential masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    text = _CREDENTIAL_HEADER.sub(_masked_header, text)
    text = _BEARER.sub(rf"\1 {MASK}", text)
    text = _KEY_LIKE.sub(MASK, text)
    text = _KEY_QUERY.sub(rf"\1{MASK}", text)
    return _URL_PASSWORD.sub(rf"\1{MASK}@", text)


def _masked_header(found: re.Match[str]) -> str:
    name, separator, scheme = found.group(1), found.group(2), found.group(3)
    return f"{name}{separator}{scheme + ' ' if scheme else ''}{MASK}"


def one_line(text: str, *, secrets: tuple[str, ...] = (), limit: int = 300) -> str:
    """A provider's message on one short line for ours, credentials masked (see ``mask``)."""
    flat = mask(" ".join(text.split()), secrets)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@contextmanager
def masked_errors(*secrets: str) -> Iterator[None]:
    """Mask the ``secrets`` (and credential-like text) in a ``ProviderError`` raised inside."""
    try:
        yield
    except ProviderError as exc:
        exc.message = mask(exc.message, secrets)
        exc.args = (exc.message,)
        raise


def unreachable(exc: BaseException) -> str | None:
    """Why nothing answers, when a connection error was refused or its host is unknown."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain:
        chain.append(link)
        link = link.__cause__ or link.__context__
    for error in chain:
        if isinstance(error, ConnectionRefusedError):
            return "connection refused"
        if isinstance(error, socket.gaierror):
            return "unknown host"
    return None
