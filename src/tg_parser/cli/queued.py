"""`--queue`: a command's run handed to the workers instead of executed here (PostgreSQL)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from tg_parser.cli.common import console, print_json, settings_of, with_database

if TYPE_CHECKING:
    from tg_parser.jobs import RunRequest
    from tg_parser.models import Run
    from tg_parser.store import Database

QUEUE_OPTION = typer.Option(
    False,
    "--queue",
    help="Queue the run for `tg-parser worker` processes and return at once (PostgreSQL).",
)


def submit_queued(ctx: typer.Context, request: dict[str, Any], json_output: bool) -> None:
    """Record the run as queued, defer its job, and say how to follow it."""
    from tg_parser.jobs import RunRequest, require_postgres

    require_postgres(settings_of(ctx))
    run = with_database(ctx, lambda db: _submit(db, RunRequest.model_validate(request)))
    if json_output:
        print_json(run.model_dump(mode="json", exclude_none=True, exclude={"request"}))
        return
    where = f" (channel {run.channel})" if run.channel else ""
    console.print(
        f"Queued run {run.id}: {run.stage}{where}; follow it with "
        f"`tg-parser runs show {run.id}` (executed by `tg-parser worker`)",
        soft_wrap=True,
    )


async def _submit(db: Database, request: RunRequest) -> Run:
    from tg_parser.jobs import worker_queue

    queue = worker_queue(db)
    await queue.start()
    try:
        run, _ = await queue.submit(request)
    finally:
        await queue.stop()
    return run
