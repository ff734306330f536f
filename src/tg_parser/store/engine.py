"""Engine factory: the one place that knows the database drivers.

SQLite runs in WAL mode with a busy timeout and foreign keys on, and every transaction
starts with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the busy timeout
instead of failing with "database is locked" when a reader upgrades to a writer.
PostgreSQL runs through psycopg 3 with the pool settings from ``Settings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tg_parser.config import Settings


def database_url(settings: Settings) -> str:
    """The async SQLAlchemy URL for this configuration (``DATABASE_URL`` or the ``DB_*``
    settings)."""
    if settings.database_url:
        return async_url(settings.database_url)
    if settings.db_type == "sqlite":
        return f"sqlite+aiosqlite:///{settings.db_path}"
    credentials = quote(settings.db_user, safe="")
    if settings.db_password:
        credentials += ":" + quote(settings.db_password, safe="")
    return (
        f"postgresql+psycopg://{credentials}@{settings.db_host}:{settings.db_port}/"
        f"{quote(settings.db_name, safe='')}"
    )


def async_url(url: str) -> str:
    """Map a plain database URL onto the async driver tg-parser uses for it."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    base = scheme.split("+", 1)[0]
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if base in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return url


def create_engine(settings: Settings) -> AsyncEngine:
    url = make_url(database_url(settings))
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, settings.db_busy_timeout)
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=settings.db_pool_pre_ping,
        json_serializer=json_text,
    )


def json_text(value: Any) -> str:
    """JSON columns are written with orjson (raw payloads are the bulk of every import)."""
    return orjson.dumps(value).decode()


def _sqlite_engine(url: Any, busy_timeout: float) -> AsyncEngine:
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, connect_args={"timeout": busy_timeout}, json_serializer=json_text
    )
    install_sqlite_pragmas(engine.sync_engine, busy_timeout)
    return engine


def install_sqlite_pragmas(engine: Any, busy_timeout: float) -> None:
    """WAL, busy timeout, foreign keys, and BEGIN IMMEDIATE on a (sync) SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
