"""The backend's own INSERT, for ``ON CONFLICT`` clauses (SQLite and PostgreSQL share them)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def upsert_insert(conn: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """``INSERT INTO table`` in the connection's dialect, which can take ``on_conflict_do_*``."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
