"""Answers of repeated reads, kept while the database does not change.

The routers whose routes are ``CachedRoute`` (documents, topics, channels, sources) keep
their JSON answers to GET (200 only) in the app's ``ResponseCache``: at most
``API_RESPONSE_CACHE_BYTES`` of bodies, the least recently used dropped first, all of them
for one state of the database (``ChangeWatcher``'s token): once anything wrote to it,
this process or another, the whole cache is dropped. An answer says ``X-Cache: hit`` or
``miss``.

A cached answer is given only to a caller who would get the same: the key is the path,
the query (parameters in name order) and the principal's scope and channels. The principal
is checked (``authenticate``, the route's scope) before the cache is looked at, so a
revoked key, a rate limit or a scope too small answer as without a cache.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Coroutine, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.responses import StreamingResponse

from tg_parser.api.auth import ScopeCheck, authenticate, scope_check
from tg_parser.store.changes import ChangeWatcher

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
CACHE_HEADER = "X-Cache"


@dataclass(frozen=True)
class Stored:
    """A cached answer: its body and the headers the route set (length and type)."""

    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)

    def response(self) -> Response:
        response = Response(self.body)
        response.raw_headers = [*self.headers, (b"x-cache", b"hit")]
        return response


class ResponseCache:
    """An LRU of ``Stored`` answers bounded by ``limit`` bytes, for one ``token`` at a time."""

    def __init__(self, limit: int, watcher: ChangeWatcher) -> None:
        self.limit = limit
        self.watcher = watcher
        self.size = 0
        self._token: Hashable = None
        self._entries: OrderedDict[Hashable, Stored] = OrderedDict()

    def token(self) -> Hashable:
        """The database's state now; a token unlike the last one empties the cache."""
        token = self.watcher.version()
        if token != self._token:
            self._entries.clear()
            self.size = 0
            self._token = token
        return token

    def get(self, key: Hashable) -> Stored | None:
        stored = self._entries.get(key)
        if stored is not None:
            self._entries.move_to_end(key)
        return stored

    def put(self, token: Hashable, key: Hashable, stored: Stored) -> None:
        """Keep ``stored``, read at ``token``, unless the database changed since."""
        if token != self._token or stored.size > self.limit:
            return
        if (previous := self._entries.pop(key, None)) is not None:
            self.size -= previous.size
        self._entries[key] = stored
        self.size += stored.size
        while self.size > self.limit:
            _, dropped = self._entries.popitem(last=False)
            self.size -= dropped.size


class CachedRoute(APIRoute):
    """A route whose GET answers are served from the app's ``ResponseCache`` (when on)."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        check = scope_check(self.dependant)

        async def answer(request: Request) -> Response:
            cache: ResponseCache | None = getattr(request.app.state, "response_cache", None)
            if cache is None or request.method != "GET":
                return await handler(request)
            return await _cached(cache, handler, request, await _caller(request, check))

        return answer


Caller = tuple[str, frozenset[str] | None] | None  # scope and channels; None: no key checked


async def _cached(
    cache: ResponseCache, handler: Handler, request: Request, caller: Caller
) -> Response:
    """The cached answer to the request, else the route's (kept when it may be)."""
    key = (request.url.path, _query(request), caller)
    token = cache.token()
    if (stored := cache.get(key)) is not None:
        return stored.response()
    response = await handler(request)
    if _cacheable(response):
        cache.put(token, key, Stored(bytes(response.body), tuple(response.raw_headers)))
    response.headers[CACHE_HEADER] = "miss"
    return response


async def _caller(request: Request, check: ScopeCheck | None) -> Caller:
    """What of the caller decides what it sees, once its key and scope are checked
    (None: the route checks no key)."""
    if check is None:
        return None
    principal = await check(await authenticate(request))
    return principal.scope, principal.channels


def _query(request: Request) -> tuple[tuple[str, str], ...]:
    """The query's parameters in name order (a repeated one keeps its values' order)."""
    return tuple(sorted(request.query_params.multi_items(), key=lambda item: item[0]))


def _cacheable(response: Response) -> bool:
    return (
        response.status_code == 200
        and not isinstance(response, StreamingResponse)
        and response.background is None
        and response.media_type == "application/json"
        and "set-cookie" not in response.headers
    )


@asynccontextmanager
async def response_cache(app: FastAPI) -> AsyncIterator[None]:
    """``app.state.response_cache`` while the app runs: None with a limit of 0, else a cache
    whose change watcher starts now and stops with the app."""
    limit = app.state.settings.api_response_cache_bytes
    app.state.response_cache = None
    if not limit:
        yield
        return
    watcher = ChangeWatcher.of(app.state.db)
    await watcher.start()
    app.state.response_cache = ResponseCache(limit, watcher)
    try:
        yield
    finally:
        app.state.response_cache = None
        await watcher.stop()
