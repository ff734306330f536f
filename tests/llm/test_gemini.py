"""The Gemini client against the loopback generateContent API: the request it sends, the
answer and usage it reads, and every failure mapped onto the ProviderError tree."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from pydantic import SecretStr

from tg_parser.config import Settings
from tg_parser.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderOutputError,
    ProviderRequestError,
    ProviderUnreachableError,
    RetryableProviderError,
)
from tg_parser.llm.client import CompletionRequest, Usage
from tg_parser.llm.gemini import GeminiClient, retry_delay
from tg_parser.testing.llm.gemini import GeminiDialect, fake_gemini
from tg_parser.testing.llm.server import FakeModelServer, Fault, schema_instance

KEY = "AIza-test-secret-key"
MODEL = "gemini-2.5-flash"
SCHEMA = {
    "type": "object",
    "properties": {"summary": {"type": "string"}, "topics": {"type": "array"}},
    "required": ["summary", "topics"],
    "additionalProperties": False,
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
    with fake_gemini(timeout_delay=2.0, retry_after=7.0) as fake:
        yield fake


@pytest.fixture
async def client(server: FakeModelServer) -> AsyncIterator[GeminiClient]:
    gemini = GeminiClient(model=MODEL, api_key=KEY, base_url=server.base_url, timeout=0.5)
    yield gemini
    await gemini.aclose()


async def test_sends_instructions_input_and_schema(
    client: GeminiClient, server: FakeModelServer
) -> None:
    await client.complete(REQUEST)

    [sent] = server.requests
    assert (sent.method, sent.path) == ("POST", f"/v1beta/models/{MODEL}:generateContent")
    assert sent.body == {
        "contents": [{"parts": [{"text": "<post>Привет, мир</post>"}], "role": "user"}],
        "systemInstruction": {"parts": [{"text": "Summarise the post as JSON."}], "role": "user"},
        "generationConfig": {
            "temperature": 0.0,
            "maxOutputTokens": 1000,
            "responseMimeType": "application/json",
            "responseJsonSchema": SCHEMA,
        },
    }
    assert sent.headers["x-goog-api-key"] == KEY
    assert "authorization" not in sent.headers


async def test_records_the_parameters_it_sends(client: GeminiClient) -> None:
    assert (client.provider, client.model) == ("gemini", MODEL)
    assert client.parameters == {
        "temperature": 0,
        "max_output_tokens": 4096,
        "response_mime_type": "application/json",
    }


@pytest.mark.parametrize(("asked", "sent"), [(1000, 1000), (9000, 4096)])
async def test_max_output_tokens_is_the_request_budget_capped_by_the_client(
    client: GeminiClient, server: FakeModelServer, asked: int, sent: int
) -> None:
    request = CompletionRequest("i", "x", "s", SCHEMA, max_output_tokens=asked)
    await client.complete(request)

    assert server.requests[0].body["generationConfig"]["maxOutputTokens"] == sent


async def test_reads_the_answer_and_usage_with_thinking(server: FakeModelServer) -> None:
    server.reasoning_tokens = 40
    gemini = GeminiClient(model=MODEL, api_key=KEY, base_url=server.base_url)
    completion = await gemini.complete(REQUEST)
    await gemini.aclose()

    assert json.loads(completion.text) == schema_instance(SCHEMA)
    assert completion.model == MODEL
    [call] = server.calls
    assert call.schema == SCHEMA and call.input == REQUEST.input
    answer_tokens = len(completion.text) // 4
    assert completion.usage == Usage(
        input_tokens=(len(REQUEST.instructions) + len(REQUEST.input)) // 4,
        output_tokens=answer_tokens + 40,
        reasoning_tokens=40,
    )


async def test_no_thinking_means_no_reasoning_tokens(client: GeminiClient) -> None:
    completion = await client.complete(REQUEST)

    assert completion.usage.reasoning_tokens == 0
    assert completion.usage.output_tokens == len(completion.text) // 4


async def test_an_answer_that_is_not_json_is_returned_as_is(
    client: GeminiClient, server: FakeModelServer
) -> None:
    server.script.append("invalid")

    completion = await client.complete(REQUEST)

    assert completion.text == '{"summary": "cut'  # the caller validates


@pytest.mark.parametrize(
    ("fault", "rate_limited", "retry_after"),
    [
        ("429", True, 7.0),
        ("500", False, None),
        ("503", False, None),
        ("529", False, None),
        ("garbage", False, None),
    ],
)
async def test_temporary_failures_are_retryable(
    client: GeminiClient,
    server: FakeModelServer,
    fault: Fault,
    rate_limited: bool,
    retry_after: float | None,
) -> None:
    server.script.append(fault)

    with pytest.raises(RetryableProviderError) as caught:
        await client.complete(REQUEST)

    assert (caught.value.rate_limited, caught.value.retry_after) == (rate_limited, retry_after)
    assert len(server.requests) == 1  # the SDK's own retries are off
    _assert_one_line(caught.value)


async def test_a_timeout_is_retryable(client: GeminiClient, server: FakeModelServer) -> None:
    server.script.append("timeout")
    started = time.monotonic()

    with pytest.raises(RetryableProviderError, match=r"did not answer within 0\.5s"):
        await client.complete(REQUEST)

    assert time.monotonic() - started < 1.5
    assert len(server.requests) == 1


async def test_no_server_is_retryable() -> None:
    gemini = GeminiClient(model=MODEL, api_key=KEY, base_url=_closed_port_url(), timeout=2)

    with pytest.raises(ProviderUnreachableError, match="Cannot connect to Gemini") as caught:
        await gemini.complete(REQUEST)
    await gemini.aclose()

    _assert_one_line(caught.value)


@pytest.mark.parametrize("auth_status", [400, 401, 403])
async def test_a_rejected_key_stops_with_an_auth_error(auth_status: int) -> None:
    dialect = GeminiDialect(auth_status=auth_status)  # type: ignore[arg-type]
    with fake_gemini(dialect) as server:
        server.script.append("401")
        gemini = GeminiClient(model=MODEL, api_key=KEY, base_url=server.base_url)
        with pytest.raises(ProviderAuthError, match="check GEMINI_API_KEY") as caught:
            await gemini.complete(REQUEST)
        await gemini.aclose()

    assert str(auth_status) in str(caught.value)
    assert len(server.requests) == 1
    _assert_one_line(caught.value)


async def test_a_bad_request_is_not_retried(client: GeminiClient, server: FakeModelServer) -> None:
    server.script.append("400")

    with pytest.raises(ProviderRequestError, match=r"400 INVALID_ARGUMENT.*Unknown name"):
        await client.complete(REQUEST)

    assert len(server.requests) == 1


async def test_an_unknown_path_is_a_request_error() -> None:
    with fake_gemini() as server:
        gemini = GeminiClient(model=MODEL, api_key=KEY, base_url=server.base_url + "/nowhere")
        with pytest.raises(ProviderRequestError, match="404"):
            await gemini.complete(REQUEST)
        await gemini.aclose()


@pytest.mark.parametrize(
    ("dialect", "message"),
    [
        (GeminiDialect(finish_reason="MAX_TOKENS"), "raise LLM_MAX_OUTPUT_TOKENS"),
        (GeminiDialect(finish_reason="SAFETY"), r"without an answer \(SAFETY\)"),
        (GeminiDialect(finish_reason="RECITATION"), r"without an answer \(RECITATION\)"),
        (GeminiDialect(block_reason="PROHIBITED_CONTENT"), "prompt blocked: PROHIBITED_CONTENT"),
    ],
)
async def test_a_cut_off_or_refused_answer_is_an_output_error(
    dialect: GeminiDialect, message: str
) -> None:
    with fake_gemini(dialect) as server:
        gemini = GeminiClient(model=MODEL, api_key=KEY, base_url=server.base_url)
        with pytest.raises(ProviderOutputError, match=message):
            await gemini.complete(REQUEST)
        await gemini.aclose()


async def test_from_settings_needs_a_key() -> None:
    with pytest.raises(ProviderAuthError, match="GEMINI_API_KEY"):
        GeminiClient.from_settings(Settings(), MODEL)


async def test_from_settings_uses_the_key_address_and_limits(server: FakeModelServer) -> None:
    settings = Settings(
        gemini_api_key=SecretStr(KEY),
        llm_base_url=server.base_url,
        llm_timeout=12.5,
        llm_max_output_tokens=2048,
    )
    gemini = GeminiClient.from_settings(settings, "gemini-2.5-pro")

    await gemini.complete(REQUEST)
    await gemini.aclose()

    [sent] = server.requests
    assert sent.path == "/v1beta/models/gemini-2.5-pro:generateContent"
    assert sent.headers["x-goog-api-key"] == KEY
    assert sent.headers["x-server-timeout"] == "13"  # the SDK's own rounding up of 12.5 s
    assert gemini.parameters["max_output_tokens"] == 2048


@pytest.mark.parametrize(
    ("headers", "body", "seconds"),
    [
        ({"retry-after": "3"}, {}, 3.0),
        (
            {},
            {"error": {"details": [{"@type": "x.google.rpc.RetryInfo", "retryDelay": "1.5s"}]}},
            1.5,
        ),
        ({}, {"error": {"details": [{"@type": "x.google.rpc.Help"}]}}, None),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, {}, None),
    ],
)
def test_retry_delay_reads_the_header_or_the_retry_info(
    headers: dict[str, str], body: dict[str, object], seconds: float | None
) -> None:
    assert retry_delay(headers, body) == seconds


def _assert_one_line(error: ProviderError) -> None:
    assert "\n" not in str(error)
    assert KEY not in str(error)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
