"""Anthropic's Messages API behind the ``ModelClient`` seam (the only importer of ``anthropic``).

Structured output is a forced tool call: one tool named after the schema, whose
``input_schema`` is the requested schema, and ``tool_choice`` naming it; the answer is that
``tool_use`` block's ``input``. The SDK's retries are off (``llm/calls.py`` retries) and
every SDK failure becomes a ``ProviderError``.

No sampling parameter is sent: API version 2026-10-21, which SDK 2.x speaks, answers
``temperature``, ``top_p`` and ``top_k`` with a 400 (the SDK no longer has them), so the
forced tool and the schema are what keep answers in shape.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
from anthropic.types import Message

from tg_parser.clock import retry_after
from tg_parser.config import Settings
from tg_parser.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderOutputError,
    ProviderRequestError,
    ProviderUnreachableError,
    RetryableProviderError,
)
from tg_parser.llm.client import (
    Completion,
    CompletionRequest,
    Usage,
    masked_errors,
    one_line,
    unreachable,
)

DEFAULT_BASE_URL = "https://api.anthropic.com"  # explicit: the SDK would read ANTHROPIC_BASE_URL

# stop reasons that leave no usable answer, and what to tell the user
STOPS = {
    "max_tokens": "was cut off at max_tokens: raise LLM_MAX_OUTPUT_TOKENS",
    "refusal": "was a refusal: the input may break Anthropic's usage policy",
    "model_context_window_exceeded": "hit the model's context window: shorten the input",
}


class AnthropicClient:
    """A ``ModelClient`` over ``AsyncAnthropic``: one ``messages.create`` call per request."""

    provider = "anthropic"

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_output_tokens: int = 4096,
    ) -> None:
        self.model = model
        self.max_output_tokens = max_output_tokens
        self.parameters: dict[str, Any] = {
            "api": "messages",
            "max_tokens": max_output_tokens,
            "tool_choice": "tool",
        }
        self.base_url = base_url or DEFAULT_BASE_URL
        self._api_key = api_key
        self._sdk = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=self.base_url,
            timeout=timeout,
            max_retries=0,
        )

    @classmethod
    def from_settings(cls, settings: Settings, model: str) -> AnthropicClient:
        if settings.anthropic_api_key is None:
            raise ProviderAuthError(
                "No Anthropic API key: set ANTHROPIC_API_KEY (or choose another LLM_PROVIDER)"
            )
        return cls(
            model=model,
            api_key=settings.anthropic_api_key.get_secret_value(),
            base_url=settings.llm_base_url,
            timeout=settings.llm_timeout,
            max_output_tokens=settings.llm_max_output_tokens,
        )

    async def complete(self, request: CompletionRequest) -> Completion:
        with masked_errors(self._api_key):
            return _completion(await self._message(request), request.schema_name)

    async def _message(self, request: CompletionRequest) -> Message:
        try:
            return await self._sdk.messages.create(
                model=self.model,
                max_tokens=min(request.max_output_tokens, self.max_output_tokens),
                system=request.instructions,
                messages=[{"role": "user", "content": request.input}],
                tools=[{"name": request.schema_name, "input_schema": request.schema}],
                tool_choice={"type": "tool", "name": request.schema_name},
            )
        except anthropic.AnthropicError as exc:
            raise _provider_error(exc, self.base_url) from exc
        except json.JSONDecodeError as exc:  # a 200 whose JSON body is cut off
            raise RetryableProviderError(
                "Anthropic sent an unreadable (truncated) response: retrying may help"
            ) from exc

    async def aclose(self) -> None:
        await self._sdk.close()


def _completion(message: Message, tool_name: str) -> Completion:
    """The forced tool's input as JSON text, or ``ProviderOutputError``."""
    stop = STOPS.get(message.stop_reason or "")
    if stop is not None:
        raise ProviderOutputError(f"Anthropic's answer {stop}")
    calls = [b for b in message.content if b.type == "tool_use" and b.name == tool_name]
    if not calls:
        raise ProviderOutputError(
            f"Anthropic answered without calling the {tool_name} tool "
            f"(stop_reason {message.stop_reason}): no JSON answer to read"
        )
    text = json.dumps(calls[0].input, ensure_ascii=False)
    return Completion(text=text, usage=_usage(message), model=message.model)


def _usage(message: Message) -> Usage:
    details = message.usage.output_tokens_details
    return Usage(
        input_tokens=message.usage.input_tokens,
        output_tokens=message.usage.output_tokens,
        reasoning_tokens=details.thinking_tokens if details else 0,
    )


def _provider_error(exc: anthropic.AnthropicError, base_url: str) -> ProviderError:
    """The ``ProviderError`` for an SDK failure, with a one-line message to act on."""
    if isinstance(exc, anthropic.APIStatusError):
        return _status_error(exc)
    if isinstance(exc, anthropic.APITimeoutError):
        return RetryableProviderError(
            "Anthropic did not answer in time: retrying (raise LLM_TIMEOUT if it keeps happening)"
        )
    refused = unreachable(exc)
    if isinstance(exc, anthropic.APIConnectionError) and refused:
        return ProviderUnreachableError(
            f"Cannot connect to Anthropic at {base_url} ({refused}): "
            "check LLM_BASE_URL and the network"
        )
    if isinstance(exc, anthropic.APIConnectionError):
        return RetryableProviderError(
            "Could not reach Anthropic: check the network (and LLM_BASE_URL if set); retrying"
        )
    if isinstance(exc, anthropic.APIResponseValidationError):
        return RetryableProviderError("Anthropic sent a response that is not a message: retrying")
    return ProviderError(f"The Anthropic SDK failed: {one_line(str(exc))}")


def _status_error(exc: anthropic.APIStatusError) -> ProviderError:
    """The ``ProviderError`` for an HTTP error status, by the SDK's exception class."""
    status = exc.status_code
    after = retry_after(exc.response.headers.get("retry-after"))
    if isinstance(exc, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
        return ProviderAuthError(
            f"Anthropic rejected the API key ({status}): check ANTHROPIC_API_KEY"
        )
    if status == 402:
        return ProviderAuthError(
            "Anthropic refused the request for billing (402): add credit to the account"
        )
    if isinstance(exc, anthropic.RateLimitError):
        return RetryableProviderError(
            "Anthropic's rate limit was reached (429): slowing down and retrying",
            retry_after=after,
            rate_limited=True,
        )
    if isinstance(exc, anthropic.OverloadedError) or exc.type == "overloaded_error":
        return RetryableProviderError(
            f"Anthropic is overloaded ({status}): retrying later", retry_after=after
        )
    if isinstance(exc, anthropic.InternalServerError | anthropic.RequestTimeoutError):
        return RetryableProviderError(
            f"Anthropic had a server error ({status}): retrying", retry_after=after
        )
    reason = one_line(exc.api_message or exc.message)
    return ProviderRequestError(f"Anthropic refused the request ({status}): {reason}")
