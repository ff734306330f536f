"""`tg-parser worker`: execute queued runs (PostgreSQL), as many processes as you like."""

from __future__ import annotations

import typer

from tg_parser.cli.common import err_console, settings_of, with_database

NEEDS_POSTGRES = (
    "workers need PostgreSQL (DATABASE_URL=postgresql://…); on SQLite `tg-parser serve` "
    "executes runs itself"
)


def worker(
    ctx: typer.Context,
    concurrency: int = typer.Option(
        1, "--concurrency", min=1, help="Jobs this worker executes at once."
    ),
    queues: str | None = typer.Option(
        None,
        "--queues",
        help="Comma-separated queues to take jobs from: runs, batches, maintenance (default: all).",
    ),
) -> None:
    """Execute queued runs and the batches of split `process` runs until stopped (Ctrl-C or
    SIGTERM: the jobs at work finish first; a second signal aborts them)."""
    from tg_parser.jobs import require_postgres
    from tg_parser.jobs.workers import QUEUES, work
    from tg_parser.schedule import tick

    names = [name.strip() for name in queues.split(",") if name.strip()] if queues else None
    unknown = sorted(set(names or ()) - set(QUEUES))
    if unknown:
        from tg_parser.errors import InputError

        raise InputError(f"--queues: unknown queue {unknown[0]!r} (use {', '.join(QUEUES)})")
    require_postgres(settings_of(ctx), NEEDS_POSTGRES)
    err_console.print(
        f"Worker started: {concurrency} job(s) at once from "
        f"{', '.join(names or QUEUES)}; Ctrl-C stops",
        soft_wrap=True,
    )
    with_database(ctx, lambda db: work(db, concurrency=concurrency, queues=names, tick=tick))
    err_console.print("Worker stopped.")
