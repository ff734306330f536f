"""Engine factory: the one place that knows the database drivers.

SQLite runs in WAL mode with a busy timeout and foreign keys on, and every transaction
starts with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the busy timeout
instead of failing with "database is locked" when a reader upgrades to a writer — except
on a connection with the ``READ_ONLY`` execution option (``Database.reading``), which
starts a deferred transaction: it reads a snapshot beside the writer and other readers.
PostgreSQL runs through psycopg 3 with the pool settings from ``Settings``, and with
``DB_STATEMENT_TIMEOUT`` as the server's ``statement_timeout`` of every connection.

A setting that cannot work fails here, in one line naming the setting: a URL of no
supported database is a ConfigError; a SQLite path that is a folder, lies in a missing
folder, cannot be created, or holds something other than a sound SQLite database is a
StorageError. The SQLite file is opened once with the sqlite3 module before the async
driver sees it, so these are caught before any connection pool or worker thread exists.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tg_parser.config import Settings
from tg_parser.errors import ConfigError, StorageError

SUPPORTED_URLS = "use sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/NAME"
# SQLite's error name -> what is wrong with the file, and what to do
_SQLITE_FILE_PROBLEMS = {
    "SQLITE_NOTADB": (
        "is not a SQLite database",
        "point {setting} at a tg-parser database or at a file that does not exist yet",
    ),
    "SQLITE_CORRUPT": ("is damaged", "restore it from a backup or point {setting} elsewhere"),
}
_CANNOT_OPEN = (
    "cannot be opened or created",
    "check the permissions of the file and its folder, or point {setting} elsewhere",
)


_QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE of a statement cancelled (its timeout)
READ_ONLY = "tg_parser_read_only"  # execution option of a connection that only reads
_QUERY_ONLY = "tg_parser_query_only"  # a pooled SQLite connection's PRAGMA query_only


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
    """Map a plain database URL onto the async driver tg-parser uses for it; any other
    database is a ConfigError (the URL itself is never repeated: it may hold a password)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(f"DATABASE_URL: not a database URL — {SUPPORTED_URLS}")
    base = scheme.split("+", 1)[0]
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if base in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    raise ConfigError(f"DATABASE_URL: {base} is not supported — {SUPPORTED_URLS}")


def create_engine(settings: Settings) -> AsyncEngine:
    url = _parsed(database_url(settings))
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            path = Path(url.database).expanduser()
            setting = "DATABASE_URL" if settings.database_url else "DB_PATH"
            check_sqlite_file(path, setting, settings.db_busy_timeout)
            url = url.set(database=str(path))
        return _sqlite_engine(url, settings.db_busy_timeout)
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=settings.db_pool_pre_ping,
        connect_args=session_options(url, settings.db_statement_timeout),
        json_serializer=json_text,
        json_deserializer=json_value,
    )


def session_options(url: URL, statement_timeout: float) -> dict[str, str]:
    """libpq ``options`` of every PostgreSQL connection: the URL's own (``?options=``),
    then the statement timeout in milliseconds (none when it is 0)."""
    if not statement_timeout:
        return {}
    given = url.query.get("options", "")
    own = " ".join(given) if isinstance(given, tuple) else given
    limit = f"-c statement_timeout={round(statement_timeout * 1000)}"
    return {"options": f"{own} {limit}".strip()}


def json_text(value: Any) -> str:
    """JSON columns are written with orjson (raw payloads are the bulk of every import)."""
    return orjson.dumps(value).decode()


def json_value(text: str | bytes | bytearray | memoryview) -> Any:
    """JSON columns are read with orjson (a page of documents is mostly their JSON); what
    it refuses and the standard library reads (NaN, written by hand) is read by the
    standard library. Integers beyond 64 bits would be read as floats: tg-parser never
    writes them (orjson refuses them in ``json_text``)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(bytes(text) if isinstance(text, memoryview) else text)


def check_sqlite_file(path: Path, setting: str, busy_timeout: float) -> None:
    """Refuse a path SQLite cannot use, saying which setting to change and how."""
    if path.is_dir():
        raise StorageError(
            f"{setting}: {path} is a folder — point {setting} at a database file such as "
            f"{path / Settings.model_fields['db_path'].default.name}"
        )
    if not path.parent.is_dir():
        raise StorageError(
            f"{setting}: folder {path.parent} does not exist — create it or point {setting} "
            "elsewhere"
        )
    try:
        with closing(sqlite3.connect(path, timeout=busy_timeout)) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        problem, remedy = _SQLITE_FILE_PROBLEMS.get(
            getattr(exc, "sqlite_errorname", ""), _CANNOT_OPEN
        )
        raise StorageError(
            f"{setting}: {path} {problem} ({exc}) — {remedy.format(setting=setting)}"
        ) from None


def damaged_sqlite_file(error: BaseException) -> bool:
    """Whether a database error says the SQLite file is damaged or not a database at all."""
    name = getattr(getattr(error, "orig", None), "sqlite_errorname", "")
    return name in _SQLITE_FILE_PROBLEMS


def statement_timed_out(error: BaseException) -> bool:
    """Whether a database error says PostgreSQL cancelled a statement that ran longer
    than its ``statement_timeout``."""
    orig = getattr(error, "orig", None)  # cancelled by hand: the same code, another text
    return getattr(orig, "sqlstate", None) == _QUERY_CANCELED and "statement timeout" in str(orig)


def _parsed(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(
            "DATABASE_URL: cannot be read as a URL (is the port a number, and are special "
            f"characters in the password percent-encoded?) — {SUPPORTED_URLS}"
        ) from None


class RollingBackConnection(sqlite3.Connection):
    """A SQLite connection that rolls its open transaction back when it is closed.

    SQLite only closes a connection once every statement it prepared is finalized; until
    then the connection lingers, holding its write lock. A task cancelled between a
    SELECT and the fetch of its rows leaves such a statement, kept alive by the
    cancellation's traceback, and SQLAlchemy then closes (invalidates) the connection
    without a rollback: every other writer would wait out the busy timeout and fail with
    "database is locked". Rolling back first releases the lock at once."""

    def close(self) -> None:
        if self.in_transaction:
            self.rollback()
        super().close()


def _sqlite_engine(url: Any, busy_timeout: float) -> AsyncEngine:
    engine = create_async_engine(
        url,
        connect_args={"timeout": busy_timeout, "factory": RollingBackConnection},
        json_serializer=json_text,
        json_deserializer=json_value,
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
        read_only = bool(connection.get_execution_options().get(READ_ONLY, False))
        pooled = connection.connection.info  # lives as long as the SQLite connection
        if pooled.get(_QUERY_ONLY) is not read_only:  # set only when it changes
            connection.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            pooled[_QUERY_ONLY] = read_only
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
