"""COPY of stored SQLite rows into PostgreSQL: rows as stored arrive as the same values,
a key already there fails the table's copy (nothing of it stays) unless existing rows are
kept, and the id sequence continues after the copied ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import insert, select

from tg_parser.config import Settings
from tg_parser.errors import StorageError
from tg_parser.store import Database, bulk
from tg_parser.store.tables import sources

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)


def source_row(number: int) -> dict[str, object]:
    return {
        "id": number * 10,
        "channel_key": f"channel{number}",
        "numeric_id": -1001000000000 - number,
        "via": "web",
        "include_comments": number % 2 == 0,
        "created_at": NOW,
        "updated_at": NOW,
    }


@pytest.fixture
async def ends(tmp_path: Path, empty_postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    lite = await Database.open(Settings(database_url=f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    async with lite.engine.begin() as conn:
        await conn.execute(insert(sources), [source_row(n) for n in (1, 2, 3)])
    target = await Database.open(Settings(database_url=empty_postgres_url))
    try:
        yield lite, target
    finally:
        await lite.close()
        await target.close()


async def copy(lite: Database, target: Database, *, keep_existing: bool) -> int:
    async with lite.engine.connect() as source, target.engine.begin() as conn:
        batches = bulk.read_ahead(bulk.stored_rows(source, sources, 2))
        added = await bulk.copy_into(
            conn, sources, batches, keep_existing=keep_existing, on_batch=lambda rows: None
        )
        await bulk.reset_sequence(conn, sources)
    return added


async def rows_of(db: Database) -> list[dict[str, object]]:
    async with db.engine.connect() as conn:
        result = await conn.execute(select(sources).order_by(sources.c.id))
        return [dict(row) for row in result.mappings()]


async def test_stored_rows_arrive_as_the_same_values(ends: tuple[Database, Database]) -> None:
    lite, target = ends

    assert await copy(lite, target, keep_existing=False) == 3

    assert await rows_of(target) == await rows_of(lite)


async def test_a_key_already_there_fails_the_copy_unless_existing_rows_are_kept(
    ends: tuple[Database, Database],
) -> None:
    lite, target = ends
    async with target.engine.begin() as conn:
        await conn.execute(insert(sources).values(**source_row(2)))

    with pytest.raises(StorageError, match="copying table sources failed: duplicate key"):
        await copy(lite, target, keep_existing=False)
    assert len(await rows_of(target)) == 1  # nothing of the failed copy stayed

    assert await copy(lite, target, keep_existing=True) == 2
    assert await rows_of(target) == await rows_of(lite)


async def test_the_id_sequence_continues_after_the_copied_ids(
    ends: tuple[Database, Database], empty_postgres_url: str
) -> None:
    lite, target = ends
    await copy(lite, target, keep_existing=False)

    with psycopg.connect(empty_postgres_url) as conn:
        following = conn.execute("SELECT nextval(pg_get_serial_sequence('sources', 'id'))")
        assert following.fetchone() == (31,)
