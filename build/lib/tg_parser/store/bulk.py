"""Bulk copy of whole tables from a SQLite database into PostgreSQL (``db migrate``).

Rows are read from SQLite as stored (no type processing: timestamps are UTC text, JSON is
text, booleans are 0/1, vectors are bytes) and streamed into PostgreSQL with ``COPY … FROM
STDIN``, whose text input parses each of them into the column's type (the session's time
zone is set to UTC so the stored UTC text means UTC). A table is copied in one transaction
of the target: a copy that fails or is killed leaves that table as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.errors import StorageError

Rows = Sequence[Sequence[Any]]


def quoted(conn: AsyncConnection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def column_list(conn: AsyncConnection, table: Table) -> str:
    return ", ".join(quoted(conn, column.name) for column in table.columns)


def key_order(conn: AsyncConnection, table: Table, *, bytewise: bool = False) -> str:
    """``ORDER BY`` of the primary key; ``bytewise`` compares text as SQLite does (by its
    UTF-8 bytes: PostgreSQL's ``"C"`` collation), whatever the database's collation."""
    keys = []
    for column in table.primary_key.columns:
        collate = ' COLLATE "C"' if bytewise and column.type.python_type is str else ""
        keys.append(quoted(conn, column.name) + collate)
    return ", ".join(keys)


async def count_rows(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def stored_rows(
    conn: AsyncConnection, table: Table, batch_size: int, select_list: str | None = None
) -> AsyncIterator[Rows]:
    """The table's rows as the driver returns them, in primary key order, ``batch_size`` at
    a time (``select_list`` replaces the column list, e.g. to cast a column)."""
    columns = select_list or column_list(conn, table)
    postgres = conn.dialect.name == "postgresql"
    query = (
        f"SELECT {columns} FROM {quoted(conn, table.name)} "
        f"ORDER BY {key_order(conn, table, bytewise=postgres)}"
    )
    if postgres:  # psycopg's own server-side cursor: one round trip per batch
        async with (
            driver_errors(conn, f"reading table {table.name}"),
            (await _driver(conn)).cursor(name=f"tg_rows_{table.name}") as cursor,
        ):
            await cursor.execute(query)
            while batch := await cursor.fetchmany(batch_size):
                yield batch
        return
    result = await conn.stream(text(query).execution_options(yield_per=batch_size))
    async for partition in result.partitions(batch_size):
        yield partition


@contextlib.asynccontextmanager
async def driver_errors(conn: AsyncConnection, doing: str) -> AsyncIterator[None]:
    """A database error (through SQLAlchemy or straight from the driver) while ``doing``
    becomes a one-line StorageError."""
    try:
        yield
    except (DBAPIError, conn.dialect.loaded_dbapi.Error) as exc:
        cause = getattr(exc, "orig", None) or exc
        first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        raise StorageError(f"{doing} failed: {first}") from exc


async def _driver(conn: AsyncConnection) -> Any:
    """The driver's own connection under ``conn`` (psycopg's, for COPY and cursors)."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None, "a pooled connection always has its driver's connection"
    return driver


async def read_ahead(batches: AsyncIterator[Rows], depth: int = 2) -> AsyncIterator[Rows]:
    """``batches``, with up to ``depth`` read while the caller works on the current one (the
    source is read while the target parses what it was sent)."""
    queue: asyncio.Queue[Rows | None] = asyncio.Queue(maxsize=depth)

    async def fill() -> None:
        try:
            async for batch in batches:
                await queue.put(batch)
        finally:
            await queue.put(None)

    reader = asyncio.create_task(fill())
    try:
        while (batch := await queue.get()) is not None:
            yield batch
        await reader  # its error, if it failed
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def copy_into(
    conn: AsyncConnection,
    table: Table,
    batches: AsyncIterator[Rows],
    *,
    keep_existing: bool,
    on_batch: Callable[[int], None],
) -> int:
    """COPY ``batches`` into ``table`` inside the connection's transaction; rows whose key is
    already there are skipped with ``keep_existing`` (they go through a temporary table and
    ``INSERT … ON CONFLICT DO NOTHING``), else such a row fails the copy. Returns the rows
    added; ``on_batch`` hears the size of each batch written. A database error is a
    StorageError naming the table."""
    async with driver_errors(conn, f"copying table {table.name}"):
        return await _copy(conn, table, batches, keep_existing, on_batch)


async def _copy(
    conn: AsyncConnection,
    table: Table,
    batches: AsyncIterator[Rows],
    keep_existing: bool,
    on_batch: Callable[[int], None],
) -> int:
    await conn.execute(text("SET LOCAL TIME ZONE 'UTC'"))
    name = quoted(conn, table.name)
    into = name
    if keep_existing:
        into = quoted(conn, f"tg_copy_{table.name}")
        await conn.execute(
            text(f"CREATE TEMPORARY TABLE {into} (LIKE {name} INCLUDING DEFAULTS) ON COMMIT DROP")
        )
    cursor = (await _driver(conn)).cursor()
    written = 0
    async with cursor.copy(f"COPY {into} ({column_list(conn, table)}) FROM STDIN") as copy:
        async for batch in batches:
            for row in batch:
                await copy.write_row(row)
            written += len(batch)
            on_batch(len(batch))
    if not keep_existing:
        return written
    columns = column_list(conn, table)
    added = await conn.execute(
        text(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {into} ON CONFLICT DO NOTHING")
    )
    return int(added.rowcount)


async def reset_sequence(conn: AsyncConnection, table: Table) -> None:
    """Point the table's id sequence past its largest id, so new rows get fresh ids."""
    column = table.autoincrement_column
    if column is None:
        return
    name, key = quoted(conn, table.name), quoted(conn, column.name)
    await conn.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence(:table, :column), "
            f"COALESCE(MAX({key}), 0) + 1, false) FROM {name}"
        ),
        {"table": name, "column": column.name},
    )
