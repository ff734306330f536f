"""Making model calls well: retries, the adaptive limiter, rate caps and a record of each.

``CallRunner.call`` sends one request through a ``ModelClient``. Only retryable failures
(timeouts, connection errors, 429, 5xx, overloaded, a cut-off body) are tried again, up to
``RETRY_MAX_ATTEMPTS`` attempts, waiting ``RETRY_BACKOFF_BASE`` doubled per retry (at most
``RETRY_BACKOFF_MAX``) plus up to ``RETRY_JITTER`` seconds — or what ``Retry-After`` said.
Other failures (a bad key, a refused request) are raised at once. Every attempt, failed or
not, becomes a ``CallRecord`` in ``calls``, for the caller to store with its results.

How each call ended, after its retries, goes to the ``FailureBreaker`` (with
``call_checked``, an answer its check rejects as not of the schema ends the call failed):
once it trips, the call that tripped it and every later one raise ``ProviderFailingError``
(logged once as ``model_calls_stopped``), and no request is sent. A refused connection is
not retried before the provider has answered once in the run: nothing listens there.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from tg_parser import metrics
from tg_parser.clock import jitter, utcnow
from tg_parser.config import Settings
from tg_parser.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderFailingError,
    ProviderUnreachableError,
    RetryableProviderError,
)
from tg_parser.llm.breaker import FailureBreaker
from tg_parser.llm.client import Completion, CompletionRequest, ModelClient, Usage
from tg_parser.llm.limiter import AdaptiveLimiter, RateCaps
from tg_parser.llm.prompts import Prompt
from tg_parser.models import CallRecord

log = structlog.get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    jitter: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_attempts=settings.retry_max_attempts,
            backoff_base=settings.retry_backoff_base,
            backoff_max=settings.retry_backoff_max,
            jitter=settings.retry_jitter,
        )

    def wait(self, attempt: int, error: BaseException | None) -> float:
        """Seconds before attempt ``attempt + 1``: Retry-After if given, else backoff."""
        asked = error.retry_after if isinstance(error, RetryableProviderError) else None
        if asked is not None:
            return min(asked, self.backoff_max)
        backoff = min(self.backoff_base * 2.0 ** (attempt - 1), self.backoff_max)
        return backoff + jitter(self.jitter)


def _as_is(completion: Completion) -> Completion:
    return completion


def estimate_tokens(text: str) -> int:
    """Tokens of a text, roughly (4 characters each) — for caps and estimates."""
    return max(1, len(text) // 4)


Sleep = Callable[[float], Awaitable[None]]


@dataclass
class CallRunner:
    """One provider's calls: limited, retried and recorded (``calls``) for one run."""

    client: ModelClient
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    limiter: AdaptiveLimiter = field(default_factory=lambda: AdaptiveLimiter(16))
    caps: RateCaps = field(default_factory=lambda: RateCaps(None, None))
    breaker: FailureBreaker = field(default_factory=FailureBreaker)
    sleep: Sleep = asyncio.sleep
    calls: list[CallRecord] = field(default_factory=list)

    async def call(
        self, request: CompletionRequest, prompt: Prompt, *, source_ref: str | None = None
    ) -> Completion:
        """The completion, or the last error after the allowed attempts (or the breaker's)."""
        return await self.call_checked(request, prompt, _as_is, source_ref=source_ref)

    async def call_checked(
        self,
        request: CompletionRequest,
        prompt: Prompt,
        check: Callable[[Completion], T],
        *,
        source_ref: str | None = None,
    ) -> T:
        """What ``check`` reads from the completion. An answer it rejects with
        ``ProviderOutputError`` (not of the schema) counts as a failed call for the breaker:
        a provider that answers only garbage is failing too."""
        self.breaker.check()
        try:
            completion = await self._retried(request, prompt, source_ref)
            self.breaker.reached()
            result = check(completion)
        except (ProviderAuthError, ProviderFailingError):
            raise
        except ProviderError as exc:
            self._count_failure(exc)
            raise
        self.breaker.succeeded()
        return result

    async def _retried(
        self, request: CompletionRequest, prompt: Prompt, source_ref: str | None
    ) -> Completion:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            retry=retry_if_exception(self._worth_retrying),
            wait=self._wait,
            reraise=True,
            sleep=self.sleep,
        )
        tokens = estimate_tokens(request.instructions + request.input)
        try:
            async for attempt in retrying:
                with attempt:
                    await self.caps.admit(tokens)
                    return await self._attempt(request, prompt, source_ref)
        except ProviderError as exc:
            exc.attempts = retrying.statistics["attempt_number"]
            raise
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _worth_retrying(self, error: BaseException) -> bool:
        """Retryable errors are, except a refused connection before any answer."""
        if not isinstance(error, ProviderError) or not error.retryable:
            return False
        return self.breaker.answered or not isinstance(error, ProviderUnreachableError)

    def _count_failure(self, error: ProviderError) -> None:
        """Tell the breaker; once it is tripped, the call's error becomes its stop."""
        tripped_before = self.breaker.reason is not None
        if not self.breaker.failed(error):
            return
        reason = self.breaker.reason or str(error)
        if not tripped_before:
            log.warning("model_calls_stopped", provider=self.client.provider, reason=reason)
        raise ProviderFailingError(reason, failed_call=error) from error

    def drain(self) -> list[CallRecord]:
        """The calls recorded since the last drain (to store with a batch of results)."""
        records, self.calls = self.calls, []
        return records

    async def _attempt(
        self, request: CompletionRequest, prompt: Prompt, source_ref: str | None
    ) -> Completion:
        async with self.limiter.slot():
            self.breaker.check()  # it may have tripped while this call waited for its turn
            started = time.perf_counter()
            try:
                completion = await self.client.complete(request)
            except ProviderError as exc:
                self._record(prompt, source_ref, started, Usage(), error=exc)
                if isinstance(exc, RetryableProviderError) and exc.rate_limited:
                    self.limiter.rate_limited()
                raise
        self._record(prompt, source_ref, started, completion.usage)
        await self.limiter.succeeded()
        return completion

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return self.policy.wait(state.attempt_number, error)

    def _record(
        self,
        prompt: Prompt,
        source_ref: str | None,
        started: float,
        usage: Usage,
        *,
        error: ProviderError | None = None,
    ) -> None:
        record = CallRecord(
            provider=self.client.provider,
            model=self.client.model,
            prompt_name=prompt.name,
            prompt_version=prompt.version,
            status="error" if error else "ok",
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            latency_ms=round((time.perf_counter() - started) * 1000),
            created_at=utcnow(),
            source_ref=source_ref,
            error=f"{type(error).__name__}: {error}"[:500] if error else None,
        )
        self.calls.append(record)
        metrics.observe_call(record)
