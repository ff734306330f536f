"""A load generator cheap enough not to be the bottleneck: keep-alive HTTP/1.1 connections
on asyncio (uvloop when installed) with httptools parsing the answers — the parser uvicorn
itself uses. httpx spends a few milliseconds of CPU per request, more than the server on a
cheap route, so with it the clients, not the server, would set the pace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

import httptools


class Answer(Exception):
    """A connection that failed or closed before the answer was complete."""


class Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time, its status once the body is read."""

    def __init__(self, host: str) -> None:
        self.host = host.encode()
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiting: asyncio.Future[int] | None = None

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(lambda: cls(f"{host}:{port}"), host, port)
        return protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass of it

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(Answer(f"unreadable answer: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(Answer(f"connection closed: {exc or 'by the server'}"))

    def on_message_complete(self) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result(self.parser.get_status_code())

    async def get(self, path: str) -> int:
        """The status of ``GET path`` (its body is read and dropped)."""
        assert self.transport is not None
        self.waiting = asyncio.get_running_loop().create_future()
        self.transport.write(b"GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path.encode(), self.host))
        return await self.waiting

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _fail(self, error: Exception) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_exception(error)


def event_loop_policy() -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop's loop when it is installed (it is with uvicorn[standard]), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop
