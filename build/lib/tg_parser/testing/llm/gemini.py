"""The Gemini API's ``generateContent`` as the loopback model server speaks it.

Requests arrive as ``POST /{v1beta|v1}/models/{model}:generateContent`` with
``systemInstruction``, ``contents`` and ``generationConfig`` (the schema in
``responseJsonSchema`` or ``responseSchema``). Answers and errors have the shapes the real
API sends: ``candidates`` with ``finishReason`` and ``usageMetadata`` (thinking counted
apart from the candidates), errors as ``{"error": {"code", "message", "status",
"details"}}`` — a 429 says how long to wait in a ``RetryInfo`` detail, and a bad key is a
400 with reason ``API_KEY_INVALID`` (``auth_status`` picks 401 or 403 instead).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from tg_parser.testing.llm.server import (
    FakeModelServer,
    Fault,
    ModelCall,
    Reply,
    TokenCount,
)

GENERATE = re.compile(r"/(?:v1|v1beta)/models/(?P<model>[^/:]+):generateContent")
RPC = "type.googleapis.com/google.rpc."

_ERRORS: dict[str, tuple[int, str, str]] = {
    "429": (
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details. For "
        "more information on this error, head to: https://ai.google.dev/gemini-api/docs/"
        "rate-limits.",
    ),
    "500": (500, "INTERNAL", "An internal error has occurred. Please retry or report it."),
    "503": (503, "UNAVAILABLE", "The service is currently unavailable."),
    "529": (503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
    "400": (
        400,
        "INVALID_ARGUMENT",
        "Invalid JSON payload received. Unknown name \"foo\" at 'generation_config': "
        "Cannot find field.",
    ),
}
_AUTH_ERRORS: dict[int, tuple[str, str]] = {
    400: ("INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."),
    401: (
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential.",
    ),
    403: (
        "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity). "
        "Please use API Key or other form of API consumer identity to call this API.",
    ),
}


@dataclass(frozen=True)
class GeminiDialect:
    """``finish_reason`` of every answer (``MAX_TOKENS``, ``SAFETY`` … to test refusals),
    ``block_reason`` to answer with a blocked prompt instead, ``auth_status`` of a 401 fault.
    """

    finish_reason: str = "STOP"
    block_reason: str | None = None
    auth_status: Literal[400, 401, 403] = 400

    def handles(self, method: str, path: str) -> bool:
        return method == "POST" and GENERATE.fullmatch(path) is not None

    def parse(self, path: str, body: dict[str, Any]) -> ModelCall:
        match = GENERATE.fullmatch(path)
        config = body.get("generationConfig") or {}
        return ModelCall(
            model=match["model"] if match else "",
            instructions=_text(body.get("systemInstruction") or {}),
            input="".join(_text(content) for content in body.get("contents") or []),
            schema=config.get("responseJsonSchema") or config.get("responseSchema"),
        )

    def success(self, call: ModelCall, answer: str, usage: TokenCount) -> Reply:
        body: dict[str, Any] = {
            "usageMetadata": _usage_metadata(usage),
            "modelVersion": call.model,
            "responseId": uuid.uuid4().hex[:22],
        }
        if self.block_reason is not None:
            body["promptFeedback"] = {"blockReason": self.block_reason}
        else:
            body["candidates"] = [self._candidate(answer)]
        return Reply(200, body)

    def error(
        self, fault: Fault, retry_after: float | None = None, message: str | None = None
    ) -> Reply:
        if fault == "401":
            status, message = _AUTH_ERRORS[self.auth_status]
            details = _key_info() if self.auth_status == 400 else None
            return Reply(self.auth_status, _error(self.auth_status, status, message, details))
        code, status, usual = _ERRORS[fault]
        details = _quota_details(retry_after) if code == 429 else None
        return Reply(code, _error(code, status, message or usual, details))

    def garbage(self, call: ModelCall) -> Reply:
        return Reply(200, b'{"candidates": [{"content": {"parts": [{"text": "{\\"summ', raw=True)

    def _candidate(self, answer: str) -> dict[str, Any]:
        candidate: dict[str, Any] = {"finishReason": self.finish_reason, "index": 0}
        if self.finish_reason in ("STOP", "MAX_TOKENS"):
            text = answer if self.finish_reason == "STOP" else answer[: len(answer) // 2]
            candidate["content"] = {"parts": [{"text": text}], "role": "model"}
        return candidate


def fake_gemini(dialect: GeminiDialect | None = None, **options: Any) -> FakeModelServer:
    """A loopback Gemini API; ``options`` are :class:`FakeModelServer`'s."""
    return FakeModelServer(dialect or GeminiDialect(), **options)


def _text(content: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in content.get("parts") or [])


def _usage_metadata(usage: TokenCount) -> dict[str, Any]:
    candidates = usage.output_tokens - usage.reasoning_tokens
    metadata: dict[str, Any] = {
        "promptTokenCount": usage.input_tokens,
        "candidatesTokenCount": candidates,
        "totalTokenCount": usage.input_tokens + usage.output_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": usage.input_tokens}],
    }
    if usage.reasoning_tokens:  # the API leaves it out when the model did not think
        metadata["thoughtsTokenCount"] = usage.reasoning_tokens
    return metadata


def _error(
    code: int, status: str, message: str, details: list[dict[str, Any]] | None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return {"error": error}


def _key_info() -> list[dict[str, Any]]:
    return [
        {
            "@type": RPC + "ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": "generativelanguage.googleapis.com"},
        }
    ]


def _quota_details(retry_after: float | None) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = [
        {
            "@type": RPC + "QuotaFailure",
            "violations": [
                {
                    "quotaMetric": "generativelanguage.googleapis.com/"
                    "generate_content_free_tier_requests",
                    "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                    "quotaValue": "10",
                }
            ],
        },
        {
            "@type": RPC + "Help",
            "links": [
                {
                    "description": "Learn more about Gemini API quotas",
                    "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                }
            ],
        },
    ]
    if retry_after is not None:
        details.append({"@type": RPC + "RetryInfo", "retryDelay": f"{retry_after:g}s"})
    return details
