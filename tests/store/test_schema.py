"""The migrated schema equals the declared one, migrations go both ways, history is linear."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from tg_parser.store import migrate
from tg_parser.store.database import Database
from tg_parser.store.tables import metadata, unmodelled


def _modelled(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave out the backend's full-text index, which SQLAlchemy does not model."""
    return not unmodelled(name)


def _differences(sync_conn: Any) -> list[Any]:
    options = {"compare_type": True, "include_name": _modelled}
    context = MigrationContext.configure(sync_conn, opts=options)
    return list(compare_metadata(context, metadata))


def _table_names(sync_conn: Any) -> set[str]:
    return {name for name in inspect(sync_conn).get_table_names() if not unmodelled(name)}


def _index_objects(sync_conn: Any) -> set[str]:
    """The full-text index's own objects: SQLite tables and triggers, PostgreSQL columns
    and indexes."""
    if sync_conn.dialect.name == "sqlite":
        rows = sync_conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars()
        return {name for name in rows if unmodelled(name)}
    inspector = inspect(sync_conn)
    columns = {c["name"] for c in inspector.get_columns("search_documents")}
    indexes = {i["name"] for i in inspector.get_indexes("search_documents")}
    return {name for name in columns | indexes if unmodelled(name)}


async def test_migrated_schema_equals_declared_schema(db: Database) -> None:
    async with db.engine.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []


async def test_full_text_index_objects_exist(db: Database) -> None:
    async with db.engine.connect() as conn:
        objects = await conn.run_sync(_index_objects)
    if db.backend == "sqlite":
        assert {"search_fts", "search_fts_insert", "search_fts_delete"} <= objects
    else:
        assert objects == {"search_fts", "search_fts_gin"}


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


def _queue_objects(sync_conn: Any) -> set[str]:
    """The job queue's own tables, functions and types (PostgreSQL)."""
    rows = sync_conn.exec_driver_sql(
        "SELECT relname FROM pg_class WHERE relname LIKE 'procrastinate%%' AND relkind = 'r' "
        "UNION SELECT proname FROM pg_proc WHERE proname LIKE 'procrastinate%%' "
        "UNION SELECT typname FROM pg_type WHERE typname LIKE 'procrastinate%%' "
        "AND typtype IN ('e', 'c')"
    )
    return set(rows.scalars())


async def test_the_job_queue_schema_comes_and_goes_with_migration_0009(db: Database) -> None:
    """PostgreSQL: migration 0009 installs procrastinate's own schema and its downgrade
    removes every object of it; SQLite has no job queue."""
    if db.backend == "sqlite":
        async with db.engine.connect() as conn:
            names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert not [name for name in names if name.startswith("procrastinate")]
        return
    async with db.engine.connect() as conn:
        installed = await conn.run_sync(_queue_objects)
    assert {"procrastinate_jobs", "procrastinate_workers", "procrastinate_fetch_job_v2"} <= (
        installed
    )
    await db.downgrade("0008")
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_queue_objects) == set()
    await db.upgrade()
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_queue_objects) == installed
