"""Online backup of the SQLite database (`tg-parser db backup`).

SQLite's backup API copies a consistent snapshot page by page while other processes keep
reading and writing (each step takes the lock briefly). The copy is written next to the
destination and renamed into place once SQLite's ``quick_check`` passes, so PATH is either
the old file or a whole, sound backup. PostgreSQL has its own tools (``pg_dump``).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from tg_parser.config import Settings
from tg_parser.errors import InputError, StorageError
from tg_parser.store.engine import database_url

PAGES_PER_STEP = 1024


@dataclass(frozen=True)
class BackupReport:
    source: Path
    path: Path
    size_bytes: int


def backup_sqlite(
    settings: Settings,
    destination: Path,
    *,
    overwrite: bool = False,
    on_pages: Callable[[int, int], None] | None = None,
) -> BackupReport:
    """Copy the configured SQLite database to ``destination``; ``on_pages(done, total)``
    hears each step."""
    source = _sqlite_path(settings)
    _check_destination(source, destination, overwrite)
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        _copy(source, partial, settings.db_busy_timeout, on_pages)
        os.replace(partial, destination)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot back up {source} to {destination}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(source, destination, destination.stat().st_size)


def _copy(
    source: Path, partial: Path, timeout: float, on_pages: Callable[[int, int], None] | None
) -> None:
    def progress(_status: int, remaining: int, total: int) -> None:
        if on_pages:
            on_pages(total - remaining, total)

    partial.unlink(missing_ok=True)
    with (
        closing(sqlite3.connect(source, timeout=timeout)) as src,
        closing(sqlite3.connect(partial)) as dst,
    ):
        src.backup(dst, pages=PAGES_PER_STEP, progress=progress)
        verdict = dst.execute("PRAGMA quick_check").fetchone()[0]
    if verdict != "ok":
        raise sqlite3.DatabaseError(f"the copy failed SQLite's quick_check: {verdict}")


def _sqlite_path(settings: Settings) -> Path:
    url = make_url(database_url(settings))
    if url.get_backend_name() != "sqlite":
        raise InputError(
            "`tg-parser db backup` copies SQLite databases; back up PostgreSQL with its own "
            "tool: `pg_dump --format=custom --file=PATH DATABASE_URL` (see docs/operations.md)"
        )
    path = Path(url.database or "").expanduser()
    if not url.database or url.database == ":memory:" or not path.is_file():
        raise InputError(f"there is no SQLite database at {path} to back up (check DB_PATH)")
    return path


def _check_destination(source: Path, destination: Path, overwrite: bool) -> None:
    if destination.resolve() == source.resolve():
        raise InputError(f"{destination} is the database itself: give the backup another name")
    if destination.is_dir():
        raise InputError(f"{destination} is a folder: give the backup's file name")
    if not destination.parent.is_dir():
        raise InputError(f"folder {destination.parent} does not exist: create it first")
    if destination.exists() and not overwrite:
        raise InputError(f"{destination} exists: choose another name or pass --overwrite")
