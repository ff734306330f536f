"""The OpenAI client against the loopback OpenAI server: request bodies, answers, errors."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from pydantic import SecretStr

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
from tg_parser.llm.client import Completion, CompletionRequest, Usage
from tg_parser.llm.openai import OpenAIClient, retry_after
from tg_parser.testing.llm.openai import fake_openai
from tg_parser.testing.llm.server import FakeModelServer

KEY = "sk-test-secret-0000"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"summary": {"type": "string"}, "score": {"type": "number"}},
    "required": ["summary", "score"],
    "additionalProperties": False,
}
REQUEST = CompletionRequest(
    instructions="Summarise the post.",
    input="<post>Hello, channel</post>",
    schema_name="message_analysis",
    schema=SCHEMA,
    max_output_tokens=4096,
)
FORMAT = {"type": "json_schema", "name": "message_analysis", "schema": SCHEMA, "strict": True}
MODELS = ["gpt-5-mini", "gpt-4o-mini"]


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with fake_openai(reasoning_tokens=40) as fake:
        yield fake


@pytest.fixture
async def clients(server: FakeModelServer) -> AsyncIterator[list[OpenAIClient]]:
    made: list[OpenAIClient] = []
    yield made
    for client in made:
        await client.aclose()


@pytest.fixture
def connect(server: FakeModelServer, clients: list[OpenAIClient]) -> Any:
    """``connect(model, **options)``: a client of the loopback server, closed after the test."""

    def make(model: str, **options: Any) -> OpenAIClient:
        client = OpenAIClient(model=model, api_key=KEY, base_url=f"{server.base_url}/v1", **options)
        clients.append(client)
        return client

    return make


async def test_gpt5_calls_the_responses_api_with_reasoning_and_verbosity(
    server: FakeModelServer, connect: Any
) -> None:
    client = connect("gpt-5-mini", reasoning_effort="low", verbosity="low")
    await client.complete(REQUEST)
    [sent] = server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/responses")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body == {
        "model": "gpt-5-mini",
        "instructions": "Summarise the post.",
        "input": "<post>Hello, channel</post>",
        "max_output_tokens": 16000,
        "reasoning": {"effort": "low"},
        "text": {"format": FORMAT, "verbosity": "low"},
        "store": False,
    }
    assert not {"temperature", "top_p", "max_tokens", "messages"} & sent.body.keys()
    assert client.parameters == {
        "api": "responses",
        "max_output_tokens": 16000,
        "reasoning_effort": "low",
        "verbosity": "low",
    }


async def test_gpt5_sends_no_effort_or_verbosity_unless_set(
    server: FakeModelServer, connect: Any
) -> None:
    client = connect("gpt-5-mini", max_output_tokens=20000)
    await client.complete(REQUEST)
    body = server.requests[0].body
    assert "reasoning" not in body
    assert body["text"] == {"format": FORMAT}
    assert body["max_output_tokens"] == 16000  # the request's 4096, raised to the floor
    assert client.parameters == {"api": "responses", "max_output_tokens": 20000}


async def test_other_models_call_chat_completions_at_temperature_zero(
    server: FakeModelServer, connect: Any
) -> None:
    client = connect("gpt-4o-mini", reasoning_effort="high", verbosity="low")
    await client.complete(REQUEST)
    [sent] = server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.body == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Summarise the post."},
            {"role": "user", "content": "<post>Hello, channel</post>"},
        ],
        "temperature": 0,
        "max_completion_tokens": 4096,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "message_analysis", "schema": SCHEMA, "strict": True},
        },
    }
    assert client.parameters == {
        "api": "chat.completions",
        "temperature": 0,
        "max_completion_tokens": 4096,
    }


@pytest.mark.parametrize(("model", "reasoning"), [("gpt-5-mini", 40), ("gpt-4o-mini", 40)])
async def test_answer_text_and_usage_come_from_the_real_shapes(
    server: FakeModelServer, connect: Any, model: str, reasoning: int
) -> None:
    completion = await connect(model).complete(REQUEST)
    answer = '{"summary": "text", "score": 0}'
    input_tokens = (len(REQUEST.instructions) + len(REQUEST.input)) // 4
    output_tokens = len(answer) // 4 + reasoning
    assert completion == Completion(
        text=answer,
        usage=Usage(input_tokens, output_tokens, reasoning_tokens=reasoning),
        model=model,
    )
    assert server.calls[0].schema == SCHEMA


@pytest.mark.parametrize("model", MODELS)
async def test_model_output_that_is_not_json_is_returned_as_is(
    server: FakeModelServer, connect: Any, model: str
) -> None:
    """Validating the answer against the schema is the caller's job."""
    server.script.append("invalid")
    completion = await connect(model).complete(REQUEST)
    assert completion.text == '{"summary": "cut'


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize(
    ("fault", "error", "rate_limited", "wait"),
    [
        ("429", RetryableProviderError, True, 2.5),
        ("500", RetryableProviderError, False, None),
        ("503", RetryableProviderError, False, 2.5),
        ("529", RetryableProviderError, False, 2.5),
        ("garbage", RetryableProviderError, False, None),
        ("401", ProviderAuthError, None, None),
        ("400", ProviderRequestError, None, None),
    ],
)
async def test_each_failure_is_one_provider_error_after_one_request(
    server: FakeModelServer,
    connect: Any,
    model: str,
    fault: Any,
    error: type[ProviderError],
    rate_limited: bool | None,
    wait: float | None,
) -> None:
    server.retry_after = 2.5
    server.script.append(fault)
    with pytest.raises(error) as caught:
        await connect(model).complete(REQUEST)
    assert type(caught.value) is error
    assert len(server.requests) == 1  # the SDK's own retries are off
    message = caught.value.message
    assert "\n" not in message and KEY not in message and "sk-test" not in message
    if isinstance(caught.value, RetryableProviderError):
        assert (caught.value.rate_limited, caught.value.retry_after) == (rate_limited, wait)


async def test_messages_say_what_to_do(server: FakeModelServer, connect: Any) -> None:
    server.script.extend(["401", "400", "429"])
    client = connect("gpt-5-mini")
    messages = []
    for _ in range(3):
        with pytest.raises(ProviderError) as caught:
            await client.complete(REQUEST)
        messages.append(caught.value.message)
    assert messages[0] == "OpenAI rejected the API key (401): check OPENAI_API_KEY"
    assert messages[1].startswith("OpenAI refused the request (400): This model's maximum")
    assert "LLM_CONCURRENCY" in messages[2]


@pytest.mark.parametrize("model", MODELS)
async def test_a_timeout_is_retryable(server: FakeModelServer, connect: Any, model: str) -> None:
    server.timeout_delay = 2.0
    server.script.append("timeout")
    with pytest.raises(RetryableProviderError, match=r"within 0\.5 s"):
        await connect(model, timeout=0.5).complete(REQUEST)
    assert len(server.requests) == 1


async def test_an_unreachable_server_is_retryable(clients: list[OpenAIClient]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = OpenAIClient(model="gpt-5-mini", api_key=KEY, base_url=f"http://127.0.0.1:{port}/v1")
    clients.append(client)
    with pytest.raises(ProviderUnreachableError, match="Cannot connect to OpenAI"):
        await client.complete(REQUEST)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize(
    ("ending", "says"), [("length", "LLM_MAX_OUTPUT_TOKENS"), ("refusal", "refused to answer")]
)
async def test_cut_off_or_refused_answers_are_output_errors(
    server: FakeModelServer, connect: Any, model: str, ending: Any, says: str
) -> None:
    server.dialect.ending = ending  # type: ignore[attr-defined]
    with pytest.raises(ProviderOutputError, match=says):
        await connect(model).complete(REQUEST)


@pytest.mark.parametrize(
    ("model", "effort", "accepted"),
    [
        ("gpt-5", "minimal", True),
        ("gpt-5-mini", "high", True),
        ("gpt-5-nano", "none", False),
        ("gpt-5.1", "none", True),
        ("gpt-5.2", "minimal", False),
        ("gpt-5-pro", "high", True),
        ("gpt-5-pro", "low", False),
        ("gpt-4o-mini", "minimal", True),  # not a GPT-5 model: the effort is not sent
    ],
)
def test_reasoning_effort_is_checked_against_the_model(
    model: str, effort: Any, accepted: bool
) -> None:
    if accepted:
        OpenAIClient(model=model, api_key=KEY, reasoning_effort=effort)
        return
    with pytest.raises(ConfigError, match=f"LLM_REASONING_EFFORT={effort} .* {model}: use"):
        OpenAIClient(model=model, api_key=KEY, reasoning_effort=effort)


def test_a_missing_key_stops_before_any_call() -> None:
    with pytest.raises(ProviderAuthError, match="OPENAI_API_KEY"):
        OpenAIClient.from_settings(Settings(), "gpt-5-mini")


async def test_from_settings_needs_no_key_for_a_local_server(
    server: FakeModelServer, clients: list[OpenAIClient]
) -> None:
    settings = Settings(
        llm_base_url=f"{server.base_url}/v1",
        llm_max_output_tokens=1024,
        llm_timeout=5,
        llm_reasoning_effort="medium",
    )
    client = OpenAIClient.from_settings(settings, "llama3.1")
    clients.append(client)
    await client.complete(REQUEST)
    sent = server.requests[0]
    assert sent.headers["authorization"] == "Bearer not-needed"
    assert sent.body["max_completion_tokens"] == 1024
    assert "reasoning" not in sent.body and "reasoning_effort" not in sent.body


def test_from_settings_carries_the_key_and_gpt5_options() -> None:
    settings = Settings(
        openai_api_key=SecretStr(KEY), llm_reasoning_effort="minimal", llm_verbosity="high"
    )
    client = OpenAIClient.from_settings(settings, "gpt-5-nano")
    assert client.parameters == {
        "api": "responses",
        "max_output_tokens": 16000,
        "reasoning_effort": "minimal",
        "verbosity": "high",
    }


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "1500", "retry-after": "2"}, 1.5),
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_reads_milliseconds_then_seconds(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert retry_after(headers) == seconds


def test_retry_after_reads_an_http_date() -> None:
    in_30_seconds = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert retry_after({"retry-after": in_30_seconds}) == pytest.approx(30, abs=2)


async def test_o_series_models_use_the_responses_api_without_sampling_parameters(
    server: FakeModelServer, connect: Any
) -> None:
    client = connect("o4-mini", reasoning_effort="high", verbosity="low")
    await client.complete(REQUEST)
    sent = server.requests[0]
    assert sent.path == "/v1/responses" and sent.body["reasoning"] == {"effort": "high"}
    assert sent.body["text"] == {"format": FORMAT}, "verbosity is a GPT-5 parameter"
    assert not {"temperature", "top_p", "max_tokens", "messages"} & sent.body.keys()
    with pytest.raises(ConfigError, match="by o3: use one of low, medium, high or leave"):
        connect("o3", reasoning_effort="minimal")
