"""The contract every model client keeps, against its provider's loopback API: the request
carries the instructions, the input and the schema; the answer and the usage are read from
the real shapes; every failure is one ProviderError of the right class after one request
(the SDKs' own retries are off), on one line, without the key.

Each test runs for every provider (OpenAI twice: the Responses API for GPT-5 and Chat
Completions for the others); the tables say what each wire looks like. What only one
provider has lives in its own file (``test_openai.py`` …).
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

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
from tg_parser.llm.anthropic import AnthropicClient
from tg_parser.llm.client import CompletionRequest, Usage
from tg_parser.llm.gemini import GeminiClient
from tg_parser.llm.openai import OpenAIClient
from tg_parser.testing.llm.anthropic import AnthropicDialect
from tg_parser.testing.llm.gemini import GeminiDialect
from tg_parser.testing.llm.ollama import OllamaDialect
from tg_parser.testing.llm.openai import OpenAIDialect
from tg_parser.testing.llm.server import Dialect, FakeModelServer, Fault

from .wires import OPENAI_KEY, REQUEST, SCHEMA, SETUP, Wire, sent_body

ANSWER = {"summary": "Приветствие", "topics": ["мир"]}
RETRY_AFTER = 2.5  # what the fake servers send with 429 (and 503/529 where the API does)
PROVIDERS = list(SETUP)
WITH_KEYS = [name for name in PROVIDERS if SETUP[name].key]


@pytest.fixture(params=PROVIDERS)
async def wire(request: pytest.FixtureRequest) -> AsyncIterator[Wire]:
    name: str = request.param
    server = FakeModelServer(SETUP[name].dialect(), timeout_delay=2.0, retry_after=RETRY_AFTER)
    with server:
        made = Wire(name, server, [])
        yield made
        for client in made.made:
            await client.aclose()


PATHS = {
    "openai-responses": "/v1/responses",
    "openai-chat": "/v1/chat/completions",
    "anthropic": "/v1/messages",
    "gemini": "/v1beta/models/gemini-2.5-flash:generateContent",
    "ollama": "/api/chat",
}
AUTH_HEADERS = {  # the header that carries the key (the others must not be sent)
    "openai-responses": ("authorization", f"Bearer {OPENAI_KEY}"),
    "openai-chat": ("authorization", f"Bearer {OPENAI_KEY}"),
    "anthropic": ("authorization", "Bearer sk-ant-test-secret-key"),  # SDK 2.x: no x-api-key
    "gemini": ("x-goog-api-key", "AIza-test-secret-key"),
    "ollama": None,
}
PARAMETERS = {
    "openai-responses": {"api": "responses", "max_output_tokens": 16000},
    "openai-chat": {"api": "chat.completions", "temperature": 0, "max_completion_tokens": 4096},
    "anthropic": {"api": "messages", "max_tokens": 4096, "tool_choice": "tool"},
    "gemini": {
        "temperature": 0,
        "max_output_tokens": 4096,
        "response_mime_type": "application/json",
    },
    "ollama": {"temperature": 0, "num_predict": 4096},
}
VENDOR = {name: name.split("-")[0] for name in PROVIDERS}


async def test_sends_the_schema_with_the_instructions_and_input(wire: Wire) -> None:
    await wire.client().complete(REQUEST)

    [sent] = wire.server.requests
    assert (sent.method, sent.path) == ("POST", PATHS[wire.name])
    assert sent.body == sent_body(wire.name, wire.setup.model)
    auth = AUTH_HEADERS[wire.name]
    if auth is not None:
        assert sent.headers[auth[0]] == auth[1]
    other_headers = {"authorization", "x-goog-api-key", "x-api-key"} - {auth and auth[0]}
    assert not other_headers & sent.headers.keys()
    if wire.name == "anthropic":
        assert sent.headers["anthropic-version"]


async def test_records_the_parameters_it_sends(wire: Wire) -> None:
    client = wire.client()
    assert (client.provider, client.model) == (VENDOR[wire.name], wire.setup.model)
    assert client.parameters == PARAMETERS[wire.name]


CAPPED = {  # where each API takes the output budget (the Responses API has its own floor)
    "openai-chat": lambda body: body["max_completion_tokens"],
    "anthropic": lambda body: body["max_tokens"],
    "gemini": lambda body: body["generationConfig"]["maxOutputTokens"],
    "ollama": lambda body: body["options"]["num_predict"],
}


@pytest.mark.parametrize("wire", list(CAPPED), indirect=True)
@pytest.mark.parametrize(("asked", "sent"), [(1000, 1000), (9000, 4096)])
async def test_max_output_tokens_is_the_request_budget_capped_by_the_client(
    wire: Wire, asked: int, sent: int
) -> None:
    await wire.client().complete(CompletionRequest("i", "x", "answer", SCHEMA, asked))
    assert CAPPED[wire.name](wire.server.requests[0].body) == sent


async def test_reads_the_answer_and_usage(wire: Wire) -> None:
    wire.server.answer = lambda call: ANSWER

    completion = await wire.client().complete(REQUEST)

    assert json.loads(completion.text) == ANSWER
    assert "Приветствие" in completion.text  # not \u-escaped
    assert completion.model == wire.setup.model
    [call] = wire.server.calls
    assert (call.instructions, call.input, call.schema) == (
        REQUEST.instructions,
        REQUEST.input,
        SCHEMA,
    )
    assert completion.usage == Usage(
        input_tokens=(len(REQUEST.instructions) + len(REQUEST.input)) // 4,
        output_tokens=len(json.dumps(ANSWER, ensure_ascii=False)) // 4,
        reasoning_tokens=0,
    )


@pytest.mark.parametrize("wire", WITH_KEYS, indirect=True)
async def test_reads_reasoning_tokens_when_the_api_reports_them(wire: Wire) -> None:
    wire.server.answer = lambda call: ANSWER
    wire.server.reasoning_tokens = 40

    completion = await wire.client().complete(REQUEST)

    assert completion.model == wire.setup.model
    assert completion.usage == Usage(
        input_tokens=(len(REQUEST.instructions) + len(REQUEST.input)) // 4,
        output_tokens=len(json.dumps(ANSWER, ensure_ascii=False)) // 4 + 40,
        reasoning_tokens=40,
    )


INVALID = {  # an answer that is not JSON of the schema: returned for the caller to validate,
    # or (Anthropic: a tool call cut off at max_tokens) an output error
    "openai-responses": None,
    "openai-chat": None,
    "anthropic": "cut off at max_tokens",
    "gemini": None,
    "ollama": None,
}


async def test_an_answer_that_is_not_json_is_returned_as_is_or_refused(wire: Wire) -> None:
    wire.server.script.append("invalid")
    says = INVALID[wire.name]
    if says is None:
        completion = await wire.client().complete(REQUEST)
        assert completion.text == '{"summary": "cut'
    else:
        with pytest.raises(ProviderOutputError, match=says):
            await wire.client().complete(REQUEST)
    assert len(wire.server.requests) == 1


@dataclass(frozen=True)
class Outcome:
    error: type[ProviderError]
    says: str  # a regular expression the message matches
    rate_limited: bool | None = None  # for retryable errors
    retry_after: float | None = None


def _retryable(says: str, wait: float | None = None, rate_limited: bool = False) -> Outcome:
    return Outcome(RetryableProviderError, says, rate_limited, wait)


# fault -> provider -> what the client raises
FAILURES: dict[str, dict[str, Outcome]] = {
    "401": {
        "openai": Outcome(
            ProviderAuthError, r"^OpenAI rejected the API key \(401\): check OPENAI_API_KEY$"
        ),
        "anthropic": Outcome(
            ProviderAuthError, r"^Anthropic rejected the API key \(401\): check ANTHROPIC_API_KEY$"
        ),
        "gemini": Outcome(ProviderAuthError, r"400.*check GEMINI_API_KEY"),
        "ollama": Outcome(ProviderAuthError, "401"),
    },
    "429": {
        "openai": _retryable("LLM_CONCURRENCY", RETRY_AFTER, rate_limited=True),
        "anthropic": _retryable("rate limit", RETRY_AFTER, rate_limited=True),
        "gemini": _retryable("rate limit or quota exceeded", RETRY_AFTER, rate_limited=True),
        "ollama": _retryable("429", RETRY_AFTER, rate_limited=True),
    },
    "500": {
        "openai": _retryable(r"server error \(500"),
        "anthropic": _retryable(r"server error \(500\)"),
        "gemini": _retryable(r"server error \(500"),
        "ollama": _retryable(r"server error \(500"),
    },
    "503": {
        "openai": _retryable(r"server error \(503", RETRY_AFTER),
        "anthropic": _retryable(r"server error \(503\)", RETRY_AFTER),
        "gemini": _retryable(r"server error \(503"),
        "ollama": _retryable(r"server error \(503"),
    },
    "529": {  # overloaded (Gemini and Ollama say it with a 503)
        "openai": _retryable(r"server error \(529", RETRY_AFTER),
        "anthropic": _retryable("overloaded", RETRY_AFTER),
        "gemini": _retryable(r"server error \(503"),
        "ollama": _retryable(r"server error \(503"),
    },
    "garbage": {  # a 200 whose body is cut off mid-JSON
        "openai": _retryable("truncated"),
        "anthropic": _retryable("truncated"),
        "gemini": _retryable("cut off mid-JSON"),
        "ollama": _retryable("cut off mid-JSON"),
    },
    "400": {
        "openai": Outcome(
            ProviderRequestError, r"^OpenAI refused the request \(400\): This model's maximum"
        ),
        "anthropic": Outcome(
            ProviderRequestError,
            r"^Anthropic refused the request \(400\): "
            r"max_tokens: Input should be greater than or equal to 1$",
        ),
        "gemini": Outcome(ProviderRequestError, r"400 INVALID_ARGUMENT.*Unknown name"),
        "ollama": Outcome(ProviderRequestError, "400"),
    },
}


def assert_one_clean_line(error: ProviderError, key: str) -> None:
    assert "\n" not in str(error) and "\n" not in error.message
    if key:
        assert key not in str(error) and key[:7] not in error.message


@pytest.mark.parametrize("fault", list(FAILURES))
async def test_each_failure_is_one_provider_error_after_one_request(
    wire: Wire, fault: Fault
) -> None:
    expected = FAILURES[fault][VENDOR[wire.name]]
    wire.server.script.append(fault)

    with pytest.raises(ProviderError) as caught:
        await wire.client().complete(REQUEST)

    assert type(caught.value) is expected.error
    assert re.search(expected.says, caught.value.message), caught.value.message
    assert len(wire.server.requests) == 1  # the SDK's own retries are off
    assert_one_clean_line(caught.value, wire.setup.key)
    if isinstance(caught.value, RetryableProviderError):
        retry = (caught.value.rate_limited, caught.value.retry_after)
        assert retry == (expected.rate_limited, expected.retry_after)


BILLING = {  # an account out of credit stops the run like a bad key
    "openai-responses": r"OpenAI quota exhausted \(429\)",
    "openai-chat": r"OpenAI quota exhausted \(429\)",
    "anthropic": r"billing \(402\): add credit",
}


@pytest.mark.parametrize("wire", list(BILLING), indirect=True)
async def test_a_billing_or_quota_refusal_stops_the_run_like_a_bad_key(wire: Wire) -> None:
    wire.server.script.append("402")

    with pytest.raises(ProviderAuthError, match=BILLING[wire.name]) as caught:
        await wire.client().complete(REQUEST)

    assert len(wire.server.requests) == 1
    assert_one_clean_line(caught.value, wire.setup.key)


TIMEOUT = {
    "openai": r"within 0\.5 s",
    "anthropic": "did not answer in time",
    "gemini": r"did not answer within 0\.5s",
    "ollama": r"did not answer within 0\.5s",
}


async def test_a_timeout_is_retryable(wire: Wire) -> None:
    wire.server.script.append("timeout")
    started = time.monotonic()

    with pytest.raises(RetryableProviderError, match=TIMEOUT[VENDOR[wire.name]]) as caught:
        await wire.client(timeout=0.5).complete(REQUEST)

    assert time.monotonic() - started < 1.5
    assert len(wire.server.requests) == 1
    assert_one_clean_line(caught.value, wire.setup.key)


UNREACHABLE = {
    "openai": "^Cannot connect to OpenAI at {url}",
    "anthropic": "^Cannot connect to Anthropic at {url}",
    "gemini": "^Cannot connect to Gemini at {url}",
    "ollama": (
        r"^Cannot connect to the Ollama server at {url} \(connection refused\): start it with "
        r"`ollama serve` or set OLLAMA_BASE_URL$"
    ),
}


@pytest.mark.parametrize("name", PROVIDERS)
async def test_an_unreachable_server_says_how_to_reach_it(name: str) -> None:
    setup = SETUP[name]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    client = setup.client(setup.model, setup.key, url, 2.0)
    says = UNREACHABLE[VENDOR[name]].format(url=re.escape(url))
    try:
        with pytest.raises(ProviderUnreachableError, match=says) as caught:
            await client.complete(REQUEST)
    finally:
        await client.aclose()
    assert_one_clean_line(caught.value, setup.key)


CUT_OFF: dict[str, tuple[Callable[[], Dialect], Fault | None]] = {
    # a dialect whose answers end at the token limit (Anthropic: the scripted cut-off call)
    "openai-responses": (lambda: OpenAIDialect(ending="length"), None),
    "openai-chat": (lambda: OpenAIDialect(ending="length"), None),
    "anthropic": (AnthropicDialect, "invalid"),
    "gemini": (lambda: GeminiDialect(finish_reason="MAX_TOKENS"), None),
    "ollama": (lambda: OllamaDialect(done_reason="length"), None),
}
CUT_OFF_SAYS = {
    "openai": "LLM_MAX_OUTPUT_TOKENS",
    "anthropic": "cut off at max_tokens",
    "gemini": "raise LLM_MAX_OUTPUT_TOKENS",
    "ollama": "raise LLM_MAX_OUTPUT_TOKENS",
}


@pytest.mark.parametrize("name", PROVIDERS)
async def test_an_answer_cut_off_at_the_token_limit_is_an_output_error(name: str) -> None:
    setup = SETUP[name]
    dialect, fault = CUT_OFF[name]
    with FakeModelServer(dialect()) as server:
        server.script.extend([fault] if fault else [])
        client = setup.client(setup.model, setup.key, server.base_url, 10.0)
        try:
            with pytest.raises(ProviderOutputError, match=CUT_OFF_SAYS[VENDOR[name]]):
                await client.complete(REQUEST)
        finally:
            await client.aclose()
        assert len(server.requests) == 1


FROM_SETTINGS = {
    "openai-responses": (OpenAIClient, "OPENAI_API_KEY"),
    "anthropic": (AnthropicClient, "ANTHROPIC_API_KEY"),
    "gemini": (GeminiClient, "GEMINI_API_KEY"),
}


@pytest.mark.parametrize("name", list(FROM_SETTINGS))
def test_a_missing_key_names_the_setting(name: str) -> None:
    client, setting = FROM_SETTINGS[name]
    with pytest.raises(ProviderAuthError, match=setting):
        client.from_settings(Settings(), SETUP[name].model)  # type: ignore[attr-defined]
