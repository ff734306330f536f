"""A local model through Ollama's HTTP API: one ``POST /api/chat`` per completion.

No SDK: ``httpx`` talks to the server at ``base_url`` (``OLLAMA_BASE_URL``, else
``LLM_BASE_URL``, default ``http://127.0.0.1:11434``), with ``OLLAMA_API_KEY`` as a bearer
token when the server asks for one (ollama.com, a proxy). The answer follows the schema
through ``format``; ``stream`` is off, so the whole answer comes back in one JSON object
with its token counts.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

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

DEFAULT_BASE_URL = "http://127.0.0.1:11434"
CHAT_PATH = "/api/chat"


class OllamaClient:
    """A ``ModelClient`` for an Ollama server."""

    provider = "ollama"

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_output_tokens: int = 4096,
        api_key: str = "",
    ) -> None:
        self.model = model
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.max_output_tokens = max_output_tokens
        self.parameters: dict[str, Any] = {"temperature": 0, "num_predict": max_output_tokens}
        self._api_key = api_key
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, headers=headers)

    @classmethod
    def from_settings(cls, settings: Settings, model: str) -> OllamaClient:
        key = settings.ollama_api_key
        return cls(
            model=model,
            base_url=settings.ollama_base_url or settings.llm_base_url,
            timeout=settings.llm_timeout,
            max_output_tokens=settings.llm_max_output_tokens,
            api_key=key.get_secret_value() if key else "",
        )

    async def complete(self, request: CompletionRequest) -> Completion:
        with masked_errors(self._api_key):
            try:
                response = await self._http.post(CHAT_PATH, json=self._body(request))
            except httpx.TransportError as exc:
                raise self._transport_failure(exc) from exc
            if response.status_code != 200:
                raise self._status_failure(response)
            return self._completion(_json_body(response))

    async def aclose(self) -> None:
        await self._http.aclose()

    def _body(self, request: CompletionRequest) -> dict[str, Any]:
        limit = min(request.max_output_tokens, self.max_output_tokens)
        return {
            "model": self.model,
            "messages": [
                {"role": "system", "content": request.instructions},
                {"role": "user", "content": request.input},
            ],
            "format": request.schema,
            "stream": False,
            "options": {"temperature": 0, "num_predict": limit},
        }

    def _completion(self, body: dict[str, Any]) -> Completion:
        if body.get("done_reason") == "length":
            raise ProviderOutputError(
                "Ollama's answer was cut off at num_predict tokens: raise LLM_MAX_OUTPUT_TOKENS"
            )
        message = body.get("message")
        text = message.get("content") if isinstance(message, dict) else None
        if not text:
            raise ProviderOutputError(f"Ollama model {self.model} answered with no text")
        usage = Usage(
            input_tokens=body.get("prompt_eval_count") or 0,
            output_tokens=body.get("eval_count") or 0,
        )
        return Completion(text=text, usage=usage, model=body.get("model") or self.model)

    def _transport_failure(self, exc: httpx.TransportError) -> ProviderError:
        refused = unreachable(exc)
        if isinstance(exc, httpx.ConnectError) and refused:
            return ProviderUnreachableError(
                f"Cannot connect to the Ollama server at {self.base_url} ({refused}): "
                "start it with `ollama serve` or set OLLAMA_BASE_URL"
            )
        if isinstance(exc, httpx.ConnectError):
            return RetryableProviderError(
                f"The Ollama server at {self.base_url} does not answer (start it with "
                "`ollama serve`, or set OLLAMA_BASE_URL)"
            )
        if isinstance(exc, httpx.TimeoutException):
            return RetryableProviderError(
                f"Ollama at {self.base_url} did not answer within {self.timeout:g}s (raise "
                "LLM_TIMEOUT for slow models)"
            )
        return RetryableProviderError(
            f"The connection to Ollama at {self.base_url} failed ({type(exc).__name__})"
        )

    def _status_failure(self, response: httpx.Response) -> ProviderError:
        status = response.status_code
        message = _error_message(response)
        if status == 404 and "model" in message:
            return ProviderRequestError(
                f"Ollama has no model {self.model} ({message}): run `ollama pull {self.model}`"
            )
        if status in (401, 403):
            return ProviderAuthError(
                f"Ollama at {self.base_url} refused the request ({status}: {message}): check "
                "LLM_BASE_URL and what stands in front of the server"
            )
        if status == 429:
            return RetryableProviderError(
                f"Ollama is rate limiting ({status}: {message})",
                retry_after=retry_after(response.headers.get("retry-after")),
                rate_limited=True,
            )
        if status >= 500 or status == 408:
            return RetryableProviderError(f"Ollama server error ({status}: {message})")
        return ProviderRequestError(
            f"Ollama refused the request ({status}: {message}) at "
            f"{self.base_url}{CHAT_PATH}: check LLM_BASE_URL and LLM_MODEL"
        )


def _json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except json.JSONDecodeError as exc:
        raise RetryableProviderError("Ollama's answer was cut off mid-JSON (will retry)") from exc
    if not isinstance(body, dict):
        raise RetryableProviderError("Ollama answered with something other than a JSON object")
    return body


def _error_message(response: httpx.Response) -> str:
    """Ollama's ``{"error": "…"}`` (or a proxy's body) as one short line."""
    try:
        error = response.json().get("error")
    except (json.JSONDecodeError, AttributeError):
        error = response.text
    if isinstance(error, dict):
        error = error.get("message")
    return one_line(str(error or response.reason_phrase))
