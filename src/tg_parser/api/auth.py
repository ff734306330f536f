"""Who is calling: the principal a request acts as, and the scope each route requires.

A principal has a scope (``read`` < ``run`` < ``admin``) and, optionally, the channels it
is limited to. A limited principal sees only its channels everywhere: another channel's
object is ``404`` (``NotFoundError``), never ``403``, so its existence is not revealed.

The key comes in ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. While no key
exists (none created, or all revoked) and the API is served on a loopback address, the API
is open: every request acts as ``OPEN``. Once a key exists, every request needs a valid
one: missing, wrong, revoked or expired is ``401``; a scope too small is ``403``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant

from tg_parser import registry
from tg_parser.api.deps import database, settings
from tg_parser.api.ratelimit import RateLimiter
from tg_parser.errors import AuthError, ForbiddenError, NotFoundError
from tg_parser.keys import CREATE_HINT, SCOPES, Keyring, Scope, is_loopback, scope_of
from tg_parser.models import channel_key
from tg_parser.store import Database

__all__ = ["OPEN", "SCOPES", "Admin", "KeyAdmin", "Principal", "Reader", "Runner", "Scope"]


@dataclass(frozen=True)
class Principal:
    """The caller: a key's name (None when the API is open), its scope and channels."""

    key_name: str | None
    scope: Scope
    channels: frozenset[str] | None = None  # None: every channel

    def allows(self, scope: Scope) -> bool:
        return SCOPES.index(self.scope) >= SCOPES.index(scope)

    def sees(self, channel: str) -> bool:
        return self.channels is None or channel in self.channels

    def check_channel(self, channel: str, noun: str = "channel") -> str:
        """``channel`` when the principal may see it, else ``NotFoundError``."""
        if not self.sees(channel):
            raise NotFoundError(f"no {noun} {channel!r}")
        return channel

    def restrict(self, channel: str | None) -> Collection[str] | None:
        """The channels a request over ``channel`` (None: all) may touch; None: no limit."""
        if channel is not None:
            return {self.check_channel(channel)}
        return self.channels

    async def resolve(self, db: Database, channel: str | None) -> Collection[str] | None:
        """``restrict`` of the channel the client named (``@Name``, a link, an id), resolved
        by ``registry.resolve_channel``. To a key limited to channels, an unknown channel is
        the same 404 as one it does not see: the known channels are not listed."""
        if channel is None:
            return self.channels
        try:
            resolved = await registry.resolve_channel(db, channel)
        except NotFoundError:
            if self.channels is None:
                raise
            raise NotFoundError(f"no channel {channel_key(channel)!r}") from None
        return self.restrict(resolved)


OPEN = Principal(key_name=None, scope="admin")


KeySource = Callable[[Request], str | None]


async def authenticate(request: Request) -> Principal:
    """The principal of the request's key header, counted against its rate limit
    (``AuthError``, ``RateLimitedError``), once per request. A request whose key fails is
    counted against its address."""
    return await authenticate_with(request, presented_key)


async def authenticate_with(request: Request, key_of: KeySource) -> Principal:
    """``authenticate`` with the key ``key_of`` finds in the request (None: no key given):
    the browser's pages read it from their cookie."""
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    limiter: RateLimiter = request.app.state.rate_limiter
    address = f"address:{request.client.host if request.client else 'unknown'}"
    try:
        principal = await _principal(request, key_of)
    except AuthError:
        await limiter.hit(request, address)
        raise
    request.state.principal = principal  # the request log names the key (never the key)
    caller = address if principal.key_name is None else f"key:{principal.key_name}"
    await limiter.hit(request, caller)
    return principal


async def _principal(request: Request, key_of: KeySource) -> Principal:
    keyring: Keyring = request.app.state.keyring
    db = database(request)
    key = key_of(request)
    if key is not None:
        stored = await keyring.verify(db, key)
        channels = None if stored.channels is None else frozenset(stored.channels)
        return Principal(key_name=stored.name, scope=scope_of(stored), channels=channels)
    if await keyring.keys_exist(db):
        raise AuthError("this API needs a key: send `Authorization: Bearer <key>`")
    host = settings(request).api_host
    if not is_loopback(host):
        raise AuthError(
            f"no API key exists and the API is served on {host}: create one with `{CREATE_HINT}`"
        )
    return OPEN


def presented_key(request: Request) -> str | None:
    """The key in ``Authorization: Bearer`` or else ``X-API-Key`` (None: no key given); an
    ``Authorization`` of another scheme (a proxy's ``Basic``) is left to ``X-API-Key``."""
    scheme, _, credentials = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    api_key = request.headers.get("x-api-key")
    if api_key is not None:
        return api_key.strip()
    if scheme:
        raise AuthError("send the key as `Authorization: Bearer <key>` or `X-API-Key`")
    return None


SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <key>` (a key from `tg-parser keys create`).",
    },
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "The key."},
}


def describe_security(app: FastAPI) -> None:
    """Tell OpenAPI (and /docs' "Authorize") how every ``/api/v1`` operation takes a key.

    Written into the schema rather than declared as ``Security`` dependencies, which would
    run on every request for nothing (``authenticate`` reads the headers itself)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        for path, operations in schema["paths"].items():
            if path.startswith("/api/v1/"):
                for operation in operations.values():
                    operation["security"] = [{name: []} for name in SECURITY_SCHEMES]
        return schema

    setattr(app, "openapi", openapi)  # noqa: B010 (the documented way to extend it)


class ScopeCheck:
    """A dependency: the request's principal, when its scope allows ``scope`` (and, with
    ``every_channel``, when it is not limited to channels: managing keys)."""

    def __init__(self, scope: Scope, *, every_channel: bool = False) -> None:
        self.scope = scope
        self.every_channel = every_channel

    async def __call__(self, principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.allows(self.scope):
            raise ForbiddenError(
                f"this key's scope is {principal.scope!r}; {self.scope!r} is needed"
            )
        if self.every_channel and principal.channels is not None:
            raise ForbiddenError(
                "this key is limited to channels; this needs one for every channel"
            )
        return principal


def require(scope: Scope, *, every_channel: bool = False) -> ScopeCheck:
    return ScopeCheck(scope, every_channel=every_channel)


def scope_check(dependant: Dependant) -> ScopeCheck | None:
    """What a route (its ``dependant``) requires of its caller (None: it checks no key)."""
    pending = list(dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, ScopeCheck):
            return dependant.call
        pending.extend(dependant.dependencies)
    return None


Reader = Annotated[Principal, Depends(require("read"))]
Runner = Annotated[Principal, Depends(require("run"))]
Admin = Annotated[Principal, Depends(require("admin"))]
KeyAdmin = Annotated[Principal, Depends(require("admin", every_channel=True))]
