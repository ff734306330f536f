"""The two ends of a move: the SQLite source and the PostgreSQL target, opened and checked.

Both must carry tg-parser's schema at the same revision — the newest this tg-parser knows,
whose tables it copies. A target without a schema gets one from the migrations; any other
mismatch is refused with the command that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from tg_parser.config import Settings
from tg_parser.errors import InputError, SchemaOutdatedError, StorageError
from tg_parser.store import Database, migrate
from tg_parser.store.engine import database_url


@dataclass
class Ends:
    source: Database
    target: Database
    revision: str  # the source's schema revision (the newest known)
    create_schema: bool  # the target has no schema yet

    @property
    def source_name(self) -> str:
        return str(self.source.engine.url.database)

    @property
    def target_name(self) -> str:
        return plain_url(self.target.describe())

    async def close(self) -> None:
        await self.source.close()
        await self.target.close()


async def open_ends(settings: Settings, source: str, target: str | None) -> Ends:
    """Open ``source`` (a SQLite file path or URL) and ``target`` (a PostgreSQL URL; None:
    the configured database) with ``settings``' pool and timeouts, and check their schemas."""
    source_settings = _with_url(settings, sqlite_url(source))
    target_settings = _postgresql(settings if target is None else _with_url(settings, target))
    source_db = await Database.open(source_settings, check_schema=False)
    target_db = await Database.open(target_settings, check_schema=False)
    try:
        revision = await _source_revision(source_db)
        create = await _target_revision(target_db, revision) is None
        return Ends(source_db, target_db, revision, create)
    except BaseException:
        await source_db.close()
        await target_db.close()
        raise


def sqlite_url(source: str) -> str:
    """``sqlite:///PATH`` of an existing SQLite file given as a path or a URL."""
    if "://" in source:
        url = make_url(source)
        if url.get_backend_name() != "sqlite":
            raise InputError(
                f"--from must be a SQLite database (a file path or sqlite:///PATH), not "
                f"{url.get_backend_name()}"
            )
        path = Path(url.database or "")
    else:
        path = Path(source)
    path = path.expanduser()
    if not path.is_file():
        raise InputError(f"--from: no SQLite database at {path}")
    return f"sqlite:///{path.resolve()}"


def plain_url(url: str) -> str:
    """The URL as a user writes it (no driver name), password hidden."""
    parsed = make_url(url)
    plain = parsed.set(drivername=parsed.get_backend_name())
    return plain.render_as_string(hide_password=True)


def _with_url(settings: Settings, url: str) -> Settings:
    return settings.model_copy(update={"database_url": url})


def _postgresql(settings: Settings) -> Settings:
    """``settings``, when they name a PostgreSQL database (checked before connecting, so
    a SQLite path is never created by the check)."""
    url = database_url(settings)
    if make_url(url).get_backend_name() != "postgresql":
        raise InputError(
            f"the target {plain_url(url)} is not PostgreSQL: pass --to "
            "postgresql://USER:PASSWORD@HOST:PORT/NAME (or set DATABASE_URL to it)"
        )
    return settings


async def _source_revision(db: Database) -> str:
    current, head = await db.current_revision(), migrate.head_revision()
    name = db.engine.url.database
    if current is None:
        raise InputError(f"--from: {name} holds no tg-parser database (no schema)")
    if current not in migrate.known_revisions():
        raise StorageError(
            f"the source {name} is at schema {current}, which this tg-parser does not know "
            "(a newer version migrated it): upgrade tg-parser"
        )
    if current != head:
        raise SchemaOutdatedError(
            f"the source {name} is at schema {current}, this tg-parser copies {head}: run "
            f"`DATABASE_URL=sqlite:///{name} tg-parser db upgrade` first"
        )
    return current


async def _target_revision(db: Database, wanted: str) -> str | None:
    current = await db.current_revision()
    if current is None or current == wanted:
        return current
    if current not in migrate.known_revisions():
        raise StorageError(
            f"the target {plain_url(db.describe())} is at schema {current}, which this "
            "tg-parser does not know (a newer version migrated it): upgrade tg-parser"
        )
    raise SchemaOutdatedError(
        f"the target {plain_url(db.describe())} is at schema {current}, the source at "
        f"{wanted}: run `DATABASE_URL='{plain_url(db.describe())}' tg-parser db upgrade` "
        "first (with the real password)"
    )
