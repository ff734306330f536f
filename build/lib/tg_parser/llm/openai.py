"""OpenAI models through the official ``openai`` SDK (the only module that imports it).

GPT-5 models (``gpt-5*``) are called through the Responses API: instructions and input,
a structured-output ``text.format``, ``max_output_tokens`` of at least 16,000 (reasoning
counts as output) and, when set, ``reasoning.effort`` and ``text.verbosity`` — never
temperature or top_p, which they reject. Every other model, and any OpenAI-compatible
server at ``LLM_BASE_URL``, goes through Chat Completions at temperature 0.

The SDK's own retries are off; every failure becomes a ``ProviderError`` (see
:func:`provider_error`) for the retry layer in ``llm/calls.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from contextlib import suppress
from typing import Any, Literal

import openai
from openai.types.chat import ChatCompletion
from openai.types.responses import (
    Response,
    ResponseFormatTextJSONSchemaConfigParam,
    ResponseTextConfigParam,
)
from openai.types.shared_params import Reasoning, ResponseFormatJSONSchema

from tg_parser.clock import retry_after as parse_retry_after
from tg_parser.config import Settings
from tg_parser.errors import (
    ConfigError,
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

DEFAULT_BASE_URL = "https://api.openai.com/v1"
LOCAL_SERVER_KEY = "not-needed"  # OpenAI-compatible local servers ignore the key
REASONING_MIN_OUTPUT_TOKENS = 16_000
RETRYABLE_4XX = (408, 409)  # request timeout, lock conflict: the SDK retries these too

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high"]
Verbosity = Literal["low", "medium", "high"]

_GPT5_EFFORTS = ("minimal", "low", "medium", "high")
_GPT5_POINT_EFFORTS = ("none", "low", "medium", "high")  # gpt-5.1 and later gpt-5.x
_GPT5_PRO_EFFORTS = ("high",)
_O_SERIES_EFFORTS = ("low", "medium", "high")
_O_SERIES = re.compile(r"^o\d")  # o1, o3, o3-mini, o4-mini …


def uses_responses_api(model: str) -> bool:
    """Reasoning models (GPT-5 family, o-series) are called through the Responses API,
    which takes no sampling parameters; all others through Chat Completions."""
    return model.startswith("gpt-5") or _O_SERIES.match(model) is not None


def accepted_efforts(model: str) -> tuple[str, ...]:
    """The ``reasoning.effort`` values a reasoning model accepts."""
    if _O_SERIES.match(model):
        return _O_SERIES_EFFORTS
    if model.startswith("gpt-5-pro"):
        return _GPT5_PRO_EFFORTS
    if model.startswith("gpt-5."):
        return _GPT5_POINT_EFFORTS
    return _GPT5_EFFORTS


def check_reasoning_effort(model: str, effort: str) -> None:
    """A ``ConfigError`` before any call when ``model`` does not accept ``effort``."""
    accepted = accepted_efforts(model)
    if effort not in accepted:
        raise ConfigError(
            f"LLM_REASONING_EFFORT={effort} is not accepted by {model}: "
            f"use one of {', '.join(accepted)} or leave it unset"
        )


class OpenAIClient:
    """A :class:`~tg_parser.llm.client.ModelClient` for OpenAI and compatible servers."""

    provider = "openai"

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_output_tokens: int = 4096,
        reasoning_effort: ReasoningEffort | None = None,
        verbosity: Verbosity | None = None,
    ) -> None:
        if not api_key:
            raise ProviderAuthError("No OpenAI API key: set OPENAI_API_KEY")
        self.model = model
        self.timeout = timeout
        self.responses_api = uses_responses_api(model)
        if self.responses_api and reasoning_effort:
            check_reasoning_effort(model, reasoning_effort)
        self.max_output_tokens = max_output_tokens
        if self.responses_api:
            self.max_output_tokens = max(max_output_tokens, REASONING_MIN_OUTPUT_TOKENS)
        self.reasoning_effort = reasoning_effort if self.responses_api else None
        self.verbosity = verbosity if model.startswith("gpt-5") else None  # GPT-5 only
        self.parameters = self._parameters()
        self.base_url = base_url or DEFAULT_BASE_URL
        self._api_key = "" if api_key == LOCAL_SERVER_KEY else api_key  # masked in errors
        self._sdk = openai.AsyncOpenAI(
            api_key=api_key, base_url=self.base_url, timeout=timeout, max_retries=0
        )

    @classmethod
    def from_settings(cls, settings: Settings, model: str) -> OpenAIClient:
        """The client the settings describe; no key is needed for a server at LLM_BASE_URL."""
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        if not key and not settings.llm_base_url:
            raise ProviderAuthError(
                "No OpenAI API key: set OPENAI_API_KEY (or LLM_BASE_URL for a local server)"
            )
        return cls(
            model=model,
            api_key=key or LOCAL_SERVER_KEY,
            base_url=settings.llm_base_url,
            timeout=settings.llm_timeout,
            max_output_tokens=settings.llm_max_output_tokens,
            reasoning_effort=settings.llm_reasoning_effort,
            verbosity=settings.llm_verbosity,
        )

    def _parameters(self) -> dict[str, Any]:
        if not self.responses_api:
            return {
                "api": "chat.completions",
                "temperature": 0,
                "max_completion_tokens": self.max_output_tokens,
            }
        parameters: dict[str, Any] = {
            "api": "responses",
            "max_output_tokens": self.max_output_tokens,
        }
        if self.reasoning_effort:
            parameters["reasoning_effort"] = self.reasoning_effort
        if self.verbosity:
            parameters["verbosity"] = self.verbosity
        return parameters

    async def complete(self, request: CompletionRequest) -> Completion:
        with masked_errors(self._api_key):
            try:
                if self.responses_api:
                    return answer_of_response(await self._create_response(request))
                return answer_of_chat(await self._create_chat_completion(request))
            except (openai.OpenAIError, json.JSONDecodeError) as exc:
                raise provider_error(exc, self.timeout, self.base_url) from exc

    def _output_limit(self, request: CompletionRequest) -> int:
        """The request's token limit, capped by the client's (at least 16,000 for GPT-5)."""
        limit = min(request.max_output_tokens, self.max_output_tokens)
        return max(limit, REASONING_MIN_OUTPUT_TOKENS) if self.responses_api else limit

    async def _create_response(self, request: CompletionRequest) -> Response:
        text: ResponseTextConfigParam = {"format": response_text_format(request)}
        if self.verbosity:
            text["verbosity"] = self.verbosity
        reasoning: Reasoning | openai.Omit = openai.omit
        if self.reasoning_effort:
            reasoning = {"effort": self.reasoning_effort}
        return await self._sdk.responses.create(
            model=self.model,
            instructions=request.instructions,
            input=request.input,
            max_output_tokens=self._output_limit(request),
            reasoning=reasoning,
            store=False,
            # the schema is plain JSON: sent as is, not walked by the SDK's param transform
            extra_body={"text": text},
        )

    async def _create_chat_completion(self, request: CompletionRequest) -> ChatCompletion:
        return await self._sdk.chat.completions.create(
            model=self.model,
            messages=[
                {"role": "system", "content": request.instructions},
                {"role": "user", "content": request.input},
            ],
            temperature=0,
            max_completion_tokens=self._output_limit(request),
            response_format=chat_response_format(request),
        )

    async def aclose(self) -> None:
        await self._sdk.close()


def response_text_format(request: CompletionRequest) -> ResponseFormatTextJSONSchemaConfigParam:
    """Responses API structured output: the answer is strict JSON of the request's schema."""
    return {
        "type": "json_schema",
        "name": request.schema_name,
        "schema": request.schema,
        "strict": True,
    }


def chat_response_format(request: CompletionRequest) -> ResponseFormatJSONSchema:
    """Chat Completions structured output: the answer is strict JSON of the request's schema."""
    return {
        "type": "json_schema",
        "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": True},
    }


def answer_of_response(response: Response) -> Completion:
    """The answer text of a Responses API result, or a ``ProviderOutputError``."""
    if response.status == "incomplete":
        details = response.incomplete_details
        reason = details.reason if details else None
        raise ProviderOutputError(
            f"OpenAI stopped the answer early ({reason or 'incomplete'}): "
            "raise LLM_MAX_OUTPUT_TOKENS or shorten the input"
        )
    if response.status == "failed":
        raise failed_response_error(response)
    usage = response.usage
    return Completion(
        text=output_text(response),
        usage=Usage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            reasoning_tokens=usage.output_tokens_details.reasoning_tokens,
        )
        if usage
        else Usage(),
        model=response.model,
    )


def output_text(response: Response) -> str:
    """The text of the ``message`` items' ``output_text`` parts; a refusal is an error."""
    parts: list[str] = []
    for item in response.output:
        if item.type != "message":
            continue
        for part in item.content:
            if part.type == "refusal":
                raise ProviderOutputError(
                    f"{response.model} refused to answer: {one_line(part.refusal)}"
                )
            parts.append(part.text)
    return "".join(parts)


def failed_response_error(response: Response) -> ProviderError:
    """The error for a response whose status is ``failed`` (retryable if the server failed)."""
    error = response.error
    message = one_line(error.message) if error else "no reason given"
    if error and error.code in ("server_error", "rate_limit_exceeded"):
        return RetryableProviderError(f"OpenAI failed the response: {message}")
    return ProviderRequestError(f"OpenAI failed the response: {message}")


def answer_of_chat(completion: ChatCompletion) -> Completion:
    """The answer text of a Chat Completions result, or a ``ProviderOutputError``."""
    if not completion.choices:
        raise ProviderOutputError(f"{completion.model} returned no answer: try again")
    choice = completion.choices[0]
    if choice.message.refusal:
        raise ProviderOutputError(
            f"{completion.model} refused to answer: {one_line(choice.message.refusal)}"
        )
    if choice.finish_reason == "length":
        raise ProviderOutputError(
            "The answer hit the output token limit: raise LLM_MAX_OUTPUT_TOKENS"
        )
    if choice.finish_reason == "content_filter":
        raise ProviderOutputError(f"{completion.model}'s content filter stopped the answer")
    usage = completion.usage
    details = usage.completion_tokens_details if usage else None
    return Completion(
        text=choice.message.content or "",
        usage=Usage(
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            reasoning_tokens=(details.reasoning_tokens or 0) if details else 0,
        ),
        model=completion.model,
    )


def provider_error(exc: Exception, timeout: float, base_url: str) -> ProviderError:
    """The ``ProviderError`` for an exception the SDK raised, on one line."""
    if isinstance(exc, openai.APIStatusError):
        return status_error(exc)
    if isinstance(exc, openai.APITimeoutError):
        return RetryableProviderError(
            f"OpenAI did not answer within {timeout:g} s: raise LLM_TIMEOUT if this persists"
        )
    refused = unreachable(exc)
    if isinstance(exc, openai.APIConnectionError) and refused:
        return ProviderUnreachableError(
            f"Cannot connect to OpenAI at {base_url} ({refused}): "
            "check LLM_BASE_URL and the network"
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        return RetryableProviderError(
            f"Cannot reach OpenAI ({one_line(str(cause)) or type(cause).__name__}): "
            "check the network or LLM_BASE_URL"
        )
    if isinstance(exc, json.JSONDecodeError):
        return RetryableProviderError("OpenAI sent a truncated answer (not JSON): try again")
    return ProviderError(f"OpenAI call failed: {one_line(str(exc))}")


def status_error(exc: openai.APIStatusError) -> ProviderError:
    """The ``ProviderError`` for an HTTP error status from the API."""
    status = exc.status_code
    message = api_message(exc)
    if status == 401:
        return ProviderAuthError("OpenAI rejected the API key (401): check OPENAI_API_KEY")
    if status == 403:
        return ProviderAuthError(f"OpenAI refused access (403): {message}; check OPENAI_API_KEY")
    if status == 429 and exc.code == "insufficient_quota":
        return ProviderAuthError(f"OpenAI quota exhausted (429): {message}")
    if status == 429:
        return RetryableProviderError(
            "OpenAI rate limit hit (429): lower LLM_CONCURRENCY or LLM_REQUESTS_PER_MINUTE",
            retry_after=retry_after(exc.response.headers),
            rate_limited=True,
        )
    if status >= 500 or status in RETRYABLE_4XX:
        return RetryableProviderError(
            f"OpenAI server error ({status}, try again later): {message}",
            retry_after=retry_after(exc.response.headers),
        )
    return ProviderRequestError(f"OpenAI refused the request ({status}): {message}")


def api_message(exc: openai.APIStatusError) -> str:
    """The API's own error message (``error.message``), on one line."""
    body = exc.body
    message = body.get("message") if isinstance(body, Mapping) else None
    return one_line(message if isinstance(message, str) and message else f"HTTP {exc.status_code}")


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked to wait: ``retry-after-ms``, else ``retry-after``."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        with suppress(ValueError):
            return max(0.0, float(milliseconds) / 1000)
    return parse_retry_after(headers.get("retry-after"))
