"""Rate limits per API key (per client address while the API is open): API_RATE_LIMIT.

A sliding window counted in memory (the ``limits`` package): each ``serve`` process limits
on its own. Every limited response carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and
``RateLimit-Reset`` (seconds); a request over the limit is ``429`` with ``Retry-After``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tg_parser.errors import RateLimitedError

QUOTA_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


@dataclass(frozen=True)
class Quota:
    """What is left of the caller's limit, as the response headers say it."""

    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        values = (self.limit, self.remaining, self.reset_seconds)
        return {name: str(value) for name, value in zip(QUOTA_HEADERS, values, strict=True)}


class RateLimiter:
    """The limit of one app; ``rate`` like ``120/minute``; ``0`` or empty: no limit."""

    def __init__(self, rate: str) -> None:
        self.rate = rate.strip()
        self.item: RateLimitItem | None = None if self.rate in ("", "0") else parse(self.rate)
        self.window = SlidingWindowCounterRateLimiter(MemoryStorage())

    async def hit(self, request: Request, caller: str) -> None:
        """Count a request of ``caller``; ``RateLimitedError`` when over the limit."""
        if self.item is None:
            return
        allowed = await self.window.hit(self.item, caller)
        reset_at, remaining = await self.window.get_window_stats(self.item, caller)
        reset = max(1, math.ceil(reset_at - time.time()))
        request.state.quota = Quota(self.item.amount, remaining, reset)
        if not allowed:
            raise RateLimitedError(
                f"too many requests: the limit is {self.rate}; try again in {reset} s",
                seconds=reset,
            )


class QuotaHeaders:
    """Adds the ``RateLimit-*`` headers to the response of a request that was counted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_quota(message: Message) -> None:
            quota = scope.get("state", {}).get("quota")
            if message["type"] == "http.response.start" and isinstance(quota, Quota):
                headers = MutableHeaders(scope=message)
                for name, value in quota.headers().items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_quota)
