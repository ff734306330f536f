"""`tg-parser init` and `tg-parser db upgrade/current/downgrade/migrate/backup`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tg_parser.cli import transfer_view
from tg_parser.cli.common import (
    JSON_OPTION,
    console,
    print_json,
    run,
    settings_of,
    with_database,
)

if TYPE_CHECKING:
    from tg_parser.store import Database

app = typer.Typer(
    help="Manage the database: schema (Alembic migrations), moving to PostgreSQL, backups.",
    no_args_is_help=True,
)


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


@app.command()
def migrate(
    ctx: typer.Context,
    source: str = typer.Option(
        ..., "--from", help="The SQLite database to copy: a file path or sqlite:///PATH."
    ),
    target: str | None = typer.Option(
        None,
        "--to",
        help="The PostgreSQL database to copy into, postgresql://USER:PASSWORD@HOST:PORT/NAME "
        "(default: the configured database, DATABASE_URL or DB_*).",
    ),
    append: bool = typer.Option(
        False, "--append", help="Copy into a target that already holds rows (keeps them)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show the row counts and what would be done; write nothing."
    ),
    verify_only: bool = typer.Option(
        False, "--verify-only", help="Only compare the target with the source, table by table."
    ),
    batch_size: int = typer.Option(
        5000, "--batch-size", min=1, help="Rows read and written per batch."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Copy a SQLite knowledge base into PostgreSQL, then verify the copy row by row."""
    from tg_parser.cli.progress import ProgressDisplay
    from tg_parser.transfer import TransferOptions, check_equal, transfer

    options = TransferOptions(source, target, append, dry_run, verify_only, batch_size)
    with ProgressDisplay() as display:
        report = run(transfer(settings_of(ctx), options, display))
    if as_json:
        print_json(transfer_view.report_json(report))
    else:
        transfer_view.print_report(report)
    check_equal(report)


BACKUP_PATH = typer.Argument(..., help="The backup file to write.")


@app.command()
def backup(
    ctx: typer.Context,
    path: Path = BACKUP_PATH,
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace PATH if it exists."),
) -> None:
    """Copy the SQLite database to PATH while it is in use (SQLite's online backup)."""
    from tg_parser.cli.progress import ProgressDisplay
    from tg_parser.models import Progress
    from tg_parser.store.backup import backup_sqlite

    with ProgressDisplay() as display:
        report = backup_sqlite(
            settings_of(ctx),
            path,
            overwrite=overwrite,
            on_pages=lambda done, total: display(Progress("backup", done, total, unit="pages")),
        )
    console.print(
        f"Backed up {report.source} to {report.path} ({report.size_bytes / 1_000_000:,.1f} MB)."
    )
