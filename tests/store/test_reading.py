"""Read-only transactions: they see committed data and never wait for a writer."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import DBAPIError

from tg_parser.errors import StorageError
from tg_parser.registry import add_source
from tg_parser.store import Database


async def test_a_reader_does_not_wait_for_a_writer(db: Database) -> None:
    await add_source(db, "alpha", new_via="web")
    async with db.transaction() as writer:
        await writer.sources.upsert("beta_ch", via="web")  # holds the write lock until the end

        async def read() -> list[str]:
            async with db.reading() as repos:
                return [source.channel_key for source in await repos.sources.list()]

        seen = await asyncio.wait_for(read(), timeout=db.settings.db_busy_timeout / 2)
    assert seen == ["alpha"]  # its snapshot: the writer has not committed yet
    async with db.reading() as repos:
        assert [s.channel_key for s in await repos.sources.list()] == ["alpha", "beta_ch"]


async def test_a_write_inside_a_reading_transaction_fails(db: Database) -> None:
    with pytest.raises((StorageError, DBAPIError), match=r"(?i)read.?only"):
        async with db.reading() as reader:
            await reader.sources.upsert("alpha", via="web")
    async with db.reading() as reader:
        assert await reader.sources.list() == []


async def test_one_connection_alternates_reading_and_writing(db: Database) -> None:
    """Each transaction gets the read-only mode it asks for, whatever the pooled
    connection's last one was (the mode is set only when it changes)."""
    for name in ("alpha", "beta_ch"):
        async with db.reading() as reader:
            assert name not in [s.channel_key for s in await reader.sources.list()]
        async with db.transaction() as writer:
            await writer.sources.upsert(name, via="web")
        with pytest.raises((StorageError, DBAPIError), match=r"(?i)read.?only"):
            async with db.reading() as reader:
                await reader.sources.upsert(name + "_x", via="web")
    async with db.reading() as reader:
        assert [s.channel_key for s in await reader.sources.list()] == ["alpha", "beta_ch"]
