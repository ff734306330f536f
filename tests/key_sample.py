"""Keys for tests (plain module, not a test file): one of each kind a caller can hold."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import update

from tg_parser import keys
from tg_parser.clock import utcnow
from tg_parser.store import Database
from tg_parser.store.tables import api_keys

# a well-formed key no one was given
WRONG_KEY = "tgp_000000000000_" + "A" * 43


async def create(
    db: Database, name: str, scope: str = "admin", channels: Iterable[str] = ()
) -> str:
    """A new key's secret."""
    return (await keys.create_key(db, name, scope, channels=channels)).key


async def expire(db: Database, name: str) -> None:
    """Make the key ``name`` expired an hour ago (the service refuses a past expiry)."""
    async with db.engine.begin() as conn:
        await conn.execute(
            update(api_keys)
            .where(api_keys.c.name == name)
            .values(expires_at=utcnow() - timedelta(hours=1))
        )


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
