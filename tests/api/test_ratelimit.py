"""Rate limits: per key, per address while open; RateLimit-* headers; 429 + Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

import key_sample
from tg_parser.api import create_app
from tg_parser.api.ratelimit import RateLimiter
from tg_parser.config import Settings
from tg_parser.store import Database

SOURCES = "/api/v1/sources"


@asynccontextmanager
async def clients(app: FastAPI, *addresses: str) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Clients of one started app, each from its own address."""
    async with app.router.lifespan_context(app):
        made = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(address, 1234)),
                base_url="http://testserver",
            )
            for address in addresses
        ]
        try:
            yield made
        finally:
            for client in made:
                await client.aclose()


def limited(settings: Settings, rate: str = "3/minute") -> FastAPI:
    return create_app(settings.model_copy(update={"api_rate_limit": rate}))


async def test_a_key_gets_its_quota_then_429(db: Database, settings: Settings) -> None:
    headers = key_sample.bearer(await key_sample.create(db, "ops", "read"))
    async with clients(limited(settings), "10.0.0.1") as [http]:
        answers = [await http.get(SOURCES, headers=headers) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["RateLimit-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert {r.headers["RateLimit-Limit"] for r in answers} == {"3"}
    assert all(1 <= int(r.headers["RateLimit-Reset"]) <= 60 for r in answers)
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "3/minute" in refused.json()["error"]["message"]


async def test_each_key_has_its_own_quota(db: Database, settings: Settings) -> None:
    first = key_sample.bearer(await key_sample.create(db, "one", "read"))
    second = key_sample.bearer(await key_sample.create(db, "two", "read"))
    async with clients(limited(settings, "1/minute"), "10.0.0.1") as [http]:
        statuses = [(await http.get(SOURCES, headers=h)).status_code for h in (first, second)]
        again = await http.get(SOURCES, headers=first)
    assert statuses == [200, 200] and again.status_code == 429


async def test_while_open_each_address_has_its_own_quota(settings: Settings) -> None:
    async with clients(limited(settings, "1/minute"), "10.0.0.1", "10.0.0.2") as [one, two]:
        statuses = [(await c.get(SOURCES)).status_code for c in (one, two, one)]
    assert statuses == [200, 200, 429]


async def test_failed_keys_count_against_the_address(db: Database, settings: Settings) -> None:
    good = key_sample.bearer(await key_sample.create(db, "ops", "read"))
    wrong = key_sample.bearer(key_sample.WRONG_KEY)
    async with clients(limited(settings, "2/minute"), "10.0.0.1") as [http]:
        statuses = [(await http.get(SOURCES, headers=wrong)).status_code for _ in range(3)]
        valid = await http.get(SOURCES, headers=good)
    assert statuses == [401, 401, 429] and valid.status_code == 200


@pytest.mark.parametrize("rate", ["0", ""])
async def test_no_limit(settings: Settings, rate: str) -> None:
    async with clients(limited(settings, rate), "10.0.0.1") as [http]:
        answers = [await http.get(SOURCES) for _ in range(5)]
    assert {r.status_code for r in answers} == {200}
    assert not any("RateLimit-Limit" in r.headers for r in answers)


@pytest.mark.parametrize(
    ("rate", "amount", "seconds"),
    [
        ("120/minute", 120, 60),
        ("10 per second", 10, 1),
        ("100/5 minutes", 100, 300),
        ("5000/hour", 5000, 3600),
        ("1/day", 1, 86400),
    ],
)
def test_every_rate_the_settings_accept_is_read(rate: str, amount: int, seconds: int) -> None:
    item = RateLimiter(Settings(api_rate_limit=rate).api_rate_limit).item
    assert item is not None and (item.amount, item.get_expiry()) == (amount, seconds)
