"""Every error is one envelope: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from tg_parser.api import create_app
from tg_parser.api.envelope import error_code
from tg_parser.config import Settings
from tg_parser.errors import (
    ConnectionLostError,
    ExportFormatError,
    NotFoundError,
    RateLimitedError,
    RunInProgressError,
    SchemaOutdatedError,
    TgParserError,
)
from tg_parser.testing.api import api_client


def envelope(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return dict(body["error"])


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (NotFoundError("x"), "not_found"),
        (RunInProgressError("x"), "run_in_progress"),
        (ExportFormatError("x"), "export_format"),
        (SchemaOutdatedError("x"), "schema_outdated"),
        (ConnectionLostError("x"), "connection_lost"),
        (TgParserError("x"), "tg_parser"),
    ],
)
def test_codes_come_from_the_exception_class(exc: TgParserError, code: str) -> None:
    assert error_code(exc) == code


def failing_app(settings: Settings, exc: Exception) -> Any:
    app = create_app(settings)
    router = APIRouter()

    @router.get("/boom")
    async def boom() -> None:
        raise exc

    app.include_router(router)
    return app


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (NotFoundError("no run 'x': see runs"), 404, "not_found"),
        (RunInProgressError("run r1 is busy"), 409, "run_in_progress"),
        (SchemaOutdatedError("run `tg-parser db upgrade`"), 503, "schema_outdated"),
        (ConnectionLostError("lost the connection to the database at …"), 503, "connection_lost"),
    ],
)
async def test_tg_parser_errors_keep_their_status_and_message(
    settings: Settings, exc: TgParserError, status: int, code: str
) -> None:
    async with api_client(failing_app(settings, exc)) as client:
        response = await client.get("/boom")
    assert response.status_code == status
    assert envelope(response) == {"code": code, "message": exc.message, "details": []}


async def test_rate_limited_errors_say_when_to_retry(settings: Settings) -> None:
    async with api_client(failing_app(settings, RateLimitedError("wait", 2.4))) as client:
        response = await client.get("/boom")
    assert (response.status_code, response.headers["retry-after"]) == (429, "2")


async def test_an_unexpected_error_reveals_nothing(settings: Settings) -> None:
    secret = "password=hunter2 at /srv/private/path.py line 12"
    app = failing_app(settings, RuntimeError(secret))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        response = await client.get("/boom")
    assert response.status_code == 500
    error = envelope(response)
    assert error["code"] == "internal_error"
    assert "hunter2" not in response.text and "Traceback" not in response.text


async def test_unknown_routes_and_methods_use_the_envelope(
    empty_client: httpx.AsyncClient,
) -> None:
    missing = await empty_client.get("/api/v1/nothing-here")
    wrong_method = await empty_client.delete("/api/v1/keys")
    assert (missing.status_code, envelope(missing)["code"]) == (404, "not_found")
    assert (wrong_method.status_code, envelope(wrong_method)["code"]) == (
        405,
        "method_not_allowed",
    )
    assert wrong_method.headers["allow"] == "GET, POST"  # every route of the path, not one


async def test_validation_errors_list_each_problem(empty_client: httpx.AsyncClient) -> None:
    response = await empty_client.get("/api/v1/sources", params={"limit": "many"})
    assert response.status_code == 422
    error = envelope(response)
    assert error["code"] == "invalid_request"
    assert error["message"].startswith("query.limit:")
    assert error["details"][0]["location"] == "query.limit"
