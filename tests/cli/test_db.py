"""`tg-parser init` and `tg-parser db upgrade/current/downgrade`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from tg_parser.cli.app import app
from tg_parser.store import migrate

HEAD = migrate.head_revision()


def tg(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))


@pytest.fixture
def cli_db(cli_env: str) -> Iterator[str]:
    """The CLI's database; left at the newest schema for the tests that share it."""
    yield cli_env
    stamp(cli_env, HEAD, only_if="9999")
    assert tg("db", "upgrade").exit_code == 0


def current() -> str | None:
    result = tg("db", "current", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["head"] == HEAD
    return info["current"]


def stamp(database_url: str, revision: str, only_if: str | None = None) -> None:
    """Pretend another tg-parser version last migrated this database."""
    driver = "sqlite" if database_url.startswith("sqlite") else "postgresql+psycopg"
    engine = create_engine(make_url(database_url).set(drivername=driver))
    query = "UPDATE alembic_version SET version_num = :new"
    if only_if:
        query += " WHERE version_num = :old"
    with engine.begin() as conn:
        conn.execute(text(query), {"new": revision, "old": only_if})
    engine.dispose()


def test_init_creates_the_newest_schema_and_says_where(cli_db: str) -> None:
    result = tg("init")

    assert result.exit_code == 0, result.output
    assert "Database ready at" in result.stdout
    assert HEAD in result.stdout
    assert current() == HEAD


def test_init_twice_is_harmless(cli_db: str) -> None:
    assert tg("init").exit_code == 0
    again = tg("init")
    assert again.exit_code == 0, again.output
    assert current() == HEAD


def test_current_of_an_empty_database_is_none(cli_db: str) -> None:
    tg("init")
    tg("db", "downgrade", "base")
    assert current() is None
    plain = tg("db", "current")
    assert plain.exit_code == 0
    assert "schema none (run `tg-parser db upgrade`)" in plain.stdout


def test_downgrade_to_base_then_upgrade(cli_db: str) -> None:
    assert tg("init").exit_code == 0

    down = tg("db", "downgrade", "base")
    assert down.exit_code == 0, down.output
    assert "base (empty)" in down.stdout
    assert current() is None

    up = tg("db", "upgrade")
    assert up.exit_code == 0, up.output
    assert f"Database schema is at {HEAD}." in up.stdout
    assert current() == HEAD
    plain = tg("db", "current")
    assert "(up to date)" in plain.stdout


def test_a_database_from_an_unknown_version_is_refused_in_one_line(cli_db: str) -> None:
    tg("init")
    stamp(cli_db, "9999")

    for command in (("runs", "list"), ("db", "upgrade")):
        result = tg(*command)
        assert_one_line_error(result, exit_code=4)
        assert "9999" in result.stderr
    assert "upgrade tg-parser" in tg("runs", "list").stderr


@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_an_unknown_target_revision_is_one_line(cli_db: str, command: str) -> None:
    tg("init")
    result = tg("db", command, "nosuch")

    assert_one_line_error(result, exit_code=4)
    assert "nosuch" in result.stderr and "db current" in result.stderr
    assert current() == HEAD


def assert_one_line_error(result: Result, *, exit_code: int) -> None:
    assert result.exit_code == exit_code, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("command", [("init",), ("db", "current"), ("db", "upgrade")])
def test_unreachable_postgresql_is_one_line_and_exit_4(
    monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    port = _closed_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://tg:secret@127.0.0.1:{port}/tg")

    result = tg(*command)

    assert_one_line_error(result, exit_code=4)
    assert result.stderr.startswith("Error: cannot use the database at ")
    assert f"127.0.0.1:{port}" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "secret" not in result.output
