"""``GET /api/v1/schedule`` (paged, a limited key sees its own sources only), and `serve`
ticking the scheduler in-process on SQLite (on PostgreSQL the workers tick)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tg_parser import registry
from tg_parser.api import create_app
from tg_parser.api.auth import Principal, authenticate
from tg_parser.config import Settings
from tg_parser.jobs import RunRequest
from tg_parser.schedule import schedules_in_process
from tg_parser.store import Database
from tg_parser.testing import FakeTelegramWeb
from tg_parser.testing.api import api_client


@pytest.fixture
async def three_sources(db: Database) -> Database:
    for channel in ("@alpha", "@beta", "@gamma"):
        await registry.add_source(db, channel, via="web")
    await registry.pause_source(db, "gamma")
    return db


@pytest.fixture
async def client(settings: Settings, three_sources: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(create_app(settings)) as http:
        yield http


async def test_it_lists_each_source_with_its_next_run(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/schedule")

    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 3 and page["next_cursor"] is None
    by_key = {item["channel_key"]: item for item in page["items"]}
    assert by_key["alpha"]["state"] == "due"
    assert by_key["alpha"]["interval_seconds"] == 3600
    assert by_key["alpha"]["next_run_at"] is not None
    assert by_key["alpha"]["last_outcome"] is None
    assert by_key["gamma"]["state"] == "paused" and by_key["gamma"]["next_run_at"] is None


async def test_it_is_paged(client: httpx.AsyncClient) -> None:
    first = (await client.get("/api/v1/schedule", params={"limit": 2})).json()
    rest = (await client.get("/api/v1/schedule", params={"cursor": first["next_cursor"]})).json()
    keys = [item["channel_key"] for item in first["items"] + rest["items"]]
    assert keys == ["alpha", "beta", "gamma"]
    assert rest["next_cursor"] is None


async def test_a_limited_key_sees_only_its_sources(
    settings: Settings, three_sources: Database
) -> None:
    app = create_app(settings)
    app.dependency_overrides[authenticate] = lambda: Principal(
        key_name="beta-only", scope="read", channels=frozenset({"beta"})
    )
    async with api_client(app) as http:
        page = (await http.get("/api/v1/schedule")).json()
    assert [item["channel_key"] for item in page["items"]] == ["beta"]
    assert page["total"] == 1
    assert "alpha" not in str(page) and "gamma" not in str(page)


async def test_serve_ticks_when_it_executes_the_runs(settings: Settings, db: Database) -> None:
    with FakeTelegramWeb() as web:
        web.add_channel("synth", 5)
        await registry.add_source(db, "@synth", via="web")
        ticking = settings.model_copy(
            update={
                "run_queue": "in-process",
                "schedule_in_serve": True,
                "schedule_tick_seconds": 0.05,
                "telegram_web_base_url": web.base_url,
                "web_request_delay": 0,
            }
        )
        app = create_app(ticking)
        async with api_client(app):
            assert schedules_in_process(app.state.db)
            run = await asyncio.wait_for(_first_run(db), timeout=60)
            request = RunRequest.model_validate(run)
            assert (request.stage, request.channel, request.scheduled) == ("run", "synth", True)


async def _first_run(db: Database) -> dict[str, object]:
    while True:
        async with db.reading() as repos:
            runs = await repos.runs.list(stage="run")
        if runs and runs[0].request is not None:
            return runs[0].request
        await asyncio.sleep(0.05)
