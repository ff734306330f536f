"""`tg-parser db migrate` (SQLite → PostgreSQL, verification) and `tg-parser db backup`
(SQLite online backup) through the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner, Result

from tg_parser.cli.app import app

from .test_db import assert_one_line_error


def tg(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env={"COLUMNS": "200", **(env or {})}).invoke(app, list(args))


def migrate(source: Path, target: str, *options: str) -> Result:
    return tg("db", "migrate", "--from", str(source), "--to", target, *options)


def public_tables(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
def test_migrate_copies_and_verifies_then_verify_only_finds_a_planted_change(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    copied = migrate(pipeline_sqlite, empty_postgres_url, "--json")

    assert copied.exit_code == 0, copied.output
    report = json.loads(copied.stdout)
    assert report["verification"]["equal"] is True
    assert report["create_schema"] is True and report["rows_copied"] > 0
    assert "password" not in copied.stdout
    assert migrate(pipeline_sqlite, empty_postgres_url, "--verify-only").exit_code == 0

    with psycopg.connect(empty_postgres_url) as conn:
        conn.execute("UPDATE sources SET title = 'Changed'")
    checked = migrate(pipeline_sqlite, empty_postgres_url, "--verify-only")

    assert checked.exit_code == 4, checked.output
    assert checked.stderr.startswith("Error: table sources differs: source 1 rows, target 1 rows")
    assert "first differing key (1,)" in checked.stderr
    assert "DIFFERENT" in checked.stdout


@pytest.mark.postgres
def test_migrate_prints_the_tables_and_the_verification(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    result = migrate(pipeline_sqlite, empty_postgres_url)

    assert result.exit_code == 0, result.output
    assert "raw_messages" in result.stdout and "copied" in result.stdout
    assert "Verified: " in result.stdout and "rows equal on both sides" in result.stdout


@pytest.mark.postgres
def test_the_target_defaults_to_the_configured_database(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    result = tg(
        "db", "migrate", "--from", f"sqlite:///{pipeline_sqlite}", "--json",
        env={"DATABASE_URL": empty_postgres_url},
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verification"]["equal"] is True


@pytest.mark.postgres
def test_a_dry_run_says_what_it_would_do_and_writes_nothing(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    result = migrate(pipeline_sqlite, empty_postgres_url, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "would copy" in result.stdout and "nothing was written" in result.stdout
    assert public_tables(empty_postgres_url) == 0


@pytest.mark.postgres
def test_a_non_empty_target_is_refused_in_one_line(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    assert migrate(pipeline_sqlite, empty_postgres_url).exit_code == 0
    with psycopg.connect(empty_postgres_url) as conn:
        conn.execute(
            "DELETE FROM topic_bundles WHERE topic_id = (SELECT min(topic_id) FROM topic_bundles)"
        )

    refused = migrate(pipeline_sqlite, empty_postgres_url)

    assert_one_line_error(refused, exit_code=2)
    assert "--append" in refused.stderr
    appended = migrate(pipeline_sqlite, empty_postgres_url, "--append", "--json")
    assert appended.exit_code == 0, appended.output
    assert json.loads(appended.stdout)["rows_copied"] == 1


@pytest.mark.parametrize(
    ("source", "target", "says"),
    [
        ("missing.sqlite", "postgresql://u@127.0.0.1:1/x", "no SQLite database at missing.sqlite"),
        ("postgresql://u@127.0.0.1:1/x", "postgresql://u@127.0.0.1:1/x", "must be a SQLite"),
    ],
)
def test_a_source_that_is_not_a_sqlite_file_is_refused(source: str, target: str, says: str) -> None:
    result = tg("db", "migrate", "--from", source, "--to", target)

    assert_one_line_error(result, exit_code=2)
    assert says in result.stderr


def test_a_target_that_is_not_postgresql_is_refused(pipeline_sqlite: Path, tmp_path: Path) -> None:
    result = migrate(pipeline_sqlite, f"sqlite:///{tmp_path / 'other.sqlite'}")

    assert_one_line_error(result, exit_code=2)
    assert "is not PostgreSQL" in result.stderr
    assert not (tmp_path / "other.sqlite").exists()


def test_backup_copies_the_sqlite_database_while_it_is_open(
    pipeline_sqlite: Path, tmp_path: Path
) -> None:
    reader = sqlite3.connect(pipeline_sqlite)  # another process's open connection
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM raw_messages").fetchone()
    target = tmp_path / "backup.sqlite"

    result = tg("db", "backup", str(target), env={"DATABASE_URL": f"sqlite:///{pipeline_sqlite}"})

    reader.close()
    assert result.exit_code == 0, result.output
    assert f"to {target}" in result.stdout
    assert _dump(target) == _dump(pipeline_sqlite)
    assert not list(tmp_path.glob(".*partial"))


def _dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        lines = list(conn.iterdump())
    conn.close()
    return lines


def test_backup_refuses_an_existing_file_unless_told_to_overwrite(
    pipeline_sqlite: Path, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{pipeline_sqlite}"}
    target = tmp_path / "backup.sqlite"
    target.write_text("an older backup")

    refused = tg("db", "backup", str(target), env=env)

    assert_one_line_error(refused, exit_code=2)
    assert "--overwrite" in refused.stderr and target.read_text() == "an older backup"
    assert tg("db", "backup", str(target), "--overwrite", env=env).exit_code == 0
    assert _dump(target) == _dump(pipeline_sqlite)


def test_backup_of_postgresql_points_to_pg_dump() -> None:
    result = tg("db", "backup", "x.dump", env={"DATABASE_URL": "postgresql://u@127.0.0.1:1/x"})

    assert_one_line_error(result, exit_code=2)
    assert "pg_dump" in result.stderr
    assert not Path("x.dump").exists()
