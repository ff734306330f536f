"""The migrated schema equals the declared one, migrations go both ways, history is linear."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from tg_parser.store import migrate
from tg_parser.store.database import Database
from tg_parser.store.tables import metadata


def _differences(sync_conn: Any) -> list[Any]:
    context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _table_names(sync_conn: Any) -> set[str]:
    return set(inspect(sync_conn).get_table_names())


async def test_migrated_schema_equals_declared_schema(db: Database) -> None:
    async with db.engine.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []


async def test_upgrade_downgrade_upgrade_round_trip(db: Database) -> None:
    head = migrate.head_revision()
    assert await db.current_revision() == head

    await db.downgrade("base")
    assert await db.current_revision() is None
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_table_names) <= {"alembic_version"}

    await db.upgrade()
    assert await db.current_revision() == head
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_table_names) == set(metadata.tables) | {"alembic_version"}
        assert await conn.run_sync(_differences) == []


def test_history_is_linear() -> None:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(scripts.get_heads()) == 1
    revisions = list(scripts.walk_revisions())
    assert revisions, "no migrations found"
    for revision in revisions:
        down = revision.down_revision
        assert down is None or isinstance(down, str), f"{revision.revision} merges {down}"
    assert [r for r in revisions if r.down_revision is None] == [revisions[-1]]
