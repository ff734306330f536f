"""Cursors on SQLite and PostgreSQL: comment cursors and the source's batch cursor."""

from __future__ import annotations

import pytest

from tg_parser.models import CursorUpdate
from tg_parser.store.database import Database


@pytest.fixture
async def source_id(db: Database) -> int:
    async with db.transaction() as repos:
        return (await repos.sources.upsert("alpha", via="web")).id


async def test_comment_cursors_are_per_thread_and_never_move_back(
    db: Database, source_id: int
) -> None:
    async with db.transaction() as repos:
        await repos.cursors.advance(source_id, {10: 1005, 20: 2003})
        await repos.cursors.advance(source_id, {10: 1002, 20: 2009, 30: 3001})
        await repos.cursors.advance(source_id, {})
        cursors = await repos.cursors.get(source_id)

    assert cursors == {10: 1005, 20: 2009, 30: 3001}


async def test_batch_cursor_raises_the_watermark_only_and_moves_the_backfill(
    db: Database, source_id: int
) -> None:
    async with db.transaction() as repos:
        await repos.sources.save_cursor(source_id, CursorUpdate(high_watermark=300))
        await repos.sources.save_cursor(
            source_id, CursorUpdate(high_watermark=120, backfill_before=101)
        )
        await repos.sources.save_cursor(source_id, CursorUpdate(backfill_complete=True))
        source = await repos.sources.get("alpha")

    assert source is not None
    assert (source.high_watermark, source.backfill_before, source.backfill_complete) == (
        300,
        101,
        True,
    )
