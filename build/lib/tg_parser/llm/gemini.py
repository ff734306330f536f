"""Gemini through the official ``google-genai`` SDK: one ``generateContent`` call.

This is the only module that imports ``google-genai``. The SDK gets an ``httpx.AsyncClient``
of ours as its transport, so what fails on the way is always an ``httpx`` error (with its
own default the SDK would switch to aiohttp when that is installed, and retry connection
errors there by itself). Its retries are off (one attempt), and the API version is pinned
to ``v1beta``, where ``systemInstruction`` and ``responseJsonSchema`` are documented (the
SDK's own default is ``v1``).

``base_url`` is the server root (``https://generativelanguage.googleapis.com``, a proxy, or
the loopback fake): the SDK appends ``/v1beta/models/{model}:generateContent``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

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

API_VERSION = "v1beta"
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"  # the SDK's, for messages
KEY_HINT = "check GEMINI_API_KEY"
_ANSWERED = (types.FinishReason.STOP, types.FinishReason.FINISH_REASON_UNSPECIFIED)
# what the SDK lets through: the API's errors, our transport's, and a body cut off mid-JSON
_FAILURES = (
    genai_errors.APIError,
    httpx.TransportError,
    json.JSONDecodeError,
    genai_errors.UnknownApiResponseError,
)


class GeminiClient:
    """A ``ModelClient`` for the Gemini API (Google AI Studio keys)."""

    provider = "gemini"

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
        self.timeout = timeout
        self.max_output_tokens = max_output_tokens
        self.parameters: dict[str, Any] = {
            "temperature": 0,
            "max_output_tokens": max_output_tokens,
            "response_mime_type": "application/json",
        }
        self.base_url = base_url or DEFAULT_BASE_URL
        self._api_key = api_key
        self._http = httpx.AsyncClient(timeout=timeout)
        options = types.HttpOptions(
            base_url=base_url,
            api_version=API_VERSION,
            timeout=round(timeout * 1000),  # milliseconds
            retry_options=types.HttpRetryOptions(attempts=1),
            httpx_async_client=self._http,
        )
        self._sdk = genai.Client(api_key=api_key, vertexai=False, http_options=options)

    @classmethod
    def from_settings(cls, settings: Settings, model: str) -> GeminiClient:
        key = settings.gemini_api_key.get_secret_value() if settings.gemini_api_key else ""
        if not key.strip():
            raise ProviderAuthError(
                "No Gemini API key: set GEMINI_API_KEY (or GOOGLE_API_KEY) in the environment "
                "or .env"
            )
        return cls(
            model=model,
            api_key=key,
            base_url=settings.llm_base_url,
            timeout=settings.llm_timeout,
            max_output_tokens=settings.llm_max_output_tokens,
        )

    async def complete(self, request: CompletionRequest) -> Completion:
        with masked_errors(self._api_key):
            try:
                response = await self._sdk.aio.models.generate_content(
                    model=self.model, contents=request.input, config=self._config(request)
                )
            except _FAILURES as exc:
                raise self._failure(exc) from exc
            return self._completion(response)

    async def aclose(self) -> None:
        await self._sdk.aio.aclose()
        await self._http.aclose()
        self._sdk.close()

    def _config(self, request: CompletionRequest) -> types.GenerateContentConfig:
        return types.GenerateContentConfig(
            system_instruction=request.instructions,
            response_mime_type="application/json",
            response_json_schema=request.schema,
            temperature=0,
            max_output_tokens=self._output_limit(request),
            automatic_continuation=False,
        )

    def _output_limit(self, request: CompletionRequest) -> int:
        """The request's budget, capped by this client's (``parameters``)."""
        return min(request.max_output_tokens, self.max_output_tokens)

    def _completion(self, response: types.GenerateContentResponse) -> Completion:
        if not response.candidates:
            raise ProviderOutputError(f"Gemini refused the input ({_block_reason(response)})")
        candidate = response.candidates[0]
        self._check_finish(candidate.finish_reason)
        text = _answer_text(candidate)
        if not text:
            raise ProviderOutputError("Gemini answered with no text")
        model = response.model_version or self.model
        return Completion(text=text, usage=_usage(response.usage_metadata), model=model)

    def _check_finish(self, reason: types.FinishReason | None) -> None:
        if reason is None or reason in _ANSWERED:
            return
        if reason == types.FinishReason.MAX_TOKENS:
            raise ProviderOutputError(
                "Gemini's answer was cut off at the output token limit "
                "(thinking counts too): raise LLM_MAX_OUTPUT_TOKENS"
            )
        raise ProviderOutputError(f"Gemini stopped without an answer ({reason.value})")

    def _failure(self, exc: Exception) -> ProviderError:
        if isinstance(exc, genai_errors.APIError):
            return _api_failure(exc)
        if isinstance(exc, httpx.TimeoutException):
            return RetryableProviderError(
                f"Gemini did not answer within {self.timeout:g}s (raise LLM_TIMEOUT if it "
                "keeps happening)"
            )
        refused = unreachable(exc)
        if isinstance(exc, httpx.ConnectError) and refused:
            return ProviderUnreachableError(
                f"Cannot connect to Gemini at {self.base_url} ({refused}): "
                "check LLM_BASE_URL and the network"
            )
        if isinstance(exc, httpx.TransportError):
            return RetryableProviderError(
                f"Could not reach Gemini ({type(exc).__name__}): check the network or LLM_BASE_URL"
            )
        return RetryableProviderError("Gemini's answer was cut off mid-JSON (will retry)")


def _api_failure(exc: genai_errors.APIError) -> ProviderError:
    code = exc.code
    label = f"{code} {exc.status or ''}".strip()
    message = one_line(exc.message or "") or "no message"
    if code in (401, 403) or _key_invalid(exc.details):
        return ProviderAuthError(f"Gemini rejected the API key ({label}): {KEY_HINT}")
    if code == 429:
        headers = exc.response.headers if exc.response is not None else {}
        return RetryableProviderError(
            f"Gemini rate limit or quota exceeded ({label}): {message}",
            retry_after=retry_delay(headers, exc.details),
            rate_limited=True,
        )
    if code >= 500 or code == 408:
        return RetryableProviderError(f"Gemini server error ({label}): {message}")
    return ProviderRequestError(f"Gemini refused the request ({label}): {message}")


def retry_delay(headers: Mapping[str, str], body: Any) -> float | None:
    """The wait a 429 asks for: a ``Retry-After`` header, else the ``RetryInfo`` detail."""
    for value in (headers.get("retry-after"), _detail(body, "RetryInfo").get("retryDelay")):
        seconds = _seconds(value)
        if seconds is not None:
            return seconds
    return None


def _seconds(value: Any) -> float | None:
    """``"7"`` or a protobuf duration such as ``"7s"`` / ``"0.5s"`` in seconds."""
    if not isinstance(value, str):
        return None
    try:
        return float(value.removesuffix("s"))
    except ValueError:
        return None


def _detail(body: Any, kind: str) -> dict[str, Any]:
    """The ``details`` entry of type ``google.rpc.{kind}`` of an error body ({} if none)."""
    error = body.get("error", body) if isinstance(body, dict) else {}
    details = error.get("details") if isinstance(error, dict) else None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith(f".{kind}"):
            return detail
    return {}


def _key_invalid(body: Any) -> bool:
    """Gemini answers a bad key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID."""
    return _detail(body, "ErrorInfo").get("reason") == "API_KEY_INVALID"


def _block_reason(response: types.GenerateContentResponse) -> str:
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason is not None:
        return f"prompt blocked: {feedback.block_reason.value}"
    return "no candidates"


def _answer_text(candidate: types.Candidate) -> str:
    """The candidate's text parts, joined; thought summaries are not the answer."""
    parts = candidate.content.parts if candidate.content else None
    return "".join(part.text for part in parts or [] if part.text and not part.thought)


def _usage(metadata: types.GenerateContentResponseUsageMetadata | None) -> Usage:
    if metadata is None:
        return Usage()
    thoughts = metadata.thoughts_token_count or 0
    return Usage(
        input_tokens=metadata.prompt_token_count or 0,
        output_tokens=(metadata.candidates_token_count or 0) + thoughts,
        reasoning_tokens=thoughts,
    )
