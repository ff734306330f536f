"""The one HTTP seam of the web preview source: polite, bounded GETs to t.me with retries.

Politeness: one request at a time, at least ``WEB_REQUEST_DELAY`` seconds apart (retries
included), a descriptive User-Agent. A 429, a 5xx, a timeout or a connection error is
retried up to ``WEB_MAX_RETRIES`` times after an exponential backoff with jitter
(``WEB_RETRY_BACKOFF`` · 2^attempt · 1 to 1.5), or after ``Retry-After`` (seconds or an HTTP
date) when t.me sends one. A ``Retry-After`` longer than ``WEB_MAX_RETRY_AFTER`` is not
waited out in place: it becomes ``RateLimitedError`` at once so the source is deferred.

Bounds, since the server may be hostile or broken: redirects are followed only to
``TELEGRAM_WEB_BASE_URL``'s own origin and to t.me's hosts over HTTPS, at most
``MAX_REDIRECTS`` in a row; the body is streamed and refused past ``WEB_MAX_PAGE_BYTES``;
``WEB_REQUEST_DEADLINE`` bounds a whole request (``WEB_TIMEOUT`` bounds each read only, so
a server trickling one byte a second would never time out). Every other httpx error is a
``RetryableSourceError`` too: whatever the server does fails this source, not the run.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import structlog

from tg_parser.clock import jitter, retry_after
from tg_parser.config import Settings
from tg_parser.errors import RateLimitedError, RetryableSourceError

log = structlog.get_logger(__name__)

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
MAX_REDIRECTS = 5


class WebClient:
    """GET text from the web preview; ``None`` for a 404, errors as SourceErrors."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._http = httpx.AsyncClient(
            base_url=settings.telegram_web_base_url,
            timeout=settings.web_timeout,
            headers={"User-Agent": settings.web_user_agent},
            follow_redirects=False,  # followed by hand, only where ``_allowed`` says
        )
        self._base = httpx.URL(settings.telegram_web_base_url)
        self._last_request: float | None = None
        self.requests = 0

    async def get(self, path: str, params: dict[str, Any] | None = None) -> str | None:
        """The body of ``path`` (200) or None (404), retrying what may pass."""
        attempts = self._settings.web_max_retries + 1
        for attempt in range(1, attempts + 1):
            result = await self._attempt(path, params)
            if isinstance(result, _Answer):
                return result.body(path)
            if attempt == attempts or result.retry_after > self._settings.web_max_retry_after:
                raise result.error(path, attempt)
            pause = result.retry_after or self._backoff(attempt)
            log.warning("web_request_retry", path=path, reason=result.reason, wait=round(pause, 3))
            await asyncio.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        await self._http.aclose()

    async def _attempt(self, path: str, params: dict[str, Any] | None) -> _Answer | _Failure:
        await self._pause()
        deadline = self._settings.web_request_deadline
        try:
            async with asyncio.timeout(deadline):
                answer = await self._fetch(path, params)
        except TimeoutError:
            return _Failure(f"no whole answer within WEB_REQUEST_DEADLINE ({deadline:g} s)")
        except httpx.TimeoutException:
            return _Failure("timeout")
        except httpx.TransportError as exc:
            return _Failure(f"network error ({type(exc).__name__})")
        except httpx.HTTPError as exc:
            raise RetryableSourceError(
                f"t.me sent an unreadable answer for {path} ({type(exc).__name__}); try again later"
            ) from exc
        finally:
            self._last_request = time.monotonic()
        if answer.status in RETRIED_STATUSES:
            header = answer.headers.get("Retry-After")
            return _Failure(f"HTTP {answer.status}", retry_after_seconds(header), answer.status)
        return answer

    async def _fetch(self, path: str, params: dict[str, Any] | None) -> _Answer:
        """One GET, following the redirects ``_allowed`` lets through; the body only of a 200."""
        request = self._http.build_request("GET", path, params=params)
        for _ in range(MAX_REDIRECTS + 1):
            self.requests += 1
            response = await self._http.send(request, stream=True)
            try:
                if response.next_request is None:
                    text = await self._read(path, response) if response.status_code == 200 else ""
                    return _Answer(response.status_code, response.headers, text)
            finally:
                await response.aclose()
            request = self._allowed(path, response.next_request)
        raise RetryableSourceError(
            f"t.me redirected {path} more than {MAX_REDIRECTS} times (a redirect loop); "
            "check TELEGRAM_WEB_BASE_URL, or try again later"
        )

    def _allowed(self, path: str, request: httpx.Request) -> httpx.Request:
        """The redirect's request if it stays on the base origin or goes to t.me over HTTPS."""
        url, base = request.url, self._base
        if (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port):
            return request
        if url.scheme == "https" and url.host in TELEGRAM_HOSTS:
            return request
        where = url.netloc.decode("ascii", "replace") or str(url)
        raise RetryableSourceError(
            f"t.me redirected {path} to {where} ({url.scheme}), which is neither "
            "TELEGRAM_WEB_BASE_URL nor t.me; refused: check TELEGRAM_WEB_BASE_URL"
        )

    async def _read(self, path: str, response: httpx.Response) -> str:
        """The body, streamed and refused past ``WEB_MAX_PAGE_BYTES`` (or when announced so)."""
        cap = self._settings.web_max_page_bytes
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) > cap:
            raise _too_large(path, cap)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > cap:
                raise _too_large(path, cap)
        return body.decode(response.encoding or "utf-8", errors="replace")

    async def _pause(self) -> None:
        if self._last_request is None:
            return
        left = self._last_request + self._settings.web_request_delay - time.monotonic()
        if left > 0:
            await asyncio.sleep(left)

    def _backoff(self, attempt: int) -> float:
        return self._settings.web_retry_backoff * 2.0 ** (attempt - 1) * (1 + jitter(0.5))


@dataclass(frozen=True)
class _Answer:
    """What the server answered; ``text`` is the body of a 200 (empty otherwise)."""

    status: int
    headers: httpx.Headers
    text: str

    def body(self, path: str) -> str | None:
        if self.status == 404:
            return None
        if self.status != 200:
            raise RetryableSourceError(
                f"t.me answered HTTP {self.status} for {path}; try again later"
            )
        return self.text


@dataclass(frozen=True)
class _Failure:
    """A failed attempt: why, the ``Retry-After`` seconds it asked for (0: none) and the
    HTTP status, if there was an answer."""

    reason: str
    retry_after: float = 0.0
    status: int | None = None

    def error(self, path: str, attempts: int) -> RetryableSourceError:
        tried = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
        if self.status == 429:
            seconds = self.retry_after or 60.0
            return RateLimitedError(
                f"t.me is rate limiting {path} ({tried}); try again in {seconds:.0f} s", seconds
            )
        return RetryableSourceError(
            f"t.me failed for {path}: {self.reason} {tried}; try again later"
        )


def _too_large(path: str, cap: int) -> RetryableSourceError:
    return RetryableSourceError(
        f"t.me sent more than {cap} bytes for {path} (WEB_MAX_PAGE_BYTES; real pages are "
        "100-300 KB); refused: check TELEGRAM_WEB_BASE_URL, or raise WEB_MAX_PAGE_BYTES"
    )


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float:
    """Seconds a ``Retry-After`` header asks for (a number or an HTTP date); 0 if unreadable."""
    return retry_after(value, now) or 0.0
