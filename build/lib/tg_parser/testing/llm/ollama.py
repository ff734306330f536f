"""Ollama's ``POST /api/chat`` as the loopback model server speaks it.

A request names its ``model``, its ``messages`` (system, then user) and the schema in
``format``; with ``stream: false`` the answer is one JSON object: ``message``, ``done``,
``done_reason`` and the token counts ``prompt_eval_count`` / ``eval_count`` with the
durations in nanoseconds. Errors are Ollama's ``{"error": "…"}``; a model the server does
not have (``models`` lists the pulled ones) is a 404 "not found, try pulling it first".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tg_parser.testing.llm.server import FakeModelServer, Fault, ModelCall, Reply, TokenCount

_ERRORS: dict[str, tuple[int, str]] = {
    "429": (429, "too many requests, please try again later"),
    "500": (500, "llama runner process has terminated: exit status 2"),
    "503": (503, "server busy, please try again.  maximum pending requests exceeded"),
    "529": (503, "server busy, please try again.  maximum pending requests exceeded"),
    "401": (401, "unauthorized"),
    "400": (400, 'invalid options: unknown option "num_predicts"'),
}


@dataclass(frozen=True)
class OllamaDialect:
    """``models`` the server has pulled (None: any), ``done_reason`` of every answer."""

    models: tuple[str, ...] | None = None
    done_reason: str = "stop"

    def handles(self, method: str, path: str) -> bool:
        return method == "POST" and path == "/api/chat"

    def parse(self, path: str, body: dict[str, Any]) -> ModelCall:
        messages = body.get("messages") or []
        schema = body.get("format")
        return ModelCall(
            model=body.get("model", ""),
            instructions=_content(messages, "system"),
            input=_content(messages, "user"),
            schema=schema if isinstance(schema, dict) else None,
        )

    def success(self, call: ModelCall, answer: str, usage: TokenCount) -> Reply:
        if self.models is not None and call.model not in self.models:
            return Reply(404, {"error": f'model "{call.model}" not found, try pulling it first'})
        content = answer if self.done_reason == "stop" else answer[: len(answer) // 2]
        return Reply(
            200,
            {
                "model": call.model,
                "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "message": {"role": "assistant", "content": content},
                "done_reason": self.done_reason,
                "done": True,
                "total_duration": 5_191_566_416,
                "load_duration": 2_154_458,
                "prompt_eval_count": usage.input_tokens,
                "prompt_eval_duration": 383_809_000,
                "eval_count": usage.output_tokens,
                "eval_duration": 4_799_921_000,
            },
        )

    def error(
        self, fault: Fault, retry_after: float | None = None, message: str | None = None
    ) -> Reply:
        status, usual = _ERRORS[fault]
        headers = {"Retry-After": f"{retry_after:g}"} if status == 429 and retry_after else {}
        return Reply(status, {"error": message or usual}, headers)

    def garbage(self, call: ModelCall) -> Reply:
        return Reply(200, b'{"model": "' + call.model.encode() + b'", "message": {"ro', raw=True)


def fake_ollama(dialect: OllamaDialect | None = None, **options: Any) -> FakeModelServer:
    """A loopback Ollama server; ``options`` are :class:`FakeModelServer`'s."""
    return FakeModelServer(dialect or OllamaDialect(), **options)


def _content(messages: list[dict[str, Any]], role: str) -> str:
    return "\n".join(m.get("content", "") for m in messages if m.get("role") == role)
