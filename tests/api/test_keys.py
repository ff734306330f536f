"""``/api/v1/keys``: create (the key once), list (never the key), revoke (at once)."""

from __future__ import annotations

import httpx

import key_sample
from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.keys import tokens
from tg_parser.store import Database
from tg_parser.testing.api import api_client

KEYS = "/api/v1/keys"


async def test_create_use_list_revoke(db: Database, settings: Settings) -> None:
    admin = key_sample.bearer(await key_sample.create(db, "ops"))
    async with api_client(create_app(settings)) as http:
        created = await http.post(
            KEYS, json={"name": "bot", "scope": "read", "expires_at": "2099-01-01T00:00:00Z"},
            headers=admin,
        )  # fmt: skip
        assert created.status_code == 201, created.text
        key = created.json()["key"]
        assert tokens.prefix_of(key) is not None and created.json()["status"] == "active"
        bot = key_sample.bearer(key)
        assert (await http.get("/api/v1/sources", headers=bot)).status_code == 200
        listing = await http.get(KEYS, headers=admin)
        assert [item["name"] for item in listing.json()["items"]] == ["bot", "ops"]
        assert key not in listing.text and "hash" not in listing.text
        revoked = await http.delete(f"{KEYS}/bot", headers=admin)
        assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
        refused = await http.get("/api/v1/sources", headers=bot)
    assert refused.status_code == 401 and "'bot' is revoked" in refused.text


async def test_the_first_key_made_over_http_closes_the_open_api(
    empty_client: httpx.AsyncClient,
) -> None:
    created = await empty_client.post(KEYS, json={"name": "ops", "scope": "admin"})
    assert created.status_code == 201
    assert (await empty_client.get(KEYS)).status_code == 401
    headers = key_sample.bearer(created.json()["key"])
    assert (await empty_client.get(KEYS, headers=headers)).status_code == 200


async def test_bad_requests(db: Database, settings: Settings) -> None:
    admin = key_sample.bearer(await key_sample.create(db, "ops"))
    async with api_client(create_app(settings)) as http:
        taken = await http.post(KEYS, json={"name": "ops", "scope": "read"}, headers=admin)
        unknown = await http.post(
            KEYS, json={"name": "x", "scope": "read", "channels": ["nosuch"]}, headers=admin
        )
        scope = await http.post(KEYS, json={"name": "x", "scope": "root"}, headers=admin)
        naive = await http.post(
            KEYS, json={"name": "x", "scope": "read", "expires_at": "2099-01-01T00:00"},
            headers=admin,
        )  # fmt: skip
        missing = await http.delete(f"{KEYS}/nobody", headers=admin)
    assert (taken.status_code, taken.json()["error"]["code"]) == (400, "input")
    assert unknown.status_code == 404 and missing.status_code == 404
    assert scope.status_code == naive.status_code == 422
