"""The checks a request makes: the key, its status, a short cache, last use once a minute."""

from __future__ import annotations

from datetime import timedelta

import pytest

import key_sample
from tg_parser import keys
from tg_parser.clock import utcnow
from tg_parser.errors import AuthError
from tg_parser.keys import Keyring
from tg_parser.store import Database


async def _last_used(db: Database, name: str) -> object:
    return next(key.last_used_at for key in await keys.list_keys(db) if key.name == name)


async def test_a_valid_key_is_known_and_its_use_recorded(db: Database) -> None:
    secret = await key_sample.create(db, "ops", "run")
    stored = await Keyring(5).verify(db, secret)
    assert (stored.name, stored.scope) == ("ops", "run")
    assert await _last_used(db, "ops") is not None


@pytest.mark.parametrize(
    "presented", [key_sample.WRONG_KEY, "tgp_short", "", "Bearer x", "tgp_" + "0" * 56]
)
async def test_a_wrong_key_is_refused_without_saying_it(db: Database, presented: str) -> None:
    await key_sample.create(db, "ops")
    with pytest.raises(AuthError) as caught:
        await Keyring(5).verify(db, presented)
    assert "not valid" in caught.value.message
    assert not presented or presented not in caught.value.message


async def test_a_key_with_the_right_prefix_and_a_wrong_secret_is_refused(db: Database) -> None:
    secret = await key_sample.create(db, "ops")
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    with pytest.raises(AuthError, match="not valid"):
        await Keyring(5).verify(db, forged)


@pytest.mark.parametrize(("make", "status"), [("revoke", "revoked"), ("expire", "expired")])
async def test_a_revoked_or_expired_key_is_refused(db: Database, make: str, status: str) -> None:
    secret = await key_sample.create(db, "ops")
    if make == "revoke":
        await keys.revoke_key(db, "ops")
    else:
        await key_sample.expire(db, "ops")
    with pytest.raises(AuthError, match=f"'ops' is {status}"):
        await Keyring(0).verify(db, secret)


async def test_a_cached_key_counts_revocation_after_the_ttl(db: Database) -> None:
    secret = await key_sample.create(db, "ops")
    cached, fresh = Keyring(3600), Keyring(0)
    await cached.verify(db, secret)
    await keys.revoke_key(db, "ops")
    assert (await cached.verify(db, secret)).name == "ops"  # within the TTL
    with pytest.raises(AuthError):
        await fresh.verify(db, secret)
    cached.forget()
    with pytest.raises(AuthError):
        await cached.verify(db, secret)


async def test_keys_exist_is_cached_for_the_ttl(db: Database) -> None:
    keyring = Keyring(3600)
    assert not await keyring.keys_exist(db)
    await key_sample.create(db, "ops")
    assert not await keyring.keys_exist(db)
    keyring.forget()
    assert await keyring.keys_exist(db)


async def test_last_use_is_written_at_most_once_a_minute(db: Database) -> None:
    secret = await key_sample.create(db, "ops")
    now = [utcnow()]
    keyring = Keyring(0, clock=lambda: now[0])
    await keyring.verify(db, secret)
    assert await _last_used(db, "ops") == now[0]
    first = now[0]
    now[0] += timedelta(seconds=59)
    await keyring.verify(db, secret)
    assert await _last_used(db, "ops") == first
    now[0] += timedelta(seconds=1)
    await keyring.verify(db, secret)
    assert await _last_used(db, "ops") == now[0]
