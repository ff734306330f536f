"""Every request logged once, with its request id, and counted in the HTTP metrics.

The request id is the client's ``X-Request-ID`` when it is a sane token, else a new one;
it is echoed in the response's ``X-Request-ID``, kept on ``request.state.request_id`` (the
500 envelope names it) and bound to every log line written while the request runs. The
log line names the route template, method, status, duration and the key's name (from the
principal ``auth.require`` keeps on ``request.state.principal``) — never the key.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.datastructures import MutableHeaders
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tg_parser import metrics
from tg_parser.api.envelope import REQUEST_ID_HEADER

log = structlog.get_logger(__name__)

_SANE_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")
_HEADER = REQUEST_ID_HEADER.lower().encode("latin-1")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNROUTED = "unrouted"  # the route label of a request answered before routing


class RequestLog:
    """Pure ASGI middleware (streamed bodies pass through untouched); the outermost one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500  # unless a response starts: an error the server answers itself

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                _answered(scope, status, time.perf_counter() - started)


def request_id_of(scope: Scope) -> str:
    """The client's request id when it is a sane token, else a new one."""
    for name, value in scope["headers"]:
        if name == _HEADER:
            given = value.decode("latin-1")
            return given if _SANE_ID.fullmatch(given) else _new_id()
    return _new_id()


def _new_id() -> str:
    return uuid.uuid4().hex


def _answered(scope: Scope, status: int, seconds: float) -> None:
    route = route_template(scope)
    method = scope["method"] if scope["method"] in METHODS else "other"
    metrics.observe_request(route, method, status, seconds)
    principal = scope["state"].get("principal")
    log.info(
        "http_request",
        method=scope["method"],
        route=route,
        path=scope["path"],
        status=status,
        duration_ms=round(seconds * 1000, 1),
        key_name=getattr(principal, "key_name", None),
        client=scope["client"][0] if scope.get("client") else None,
    )


def route_template(scope: Scope) -> str:
    """The path template of the route that served the request, prefixes included
    (``/api/v1/runs/{run_id}``); ``unrouted`` when the request was answered before routing
    (no route serves the path, or a middleware refused it, e.g. a body over its limit)."""
    route: Any = scope.get("route") or _plain_route(scope)
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNROUTED
    return _prefix(scope["path"], route) + path


def _plain_route(scope: Scope) -> Any:
    """The app's own route serving the path (``/openapi.json``, ``/docs``), if any: the
    router names only the API's routes in the scope."""
    app_routes = getattr(scope.get("app"), "routes", ())
    plain = (r for r in app_routes if isinstance(getattr(r, "path", None), str))
    return next((r for r in plain if r.matches(scope)[0] is Match.FULL), None)


def _prefix(path: str, route: Any) -> str:
    """The part of ``path`` before what ``route`` (relative to its router) matched: the
    prefixes of the routers that include it (static, as tg-parser's are)."""
    regex = getattr(route, "path_regex", None)
    for at in (i for i, char in enumerate(path) if char == "/"):
        if regex is None or regex.fullmatch(path[at:]):
            return path[:at]
    return ""
