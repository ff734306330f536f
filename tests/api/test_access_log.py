"""Every request is logged once with its request id, echoed as ``X-Request-ID``."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog
from fastapi import APIRouter, FastAPI
from structlog.testing import capture_logs

import key_sample
from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.log import configure_logging
from tg_parser.store import Database
from tg_parser.testing.api import api_client

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def logs() -> Iterator[list[dict[str, Any]]]:
    """Every event logged meanwhile, at every level: not only those above the level an
    earlier test configured (the CLI's default, WARNING, drops the access log's INFO)."""
    level = structlog.get_config()["wrapper_class"]
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as captured:
            yield captured
    finally:
        structlog.configure(wrapper_class=level)


def requests_in(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in logs if entry["event"] == "http_request"]


async def test_each_request_is_logged_once_with_route_status_and_duration(
    client: httpx.AsyncClient, logs: list[dict[str, Any]]
) -> None:
    response = await client.get("/api/v1/sources", params={"limit": 1})
    [entry] = requests_in(logs)
    assert entry["request_id"] == response.headers["x-request-id"]
    assert GENERATED.fullmatch(entry["request_id"])
    assert {k: entry[k] for k in ("method", "route", "path", "status", "key_name")} == {
        "method": "GET",
        "route": "/api/v1/sources",
        "path": "/api/v1/sources",
        "status": 200,
        "key_name": None,
    }
    assert entry["log_level"] == "info" and entry["duration_ms"] >= 0


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("req-7f3a:2026/12/05=ok", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("has space", False),
        ("<script>", False),
        ("", False),
    ],
)
async def test_a_sane_incoming_request_id_is_kept_else_replaced(
    empty_client: httpx.AsyncClient, logs: list[dict[str, Any]], given: str, kept: bool
) -> None:
    response = await empty_client.get("/health/live", headers={"X-Request-ID": given})
    echoed = response.headers["x-request-id"]
    assert (echoed == given) is kept
    assert kept or GENERATED.fullmatch(echoed)
    assert requests_in(logs)[0]["request_id"] == echoed


async def test_log_lines_inside_a_request_carry_its_id(
    settings: Settings, logs: list[dict[str, Any]]
) -> None:
    app = create_app(settings)
    router = APIRouter()

    @router.get("/chatty")
    async def chatty() -> dict[str, str]:
        structlog.get_logger("test").info("inside")
        return {}

    app.include_router(router)
    async with api_client(app) as client:
        await client.get("/chatty", headers={"X-Request-ID": "abc"})
    assert [(e["event"], e["request_id"]) for e in logs] == [
        ("inside", "abc"),
        ("http_request", "abc"),
    ]


async def test_the_key_name_is_logged_never_the_key(
    settings: Settings, db: Database, logs: list[dict[str, Any]]
) -> None:
    secret = await key_sample.create(db, "dashboard", "read")
    async with api_client(create_app(settings)) as client:
        response = await client.get("/api/v1/sources", headers=key_sample.bearer(secret))
    assert response.status_code == 200
    [entry] = requests_in(logs)
    assert entry["key_name"] == "dashboard"
    assert secret not in repr(logs)


def failing_app(settings: Settings) -> FastAPI:
    app = create_app(settings)
    router = APIRouter()

    @router.get("/boom/{thing}")
    async def boom(thing: str) -> None:
        raise RuntimeError("kaput")

    app.include_router(router, prefix="/api/v1")
    return app


async def test_an_unexpected_error_is_a_500_naming_the_request_id(
    settings: Settings, logs: list[dict[str, Any]]
) -> None:
    app = failing_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        response = await client.get("/api/v1/boom/42", headers={"X-Request-ID": "r-500"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "r-500"
    assert "(request r-500)" in response.json()["error"]["message"]
    [entry] = requests_in(logs)
    assert (entry["status"], entry["route"]) == (500, "/api/v1/boom/{thing}")


async def test_a_body_refused_before_routing_is_logged_as_unrouted(
    empty_client: httpx.AsyncClient, logs: list[dict[str, Any]]
) -> None:
    response = await empty_client.post(
        "/api/v1/sources", content=b"x", headers={"Content-Length": str(10**9)}
    )
    assert response.status_code == 413
    [entry] = requests_in(logs)
    assert (entry["status"], entry["route"]) == (413, "unrouted")
    assert entry["request_id"] == response.headers["x-request-id"]


async def test_with_log_format_json_a_request_is_one_json_line(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(settings.model_copy(update={"log_format": "json", "log_level": "INFO"}))
    try:
        async with api_client(create_app(settings)) as client:
            await client.get("/health/live", headers={"X-Request-ID": "json-1"})
    finally:
        structlog.reset_defaults()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    [entry] = [line for line in lines if line["event"] == "http_request"]
    assert entry["request_id"] == "json-1" and entry["level"] == "info"
    assert entry["route"] == "/health/live" and entry["status"] == 200


async def test_browsers_on_an_allowed_origin_may_read_the_request_id(settings: Settings) -> None:
    origin = "https://kb.example.org"
    app = create_app(settings.model_copy(update={"api_cors_origins": [origin]}))
    async with api_client(app) as client:
        response = await client.get("/health/live", headers={"Origin": origin})
    assert response.headers["access-control-allow-origin"] == origin
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()
