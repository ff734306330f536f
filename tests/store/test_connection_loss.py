"""PostgreSQL under stress: a statement timeout on every connection, and connections the
server drops (``pg_terminate_backend``) costing one transaction, never the next one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

import connections
from tg_parser.config import Settings
from tg_parser.errors import ConnectionLostError, StorageError
from tg_parser.store import Database, Repositories, migrate
from tg_parser.store.engine import session_options

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Database]:
    database = await Database.open(Settings(database_url=postgres_url))
    try:
        yield database
    finally:
        await database.close()


async def _setting(db: Database, name: str) -> str:
    async with db.transaction() as repos:
        return str((await repos.conn.execute(text(f"SHOW {name}"))).scalar_one())


@pytest.mark.parametrize(("seconds", "shown"), [(0.0, "0"), (2.5, "2500ms"), (30, "30s")])
async def test_the_statement_timeout_is_set_on_every_connection(
    postgres_url: str, seconds: float, shown: str
) -> None:
    db = await Database.open(Settings(database_url=postgres_url, db_statement_timeout=seconds))
    try:
        assert await _setting(db, "statement_timeout") == shown
    finally:
        await db.close()


async def test_a_statement_over_the_timeout_is_cancelled_in_one_line(postgres_url: str) -> None:
    db = await Database.open(Settings(database_url=postgres_url, db_statement_timeout=0.2))
    try:
        with pytest.raises(StorageError) as caught:
            async with db.transaction() as repos:
                await repos.conn.execute(text("SELECT pg_sleep(5)"))
        assert "ran longer than DB_STATEMENT_TIMEOUT (0.2s)" in caught.value.message
        assert "\n" not in caught.value.message
        assert await _setting(db, "server_version") != ""  # the connection is still usable
    finally:
        await db.close()


def test_the_timeout_joins_the_urls_own_session_options() -> None:
    url = make_url("postgresql+psycopg://u@h/db?options=-c%20search_path%3Dkb")
    assert session_options(url, 1.5) == {"options": "-c search_path=kb -c statement_timeout=1500"}
    assert session_options(url, 0) == {}  # the URL's own options are left to the driver


async def test_a_dropped_connection_costs_its_transaction_only(pg: Database) -> None:
    with connections.admin(pg.settings.database_url or "") as admin:
        with pytest.raises(ConnectionLostError) as caught:
            async with pg.transaction() as repos:
                await repos.conn.execute(text("CREATE TEMP TABLE t (x int)"))
                connections.terminate_others(admin)
                await repos.conn.execute(text("SELECT 1"))
        assert caught.value.message.startswith("lost the connection to the database at ")
        assert "run the command again" in caught.value.message
        assert "\n" not in caught.value.message
        assert await _setting(pg, "server_version") != ""  # a fresh connection took over


async def test_idle_pooled_connections_that_died_are_replaced_unseen(pg: Database) -> None:
    await _setting(pg, "server_version")  # a connection waits in the pool
    with connections.admin(pg.settings.database_url or "") as admin:
        assert connections.terminate_others(admin) >= 1
    assert await _setting(pg, "server_version") != ""  # pre-ping found it dead


async def test_idempotent_work_runs_again_on_a_fresh_connection(pg: Database) -> None:
    attempts: list[int] = []
    admin = connections.admin(pg.settings.database_url or "")

    async def work(repos: Repositories) -> int:
        pid = int((await repos.conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        attempts.append(pid)
        if len(attempts) == 1:
            connections.terminate_others(admin)
        await repos.conn.execute(text("SELECT 1"))
        return pid

    with admin:
        pid = await pg.idempotent(work)
    assert len(attempts) == 2 and pid == attempts[1] != attempts[0]


async def test_idempotent_work_is_not_retried_on_other_errors(pg: Database) -> None:
    attempts: list[int] = []

    async def work(repos: Repositories) -> None:
        attempts.append(1)
        await repos.conn.execute(text("SELECT no_such_column FROM runs"))

    with pytest.raises(ProgrammingError, match="no_such_column"):
        await pg.idempotent(work)
    assert attempts == [1]


async def test_a_pool_with_no_free_connection_fails_in_one_line(postgres_url: str) -> None:
    settings = Settings(
        database_url=postgres_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.2
    )
    db = await Database.open(settings)
    try:
        async with db.transaction():
            with pytest.raises(StorageError) as caught:
                async with db.transaction():
                    pass
        message = caught.value.message
        assert "within DB_POOL_TIMEOUT (0.2s): all 1 are in use" in message
        assert "raise DB_POOL_SIZE" in message and "\n" not in message
        usage = db.pool_usage()
        assert usage is not None and (usage.size, usage.in_use) == (1, 0)
    finally:
        await db.close()


async def test_the_pool_gauges_follow_the_settings_and_the_connections_in_use(
    postgres_url: str,
) -> None:
    db = await Database.open(Settings(database_url=postgres_url, db_pool_size=3))
    try:
        async with db.transaction(), db.transaction():
            usage = db.pool_usage()
            assert usage is not None
            assert (usage.database, usage.size, usage.in_use) == ("postgresql", 3, 2)
            assert usage.overflow == -1  # two of three opened, none above the size
    finally:
        await db.close()


async def test_schema_migrations_are_never_cut_short(postgres_url: str) -> None:
    """Building an index on a large table takes as long as it takes."""
    db = await Database.open(Settings(database_url=postgres_url, db_statement_timeout=0.2))
    try:
        async with db.engine.begin() as conn:
            await migrate.lock_migrations(conn)
            await conn.execute(text("SELECT pg_sleep(0.5)"))  # over the timeout, not cut
    finally:
        await db.close()


async def test_the_servers_own_timeout_is_not_blamed_on_the_setting(pg: Database) -> None:
    """DB_STATEMENT_TIMEOUT is 0 here: the limit came from the server (role, database)."""
    with pytest.raises(StorageError) as caught:
        async with pg.transaction() as repos:
            await repos.conn.execute(text("SET LOCAL statement_timeout = 100"))
            await repos.conn.execute(text("SELECT pg_sleep(5)"))
    assert "DB_STATEMENT_TIMEOUT" not in caught.value.message
    assert "canceling statement due to statement timeout" in caught.value.message
