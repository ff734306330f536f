"""``Database.reading``: read-only transactions that do not queue behind writers."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from tg_parser.config import Settings
from tg_parser.errors import StorageError
from tg_parser.store import Database


async def test_a_reader_runs_beside_a_writer_on_its_snapshot(tmp_path: object) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/db.sqlite", db_busy_timeout=0.5)
    db = await Database.open(settings)
    try:
        async with db.transaction() as writer:
            await writer.sources.upsert("alpha", via="web")
            async with db.reading() as reader:  # BEGIN IMMEDIATE would wait, then fail
                assert await reader.sources.list() == []
        async with db.reading() as reader:
            assert [s.channel_key for s in await reader.sources.list()] == ["alpha"]
    finally:
        await db.close()


async def test_a_write_inside_a_reading_transaction_fails(db: Database) -> None:
    with pytest.raises((StorageError, DBAPIError), match=r"(?i)read.?only"):
        async with db.reading() as reader:
            await reader.sources.upsert("alpha", via="web")
    async with db.reading() as reader:
        assert await reader.sources.list() == []
