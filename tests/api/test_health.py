"""``/health/live`` and ``/health/ready``: open, outside ``/api/v1``, no model provider."""

from __future__ import annotations

import httpx

import key_sample
from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.store import Database
from tg_parser.store.migrate import head_revision
from tg_parser.testing.api import api_client


async def test_live_answers_without_touching_anything(empty_client: httpx.AsyncClient) -> None:
    response = await empty_client.get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_names_the_database_and_its_schema(
    settings: Settings, empty_client: httpx.AsyncClient
) -> None:
    response = await empty_client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": settings.database_url.split(":", 1)[0] if settings.database_url else "",
        "schema_revision": head_revision(),
        "queue": "accepting",
    }


async def test_an_old_schema_is_a_503_with_the_reason(settings: Settings, db: Database) -> None:
    async with api_client(create_app(settings, db=db)) as client:
        await db.downgrade("0003")
        try:
            response = await client.get("/health/ready")
            live = await client.get("/health/live")
        finally:
            await db.upgrade()  # the next test finds the newest schema
    assert response.status_code == 503
    assert response.json()["error"] == {
        "code": "not_ready",
        "message": f"not ready: schema: at 0003, this tg-parser needs {head_revision()} "
        "(run `tg-parser db upgrade`)",
        "details": [],
    }
    assert live.status_code == 200


async def test_the_run_queue_is_asked(settings: Settings) -> None:
    app = create_app(settings)
    async with api_client(app) as client:
        accepting = await client.get("/health/ready")
        await app.state.queue.stop()  # as when the server is stopping
        stopping = await client.get("/health/ready")
    assert (accepting.status_code, accepting.json()["queue"]) == (200, "accepting")
    assert stopping.status_code == 503
    assert "queue: not accepting runs" in stopping.json()["error"]["message"]


async def test_health_needs_no_key_even_when_keys_are_required(
    settings: Settings, db: Database
) -> None:
    await key_sample.create(db, "admin")
    app = create_app(settings)
    async with api_client(app) as client:
        sources = await client.get("/api/v1/sources")
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")
    assert (sources.status_code, live.status_code, ready.status_code) == (401, 200, 200)
