"""Has the database changed? A token that changes whenever its data may have, cheaply,
whoever wrote (this process, a CLI run, a worker).

The token pairs this process's own commits (``writes.LOCAL_WRITES``: a write is seen as
soon as it returned) with what the database says of every connection:

- SQLite: ``PRAGMA data_version`` on one private, query-only connection kept open for the
  life of the watcher; it changes whenever any other connection (this process's pool
  included) commits.
- PostgreSQL: migration 0013's triggers ``pg_notify('tg_parser_changed')`` after every
  statement that changes an application table (but ``api_keys``, since 0014: a key's last
  use changes no answer); one dedicated connection, outside the
  pool, LISTENs and counts the notifications. While it is not connected (it reconnects
  with a growing wait) every token differs from the last: nothing may be trusted as
  unchanged.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import Hashable
from contextlib import suppress
from typing import Protocol

import psycopg
import structlog

from tg_parser.store.database import Database
from tg_parser.store.writes import LOCAL_WRITES

CHANNEL = "tg_parser_changed"  # migration 0013's pg_notify channel
FIRST_RETRY_SECONDS, LAST_RETRY_SECONDS = 0.5, 30.0
CHECK_EVERY_SECONDS = 30.0  # a quiet listener checks its connection is alive this often

log = structlog.get_logger(__name__)


class BackendVersion(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def version(self) -> Hashable: ...


class ChangeWatcher:
    """``version()``: a token equal to the previous one only while nothing changed."""

    def __init__(self, backend: BackendVersion) -> None:
        self.backend = backend

    @classmethod
    def of(cls, db: Database) -> ChangeWatcher:
        url = db.queue_url()
        if url is not None:
            return cls(PostgresNotifications(url))
        return cls(SqliteDataVersion(db.engine.url.database))

    async def start(self) -> None:
        await self.backend.start()

    async def stop(self) -> None:
        await self.backend.stop()

    def version(self) -> Hashable:
        return (LOCAL_WRITES.value, self.backend.version())


class SqliteDataVersion:
    """``PRAGMA data_version`` of the SQLite file at ``path`` (an in-memory database has
    no other connection: only this process's writes count there)."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None

    async def start(self) -> None:
        if self.path and self.path != ":memory:":
            self._connection = sqlite3.connect(self.path, isolation_level=None)
            self._connection.execute("PRAGMA query_only=1")

    async def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def version(self) -> Hashable:
        if self._connection is None:
            return 0
        row = self._connection.execute("PRAGMA data_version").fetchone()
        return int(row[0])


class PostgresNotifications:
    """The notifications on ``CHANNEL`` counted by one LISTENing connection to ``url``."""

    def __init__(self, url: str, first_retry: float = FIRST_RETRY_SECONDS) -> None:
        self.url = url
        self.first_retry = first_retry
        self.notices = 0
        self.connected = asyncio.Event()
        self._unknown = itertools.count()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen in the background; returns once listening (or the first attempt failed)."""
        self._task = asyncio.create_task(self._listen(), name="change-notifications")
        attempt = asyncio.create_task(self.connected.wait())
        await asyncio.wait([attempt, self._task], return_when=asyncio.FIRST_COMPLETED)
        attempt.cancel()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.connected.clear()

    def version(self) -> Hashable:
        if not self.connected.is_set():
            return ("disconnected", next(self._unknown))
        return self.notices

    async def _listen(self) -> None:
        wait = self.first_retry
        while True:
            try:
                await self._listen_once()
            except (psycopg.Error, OSError, TimeoutError) as exc:
                log.warning("change_listener_lost", error=str(exc), retry_seconds=wait)
            if self.connected.is_set():
                wait = self.first_retry
            self.connected.clear()
            await asyncio.sleep(wait)
            wait = min(wait * 2, LAST_RETRY_SECONDS)

    async def _listen_once(self) -> None:
        async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            self.notices += 1  # whatever happened while not listening
            self.connected.set()
            while True:
                async for _notice in conn.notifies(timeout=CHECK_EVERY_SECONDS):
                    self.notices += 1
                async with asyncio.timeout(CHECK_EVERY_SECONDS):
                    await conn.execute("SELECT 1")
