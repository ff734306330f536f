"""Anthropic's Messages API (``POST /v1/messages``) on the loopback model server.

The answer is a forced tool call, as ``llm/anthropic.py`` asks for it: a ``tool_use``
block named after the requested tool whose ``input`` is the answer object, with
``stop_reason`` ``tool_use``. Errors carry Anthropic's envelope
(``{"type": "error", "error": {"type", "message"}, "request_id"}``), a ``request-id``
header, and ``retry-after`` where the server core gives one (429, 503, 529).

    with fake_anthropic() as server:
        client = AnthropicClient(model="claude-sonnet-5-5", api_key="k", base_url=server.base_url)
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tg_parser.testing.llm.server import (
    FakeModelServer,
    Fault,
    ModelCall,
    Reply,
    TokenCount,
    schema_instance,
)

MESSAGES_PATH = "/v1/messages"

# fault -> (HTTP status, Anthropic's error type, its message)
ERRORS: dict[str, tuple[int, str, str]] = {
    "429": (
        429,
        "rate_limit_error",
        "This request would exceed the rate limit for your organization of 50 requests per "
        "minute. Please wait before trying again.",
    ),
    "500": (500, "api_error", "Internal server error"),
    "503": (503, "api_error", "Service temporarily unavailable"),
    "529": (529, "overloaded_error", "Overloaded"),
    "401": (401, "authentication_error", "invalid x-api-key"),
    "402": (402, "billing_error", "Your credit balance is too low to access the Anthropic API."),
    "400": (400, "invalid_request_error", "max_tokens: Input should be greater than or equal to 1"),
}


class AnthropicDialect:
    """The Messages API's request and response shapes."""

    def handles(self, method: str, path: str) -> bool:
        return method == "POST" and path == MESSAGES_PATH

    def parse(self, path: str, body: dict[str, Any]) -> ModelCall:
        tool = _forced_tool(body)
        return ModelCall(
            model=str(body.get("model", "")),
            instructions=_text(body.get("system", "")),
            input="\n".join(_text(m.get("content", "")) for m in _user_messages(body)),
            schema=tool.get("input_schema"),
            schema_name=tool.get("name"),
        )

    def success(self, call: ModelCall, answer: str, usage: TokenCount) -> Reply:
        return Reply(200, _message(call, answer, usage), {"request-id": _request_id()})

    def error(
        self, fault: Fault, retry_after: float | None = None, message: str | None = None
    ) -> Reply:
        status, kind, usual = ERRORS[fault]
        request_id = _request_id()
        headers = {"request-id": request_id}
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
        body = {
            "type": "error",
            "error": {"type": kind, "message": message or usual},
            "request_id": request_id,
        }
        return Reply(status, body, headers)

    def garbage(self, call: ModelCall) -> Reply:
        answer = json.dumps(schema_instance(call.schema or {}))
        whole = json.dumps(_message(call, answer, TokenCount(10, 5))).encode()
        return Reply(200, whole[: len(whole) // 2], {"request-id": _request_id()}, raw=True)


def fake_anthropic(**options: Any) -> FakeModelServer:
    """A loopback Anthropic server (``options`` are :class:`FakeModelServer`'s)."""
    return FakeModelServer(AnthropicDialect(), **options)


def _message(call: ModelCall, answer: str, usage: TokenCount) -> dict[str, Any]:
    """A Message whose one content block calls the forced tool with ``answer``.

    An answer that is not a JSON object is what a call cut off by ``max_tokens`` returns:
    the tool_use block with the input parsed so far (none) and stop_reason ``max_tokens``.
    """
    arguments = _object_or_none(answer)
    block = {
        "type": "tool_use",
        "id": f"toolu_01{uuid.uuid4().hex[:22]}",
        "name": call.schema_name or "answer",
        "input": arguments if arguments is not None else {},
    }
    return {
        "id": f"msg_01{uuid.uuid4().hex[:22]}",
        "type": "message",
        "role": "assistant",
        "model": call.model,
        "content": [block],
        "stop_reason": "tool_use" if arguments is not None else "max_tokens",
        "stop_sequence": None,
        "stop_details": None,
        "usage": _usage(usage),
    }


def _usage(usage: TokenCount) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "input_tokens": usage.input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": usage.output_tokens,
        "service_tier": "standard",
    }
    if usage.reasoning_tokens:
        fields["output_tokens_details"] = {"thinking_tokens": usage.reasoning_tokens}
    return fields


def _forced_tool(body: dict[str, Any]) -> dict[str, Any]:
    """The tool ``tool_choice`` names (else the first tool; ``{}`` without tools)."""
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    choice = body.get("tool_choice") or {}
    named = [t for t in tools if t.get("name") == choice.get("name")]
    return (named or tools or [{}])[0]


def _user_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages") or []
    return [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]


def _text(content: Any) -> str:
    """The text of a ``system`` or message ``content``: a string or a list of blocks."""
    if isinstance(content, str):
        return content
    blocks = content if isinstance(content, list) else []
    return "\n".join(str(b.get("text", "")) for b in blocks if isinstance(b, dict))


def _object_or_none(answer: str) -> dict[str, Any] | None:
    try:
        value = json.loads(answer)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _request_id() -> str:
    return f"req_01{uuid.uuid4().hex[:22]}"
