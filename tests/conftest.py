"""Shared fixtures: settings and databases on SQLite and on a real PostgreSQL server.

PostgreSQL tests use ``TEST_DATABASE_URL`` (default: the local server). The suite creates
one throwaway database per session and drops it at the end. Without a server they skip
with a reason — except under ``CI=true``, where a missing server fails the run.
"""

from __future__ import annotations

import ast
import functools
import os
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tg_parser.config import Settings
from tg_parser.store.database import Database
from tg_parser.store.tables import metadata

DATA = Path(__file__).parent / "data"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
PRIVATE_PREFIXES = (
    "DB_",
    "DATABASE_URL",
    "LOG_",
    "TELEGRAM_",
    "LLM_",
    "OPENAI_",
    "ANTHROPIC_",
    "GEMINI_",
    "GOOGLE_",
    "RETRY_",
    "OUTPUT_LANGUAGE",
    "RUN_",
    "API_",
    "SCHEDULE_",
)


def _serialise_ast_parse() -> None:
    """CPython 3.11 keeps the AST constructor's recursion depth in one per-interpreter
    counter (python/cpython#106905), so two threads in ``ast.parse`` at once can fail with
    "SystemError: AST constructor recursion depth mismatch". The API tests do exactly that:
    hypothesis describes a strategy's lambdas with ``ast.parse`` on the main thread while
    the app's thread parses too (numpy reading the embedding model's ``.npy`` headers,
    ``inspect`` reading a builtin's signature, a traceback placing its carets). One lock
    around ``ast.parse`` keeps them apart; it is re-entrant because a finalizer run by the
    garbage collector inside a parse may parse again."""
    parse = ast.parse
    lock = threading.RLock()

    @functools.wraps(parse)
    def parse_alone(*args: object, **kwargs: object) -> ast.AST:
        with lock:
            return parse(*args, **kwargs)  # type: ignore[call-overload, no-any-return]

    ast.parse = parse_alone  # type: ignore[assignment]


_serialise_ast_parse()


def _admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's environment, .env or database."""
    for name in list(os.environ):
        if name.startswith(PRIVATE_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCHEDULE_IN_SERVE", "false")  # the scheduler tests turn it on
    monkeypatch.setenv("SEARCH_WARM_UP", "false")  # tests/api/test_search_warm_up.py turns it on
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test session (dropped afterwards)."""
    yield from _throwaway_postgres()


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """URL of a new PostgreSQL database without any schema, dropped after the test."""
    yield from _throwaway_postgres()


def _throwaway_postgres() -> Iterator[str]:
    admin = make_url(_admin_url())
    name = f"tgp_test_{uuid.uuid4().hex[:10]}"
    try:
        conn = psycopg.connect(_plain(admin), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL at {admin.render_as_string()} is not reachable: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_plain(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _plain(url: object) -> str:
    rendered = make_url(str(url)).set(drivername="postgresql")
    return rendered.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL on each backend; PostgreSQL tables are emptied before each test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


def _truncate_postgres(url: str) -> None:
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('public.alembic_version')").fetchone()
        if exists and exists[0]:
            names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE").text)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = await Database.open(settings)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI (which reads the environment) at the test database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


@pytest.fixture(scope="session")
def pipeline_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite knowledge base built once per session by the real pipeline (see
    ``pipeline_sample``); tests take a copy of it with ``pipeline_sqlite``."""
    from pipeline_sample import build_pipeline_sqlite  # type: ignore[import-not-found]

    folder = tmp_path_factory.mktemp("pipeline")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(PRIVATE_PREFIXES):
                patch.delenv(name)
        patch.chdir(folder)
        path: Path = build_pipeline_sqlite(folder)
    return path


@pytest.fixture
def pipeline_sqlite(pipeline_sqlite_file: Path, tmp_path: Path) -> Path:
    """This test's own copy of the pipeline-built SQLite database."""
    copy = tmp_path / "source.sqlite"
    with sqlite3.connect(pipeline_sqlite_file) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    source.close()
    target.close()
    return copy
