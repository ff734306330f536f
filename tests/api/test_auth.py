"""Authentication: open on loopback while no key exists, then a valid key on every request
(Bearer or X-API-Key); 401 and 403 in the envelope; keys never in logs or the database."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

import key_sample
from tg_parser import registry
from tg_parser.api import create_app
from tg_parser.api.auth import OPEN, Principal
from tg_parser.config import Settings
from tg_parser.errors import NotFoundError
from tg_parser.keys import tokens
from tg_parser.store import Database
from tg_parser.store.tables import metadata
from tg_parser.testing.api import api_client

SOURCES = "/api/v1/sources"


async def test_with_no_key_the_loopback_api_is_open(empty_client: httpx.AsyncClient) -> None:
    response = await empty_client.get(SOURCES)
    assert response.status_code == 200
    refused = await empty_client.get(SOURCES, headers=key_sample.bearer(key_sample.WRONG_KEY))
    assert refused.status_code == 401  # a key given is checked, even while the API is open


async def test_with_no_key_another_host_is_refused(db: Database, settings: Settings) -> None:
    exposed = settings.model_copy(update={"api_host": "0.0.0.0"})
    async with api_client(create_app(exposed)) as http:
        response = await http.get(SOURCES)
    assert response.status_code == 401
    assert "tg-parser keys create NAME --scope admin" in response.json()["error"]["message"]


async def test_once_a_key_exists_every_request_needs_one(db: Database, settings: Settings) -> None:
    secret = await key_sample.create(db, "ops", "read")
    async with api_client(create_app(settings)) as http:
        missing = await http.get(SOURCES)
        bearer = await http.get(SOURCES, headers=key_sample.bearer(secret))
        lower = await http.get(SOURCES, headers={"authorization": f"bearer {secret}"})
        header = await http.get(SOURCES, headers={"X-API-Key": secret})
        basic = await http.get(SOURCES, headers={"Authorization": "Basic b3BzOnB3"})
        both = await http.get(
            SOURCES, headers={"Authorization": "Basic b3BzOnB3", "X-API-Key": secret}
        )
        empty = await http.get(SOURCES, headers={"Authorization": "Bearer "})
    assert missing.status_code == basic.status_code == empty.status_code == 401
    assert "Authorization: Bearer" in basic.json()["error"]["message"]
    assert bearer.status_code == lower.status_code == header.status_code == 200
    assert both.status_code == 200  # a proxy's Basic does not hide X-API-Key
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.json()["error"]["code"] == "auth"
    assert "Authorization: Bearer" in missing.json()["error"]["message"]


async def test_a_small_scope_is_forbidden(db: Database, settings: Settings) -> None:
    secret = await key_sample.create(db, "ops", "run")
    async with api_client(create_app(settings)) as http:
        response = await http.get("/api/v1/keys", headers=key_sample.bearer(secret))
    assert response.status_code == 403 and "WWW-Authenticate" not in response.headers
    assert response.json()["error"] == {
        "code": "forbidden",
        "message": "this key's scope is 'run'; 'admin' is needed",
        "details": [],
    }


async def test_the_openapi_describes_both_ways_to_send_a_key(
    empty_client: httpx.AsyncClient,
) -> None:
    spec = (await empty_client.get("/openapi.json")).json()
    schemes = spec["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}
    operation = spec["paths"]["/api/v1/sources"]["get"]
    assert {name for option in operation["security"] for name in option} == set(schemes)
    assert {"401", "403", "429"} <= set(operation["responses"])


async def test_keys_appear_in_no_log_error_or_table(
    db: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with capture_logs() as logs:
        secret = await key_sample.create(db, "ops", "admin")
        async with api_client(create_app(settings)) as http:
            headers = key_sample.bearer(secret)
            created = await http.post(
                "/api/v1/keys", json={"name": "bot", "scope": "read"}, headers=headers
            )
            other = created.json()["key"]
            bodies = [
                (await http.get(path, headers=header)).text
                for path in (SOURCES, "/api/v1/keys")
                for header in (headers, {"X-API-Key": other}, key_sample.bearer(secret + "x"))
            ]
            bodies.append((await http.delete("/api/v1/keys/bot", headers=headers)).text)
            bodies.append((await http.get(SOURCES, headers={"X-API-Key": other})).text)
    dump = await _dump(db)
    assert tokens.digest(secret) in dump and "'bot'" in dump  # the dump holds the keys table
    for text in [*bodies, str(logs), caplog.text, dump]:
        for key in (secret, other):
            assert key not in text and key.split("_", 2)[2] not in text


async def _dump(db: Database) -> str:
    async with db.engine.connect() as conn:
        rows = [
            row for table in metadata.sorted_tables for row in await conn.execute(select(table))
        ]
    return "\n".join(str(tuple(row)) for row in rows)


async def test_a_named_channel_resolves_within_what_the_key_sees(sample_db: Database) -> None:
    await registry.add_source(sample_db, "otherchannel", via="web")
    limited = Principal("bot", "read", frozenset({"technotes"}))
    assert await limited.resolve(sample_db, "https://t.me/TechNotes") == {"technotes"}
    assert await limited.resolve(sample_db, None) == {"technotes"}
    assert await OPEN.resolve(sample_db, None) is None
    errors = []
    for principal, channel in [(limited, "@otherchannel"), (limited, "nosuch"), (OPEN, "nosuch")]:
        with pytest.raises(NotFoundError) as caught:
            await principal.resolve(sample_db, channel)
        errors.append(caught.value.message)
    assert errors[:2] == ["no channel 'otherchannel'", "no channel 'nosuch'"]  # alike
    assert "known: otherchannel, technotes" in errors[2]  # a key for every channel is told
