"""What only the Ollama client does, against the loopback /api/chat: a model not pulled, a
server that is not Ollama, and its settings (no key, the local server by default). What
every client does (request shape, usage, each failure) is in test_clients.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tg_parser.config import Settings
from tg_parser.errors import (
    ProviderRequestError,
)
from tg_parser.llm.ollama import DEFAULT_BASE_URL, OllamaClient
from tg_parser.testing.llm.ollama import OllamaDialect, fake_ollama
from tg_parser.testing.llm.server import FakeModelServer

from .wires import REQUEST

MODEL = "llama3.1"


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with fake_ollama(OllamaDialect(models=(MODEL,)), timeout_delay=2.0, retry_after=3.0) as fake:
        yield fake


async def test_a_model_not_pulled_says_how_to_pull_it(server: FakeModelServer) -> None:
    ollama = OllamaClient(model="qwen3:8b", base_url=server.base_url)

    with pytest.raises(ProviderRequestError, match=r"run `ollama pull qwen3:8b`"):
        await ollama.complete(REQUEST)
    await ollama.aclose()

    assert len(server.requests) == 1


async def test_a_server_that_is_not_ollama_is_a_request_error(server: FakeModelServer) -> None:
    ollama = OllamaClient(model=MODEL, base_url=server.base_url + "/v1")

    with pytest.raises(ProviderRequestError, match=r"404.*check LLM_BASE_URL"):
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
