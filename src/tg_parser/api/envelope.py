"""One error envelope for every error the API returns.

``{"error": {"code", "message", "details"}}``: ``code`` is stable and machine-readable,
``message`` is the one line a user can act on, ``details`` lists what a validation found.
tg-parser's own errors keep their message and HTTP status (``errors.py``); anything else
becomes a 500 that names the request id, never the exception's text or a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from tg_parser.errors import AuthError, ForbiddenError, RateLimitedError, TgParserError

log = structlog.get_logger(__name__)

# the header carrying the request id (set by the request log, ``access_log.py``)
REQUEST_ID_HEADER = "X-Request-ID"
_WORD_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")
_TEMPLATE_PART = re.compile(r"\{[^}/]+\}")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`.")
    message: str = Field(description="One line saying what is wrong and what to do.")
    details: list[dict[str, Any]] = Field(
        default_factory=list, description="What a validation found, one entry per problem."
    )


class ErrorEnvelope(BaseModel):
    """The body of every error response."""

    error: ErrorBody


def error_response(
    status: int,
    code: str,
    message: str,
    details: Sequence[dict[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorEnvelope(error=ErrorBody(code=code, message=message, details=list(details)))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def error_code(exc: TgParserError) -> str:
    """``NotFoundError`` → ``not_found``, ``RunInProgressError`` → ``run_in_progress``."""
    name = type(exc).__name__.removesuffix("Error") or "tg_parser"
    return _WORD_BOUNDARY.sub("_", name).lower()


async def _tg_parser_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TgParserError)
    return tg_parser_error_response(exc)


def tg_parser_error_response(exc: TgParserError) -> JSONResponse:
    """The envelope of a tg-parser error, with its status and headers (``Retry-After``,
    ``WWW-Authenticate``); for ASGI endpoints that answer outside the routes."""
    return error_response(exc.http_status, error_code(exc), exc.message, headers=_headers(exc))


def _headers(exc: TgParserError) -> dict[str, str] | None:
    if isinstance(exc, RateLimitedError):
        return {"Retry-After": str(max(1, round(exc.seconds)))}
    if isinstance(exc, AuthError) and not isinstance(exc, ForbiddenError):
        return {"WWW-Authenticate": 'Bearer realm="tg-parser"'}
    return None


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [_detail(error) for error in exc.errors()]
    first = details[0] if details else {"location": "request", "message": "is not valid"}
    message = f"{first['location']}: {first['message']}"
    return error_response(422, "invalid_request", message, details)


def _detail(error: Any) -> dict[str, Any]:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
    return {"location": location, "message": str(error.get("msg", "is not valid"))}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status = HTTPStatus(exc.status_code)
    code = status.phrase.lower().replace(" ", "_").replace("-", "_")
    message = exc.detail if isinstance(exc.detail, str) else status.phrase
    headers = dict(exc.headers or {})
    if status == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = ", ".join(_allowed_methods(request, headers.get("Allow", "")))
    return error_response(exc.status_code, code, message, headers=headers)


def _path_pattern(template: str) -> re.Pattern[str]:
    """``/keys/{name}`` → a pattern matching ``/keys/anything``."""
    return re.compile("[^/]+".join(re.escape(part) for part in _TEMPLATE_PART.split(template)))


def _allowed_methods(request: Request, first_route: str) -> list[str]:
    """Every method of the path, over all its routes: Starlette names only the first
    route's; the OpenAPI paths (templates) name them all."""
    methods = {method.strip() for method in first_route.split(",") if method.strip()}
    for template, operations in request.app.openapi()["paths"].items():
        if _path_pattern(template).fullmatch(request.url.path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    log.exception("request_failed", error_type=type(exc).__name__)
    where = f" (request {request_id})" if request_id else ""
    headers = {REQUEST_ID_HEADER: request_id} if request_id else None
    message = f"internal error{where}; see the server log"
    return error_response(500, "internal_error", message, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TgParserError, _tg_parser_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 409, 413, 422, 429, 500, 503)
}
