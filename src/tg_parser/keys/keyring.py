"""Checking a presented key, fast: what a request's key is, with a short cache.

A request costs one SHA-256 and one constant-time comparison; the key's row is read from
the database at most once per ``ttl`` seconds (a key revoked or created by another process
counts within that time). ``last_used_at`` is written at most once a minute per key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from tg_parser.clock import utcnow
from tg_parser.errors import AuthError
from tg_parser.keys import service, tokens
from tg_parser.store import Database, StoredKey

TOUCH_EVERY = timedelta(minutes=1)
_MOST_CACHED = 1024  # found keys only; unknown prefixes are never cached


class Keyring:
    def __init__(self, ttl_seconds: float, clock: Callable[[], datetime] = utcnow) -> None:
        self.ttl = ttl_seconds
        self.clock = clock  # the time keys expire by and their use is recorded at
        self._keys: dict[str, tuple[float, StoredKey]] = {}
        self._exist: tuple[float, bool] | None = None
        self._touched: dict[int, datetime] = {}

    async def keys_exist(self, db: Database) -> bool:
        """Whether any key that is not revoked exists (checked at most once per ``ttl``)."""
        if self._exist is not None and self._fresh(self._exist[0]):
            return self._exist[1]
        exist = await service.keys_exist(db)
        self._exist = (time.monotonic(), exist)
        return exist

    async def verify(self, db: Database, key: str) -> StoredKey:
        """The stored key ``key`` is; ``AuthError`` when it is unknown, revoked or expired."""
        prefix = tokens.prefix_of(key)
        stored = await self._lookup(db, prefix) if prefix else None
        if stored is None or not tokens.matches(key, stored.hash):
            raise AuthError("the API key is not valid: check it, or ask for a new one")
        now = self.clock()
        status = service.status_of(stored, now)
        if status != "active":
            raise AuthError(f"the API key {stored.name!r} is {status}: ask for a new one")
        await self._touch(db, stored, now)
        return stored

    def forget(self) -> None:
        """Drop what is cached (after this process created or revoked a key)."""
        self._keys.clear()
        self._exist = None

    async def _lookup(self, db: Database, prefix: str) -> StoredKey | None:
        cached = self._keys.get(prefix)
        if cached is not None and self._fresh(cached[0]):
            return cached[1]
        async with db.reading() as repos:
            stored = await repos.api_keys.by_prefix(prefix)
        if stored is None:
            self._keys.pop(prefix, None)
            return None
        if len(self._keys) >= _MOST_CACHED:
            self._keys.clear()
        self._keys[prefix] = (time.monotonic(), stored)
        return stored

    async def _touch(self, db: Database, stored: StoredKey, now: datetime) -> None:
        last = self._touched.get(stored.id) or stored.last_used_at
        if last is not None and now - last < TOUCH_EVERY:
            return
        self._touched[stored.id] = now  # before the write: concurrent requests skip it
        async with db.transaction(noted=False) as repos:  # no cached answer shows it
            await repos.api_keys.touch(stored.id, now)

    def _fresh(self, since: float) -> bool:
        return time.monotonic() - since < self.ttl
