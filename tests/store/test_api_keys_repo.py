"""The api_keys repository, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tg_parser.store import Database, KeyNameTakenError

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def _create(db: Database, name: str, prefix: str, channels: list[str] | None) -> None:
    async with db.transaction() as repos:
        await repos.api_keys.create(
            name=name,
            prefix=prefix,
            hash="0" * 64,
            scope="read",
            channels=channels,
            created_at=AT,
            expires_at=None,
        )


async def test_a_key_is_found_by_prefix_and_name(db: Database) -> None:
    await _create(db, "b", "bbbbbbbbbbbb", ["one", "two"])
    await _create(db, "a", "aaaaaaaaaaaa", None)
    async with db.transaction() as repos:
        by_prefix = await repos.api_keys.by_prefix("bbbbbbbbbbbb")
        assert by_prefix is not None and by_prefix.channels == ("one", "two")
        assert by_prefix == await repos.api_keys.by_name("b")
        assert await repos.api_keys.by_prefix("cccccccccccc") is None
        assert [key.name for key in await repos.api_keys.list()] == ["a", "b"]
        assert by_prefix.created_at == AT


@pytest.mark.parametrize(("name", "prefix"), [("a", "bbbbbbbbbbbb"), ("b", "aaaaaaaaaaaa")])
async def test_a_name_or_prefix_is_taken_once(db: Database, name: str, prefix: str) -> None:
    await _create(db, "a", "aaaaaaaaaaaa", None)
    with pytest.raises(KeyNameTakenError):
        await _create(db, name, prefix, None)


async def test_revoke_and_touch(db: Database) -> None:
    await _create(db, "a", "aaaaaaaaaaaa", None)
    async with db.transaction() as repos:
        assert await repos.api_keys.count_unrevoked() == 1
        key = await repos.api_keys.by_name("a")
        assert key is not None
        await repos.api_keys.touch(key.id, AT)
        await repos.api_keys.revoke("a", AT)
        await repos.api_keys.revoke("a", datetime(2027, 1, 1, tzinfo=UTC))  # stays as it was
        assert await repos.api_keys.count_unrevoked() == 0
        after = await repos.api_keys.by_name("a")
    assert after is not None and after.revoked_at == after.last_used_at == AT
