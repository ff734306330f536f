"""What only the Gemini client does, against the loopback generateContent API: a rejected
key answered as 400, 401 or 403, an unknown path, refused and blocked answers, its
settings, and the delay to wait read from Retry-After or the RetryInfo's retryDelay. What
every client does (request shape, usage, each failure) is in test_clients.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from tg_parser.config import Settings
from tg_parser.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderOutputError,
    ProviderRequestError,
)
from tg_parser.llm.gemini import GeminiClient, retry_delay
from tg_parser.testing.llm.gemini import GeminiDialect, fake_gemini
from tg_parser.testing.llm.server import FakeModelServer

from .wires import REQUEST

KEY = "AIza-test-secret-key"
MODEL = "gemini-2.5-flash"


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with fake_gemini(timeout_delay=2.0, retry_after=7.0) as fake:
        yield fake


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


async def test_an_unknown_path_is_a_request_error() -> None:
    with fake_gemini() as server:
        gemini = GeminiClient(model=MODEL, api_key=KEY, base_url=server.base_url + "/nowhere")
        with pytest.raises(ProviderRequestError, match="404"):
            await gemini.complete(REQUEST)
        await gemini.aclose()


@pytest.mark.parametrize(
    ("dialect", "message"),
    [
        (GeminiDialect(finish_reason="SAFETY"), r"without an answer \(SAFETY\)"),
        (GeminiDialect(finish_reason="RECITATION"), r"without an answer \(RECITATION\)"),
        (GeminiDialect(block_reason="PROHIBITED_CONTENT"), "prompt blocked: PROHIBITED_CONTENT"),
    ],
)
async def test_a_refused_or_blocked_answer_is_an_output_error(
    dialect: GeminiDialect, message: str
) -> None:
    with fake_gemini(dialect) as server:
        gemini = GeminiClient(model=MODEL, api_key=KEY, base_url=server.base_url)
        with pytest.raises(ProviderOutputError, match=message):
            await gemini.complete(REQUEST)
        await gemini.aclose()


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
