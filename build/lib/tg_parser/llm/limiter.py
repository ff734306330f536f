"""How many calls a provider gets at once, and how fast.

``AdaptiveLimiter`` bounds the calls in flight. It starts at the configured concurrency;
a 429 halves the limit (at most once per ``cooldown`` seconds, so one burst of 429s counts
once), and every ``limit`` successes in a row raise it by one again, up to the configured
ceiling (additive increase, multiplicative decrease). Optional per-minute caps on requests
and on tokens sit in front of it as leaky buckets (aiolimiter).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiolimiter import AsyncLimiter


class AdaptiveLimiter:
    """At most ``limit`` holders at once; ``limit`` moves between 1 and ``ceiling``."""

    def __init__(self, ceiling: int, *, cooldown: float = 1.0) -> None:
        self.ceiling = ceiling
        self.limit = ceiling
        self.cooldown = cooldown
        self.in_flight = 0
        self._successes = 0
        self._last_cut = -float("inf")
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1
        try:
            yield
        finally:
            async with self._changed:
                self.in_flight -= 1
                self._changed.notify_all()

    async def succeeded(self) -> None:
        self._successes += 1
        if self._successes >= self.limit and self.limit < self.ceiling:
            self._successes = 0
            async with self._changed:
                self.limit += 1
                self._changed.notify_all()

    def rate_limited(self) -> None:
        """A 429: halve the limit, unless it was cut within the last ``cooldown`` seconds."""
        self._successes = 0
        now = time.monotonic()
        if now - self._last_cut >= self.cooldown:
            self._last_cut = now
            self.limit = max(1, self.limit // 2)


class RateCaps:
    """Per-minute caps on calls and tokens (either may be unset)."""

    def __init__(self, requests_per_minute: int | None, tokens_per_minute: int | None) -> None:
        self._requests = AsyncLimiter(requests_per_minute, 60) if requests_per_minute else None
        self._tokens = AsyncLimiter(tokens_per_minute, 60) if tokens_per_minute else None
        self._tokens_per_minute = tokens_per_minute

    async def admit(self, tokens: int) -> None:
        """Wait until one more call of about ``tokens`` input tokens fits under both caps."""
        if self._requests is not None:
            await self._requests.acquire()
        if self._tokens is not None and self._tokens_per_minute is not None:
            await self._tokens.acquire(min(tokens, self._tokens_per_minute))
