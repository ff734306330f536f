"""The Ollama client against the loopback /api/chat: the request it sends, the answer and
usage it reads, and every failure mapped onto the ProviderError tree."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator, Iterator

import pytest

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
from tg_parser.llm.ollama import DEFAULT_BASE_URL, OllamaClient
from tg_parser.testing.llm.ollama import OllamaDialect, fake_ollama
from tg_parser.testing.llm.server import FakeModelServer, Fault, schema_instance

MODEL = "llama3.1"
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
    with fake_ollama(OllamaDialect(models=(MODEL,)), timeout_delay=2.0, retry_after=3.0) as fake:
        yield fake


@pytest.fixture
async def client(server: FakeModelServer) -> AsyncIterator[OllamaClient]:
    ollama = OllamaClient(model=MODEL, base_url=server.base_url, timeout=0.5)
    yield ollama
    await ollama.aclose()


async def test_sends_the_schema_as_format_without_streaming(
    client: OllamaClient, server: FakeModelServer
) -> None:
    await client.complete(REQUEST)

    [sent] = server.requests
    assert (sent.method, sent.path) == ("POST", "/api/chat")
    assert sent.body == {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "Summarise the post as JSON."},
            {"role": "user", "content": "<post>Привет, мир</post>"},
        ],
        "format": SCHEMA,
        "stream": False,
        "options": {"temperature": 0, "num_predict": 1000},
    }
    assert "authorization" not in sent.headers


async def test_records_the_parameters_it_sends(client: OllamaClient) -> None:
    assert (client.provider, client.model) == ("ollama", MODEL)
    assert client.parameters == {"temperature": 0, "num_predict": 4096}


@pytest.mark.parametrize(("asked", "sent"), [(1000, 1000), (9000, 4096)])
async def test_num_predict_is_the_request_budget_capped_by_the_client(
    client: OllamaClient, server: FakeModelServer, asked: int, sent: int
) -> None:
    await client.complete(CompletionRequest("i", "x", "s", SCHEMA, max_output_tokens=asked))

    assert server.requests[0].body["options"]["num_predict"] == sent


async def test_reads_the_answer_and_usage(client: OllamaClient, server: FakeModelServer) -> None:
    completion = await client.complete(REQUEST)

    assert json.loads(completion.text) == schema_instance(SCHEMA)
    assert completion.model == MODEL
    [call] = server.calls
    assert (call.instructions, call.input, call.schema) == (
        REQUEST.instructions,
        REQUEST.input,
        SCHEMA,
    )
    assert completion.usage == Usage(
        input_tokens=(len(REQUEST.instructions) + len(REQUEST.input)) // 4,
        output_tokens=len(completion.text) // 4,
    )


async def test_an_answer_that_is_not_json_is_returned_as_is(
    client: OllamaClient, server: FakeModelServer
) -> None:
    server.script.append("invalid")

    completion = await client.complete(REQUEST)

    assert completion.text == '{"summary": "cut'  # the caller validates


@pytest.mark.parametrize(
    ("fault", "rate_limited", "retry_after"),
    [
        ("429", True, 3.0),
        ("500", False, None),
        ("503", False, None),
        ("garbage", False, None),
    ],
)
async def test_temporary_failures_are_retryable(
    client: OllamaClient,
    server: FakeModelServer,
    fault: Fault,
    rate_limited: bool,
    retry_after: float | None,
) -> None:
    server.script.append(fault)

    with pytest.raises(RetryableProviderError) as caught:
        await client.complete(REQUEST)

    assert (caught.value.rate_limited, caught.value.retry_after) == (rate_limited, retry_after)
    assert len(server.requests) == 1
    _assert_one_line(caught.value)


async def test_a_timeout_is_retryable(client: OllamaClient, server: FakeModelServer) -> None:
    server.script.append("timeout")
    started = time.monotonic()

    with pytest.raises(RetryableProviderError, match=r"did not answer within 0\.5s"):
        await client.complete(REQUEST)

    assert time.monotonic() - started < 1.5
    assert len(server.requests) == 1


async def test_no_server_says_to_start_one() -> None:
    url = _closed_port_url()
    ollama = OllamaClient(model=MODEL, base_url=url, timeout=2)

    with pytest.raises(ProviderUnreachableError) as caught:
        await ollama.complete(REQUEST)
    await ollama.aclose()

    assert str(caught.value) == (
        f"Cannot connect to the Ollama server at {url} (connection refused): start it with "
        "`ollama serve` or set OLLAMA_BASE_URL"
    )


async def test_a_model_not_pulled_says_how_to_pull_it(server: FakeModelServer) -> None:
    ollama = OllamaClient(model="qwen3:8b", base_url=server.base_url)

    with pytest.raises(ProviderRequestError, match=r"run `ollama pull qwen3:8b`"):
        await ollama.complete(REQUEST)
    await ollama.aclose()

    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("fault", "error"), [("400", ProviderRequestError), ("401", ProviderAuthError)]
)
async def test_a_refused_request_is_not_retried(
    client: OllamaClient, server: FakeModelServer, fault: Fault, error: type[ProviderError]
) -> None:
    server.script.append(fault)

    with pytest.raises(error, match=fault):
        await client.complete(REQUEST)

    assert len(server.requests) == 1


async def test_a_server_that_is_not_ollama_is_a_request_error(server: FakeModelServer) -> None:
    ollama = OllamaClient(model=MODEL, base_url=server.base_url + "/v1")

    with pytest.raises(ProviderRequestError, match=r"404.*check LLM_BASE_URL"):
        await ollama.complete(REQUEST)
    await ollama.aclose()


async def test_an_answer_cut_off_at_num_predict_is_an_output_error() -> None:
    with fake_ollama(OllamaDialect(done_reason="length")) as server:
        ollama = OllamaClient(model=MODEL, base_url=server.base_url)
        with pytest.raises(ProviderOutputError, match="raise LLM_MAX_OUTPUT_TOKENS"):
            await ollama.complete(REQUEST)
        await ollama.aclose()


async def test_from_settings_needs_no_key_and_defaults_to_the_local_server() -> None:
    ollama = OllamaClient.from_settings(Settings(), MODEL)
    await ollama.aclose()

    assert ollama.base_url == DEFAULT_BASE_URL == "http://127.0.0.1:11434"


async def test_from_settings_uses_the_address_and_limits(server: FakeModelServer) -> None:
    settings = Settings(llm_base_url=server.base_url + "/", llm_max_output_tokens=2048)
    ollama = OllamaClient.from_settings(settings, MODEL)

    await ollama.complete(REQUEST)
    await ollama.aclose()

    assert server.requests[0].path == "/api/chat"
    assert ollama.parameters == {"temperature": 0, "num_predict": 2048}


def _assert_one_line(error: ProviderError) -> None:
    assert "\n" not in str(error)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
