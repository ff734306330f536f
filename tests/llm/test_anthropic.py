"""The Anthropic client against the loopback Messages API: the request it sends, the
answer and usage it reads, and every failure mapped onto the ProviderError tree."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest
from pydantic import SecretStr

from tg_parser.config import Settings
from tg_parser.errors import (
    ProviderAuthError,
    ProviderOutputError,
    ProviderRequestError,
    ProviderUnreachableError,
    RetryableProviderError,
)
from tg_parser.llm.anthropic import AnthropicClient
from tg_parser.llm.client import CompletionRequest
from tg_parser.testing.llm.anthropic import AnthropicDialect, fake_anthropic
from tg_parser.testing.llm.server import FakeModelServer, Fault, ModelCall, Reply, TokenCount

KEY = "sk-ant-test-secret-key"
MODEL = "claude-sonnet-5-5"
SCHEMA = {
    "type": "object",
    "properties": {"summary": {"type": "string"}, "topics": {"type": "array"}},
    "required": ["summary", "topics"],
}
REQUEST = CompletionRequest(
    instructions="Summarise the post as JSON.",
    input="<post>Привет, мир</post>",
    schema_name="message_analysis",
    schema=SCHEMA,
    max_output_tokens=1000,
)


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with fake_anthropic(timeout_delay=2.0, retry_after=2.5) as fake:
        yield fake


@pytest.fixture
async def client(server: FakeModelServer) -> AsyncIterator[AnthropicClient]:
    anthropic = AnthropicClient(model=MODEL, api_key=KEY, base_url=server.base_url, timeout=0.5)
    yield anthropic
    await anthropic.aclose()


async def test_sends_the_schema_as_a_forced_tool(
    client: AnthropicClient, server: FakeModelServer
) -> None:
    await client.complete(REQUEST)

    [sent] = server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/messages")
    assert sent.body == {
        "model": MODEL,
        "max_tokens": 1000,
        "system": "Summarise the post as JSON.",
        "messages": [{"role": "user", "content": "<post>Привет, мир</post>"}],
        "tools": [{"name": "message_analysis", "input_schema": SCHEMA}],
        "tool_choice": {"type": "tool", "name": "message_analysis"},
    }
    assert sent.headers["anthropic-version"]
    assert sent.headers["authorization"] == f"Bearer {KEY}"  # SDK 2.x: no x-api-key


async def test_records_the_parameters_it_sends(client: AnthropicClient) -> None:
    assert client.provider == "anthropic"
    assert client.model == MODEL
    assert client.parameters == {"api": "messages", "max_tokens": 4096, "tool_choice": "tool"}


@pytest.mark.parametrize(("asked", "sent"), [(1000, 1000), (9000, 4096)])
async def test_max_tokens_is_the_request_budget_capped_by_the_client(
    client: AnthropicClient, server: FakeModelServer, asked: int, sent: int
) -> None:
    request = CompletionRequest("i", "x", "answer", SCHEMA, max_output_tokens=asked)
    await client.complete(request)
    assert server.requests[0].body["max_tokens"] == sent


async def test_reads_the_tool_input_and_usage(
    client: AnthropicClient, server: FakeModelServer
) -> None:
    answer = {"summary": "Приветствие", "topics": ["мир"]}
    server.answer = lambda call: answer

    completion = await client.complete(REQUEST)

    assert json.loads(completion.text) == answer
    assert "Приветствие" in completion.text  # not \u-escaped
    assert completion.model == MODEL
    text = len(REQUEST.instructions) + len(REQUEST.input)
    assert completion.usage.input_tokens == text // 4
    assert completion.usage.output_tokens == len(json.dumps(answer, ensure_ascii=False)) // 4
    assert completion.usage.reasoning_tokens == 0


async def test_reads_thinking_tokens_when_the_api_reports_them() -> None:
    with fake_anthropic(reasoning_tokens=7) as fake:
        client = AnthropicClient(model=MODEL, api_key=KEY, base_url=fake.base_url)
        completion = await client.complete(REQUEST)
        await client.aclose()
    assert completion.usage.reasoning_tokens == 7
    assert completion.usage.output_tokens >= 7


@pytest.mark.parametrize(
    ("fault", "rate_limited", "retry_after", "says"),
    [
        ("429", True, 2.5, "rate limit"),
        ("500", False, None, "server error (500)"),
        ("503", False, 2.5, "server error (503)"),
        ("529", False, 2.5, "overloaded"),
        ("timeout", False, None, "did not answer in time"),
        ("garbage", False, None, "truncated"),
    ],
)
async def test_temporary_failures_are_retryable(
    client: AnthropicClient,
    server: FakeModelServer,
    fault: Fault,
    rate_limited: bool,
    retry_after: float | None,
    says: str,
) -> None:
    server.script.append(fault)

    with pytest.raises(RetryableProviderError) as caught:
        await client.complete(REQUEST)

    assert caught.value.rate_limited is rate_limited
    assert caught.value.retry_after == retry_after
    assert says in caught.value.message
    assert len(server.requests) == 1  # the SDK's own retries are off


async def test_an_unreachable_server_is_retryable() -> None:
    with fake_anthropic() as fake:
        closed = fake.base_url
    client = AnthropicClient(model=MODEL, api_key=KEY, base_url=closed, timeout=0.5)
    with pytest.raises(ProviderUnreachableError, match=f"Cannot connect to Anthropic at {closed}"):
        await client.complete(REQUEST)
    await client.aclose()


async def test_a_rejected_key_stops_without_showing_it(
    client: AnthropicClient, server: FakeModelServer
) -> None:
    server.script.append("401")

    with pytest.raises(ProviderAuthError) as caught:
        await client.complete(REQUEST)

    assert caught.value.message == ("Anthropic rejected the API key (401): check ANTHROPIC_API_KEY")
    assert KEY not in str(caught.value)
    assert len(server.requests) == 1


async def test_a_billing_refusal_stops_the_run_like_a_bad_key(
    client: AnthropicClient, server: FakeModelServer
) -> None:
    server.script.append("402")

    with pytest.raises(ProviderAuthError, match=r"billing \(402\): add credit"):
        await client.complete(REQUEST)
    assert len(server.requests) == 1


async def test_a_refused_request_quotes_the_api_on_one_line(
    client: AnthropicClient, server: FakeModelServer
) -> None:
    server.script.append("400")

    with pytest.raises(ProviderRequestError) as caught:
        await client.complete(REQUEST)

    assert caught.value.message == (
        "Anthropic refused the request (400): "
        "max_tokens: Input should be greater than or equal to 1"
    )
    assert not isinstance(caught.value, RetryableProviderError)
    assert len(server.requests) == 1


async def test_an_answer_cut_off_at_max_tokens_is_an_output_error(
    client: AnthropicClient, server: FakeModelServer
) -> None:
    server.script.append("invalid")

    with pytest.raises(ProviderOutputError, match="cut off at max_tokens"):
        await client.complete(REQUEST)
    assert len(server.requests) == 1


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


def test_a_missing_key_names_the_setting() -> None:
    with pytest.raises(ProviderAuthError, match="ANTHROPIC_API_KEY"):
        AnthropicClient.from_settings(Settings(), MODEL)


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
