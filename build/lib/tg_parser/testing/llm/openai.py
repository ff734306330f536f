"""The OpenAI API on the loopback model server: Chat Completions and the Responses API.

:class:`OpenAIDialect` serves ``POST /v1/chat/completions`` and ``POST /v1/responses`` with
the shapes the real API sends (and the ``openai`` SDK parses): ids, ``object``, the
output (a ``reasoning`` item, then the ``message``, for reasoning models), ``status`` or
``finish_reason``, usage with its details, and the ``{"error": {...}}`` bodies of 400,
401, 429 (with ``retry-after`` and ``retry-after-ms``), 500 and 503. Its ``ending`` makes
every answer end another way: ``length`` (cut off by the token limit) or ``refusal``.

    with fake_openai() as server:
        client = OpenAIClient(model="gpt-5-mini", api_key="sk-test",
                              base_url=f"{server.base_url}/v1")
"""

from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from tg_parser.testing.llm.server import FakeModelServer, Fault, ModelCall, Reply, TokenCount

CHAT_PATH = "/v1/chat/completions"
RESPONSES_PATH = "/v1/responses"
REASONING_MODELS = ("gpt-5", "o1", "o3", "o4")
REFUSAL = "I'm sorry, but I can't help with that request."

Ending = Literal["complete", "length", "refusal"]

ERRORS: dict[str, tuple[int, str, str, str | None, str | None]] = {
    # fault: status, message, type, param, code
    "400": (
        400,
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 131072 tokens. Please reduce the length of the messages.",
        "invalid_request_error",
        "messages",
        "context_length_exceeded",
    ),
    "401": (
        401,
        "Incorrect API key provided: sk-test***0000. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        None,
        "invalid_api_key",
    ),
    "429": (
        429,
        "Rate limit reached for requests per min (RPM): Limit 500, Used 500, Requested 1. "
        "Please try again later. Visit https://platform.openai.com/account/rate-limits to "
        "learn more.",
        "requests",
        None,
        "rate_limit_exceeded",
    ),
    "500": (
        500,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
        None,
    ),
    "503": (503, "The server is overloaded or not ready yet.", "server_error", None, None),
    "529": (529, "The server is overloaded or not ready yet.", "server_error", None, None),
}


@dataclass(frozen=True)
class OpenAICall(ModelCall):
    """A parsed call, remembering which of the two APIs it came through."""

    api: Literal["chat", "responses"] = "chat"


class OpenAIDialect:
    """The OpenAI wire format (see the module docstring)."""

    def __init__(self, ending: Ending = "complete") -> None:
        self.ending: Ending = ending

    def handles(self, method: str, path: str) -> bool:
        return method == "POST" and path in (CHAT_PATH, RESPONSES_PATH)

    def parse(self, path: str, body: dict[str, Any]) -> ModelCall:
        if path == RESPONSES_PATH:
            return parse_responses_request(body)
        return parse_chat_request(body)

    def success(self, call: ModelCall, answer: str, usage: TokenCount) -> Reply:
        if isinstance(call, OpenAICall) and call.api == "responses":
            return Reply(200, response_body(call, answer, usage, self.ending))
        return Reply(200, chat_body(call, answer, usage, self.ending))

    def error(
        self, fault: Fault, retry_after: float | None = None, message: str | None = None
    ) -> Reply:
        status, usual, kind, param, code = ERRORS[fault]
        text = message or usual
        body = {"error": {"message": text, "type": kind, "param": param, "code": code}}
        headers = {"x-request-id": f"req_{uuid.uuid4().hex}"}
        if retry_after is not None:
            headers["retry-after"] = str(math.ceil(retry_after))
            headers["retry-after-ms"] = str(round(retry_after * 1000))
        return Reply(status, body, headers)

    def garbage(self, call: ModelCall) -> Reply:
        whole = self.success(call, json.dumps({"answer": "x" * 200}), TokenCount(10, 60)).body
        text = json.dumps(whole).encode()
        return Reply(200, text[: len(text) // 2], raw=True)


def fake_openai(*, ending: Ending = "complete", **options: Any) -> FakeModelServer:
    """A loopback OpenAI server (``options`` are :class:`FakeModelServer`'s)."""
    return FakeModelServer(OpenAIDialect(ending), **options)


def openai_environment(server: FakeModelServer, **settings: str) -> dict[str, str]:
    """Environment variables that point tg-parser's OpenAI provider at ``server``, with
    retries that do not wait; ``settings`` add or override variables (``LLM_TIMEOUT="2"``)."""
    return {
        "LLM_PROVIDER": "openai",
        "LLM_MODEL": "gpt-5-mini",
        "OPENAI_API_KEY": "sk-test-secret",
        "LLM_BASE_URL": f"{server.base_url}/v1",
        "RETRY_BACKOFF_BASE": "0",
        "RETRY_JITTER": "0",
    } | settings


def parse_responses_request(body: dict[str, Any]) -> OpenAICall:
    text_format = (body.get("text") or {}).get("format") or {}
    return OpenAICall(
        model=body.get("model", ""),
        instructions=body.get("instructions") or "",
        input=input_text(body.get("input", "")),
        schema=text_format.get("schema"),
        schema_name=text_format.get("name"),
        api="responses",
    )


def parse_chat_request(body: dict[str, Any]) -> OpenAICall:
    messages = body.get("messages", [])
    json_schema = (body.get("response_format") or {}).get("json_schema") or {}
    return OpenAICall(
        model=body.get("model", ""),
        instructions="\n".join(
            content_text(m["content"]) for m in messages if m["role"] in ("system", "developer")
        ),
        input="\n".join(content_text(m["content"]) for m in messages if m["role"] == "user"),
        schema=json_schema.get("schema"),
        schema_name=json_schema.get("name"),
    )


def input_text(value: str | list[dict[str, Any]]) -> str:
    """The text of a Responses ``input``: a string or a list of input messages."""
    if isinstance(value, str):
        return value
    return "\n".join(content_text(item.get("content", "")) for item in value)


def content_text(content: str | list[dict[str, Any]]) -> str:
    """A message's text: a string or a list of text parts."""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)


def chat_body(call: ModelCall, answer: str, usage: TokenCount, ending: Ending) -> dict[str, Any]:
    """A ``chat.completion`` object as the API returns it."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": answer,
        "refusal": None,
        "annotations": [],
    }
    finish_reason = "stop"
    if ending == "length":
        message["content"], finish_reason = answer[: len(answer) // 2], "length"
    elif ending == "refusal":
        message["content"], message["refusal"] = None, REFUSAL
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:29]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": call.model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
        "usage": {
            "prompt_tokens": usage.input_tokens,
            "completion_tokens": usage.output_tokens,
            "total_tokens": usage.input_tokens + usage.output_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": usage.reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_0a1b2c3d4e",
    }


def response_body(
    call: ModelCall, answer: str, usage: TokenCount, ending: Ending
) -> dict[str, Any]:
    """A ``response`` object (Responses API) as the API returns it."""
    complete = ending != "length"
    return {
        "id": f"resp_{uuid.uuid4().hex}",
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed" if complete else "incomplete",
        "background": False,
        "error": None,
        "incomplete_details": None if complete else {"reason": "max_output_tokens"},
        "instructions": call.instructions,
        "max_output_tokens": None,
        "model": call.model,
        "output": output_items(call, answer, ending),
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": "medium", "summary": None},
        "service_tier": "default",
        "store": False,
        "temperature": 1.0,
        "text": {"format": response_format(call), "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": usage.input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": usage.output_tokens,
            "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
            "total_tokens": usage.input_tokens + usage.output_tokens,
        },
        "user": None,
        "metadata": {},
    }


def output_items(call: ModelCall, answer: str, ending: Ending) -> list[dict[str, Any]]:
    """A reasoning item (for reasoning models), then the assistant message."""
    items: list[dict[str, Any]] = []
    if call.model.startswith(REASONING_MODELS):
        items.append({"id": f"rs_{uuid.uuid4().hex}", "type": "reasoning", "summary": []})
    part: dict[str, Any] = {
        "type": "output_text",
        "annotations": [],
        "logprobs": [],
        "text": answer,
    }
    if ending == "length":
        part["text"] = answer[: len(answer) // 2]
    elif ending == "refusal":
        part = {"type": "refusal", "refusal": REFUSAL}
    items.append(
        {
            "id": f"msg_{uuid.uuid4().hex}",
            "type": "message",
            "status": "incomplete" if ending == "length" else "completed",
            "content": [part],
            "role": "assistant",
        }
    )
    return items


def response_format(call: ModelCall) -> dict[str, Any]:
    """The ``text.format`` the response echoes back."""
    if call.schema is None:
        return {"type": "text"}
    return {"type": "json_schema", "name": call.schema_name, "schema": call.schema, "strict": True}
