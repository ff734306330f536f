"""Who is browsing: the key a browser presents in its cookie, set once by the login form.

The cookie holds the key itself, ``HttpOnly`` (no script reads it) and ``SameSite=Strict``
(no other site's page sends it), ``Secure`` when served over HTTPS. It authenticates the
pages only: the JSON API takes keys from headers, so a cookie never makes a cross-site
request to the API act as its holder.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from tg_parser.api.auth import Principal, authenticate_with

COOKIE = "tgp_key"
COOKIE_SECONDS = 30 * 24 * 3600


def cookie_key(request: Request) -> str | None:
    """The key of the browser's cookie (None: no cookie)."""
    return request.cookies.get(COOKIE) or None


async def viewer(request: Request) -> Principal:
    """The principal of the browser's key (``AuthError`` when it needs to sign in)."""
    return await authenticate_with(request, cookie_key)


def remember(response: Response, request: Request, key: str) -> None:
    response.set_cookie(
        COOKIE,
        key,
        max_age=COOKIE_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def forget(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site, else the front page."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


Viewer = Annotated[Principal, Depends(viewer)]
