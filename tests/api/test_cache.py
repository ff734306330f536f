"""The response cache: a repeated read is a hit until anyone writes to the database; each
caller's visibility has its own entries; a key is still checked on a hit."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Hashable

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

import key_sample
from tg_parser.api import create_app
from tg_parser.api.cache import ResponseCache, Stored
from tg_parser.config import Settings
from tg_parser.store import Database
from tg_parser.store.changes import ChangeWatcher
from tg_parser.testing.api import api_client

from . import other_channel

SOURCES = "/api/v1/sources"
DOCUMENTS = "/api/v1/documents?limit=5&channel=technotes"
CHANNELS = "/api/v1/channels"


async def _titles(http: httpx.AsyncClient) -> list[str | None]:
    response = await http.get(SOURCES)
    assert response.status_code == 200
    return [source["title"] for source in response.json()["items"]]


def _write_elsewhere(url: str, title: str) -> None:
    """Rename every source through a connection of neither the app nor its pool."""
    if url.startswith("sqlite"):
        with sqlite3.connect(make_url(url).database or "") as conn:
            conn.execute("UPDATE sources SET title = ?", (title,))
        return
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("UPDATE sources SET title = %s", (title,))


async def _settled(http: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """Until the notifications of earlier writes are in (PostgreSQL): a key's first use
    writes its ``last_used_at``."""
    async with asyncio.timeout(10):
        while (await http.get(CHANNELS, headers=headers)).headers["X-Cache"] != "hit":
            await asyncio.sleep(0.02)


async def test_a_repeated_read_is_a_hit(client: httpx.AsyncClient) -> None:
    first = await client.get(DOCUMENTS)
    second = await client.get(DOCUMENTS)
    reordered = await client.get("/api/v1/documents?channel=technotes&limit=5")
    assert first.headers["X-Cache"] == "miss"
    assert second.headers["X-Cache"] == reordered.headers["X-Cache"] == "hit"
    assert first.json() == second.json() == reordered.json()
    assert second.headers["content-type"] == first.headers["content-type"]
    assert "x-request-id" in second.headers  # the middleware still runs on a hit


async def test_a_write_through_the_api_empties_the_cache(client: httpx.AsyncClient) -> None:
    before = await client.get(SOURCES)
    added = await client.post(SOURCES, json={"channel": "newchannel", "via": "web"})
    after = await client.get(SOURCES)
    assert added.status_code == 201 and "X-Cache" not in added.headers  # POST: no cache
    assert after.headers["X-Cache"] == "miss"
    assert after.json()["total"] == before.json()["total"] + 1


async def test_a_write_by_another_connection_empties_the_cache(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await _titles(client)
    await _titles(client)
    _write_elsewhere(database_url, "Renamed elsewhere")
    async with asyncio.timeout(10):  # PostgreSQL: until the notification arrives
        while await _titles(client) != ["Renamed elsewhere"]:
            await asyncio.sleep(0.02)


async def test_keys_limited_to_channels_never_share_an_answer(
    two_channels_db: Database, settings: Settings
) -> None:
    mine = await key_sample.create(two_channels_db, "mine", "read", ["technotes"])
    theirs = await key_sample.create(two_channels_db, "theirs", "read", [other_channel.CHANNEL])
    everyone = await key_sample.create(two_channels_db, "everyone", "read")
    callers = [("mine", mine), ("theirs", theirs), ("everyone", everyone)]
    async with api_client(create_app(settings)) as http:
        for _, key in callers:  # a key's first use is written down (last_used_at): a change
            await http.get("/api/v1/runs", headers=key_sample.bearer(key))  # not cached
        await _settled(http, key_sample.bearer(everyone))
        answers = {}
        for name, key in callers * 2:
            response = await http.get(SOURCES, headers=key_sample.bearer(key))
            answers.setdefault(name, []).append(response)
    channels = {
        name: [s["channel_key"] for s in responses[0].json()["items"]]
        for name, responses in answers.items()
    }
    assert channels == {
        "mine": ["technotes"],
        "theirs": [other_channel.CHANNEL],
        "everyone": sorted([other_channel.CHANNEL, "technotes"]),
    }
    for responses in answers.values():
        assert [r.headers["X-Cache"] for r in responses] == ["miss", "hit"]
        assert responses[0].json() == responses[1].json()


async def test_a_revoked_key_is_refused_on_a_cached_url(db: Database, settings: Settings) -> None:
    admin = key_sample.bearer(await key_sample.create(db, "admin", "admin"))
    reader = key_sample.bearer(await key_sample.create(db, "reader", "read"))
    async with api_client(create_app(settings)) as http:
        await _settled(http, reader)
        await http.get(SOURCES, headers=reader)
        assert (await http.get(SOURCES, headers=reader)).headers["X-Cache"] == "hit"
        assert (await http.delete("/api/v1/keys/reader", headers=admin)).status_code == 200
        await http.get(SOURCES, headers=admin)  # the same answer is cached for admin
        refused = await http.get(SOURCES, headers=reader)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "auth"


async def test_an_error_is_never_cached(client: httpx.AsyncClient) -> None:
    missing = [await client.get("/api/v1/documents/doc:nosuch:post:1") for _ in range(2)]
    assert [r.status_code for r in missing] == [404, 404]
    assert all("X-Cache" not in r.headers for r in missing)  # the error envelope's answer
    assert missing[1].json()["error"]["code"] == "not_found"


async def test_a_limit_of_zero_turns_the_cache_off(settings: Settings, sample_db: Database) -> None:
    off = settings.model_copy(update={"api_response_cache_bytes": 0})
    async with api_client(create_app(off)) as http:
        responses = [await http.get(SOURCES) for _ in range(2)]
    assert [r.status_code for r in responses] == [200, 200]
    assert all("X-Cache" not in r.headers for r in responses)


class _Still:
    """A database that never changes, unless told."""

    def __init__(self) -> None:
        self.state = 0

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def version(self) -> Hashable:
        return self.state


@pytest.fixture
def still() -> _Still:
    return _Still()


def _stored(size: int) -> Stored:
    return Stored(b"x" * size, ())


async def test_the_byte_limit_drops_the_least_recently_used(still: _Still) -> None:
    cache = ResponseCache(100, ChangeWatcher(still))
    token = cache.token()
    for key in "abc":
        cache.put(token, key, _stored(40))
    assert cache.get("a") is None and cache.size == 80  # a went first
    assert cache.get("b") is not None  # b is now the most recently used
    cache.put(token, "d", _stored(40))
    assert cache.get("c") is None and cache.get("b") is not None
    cache.put(token, "huge", _stored(101))
    assert cache.get("huge") is None and cache.size == 80


async def test_a_change_drops_everything_and_late_answers(still: _Still) -> None:
    cache = ResponseCache(100, ChangeWatcher(still))
    token = cache.token()
    cache.put(token, "a", _stored(10))
    still.state += 1
    assert cache.token() != token
    assert cache.get("a") is None and cache.size == 0
    cache.put(token, "b", _stored(10))  # read before the change: not kept
    assert cache.get("b") is None
