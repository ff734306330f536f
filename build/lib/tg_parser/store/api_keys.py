"""API keys: a name, a public prefix to find the key by, and the hash of the whole key.

The key itself is never stored; the hash cannot give it back (see ``tg_parser.keys``).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.store.tables import api_keys


@dataclass(frozen=True)
class StoredKey:
    """One API key as stored: everything but the key."""

    id: int
    name: str
    prefix: str
    hash: str
    scope: str
    channels: tuple[str, ...] | None
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @classmethod
    def of(cls, row: Any) -> StoredKey:
        values = dict(row)
        channels = values.pop("channels")
        return cls(channels=None if channels is None else tuple(channels), **values)


class KeyNameTakenError(Exception):
    """A key with this name (or, by a one-in-2^48 chance, this prefix) exists."""


class ApiKeyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def create(
        self,
        *,
        name: str,
        prefix: str,
        hash: str,
        scope: str,
        channels: builtins.list[str] | None,
        created_at: datetime,
        expires_at: datetime | None,
    ) -> StoredKey:
        values: dict[str, Any] = {"name": name, "prefix": prefix, "hash": hash, "scope": scope}
        values |= {"channels": channels, "created_at": created_at, "expires_at": expires_at}
        try:
            await self.conn.execute(insert(api_keys).values(**values))
        except IntegrityError:  # the caller's transaction rolls back
            raise KeyNameTakenError(name) from None
        stored = await self.by_name(name)
        assert stored is not None
        return stored

    async def by_name(self, name: str) -> StoredKey | None:
        return await self._one(select(api_keys).where(api_keys.c.name == name))

    async def by_prefix(self, prefix: str) -> StoredKey | None:
        return await self._one(select(api_keys).where(api_keys.c.prefix == prefix))

    async def list(self) -> builtins.list[StoredKey]:
        rows = await self.conn.execute(select(api_keys).order_by(api_keys.c.name))
        return [StoredKey.of(row) for row in rows.mappings()]

    async def count_unrevoked(self) -> int:
        query = select(func.count()).select_from(api_keys).where(api_keys.c.revoked_at.is_(None))
        return int((await self.conn.execute(query)).scalar_one())

    async def revoke(self, name: str, at: datetime) -> None:
        await self.conn.execute(
            update(api_keys)
            .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def touch(self, key_id: int, at: datetime) -> None:
        await self.conn.execute(
            update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=at)
        )

    async def _one(self, query: Any) -> StoredKey | None:
        row = (await self.conn.execute(query)).mappings().first()
        return StoredKey.of(row) if row else None
