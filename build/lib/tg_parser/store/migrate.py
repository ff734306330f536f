"""Alembic, driven programmatically on tg-parser's own async engine.

Upgrades and downgrades run one at a time per database: on PostgreSQL the migration's
transaction first takes an advisory lock (SQLite's ``BEGIN IMMEDIATE`` already holds the
whole file), so processes that find an empty database at once do not all create the
schema: the first does, the others wait and find it at the revision they wanted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }


# the advisory lock key of schema changes (any constant; "tgparser" as a number)
MIGRATION_LOCK = int.from_bytes(b"tgparser", "big") >> 1


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as conn:
        await _lock_migrations(conn)
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as conn:
        await _lock_migrations(conn)
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))


async def _lock_migrations(conn: AsyncConnection) -> None:
    """Wait for any other migration of this database to commit (held until ours does)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
