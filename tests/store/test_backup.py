"""SQLite online backup: a whole, sound copy taken while the database is open; refusals
of a destination that cannot be right and of PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tg_parser.config import Settings
from tg_parser.errors import InputError
from tg_parser.store.backup import backup_sqlite


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        lines = list(conn.iterdump())
    conn.close()
    return lines


def test_the_backup_equals_the_database_and_reports_its_progress(
    pipeline_sqlite: Path, tmp_path: Path
) -> None:
    steps: list[tuple[int, int]] = []
    writer = sqlite3.connect(pipeline_sqlite)  # another process with a write just committed
    writer.execute("UPDATE sources SET title = 'Renamed'")
    writer.commit()

    report = backup_sqlite(
        Settings(database_url=f"sqlite:///{pipeline_sqlite}"),
        tmp_path / "copy.sqlite",
        on_pages=lambda done, total: steps.append((done, total)),
    )

    writer.close()
    assert report.path == tmp_path / "copy.sqlite" and report.size_bytes > 0
    assert dump(report.path) == dump(pipeline_sqlite)
    assert steps and steps[-1][0] == steps[-1][1]


@pytest.mark.parametrize(
    ("destination", "says"),
    [
        ("source.sqlite", "is the database itself"),
        ("missing/copy.sqlite", "does not exist"),
        (".", "is a folder"),
    ],
)
def test_a_destination_that_cannot_be_right_is_refused(
    pipeline_sqlite: Path, destination: str, says: str
) -> None:
    settings = Settings(database_url=f"sqlite:///{pipeline_sqlite}")
    target = pipeline_sqlite.parent / destination

    with pytest.raises(InputError, match=says):
        backup_sqlite(settings, target)


def test_a_missing_database_is_not_backed_up(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'none.sqlite'}")

    with pytest.raises(InputError, match="no SQLite database"):
        backup_sqlite(settings, tmp_path / "copy.sqlite")
    assert not (tmp_path / "none.sqlite").exists()


def test_postgresql_is_pointed_to_pg_dump(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql://tg:secret@127.0.0.1:1/tg")

    with pytest.raises(InputError, match="pg_dump") as refused:
        backup_sqlite(settings, tmp_path / "copy.dump")
    assert "secret" not in refused.value.message
