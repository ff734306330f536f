"""``SEARCH_WARM_UP``: `serve` loads the search model and the vectors as it starts, so the
first search finds them loaded."""

from __future__ import annotations

import asyncio

import pytest

from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.search import semantic
from tg_parser.store import Database
from tg_parser.testing.api import api_client


def warming(settings: Settings) -> Settings:
    return settings.model_copy(update={"search_warm_up": True})


@pytest.fixture
def vector_loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Each load of a database's vectors from now on (none loaded before: the cache of
    earlier tests of this process is emptied)."""
    semantic._CACHE.clear()
    loads: list[object] = []
    original = semantic._refresh

    async def counted(*args: object, **kwargs: object) -> None:
        loads.append(args)
        await original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(semantic, "_refresh", counted)
    return loads


async def test_the_first_search_after_the_warm_up_loads_nothing(
    settings: Settings, sample_db: Database, vector_loads: list[object]
) -> None:
    app = create_app(warming(settings))
    async with api_client(app) as client:
        await asyncio.wait_for(app.state.search_warm_up, timeout=120)
        assert len(vector_loads) == 1
        response = await client.get("/api/v1/search", params={"q": "PostgreSQL vacuum"})
    assert response.status_code == 200, response.text
    assert response.json()["hits"]
    assert len(vector_loads) == 1


async def test_without_the_warm_up_the_first_search_loads_the_vectors(
    settings: Settings, sample_db: Database, vector_loads: list[object]
) -> None:
    app = create_app(settings)
    async with api_client(app) as client:
        assert app.state.search_warm_up is None
        response = await client.get("/api/v1/search", params={"q": "PostgreSQL vacuum"})
    assert response.status_code == 200, response.text
    assert len(vector_loads) == 1


async def test_a_failed_warm_up_leaves_the_server_serving(
    settings: Settings, sample_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(db: Database) -> None:
        raise RuntimeError("the model file is unreadable")

    monkeypatch.setattr("tg_parser.search.warm_up", broken)
    app = create_app(warming(settings))
    async with api_client(app) as client:
        await asyncio.wait_for(app.state.search_warm_up, timeout=10)
        assert app.state.search_warm_up.exception() is None
        assert (await client.get("/health/live")).status_code == 200
