"""Errors as pages: what the API answers as an error envelope, the browser shows as a page
with the same one-line message and status; a key missing or refused sends it to sign in."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from tg_parser.errors import AuthError, ForbiddenError, TgParserError
from tg_parser.web.render import page


class PageRoute(APIRoute):
    """A route whose errors are pages (the app's handlers answer JSON)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ForbiddenError as exc:
                return error_page(request, exc.http_status, exc.message)
            except AuthError:
                return sign_in(request)
            except TgParserError as exc:
                return error_page(request, exc.http_status, exc.message)
            except RequestValidationError as exc:
                return error_page(request, 400, _first_problem(exc))

        return page_handler


def sign_in(request: Request) -> RedirectResponse:
    """To the login form, coming back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?{urlencode({'next': here})}", status_code=303)


def error_page(request: Request, status: int, message: str) -> Response:
    return page(request, "error.html", {"status": status, "message": message}, status)


def _first_problem(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "the request is not valid"
    where = ".".join(str(part) for part in errors[0].get("loc", ()))
    return f"{where}: {errors[0].get('msg', 'is not valid')}"
