"""The MCP server inside `serve`, at ``/mcp`` (streamable HTTP), with the API's keys.

Every request is authenticated as an API request is (``Authorization: Bearer`` or
``X-API-Key``; open on a loopback address while no key exists) and counted against the
same rate limit; a refused one gets the API's error envelope (401, 429). A ``read`` scope
suffices — every key has it — and a key limited to channels sees only those: the tools
read the request's principal, so another channel's topic or message is "not found".
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tg_parser.api.auth import Principal, authenticate
from tg_parser.api.envelope import tg_parser_error_response
from tg_parser.errors import AuthError, TgParserError
from tg_parser.keys import is_loopback
from tg_parser.mcp.server import http_sessions
from tg_parser.mcp.tools import Caller

PATH = "/mcp"


@asynccontextmanager
async def mcp_sessions(app: FastAPI) -> AsyncIterator[None]:
    """Run the MCP session manager while the app runs (it serves ``/mcp``); a new one
    each time the app starts (a manager runs once).

    The manager runs in a task of its own: its task group is entered and left in that
    task, so the app's startup and shutdown may run in different tasks (as a test
    client's fixtures do)."""
    sessions = http_sessions(_caller, loopback=is_loopback(app.state.settings.api_host))
    started, stopping = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with sessions.run():
            started.set()
            await stopping.wait()

    task = asyncio.create_task(run(), name="mcp-sessions")
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if not started.is_set():
        task.result()  # it failed to start: raise its error
    app.state.mcp_sessions = sessions
    try:
        yield
    finally:
        del app.state.mcp_sessions
        stopping.set()
        await task


def _caller(request: Request | None) -> Caller:
    principal: Principal | None = getattr(getattr(request, "state", None), "principal", None)
    if request is None or principal is None:
        raise AuthError("this request carries no principal")  # only if wired wrong
    return Caller(request.app.state.db, request.app.state.settings, principal)


class Endpoint:
    """``/mcp`` (an ASGI app, so the session manager answers it itself): the caller
    authenticated (its principal kept on the request's state, where the tools find it),
    then the request handed to the session manager."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            await authenticate(request)
        except TgParserError as exc:
            await tg_parser_error_response(exc)(scope, receive, send)
            return
        sessions: Any = request.app.state.mcp_sessions
        await sessions.handle_request(scope, receive, send)


def route() -> Route:
    """The route of ``/mcp`` (GET, POST, DELETE as streamable HTTP has them; not in OpenAPI)."""
    return Route(PATH, Endpoint(), methods=["GET", "POST", "DELETE"], include_in_schema=False)
