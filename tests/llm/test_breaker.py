"""The breaker of the call runner: the first calls all failing, too many recent failures,
nothing listening at the provider's address — and sporadic failures that must not trip it."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tg_parser.config import Settings
from tg_parser.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderFailingError,
    ProviderOutputError,
    ProviderUnreachableError,
    RetryableProviderError,
)
from tg_parser.llm.breaker import FailureBreaker
from tg_parser.llm.calls import CallRunner, RetryPolicy
from tg_parser.llm.client import Completion, CompletionRequest, Usage
from tg_parser.llm.prompts import load_prompt

REQUEST = CompletionRequest("be brief", "<message>hi</message>", "s", {"type": "object"}, 100)
PROMPT = load_prompt("message-analysis")


class PlannedClient:
    """A ModelClient whose n-th call fails with ``plan(n)`` (None: it answers)."""

    provider = "fake"
    model = "fake-1"

    def __init__(self, plan: Any) -> None:
        self.parameters: dict[str, Any] = {}
        self.plan = plan
        self.calls = 0

    async def complete(self, request: CompletionRequest) -> Completion:
        self.calls += 1
        error = self.plan(self.calls)
        if error is not None:
            raise error
        return Completion('{"ok": true}', Usage(10, 5), self.model)

    async def aclose(self) -> None:
        pass


def _runner(client: PlannedClient, attempts: int = 1, **limits: Any) -> CallRunner:
    async def no_wait(seconds: float) -> None:
        pass

    breaker = FailureBreaker(**({"first_calls": 5, "window": 20, "max_share": 0.5} | limits))
    policy = RetryPolicy(max_attempts=attempts, backoff_base=0, jitter=0)
    return CallRunner(client, policy=policy, breaker=breaker, sleep=no_wait)


async def _outcomes(runner: CallRunner, calls: int) -> list[str]:
    """What each call ended with: ok, the error's class name."""
    outcomes = []
    for _ in range(calls):
        try:
            await runner.call(REQUEST, PROMPT)
            outcomes.append("ok")
        except ProviderError as exc:
            outcomes.append(type(exc).__name__)
    return outcomes


def server_error(n: int) -> Exception:
    return RetryableProviderError(f"Fake server error (500) on call {n}: try again later")


async def test_the_first_calls_all_failing_stop_every_later_call() -> None:
    client = PlannedClient(server_error)
    runner = _runner(client, attempts=2)
    outcomes = await _outcomes(runner, 12)
    assert outcomes == ["RetryableProviderError"] * 4 + ["ProviderFailingError"] * 8
    assert client.calls == 5 * 2, "after the 5th failed call nothing more is sent"
    with pytest.raises(ProviderFailingError) as stopped:
        await runner.call(REQUEST, PROMPT)
    message = str(stopped.value)
    assert message.startswith("The first 5 model calls all failed")
    assert message.endswith("Fake server error (500) on call 10: try again later")
    assert "\n" not in message and stopped.value.exit_code == 6
    assert stopped.value.failed_call is None, "this call was not made"


async def test_the_call_that_trips_the_breaker_carries_its_own_error() -> None:
    runner = _runner(PlannedClient(server_error))
    await _outcomes(runner, 4)
    with pytest.raises(ProviderFailingError) as stopped:
        await runner.call(REQUEST, PROMPT)
    assert isinstance(stopped.value.failed_call, RetryableProviderError)
    assert "on call 5" in str(stopped.value.failed_call)


async def test_too_large_a_share_of_recent_failures_trips_it_after_a_good_start() -> None:
    client = PlannedClient(lambda n: None if n <= 30 else server_error(n))
    outcomes = await _outcomes(_runner(client), 60)
    assert outcomes[:30] == ["ok"] * 30
    assert outcomes[30:40] == ["RetryableProviderError"] * 10
    assert outcomes[40] == "ProviderFailingError", "11 of the last 20 failed: more than half"
    assert client.calls == 41


async def test_the_share_message_names_the_setting_and_the_last_error() -> None:
    client = PlannedClient(lambda n: None if n == 1 else server_error(n))
    runner = _runner(client)
    await _outcomes(runner, 11)
    with pytest.raises(ProviderFailingError, match="LLM_MAX_FAILURE_SHARE") as stopped:
        await runner.call(REQUEST, PROMPT)
    assert str(stopped.value).startswith("11 of the last 12 model calls failed")
    assert str(stopped.value).endswith("on call 12: try again later")


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_sporadic_failures_never_trip_it(seed: int) -> None:
    chance = random.Random(seed)
    client = PlannedClient(lambda n: server_error(n) if chance.random() < 0.1 else None)
    outcomes = await _outcomes(_runner(client, first_calls=20, window=100), 2000)
    assert "ProviderFailingError" not in outcomes
    assert 100 < outcomes.count("RetryableProviderError") < 300


async def test_a_refused_connection_before_any_answer_stops_at_once() -> None:
    refused = ProviderUnreachableError("Cannot connect to Fake at http://127.0.0.1:9: start it")
    client = PlannedClient(lambda n: refused)
    runner = _runner(client, attempts=4)
    with pytest.raises(ProviderFailingError) as stopped:
        await runner.call(REQUEST, PROMPT)
    assert client.calls == 1, "no retries: nothing listens there"
    assert str(stopped.value) == "Cannot connect to Fake at http://127.0.0.1:9: start it"
    assert await _outcomes(runner, 3) == ["ProviderFailingError"] * 3 and client.calls == 1


async def test_a_refused_connection_after_answers_is_retried_like_any_network_error() -> None:
    def plan(n: int) -> Exception | None:
        return ProviderUnreachableError("Cannot connect") if n == 2 else None

    client = PlannedClient(plan)
    assert await _outcomes(_runner(client, attempts=3), 2) == ["ok", "ok"]
    assert client.calls == 3


def _rejected(completion: Completion) -> Any:
    raise ProviderOutputError("the model's answer is not valid analysis JSON")


async def test_answers_the_check_rejects_count_as_failed_calls() -> None:
    client = PlannedClient(lambda n: None)
    runner = _runner(client)
    outcomes = []
    for _ in range(8):
        try:
            await runner.call_checked(REQUEST, PROMPT, _rejected)
        except ProviderError as exc:
            outcomes.append(type(exc).__name__)
    assert outcomes == ["ProviderOutputError"] * 4 + ["ProviderFailingError"] * 4
    assert client.calls == 5, "the first 5 calls all failed: no more are made"


async def test_a_refused_connection_after_rejected_answers_is_retried() -> None:
    """The provider answered (garbage): it is there, so a refused connection is a blip."""

    def plan(n: int) -> Exception | None:
        return ProviderUnreachableError("Cannot connect") if n == 2 else None

    client = PlannedClient(plan)
    runner = _runner(client, attempts=3)
    with pytest.raises(ProviderOutputError):
        await runner.call_checked(REQUEST, PROMPT, _rejected)
    assert await _outcomes(runner, 1) == ["ok"] and client.calls == 3


async def test_a_bad_key_is_left_to_stop_the_run_itself() -> None:
    client = PlannedClient(lambda n: ProviderAuthError("bad key"))
    outcomes = await _outcomes(_runner(client), 8)
    assert outcomes == ["ProviderAuthError"] * 8


def test_the_limits_come_from_the_settings() -> None:
    settings = Settings(llm_fail_fast_calls=7, llm_failure_window=30, llm_max_failure_share=0.8)
    breaker = FailureBreaker.from_settings(settings)
    assert (breaker.first_calls, breaker.window, breaker.max_share) == (7, 30, 0.8)
    defaults = FailureBreaker.from_settings(Settings())
    assert (defaults.first_calls, defaults.window, defaults.max_share) == (20, 100, 0.5)
