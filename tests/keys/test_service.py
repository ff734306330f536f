"""Keys as a service: create (channels resolved), list, revoke — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tg_parser import keys, registry
from tg_parser.errors import InputError, NotFoundError
from tg_parser.keys import tokens
from tg_parser.store import Database


async def test_a_created_key_is_stored_as_a_hash_with_its_reach(db: Database) -> None:
    await registry.add_source(db, "@Alpha", via="web")
    expires = datetime.now(UTC) + timedelta(days=30)
    issued = await keys.create_key(
        db, "reader", "read", channels=["https://t.me/alpha"], expires_at=expires
    )
    stored = issued.stored
    assert (stored.name, stored.scope, stored.channels) == ("reader", "read", ("alpha",))
    assert tokens.matches(issued.key, stored.hash) and tokens.prefix_of(issued.key) == stored.prefix
    assert stored.expires_at == expires and keys.status_of(stored) == "active"
    assert [key.name for key in await keys.list_keys(db)] == ["reader"]


async def test_an_unknown_channel_makes_no_key(db: Database) -> None:
    with pytest.raises(NotFoundError, match="nosuch"):
        await keys.create_key(db, "reader", "read", channels=["nosuch"])
    assert await keys.list_keys(db) == []


@pytest.mark.parametrize(
    ("name", "scope", "expires", "message"),
    [
        ("has space", "read", None, "not valid"),
        ("x" * 65, "read", None, "not valid"),
        ("ok", "root", None, "not a scope"),
        ("ok", "read", datetime(2020, 1, 1, tzinfo=UTC), "in the past"),
    ],
)
async def test_bad_input_makes_no_key(
    db: Database, name: str, scope: str, expires: datetime | None, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        await keys.create_key(db, name, scope, expires_at=expires)
    assert await keys.list_keys(db) == []


async def test_a_name_is_taken_once(db: Database) -> None:
    await keys.create_key(db, "ops", "admin")
    with pytest.raises(InputError, match="a key named 'ops' exists"):
        await keys.create_key(db, "ops", "read")
    assert [key.scope for key in await keys.list_keys(db)] == ["admin"]


async def test_revoking_keeps_the_key_listed_and_opens_when_none_is_left(db: Database) -> None:
    assert not await keys.keys_exist(db)
    await keys.create_key(db, "ops", "admin")
    assert await keys.keys_exist(db)
    revoked = await keys.revoke_key(db, "ops")
    again = await keys.revoke_key(db, "ops")
    assert keys.status_of(revoked) == "revoked" and again.revoked_at == revoked.revoked_at
    assert not await keys.keys_exist(db)
    with pytest.raises(NotFoundError, match="no key 'nobody'"):
        await keys.revoke_key(db, "nobody")


async def test_what_is_shown_of_a_key_holds_no_secret(db: Database) -> None:
    issued = await keys.create_key(db, "ops", "admin")
    shown = keys.key_json(issued.stored)
    assert shown["prefix"] == tokens.shown(issued.stored.prefix)
    assert "hash" not in shown and issued.key not in str(shown)
    assert issued.stored.hash not in str(shown)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        *[("127.0.0.1", True), ("127.8.0.1", True), ("localhost", True), ("::1", True)],
        *[("[::1]", True), ("0.0.0.0", False), ("::", False), ("10.0.0.5", False)],
        ("example.org", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert keys.is_loopback(host) is loopback
