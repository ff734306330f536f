"""A body over its limit is refused (413) before it is read whole."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import APIRouter, FastAPI, Request

from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.testing.api import api_client

LIMIT = 2048


def echo_app(settings: Settings) -> tuple[FastAPI, list[int]]:
    """The app with a route that reads its body whole, and what that route received."""
    app = create_app(settings.model_copy(update={"api_max_body_bytes": LIMIT}))
    router, read = APIRouter(), []

    @router.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        read.append(len(await request.body()))
        return {"bytes": read[-1]}

    app.include_router(router)
    return app, read


async def chunks(count: int, size: int = 1024) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield b"x" * size


async def test_a_body_within_the_limit_is_read(settings: Settings) -> None:
    app, read = echo_app(settings)
    async with api_client(app) as client:
        response = await client.post("/echo", content=b"x" * LIMIT)
    assert (response.status_code, read) == (200, [LIMIT])


@pytest.mark.parametrize("streamed", [False, True], ids=["declared", "streamed"])
async def test_a_body_over_the_limit_is_refused_unread(settings: Settings, streamed: bool) -> None:
    app, read = echo_app(settings)
    body = chunks(64) if streamed else b"x" * (64 * 1024)
    async with api_client(app) as client:
        response = await client.post("/echo", content=body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert read == []  # the route never saw the body


async def test_uploads_have_their_own_limit(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"api_max_upload_bytes": LIMIT}))
    async with api_client(app) as client:
        response = await client.post("/api/v1/imports", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
