"""Who is calling: the principal a request acts as, and the scope each route requires.

A principal has a scope (``read`` < ``run`` < ``admin``) and, optionally, the channels it
is limited to. A limited principal sees only its channels everywhere: another channel's
object is ``404`` (``NotFoundError``), never ``403``, so its existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request

from tg_parser.errors import ForbiddenError, NotFoundError

Scope = Literal["read", "run", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "run", "admin")


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


OPEN = Principal(key_name=None, scope="admin")


async def authenticate(request: Request) -> Principal:
    """The principal of the request (the API is open until API keys exist)."""
    return OPEN


def require(scope: Scope) -> Callable[[Request, Principal], Awaitable[Principal]]:
    """A dependency: the request's principal, when its scope allows ``scope``."""

    async def allowed(
        request: Request, principal: Annotated[Principal, Depends(authenticate)]
    ) -> Principal:
        request.state.principal = principal  # the request log names its key
        if not principal.allows(scope):
            raise ForbiddenError(f"this key's scope is {principal.scope!r}; {scope!r} is needed")
        return principal

    return allowed


Reader = Annotated[Principal, Depends(require("read"))]
Runner = Annotated[Principal, Depends(require("run"))]
Admin = Annotated[Principal, Depends(require("admin"))]
