"""The change watcher: its token stays while nothing writes, and changes after a write by
this process or by another connection; on PostgreSQL a lost listener means "changed"."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Hashable
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

import key_sample
from tg_parser.clock import utcnow
from tg_parser.keys import tokens
from tg_parser.store import Database
from tg_parser.store.changes import ChangeWatcher, PostgresNotifications
from tg_parser.store.tables import metadata


@pytest.fixture
async def watcher(db: Database) -> AsyncIterator[ChangeWatcher]:
    watching = ChangeWatcher.of(db)
    await watching.start()
    try:
        yield watching
    finally:
        await watching.stop()


def _plain(db: Database) -> str:
    url = db.queue_url()
    assert url is not None
    return url


def _write_elsewhere(db: Database, title: str) -> None:
    """Every source renamed through a connection of neither this pool nor this process's
    count."""
    if db.backend == "sqlite":
        with sqlite3.connect(make_url(str(db.engine.url)).database or "") as conn:
            conn.execute("UPDATE sources SET title = ?", (title,))
        return
    with psycopg.connect(_plain(db), autocommit=True) as conn:
        conn.execute("UPDATE sources SET title = %s", (title,))


async def _changes_from(watcher: ChangeWatcher, before: Hashable) -> None:
    async with asyncio.timeout(10):  # PostgreSQL: until the notification arrives
        while watcher.version() == before:
            await asyncio.sleep(0.01)


async def test_reads_change_nothing(db: Database, watcher: ChangeWatcher) -> None:
    before = watcher.version()
    async with db.reading() as repos:
        await repos.sources.list()
    await asyncio.sleep(0.1)
    assert watcher.version() == before == watcher.version()


async def test_a_write_of_this_process_counts_at_once(db: Database, watcher: ChangeWatcher) -> None:
    before = watcher.version()
    async with db.transaction() as repos:
        await repos.sources.upsert("alpha", title="Alpha")
    assert watcher.version() != before


async def test_a_write_of_another_connection_counts(db: Database, watcher: ChangeWatcher) -> None:
    async with db.transaction() as repos:
        await repos.sources.upsert("alpha", title="Alpha")
    await asyncio.sleep(0.1)  # the notification of this write is in
    before = watcher.version()
    _write_elsewhere(db, "Renamed")
    await _changes_from(watcher, before)


async def _listener_pids(url: str) -> list[int]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        rows = await conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%%' "
            "AND datname = current_database()"
        )
        return [row[0] for row in await rows.fetchall()]


@pytest.mark.postgres
async def test_a_lost_listener_means_changed_until_it_listens_again(
    postgres_url: str,
) -> None:
    url = make_url(postgres_url).set(drivername="postgresql")
    listener = PostgresNotifications(url.render_as_string(hide_password=False), first_retry=0.05)
    plain = url.render_as_string(hide_password=False)
    await listener.start()
    try:
        assert listener.connected.is_set() and listener.version() == listener.version()
        async with await psycopg.AsyncConnection.connect(plain, autocommit=True) as conn:
            for pid in await _listener_pids(plain):
                await conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        async with asyncio.timeout(5):
            while listener.connected.is_set():
                await asyncio.sleep(0.01)
        assert listener.version() != listener.version()  # disconnected: always changed
        async with asyncio.timeout(10):
            await listener.connected.wait()
        assert listener.version() == listener.version()
    finally:
        await listener.stop()


def _triggered_tables(sync_conn: Any) -> set[str]:
    rows = sync_conn.exec_driver_sql(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname = 'tg_parser_changed'"
    )
    return set(rows.scalars())


async def test_every_table_but_the_keys_notifies_its_changes(db: Database) -> None:
    """PostgreSQL: one trigger per application table but ``api_keys`` (migration 0014; 0013
    had one there too), gone after a downgrade to 0012 and back with the upgrade; SQLite
    has none (data_version tells the same)."""
    if db.backend == "sqlite":
        return
    notifying = set(metadata.tables) - {"api_keys"}
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_triggered_tables) == notifying
    await db.downgrade("0013")
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_triggered_tables) == set(metadata.tables)
    await db.downgrade("0012")
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_triggered_tables) == set()
    await db.upgrade()
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_triggered_tables) == notifying


async def test_a_keys_last_use_changes_the_token_only_on_sqlite(
    db: Database, watcher: ChangeWatcher
) -> None:
    """PostgreSQL: ``api_keys`` does not notify and the touch is not counted. SQLite's
    data_version cannot tell tables apart: a key's use empties the cache there."""
    key = await key_sample.create(db, "agent", "read")
    async with db.reading() as repos:
        stored = await repos.api_keys.by_prefix(tokens.prefix_of(key) or "")
    assert stored is not None
    await asyncio.sleep(0.1)  # the notification of the key's creation is in
    before = watcher.version()
    async with db.transaction(noted=False) as repos:
        await repos.api_keys.touch(stored.id, utcnow())
    if db.backend == "sqlite":
        await _changes_from(watcher, before)
        return
    await asyncio.sleep(0.2)  # a notification would be in by now
    assert watcher.version() == before
    _write_elsewhere(db, "Renamed")  # and the watcher still listens
    await _changes_from(watcher, before)
