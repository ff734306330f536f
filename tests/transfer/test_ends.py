"""The ends of a move: the SQLite source named by a path or a URL, and its revision."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tg_parser.config import Settings
from tg_parser.errors import SchemaOutdatedError
from tg_parser.store import Database
from tg_parser.transfer.ends import open_ends, plain_url, sqlite_url


def test_a_source_is_a_path_or_a_sqlite_url(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    path.touch()

    assert sqlite_url(str(path)) == f"sqlite:///{path}"
    assert sqlite_url(f"sqlite:///{path}") == f"sqlite:///{path}"


def test_the_target_is_shown_as_a_user_writes_it_without_the_password() -> None:
    shown = plain_url("postgresql+psycopg://tg:secret@db:5432/kb")

    assert shown == "postgresql://tg:***@db:5432/kb"


@pytest.mark.postgres
async def test_a_source_at_an_older_revision_is_refused_with_the_fix(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    source = await Database.open(
        Settings(database_url=f"sqlite:///{pipeline_sqlite}"), check_schema=False
    )
    await source.downgrade("0003")
    await source.close()

    with pytest.raises(SchemaOutdatedError) as refused:
        await open_ends(Settings(), str(pipeline_sqlite), empty_postgres_url)

    assert f"DATABASE_URL=sqlite:///{pipeline_sqlite} tg-parser db upgrade" in refused.value.message


@pytest.mark.postgres
async def test_the_copy_runs_without_a_statement_timeout(
    tmp_path: Path, empty_postgres_url: str
) -> None:
    """Copying a table is one long COPY: DB_STATEMENT_TIMEOUT must not cut it."""
    path = tmp_path / "kb.sqlite"
    await (await Database.open(Settings(database_url=f"sqlite:///{path}"))).close()
    ends = await open_ends(Settings(db_statement_timeout=0.5), str(path), empty_postgres_url)
    try:
        async with ends.target.transaction() as repos:
            shown = (await repos.conn.execute(text("SHOW statement_timeout"))).scalar_one()
        assert shown == "0"
    finally:
        await ends.close()
