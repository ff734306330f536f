"""`tg-parser init` and `tg-parser db upgrade/current/downgrade`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from tg_parser.cli.common import JSON_OPTION, console, print_json, with_database

if TYPE_CHECKING:
    from tg_parser.store import Database

app = typer.Typer(help="Manage the database schema (Alembic migrations).", no_args_is_help=True)


def init(ctx: typer.Context) -> None:
    """Create the database (or bring it up to date) and say where it is."""
    from tg_parser.store import migrate

    async def work(db: Database) -> str:
        await db.upgrade()
        return db.describe()

    where = with_database(ctx, work, check_schema=False)
    console.print(f"Database ready at {where} (schema {migrate.head_revision()}).")


@app.command()
def upgrade(
    ctx: typer.Context,
    revision: str = typer.Argument("head", help="Target revision (default: the newest)."),
) -> None:
    """Apply migrations up to REVISION."""

    async def work(db: Database) -> str | None:
        await db.upgrade(revision)
        return await db.current_revision()

    current = with_database(ctx, work, check_schema=False)
    console.print(f"Database schema is at {current}.")


@app.command()
def downgrade(
    ctx: typer.Context,
    revision: str = typer.Argument(..., help="Target revision, e.g. `base` or `-1`."),
) -> None:
    """Revert migrations down to REVISION."""

    async def work(db: Database) -> str | None:
        await db.downgrade(revision)
        return await db.current_revision()

    current = with_database(ctx, work, check_schema=False)
    console.print(f"Database schema is at {current or 'base (empty)'}.")


@app.command()
def current(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Show the schema revision of the database and the newest one this version knows."""
    from tg_parser.store import migrate

    async def work(db: Database) -> dict[str, str | None]:
        return {
            "database": db.describe(),
            "current": await db.current_revision(),
            "head": migrate.head_revision(),
        }

    info = with_database(ctx, work, check_schema=False)
    if as_json:
        print_json(info)
        return
    state = _state(info["current"], info["head"])
    console.print(f"{info['database']}: schema {info['current'] or 'none'} ({state})")


def _state(current: str | None, head: str | None) -> str:
    from tg_parser.store import migrate

    if current == head:
        return "up to date"
    if current is not None and current not in migrate.known_revisions():
        return "written by a newer tg-parser: upgrade tg-parser"
    return "run `tg-parser db upgrade`"
