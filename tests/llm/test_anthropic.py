"""What only the Anthropic client does, against the loopback Messages API: an answer that
does not call the forced tool, its settings, and the fake's own Messages API shapes. What
every client does (request shape, usage, each failure) is in test_clients.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from tg_parser.config import Settings
from tg_parser.errors import (
    ProviderOutputError,
)
from tg_parser.llm.anthropic import AnthropicClient
from tg_parser.testing.llm.anthropic import AnthropicDialect, fake_anthropic
from tg_parser.testing.llm.server import FakeModelServer, ModelCall, Reply, TokenCount

from .wires import REQUEST, SCHEMA

KEY = "sk-ant-test-secret-key"
MODEL = "claude-sonnet-5-5"


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with fake_anthropic(timeout_delay=2.0, retry_after=2.5) as fake:
        yield fake


class _NoToolDialect(AnthropicDialect):
    """Answers in text, as a model that ignored the tool or refused would."""

    def __init__(self, stop_reason: str) -> None:
        self.stop_reason = stop_reason

    def success(self, call: ModelCall, answer: str, usage: TokenCount) -> Reply:
        reply = super().success(call, answer, usage)
        reply.body["content"] = [{"type": "text", "text": "I cannot help with that."}]
        reply.body["stop_reason"] = self.stop_reason
        return reply


@pytest.mark.parametrize(
    ("stop_reason", "says"),
    [("end_turn", "without calling the message_analysis tool"), ("refusal", "was a refusal")],
)
async def test_an_answer_without_the_tool_call_is_an_output_error(
    stop_reason: str, says: str
) -> None:
    with FakeModelServer(_NoToolDialect(stop_reason)) as fake:
        client = AnthropicClient(model=MODEL, api_key=KEY, base_url=fake.base_url)
        with pytest.raises(ProviderOutputError, match=says):
            await client.complete(REQUEST)
        await client.aclose()


async def test_from_settings_uses_key_base_url_timeout_and_token_limit(
    server: FakeModelServer,
) -> None:
    settings = Settings(
        anthropic_api_key=SecretStr(KEY),
        llm_base_url=server.base_url,
        llm_timeout=5.0,
        llm_max_output_tokens=2048,
    )
    client = AnthropicClient.from_settings(settings, MODEL)

    await client.complete(REQUEST)
    await client.aclose()

    assert client.parameters["max_tokens"] == 2048
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert server.requests[0].headers["x-stainless-read-timeout"] == "5.0"


def test_the_dialect_parses_block_lists_and_finds_the_forced_tool() -> None:
    body = {
        "model": MODEL,
        "system": [{"type": "text", "text": "Rules."}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Data."}]}],
        "tools": [
            {"name": "other", "input_schema": {"type": "object"}},
            {"name": "message_analysis", "input_schema": SCHEMA},
        ],
        "tool_choice": {"type": "tool", "name": "message_analysis"},
    }
    call = AnthropicDialect().parse("/v1/messages", body)
    assert (call.model, call.instructions, call.input) == (MODEL, "Rules.", "Data.")
    assert (call.schema_name, call.schema) == ("message_analysis", SCHEMA)


def test_the_dialect_serves_anthropic_shapes() -> None:
    dialect = AnthropicDialect()
    call = dialect.parse("/v1/messages", {"model": MODEL, "tools": [{"name": "a"}]})

    reply = dialect.success(call, '{"x": 1}', TokenCount(12, 3))
    assert reply.status == 200
    assert reply.body["id"].startswith("msg_")
    assert reply.body["stop_reason"] == "tool_use"
    [block] = reply.body["content"]
    assert block["id"].startswith("toolu_")
    assert (block["type"], block["name"], block["input"]) == ("tool_use", "a", {"x": 1})
    assert reply.body["usage"]["input_tokens"] == 12

    error = dialect.error("529", retry_after=3)
    assert error.status == 529
    assert error.body["type"] == "error"
    assert error.body["error"]["type"] == "overloaded_error"
    assert error.headers["retry-after"] == "3"
    assert error.headers["request-id"].startswith("req_")
