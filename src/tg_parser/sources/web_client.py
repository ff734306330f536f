"""The one HTTP seam of the web preview source: polite GETs to t.me with retries.

Politeness: one request at a time, at least ``WEB_REQUEST_DELAY`` seconds apart (retries
included), a descriptive User-Agent. A 429, a 5xx, a timeout or a connection error is
retried up to ``WEB_MAX_RETRIES`` times after an exponential backoff with jitter
(``WEB_RETRY_BACKOFF`` · 2^attempt · 1 to 1.5), or after ``Retry-After`` (seconds or an HTTP
date) when t.me sends one. A ``Retry-After`` longer than ``WEB_MAX_RETRY_AFTER`` is not
waited out in place: it becomes ``RateLimitedError`` at once so the source is deferred.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import structlog

from tg_parser.clock import retry_after
from tg_parser.config import Settings
from tg_parser.errors import RateLimitedError, RetryableSourceError

log = structlog.get_logger(__name__)

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class WebClient:
    """GET text from the web preview; ``None`` for a 404, errors as SourceErrors."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._http = httpx.AsyncClient(
            base_url=settings.telegram_web_base_url,
            timeout=settings.web_timeout,
            headers={"User-Agent": settings.web_user_agent},
            follow_redirects=True,
        )
        self._last_request: float | None = None
        self.requests = 0

    async def get(self, path: str, params: dict[str, Any] | None = None) -> str | None:
        """The body of ``path`` (200) or None (404), retrying what may pass."""
        attempts = self._settings.web_max_retries + 1
        for attempt in range(1, attempts + 1):
            result = await self._attempt(path, params)
            if isinstance(result, httpx.Response):
                return _body(path, result)
            if attempt == attempts or result.retry_after > self._settings.web_max_retry_after:
                raise result.error(path, attempt)
            pause = result.retry_after or self._backoff(attempt)
            log.warning("web_request_retry", path=path, reason=result.reason, wait=round(pause, 3))
            await asyncio.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        await self._http.aclose()

    async def _attempt(self, path: str, params: dict[str, Any] | None) -> httpx.Response | _Failure:
        await self._pause()
        try:
            response = await self._http.get(path, params=params)
        except httpx.TimeoutException:
            return _Failure("timeout")
        except httpx.TransportError as exc:
            return _Failure(f"network error ({type(exc).__name__})")
        finally:
            self._last_request = time.monotonic()
            self.requests += 1
        if response.status_code in RETRIED_STATUSES:
            header = response.headers.get("Retry-After")
            return _Failure(f"HTTP {response.status_code}", retry_after_seconds(header), response)
        return response

    async def _pause(self) -> None:
        if self._last_request is None:
            return
        left = self._last_request + self._settings.web_request_delay - time.monotonic()
        if left > 0:
            await asyncio.sleep(left)

    def _backoff(self, attempt: int) -> float:
        return self._settings.web_retry_backoff * 2.0 ** (attempt - 1) * (1 + random.random() / 2)


@dataclass(frozen=True)
class _Failure:
    """A failed attempt: why, and the ``Retry-After`` seconds it asked for (0: none)."""

    reason: str
    retry_after: float = 0.0
    response: httpx.Response | None = None

    def error(self, path: str, attempts: int) -> RetryableSourceError:
        tried = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
        if self.response is not None and self.response.status_code == 429:
            seconds = self.retry_after or 60.0
            return RateLimitedError(
                f"t.me is rate limiting {path} ({tried}); try again in {seconds:.0f} s", seconds
            )
        return RetryableSourceError(
            f"t.me failed for {path}: {self.reason} {tried}; try again later"
        )


def _body(path: str, response: httpx.Response) -> str | None:
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise RetryableSourceError(
            f"t.me answered HTTP {response.status_code} for {path}; try again later"
        )
    return response.text


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float:
    """Seconds a ``Retry-After`` header asks for (a number or an HTTP date); 0 if unreadable."""
    return retry_after(value, now) or 0.0
