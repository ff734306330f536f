"""A task cancelled in the middle of a SQLite transaction never leaves the database locked.

SQLAlchemy closes the connection of a cancelled statement without a rollback; a SELECT
whose rows were not fetched yet keeps that connection — and its write lock — alive for as
long as the cancellation's traceback is referenced (see ``RollingBackConnection``).
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

from sqlalchemy import text

from tg_parser.config import Settings
from tg_parser.store.engine import RollingBackConnection, create_engine

ROUNDS = 120


def _locked_after_close(path: Path, factory: type[sqlite3.Connection]) -> bool:
    """Close a connection inside a write transaction while a SELECT's rows are pending."""
    writer = sqlite3.connect(path, isolation_level=None, factory=factory)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE IF NOT EXISTS t (v INTEGER)")
    writer.execute("INSERT INTO t VALUES (1), (2)")
    pending = writer.cursor()
    pending.execute("BEGIN IMMEDIATE")
    pending.execute("SELECT v FROM t")  # rows not fetched: the statement stays open
    writer.close()
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        other.close()
        del pending


def test_a_plain_connection_closed_with_a_pending_select_keeps_the_write_lock(
    tmp_path: Path,
) -> None:
    assert _locked_after_close(tmp_path / "plain.sqlite", sqlite3.Connection)


def test_the_engines_connection_rolls_back_when_closed(tmp_path: Path) -> None:
    assert not _locked_after_close(tmp_path / "ours.sqlite", RollingBackConnection)


async def test_writers_cancelled_mid_transaction_leave_the_database_writable(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", db_busy_timeout=2)
    engine = create_engine(settings)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (v INTEGER)"))

    async def write(value: int) -> None:
        while True:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": value})
                await conn.execute(text("SELECT count(*) FROM t"))

    randomly = random.Random(5)
    try:
        for _ in range(ROUNDS):
            writers = [asyncio.create_task(write(n)) for n in range(4)]
            await asyncio.sleep(randomly.random() * 0.02)
            for writer in writers:
                writer.cancel()
            ended = await asyncio.gather(*writers, return_exceptions=True)  # kept: tracebacks
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (-1)"))
            del ended
    finally:
        await engine.dispose()
