"""Errors become one line and the class's exit code, with or without
--debug; bad database settings are errors of the tree, not tracebacks."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tg_parser.cli.app import app

runner = CliRunner()


def assert_one_line_error(result: Result, exit_code: int, message: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert result.stderr.startswith("Error: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- --debug ----------------------------------------------------------------------------

DEBUG_CASES = {
    "ProviderError (6)": (["process", "--provider", "openai"], 6, "No OpenAI API key"),
    "InputError (2)": (["import", "missing.json"], 2, "missing.json does not exist"),
}


@pytest.mark.parametrize("case", DEBUG_CASES)
def test_debug_shows_the_traceback_and_keeps_the_exit_code(cli_env: str, case: str) -> None:
    args, exit_code, message = DEBUG_CASES[case]
    plain = runner.invoke(app, args)
    assert_one_line_error(plain, exit_code, message)

    debug = runner.invoke(app, ["--debug", *args])

    assert debug.exit_code == exit_code, debug.output
    assert "Traceback (most recent call last)" in debug.stderr
    last = debug.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and message in last


# --- database settings ------------------------------------------------------------------


def _corrupt_page(path: Path, page: int) -> None:
    """Overwrite one page of a SQLite file with garbage."""
    size = 4096
    with path.open("r+b") as file:
        file.seek((page - 1) * size + (100 if page == 1 else 0))
        file.write(b"\xa5" * (size - (100 if page == 1 else 0)))


def _database(tmp_path: Path) -> tuple[Path, list[int]]:
    """A tg-parser SQLite database with its WAL folded in, so every page is in the file,
    and the first pages of the raw messages table and its indexes."""
    path = tmp_path / "kb.sqlite"
    assert runner.invoke(app, ["init"], env={"DB_PATH": str(path)}).exit_code == 0
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        roots = conn.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name = 'raw_messages'")
        pages = [int(page) for (page,) in roots]
    return path, pages


def _not_a_database(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list: eggs, flour, tomatoes\n" * 200)
    return {"DB_PATH": str(path)}


def _damaged_header(tmp_path: Path) -> dict[str, str]:
    path, _ = _database(tmp_path)
    _corrupt_page(path, 1)
    return {"DB_PATH": str(path)}


def _damaged_table(tmp_path: Path) -> dict[str, str]:
    """Found only when the command reads the table, not when the file is opened."""
    path, pages = _database(tmp_path)
    for page in pages:
        _corrupt_page(path, page)
    return {"DB_PATH": str(path)}


SETTINGS_CASES: dict[str, tuple[Any, int, str]] = {
    "DATABASE_URL that is no URL": (
        lambda tmp: {"DATABASE_URL": "garbage"},
        2,
        "DATABASE_URL: not a database URL — use sqlite:///PATH or postgresql://",
    ),
    "DATABASE_URL of MySQL": (
        lambda tmp: {"DATABASE_URL": "mysql://kb:secret@db.internal/kb"},
        2,
        "DATABASE_URL: mysql is not supported — use sqlite:///PATH or postgresql://",
    ),
    "DATABASE_URL with a port that is no number": (
        lambda tmp: {"DATABASE_URL": "postgresql://kb:secret@db.internal:five/kb"},
        2,
        "DATABASE_URL: cannot be read as a URL",
    ),
    "DB_PATH under a missing folder": (
        lambda tmp: {"DB_PATH": str(tmp / "missing" / "kb.sqlite")},
        4,
        "DB_PATH: folder {tmp}/missing does not exist — create it or point DB_PATH elsewhere",
    ),
    "DATABASE_URL under a missing folder": (
        lambda tmp: {"DATABASE_URL": f"sqlite:///{tmp}/missing/kb.sqlite"},
        4,
        "DATABASE_URL: folder {tmp}/missing does not exist — create it or point DATABASE_URL",
    ),
    "DB_PATH in /proc": (
        lambda tmp: {"DB_PATH": "/proc/kb.sqlite"},
        4,
        "DB_PATH: /proc/kb.sqlite cannot be opened or created (unable to open database file)",
    ),
    "DB_PATH naming a folder": (
        lambda tmp: {"DB_PATH": str(tmp)},
        4,
        "DB_PATH: {tmp} is a folder — point DB_PATH at a database file such as {tmp}/",
    ),
    "DB_PATH naming a text file": (
        _not_a_database,
        4,
        "DB_PATH: {tmp}/notes.txt is not a SQLite database (file is not a database)",
    ),
    "DB_PATH naming a file with a damaged header": (
        _damaged_header,
        4,
        "DB_PATH: {tmp}/kb.sqlite is damaged (database disk image is malformed) — restore",
    ),
    "DB_PATH naming a file with a damaged table": (
        _damaged_table,
        4,
        "kb.sqlite is damaged (database disk image is malformed) — restore it from a backup",
    ),
}


@pytest.mark.parametrize("case", SETTINGS_CASES)
def test_bad_database_settings_are_one_line(tmp_path: Path, case: str) -> None:
    settings, exit_code, message = SETTINGS_CASES[case]
    env = settings(tmp_path)

    result = runner.invoke(app, ["status"], env=env)

    assert_one_line_error(result, exit_code, message.format(tmp=tmp_path))
    assert "secret" not in result.output
    assert not (tmp_path / "missing").exists()
