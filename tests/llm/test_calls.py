"""The call layer: retry policy, adaptive limiter, rate caps, call records, prices, prompts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tg_parser.config import Settings
from tg_parser.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderRequestError,
    RetryableProviderError,
)
from tg_parser.llm.batcher import MicroBatcher
from tg_parser.llm.calls import CallRunner, RetryPolicy
from tg_parser.llm.client import Completion, CompletionRequest, Usage
from tg_parser.llm.limiter import AdaptiveLimiter, RateCaps
from tg_parser.llm.pricing import PriceTable
from tg_parser.llm.prompts import load_prompt
from tg_parser.llm.providers import OFFLINE_NOTICE, choose_analyser, provider_name

REQUEST = CompletionRequest("be brief", "<message>hi</message>", "s", {"type": "object"}, 100)
PROMPT = load_prompt("message-analysis")


class ScriptedClient:
    """A ModelClient that raises the scripted errors, then answers."""

    provider = "fake"
    model = "fake-1"

    def __init__(self, *errors: Exception) -> None:
        self.parameters: dict[str, Any] = {}
        self.errors = list(errors)
        self.calls = 0

    async def complete(self, request: CompletionRequest) -> Completion:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return Completion('{"ok": true}', Usage(10, 5, 2), self.model)

    async def aclose(self) -> None:
        pass


def _runner(client: ScriptedClient, attempts: int = 3) -> tuple[CallRunner, list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    policy = RetryPolicy(max_attempts=attempts, backoff_base=1.0, backoff_max=8.0, jitter=0.0)
    return CallRunner(client, policy=policy, sleep=sleep), waits


async def test_retryable_errors_are_retried_with_backoff_and_retry_after() -> None:
    client = ScriptedClient(
        RetryableProviderError("busy"),
        RetryableProviderError("slow down", retry_after=3.5, rate_limited=True),
    )
    runner, waits = _runner(client)
    completion = await runner.call(REQUEST, PROMPT, source_ref="tg:c:post:1")
    assert completion.text == '{"ok": true}' and client.calls == 3
    assert waits == [1.0, 3.5]
    records = runner.drain()
    assert [r.status for r in records] == ["error", "error", "ok"]
    assert records[2].input_tokens == 10 and records[2].reasoning_tokens == 2
    assert records[0].error == "RetryableProviderError: busy"
    assert all(r.source_ref == "tg:c:post:1" and r.prompt_name == PROMPT.name for r in records)
    assert runner.drain() == []


async def test_retry_after_is_capped_by_the_backoff_maximum() -> None:
    runner, waits = _runner(ScriptedClient(RetryableProviderError("x", retry_after=600)))
    await runner.call(REQUEST, PROMPT)
    assert waits == [8.0]


@pytest.mark.parametrize("error", [ProviderAuthError("bad key"), ProviderRequestError("400")])
async def test_non_retryable_errors_are_raised_at_once(error: Exception) -> None:
    client = ScriptedClient(error)
    runner, waits = _runner(client)
    with pytest.raises(type(error)):
        await runner.call(REQUEST, PROMPT)
    assert client.calls == 1 and waits == []


async def test_the_last_error_carries_the_attempts() -> None:
    client = ScriptedClient(*(RetryableProviderError("down") for _ in range(5)))
    runner, _ = _runner(client, attempts=3)
    with pytest.raises(RetryableProviderError) as raised:
        await runner.call(REQUEST, PROMPT)
    assert raised.value.attempts == 3 and client.calls == 3


async def test_limiter_halves_on_429_and_climbs_back() -> None:
    limiter = AdaptiveLimiter(8, cooldown=60)
    limiter.rate_limited()
    limiter.rate_limited()  # within the cooldown: one burst counts once
    assert limiter.limit == 4
    for _ in range(4):
        await limiter.succeeded()
    assert limiter.limit == 5
    for _ in range(100):
        await limiter.succeeded()
    assert limiter.limit == 8, "never above the ceiling"


async def test_limiter_bounds_the_calls_in_flight() -> None:
    limiter = AdaptiveLimiter(3)
    peak = 0

    async def hold() -> None:
        nonlocal peak
        async with limiter.slot():
            peak = max(peak, limiter.in_flight)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(hold() for _ in range(20)))
    assert peak == 3 and limiter.in_flight == 0


def test_prices_exact_prefix_ollama_unknown_and_override(tmp_path: Path) -> None:
    table = PriceTable.load(None)
    assert table.cost("openai", "gpt-5-mini", 1_000_000, 1_000_000) == 2.25
    assert table.price("openai", "gpt-5-mini-2025-08-07") == table.price("openai", "gpt-5-mini")
    assert table.cost("ollama", "llama3.1", 10**6, 10**6) == 0
    assert table.cost("openai", "mystery-model", 10, 10) is None
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"mystery-model": {"input": 1, "output": 2}}))
    assert PriceTable.load(prices).cost("openai", "mystery-model", 10**6, 10**6) == 3.0
    prices.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="LLM_PRICES_FILE"):
        PriceTable.load(prices)


def test_prompts_are_versioned_files_with_a_content_id() -> None:
    assert PROMPT.version and PROMPT.instructions.strip()
    assert PROMPT.id.startswith("sha256:") and len(PROMPT.id) == 71
    assert load_prompt("message-analysis-repair").id != PROMPT.id


def test_auto_takes_the_first_provider_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    assert provider_name(Settings()) == "offline"
    assert choose_analyser(Settings()).notice == OFFLINE_NOTICE
    assert choose_analyser(Settings(llm_provider="offline")).notice is None
    monkeypatch.setenv("GEMINI_API_KEY", "g")
    assert provider_name(Settings()) == "gemini"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "a")
    assert provider_name(Settings()) == "anthropic"
    assert provider_name(Settings(), "ollama") == "ollama"
    with pytest.raises(ConfigError, match="unknown provider"):
        provider_name(Settings(), "cohere")


def test_a_chosen_provider_without_its_key_is_one_clear_error() -> None:
    with pytest.raises(ProviderAuthError, match="OPENAI_API_KEY"):
        choose_analyser(Settings(llm_provider="openai"))


async def test_batcher_sends_full_batches_then_the_rest_after_the_wait() -> None:
    sent: list[list[int]] = []

    async def send(items: Sequence[int]) -> list[int | None]:
        sent.append(list(items))
        return [item * 10 if item != 3 else None for item in items]

    async def single(item: int) -> int:
        return -item

    batcher = MicroBatcher(send, single, size=4, wait=0.01)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(1, 7)))
    assert sent == [[1, 2, 3, 4], [5, 6]]
    assert results == [10, 20, -3, 40, 50, 60], "an unanswered item goes alone"


async def test_batcher_gives_the_batch_error_to_every_caller() -> None:
    async def send(items: Sequence[int]) -> list[int | None]:
        raise ProviderAuthError("bad key")

    async def single(item: int) -> int:
        return item

    batcher = MicroBatcher(send, single, size=2, wait=0.01)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, ProviderAuthError) for r in results)


async def test_rate_caps_admit_a_call_larger_than_the_token_cap() -> None:
    caps = RateCaps(requests_per_minute=600, tokens_per_minute=100)
    await asyncio.wait_for(caps.admit(10_000), timeout=1)  # clamped: never waits forever
    started = asyncio.get_running_loop().time()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(caps.admit(100), timeout=0.3)  # the minute's tokens are spent
    assert asyncio.get_running_loop().time() - started >= 0.3
