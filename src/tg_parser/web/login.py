"""``/login`` and ``/logout``: the browser asks for a key once and keeps it in a cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from tg_parser.api.auth import authenticate_with
from tg_parser.errors import AuthError
from tg_parser.web.errors import PageRoute
from tg_parser.web.render import page
from tg_parser.web.session import cookie_key, forget, remember, safe_next

router = APIRouter(route_class=PageRoute)

Next = Annotated[str, Query(max_length=2000)]


@router.get("/login")
async def login_form(request: Request, next: Next = "/") -> Response:
    """The key form; it says why when the browser's key was refused (or when none is
    needed: no key exists and the server listens on loopback)."""
    problem = None
    try:
        await authenticate_with(request, cookie_key)
    except AuthError as exc:
        problem = exc.message if cookie_key(request) else None
    context = {"next": safe_next(next), "problem": problem}
    return page(request, "login.html", context, 401 if problem else 200)


@router.post("/login")
async def login(
    request: Request,
    key: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the key as the API checks one; when it is good, keep it and go on."""
    key = key.strip()
    try:
        await authenticate_with(request, lambda _: key or None)
    except AuthError as exc:
        context = {"next": safe_next(next), "problem": exc.message}
        return page(request, "login.html", context, 401)
    response = RedirectResponse(safe_next(next), status_code=303)
    if key:  # none is needed while the browser is open
        remember(response, request, key)
    return response


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    forget(response)
    return response
