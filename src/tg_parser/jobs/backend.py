"""The one place that chooses who executes queued runs: procrastinate workers on
PostgreSQL, ``serve``'s own tasks on SQLite (``RUN_QUEUE`` may say otherwise)."""

from __future__ import annotations

from tg_parser.config import Settings
from tg_parser.errors import ConfigError
from tg_parser.jobs.queue import InProcessQueue, RunQueue
from tg_parser.store import Database

NEEDS_POSTGRES = (
    "--queue needs PostgreSQL (DATABASE_URL=postgresql://…) and `tg-parser worker` "
    "processes; on SQLite run the command without --queue"
)


def uses_workers(db: Database) -> bool:
    """Whether runs of ``db`` are executed by workers (``RUN_QUEUE``, else the database)."""
    choice = db.settings.run_queue
    if choice == "workers" and db.queue_url() is None:
        raise ConfigError("RUN_QUEUE=workers needs PostgreSQL: use auto or in-process on SQLite")
    return choice == "workers" or (choice == "auto" and db.queue_url() is not None)


def run_queue(db: Database) -> RunQueue:
    """The queue ``serve`` submits runs to."""
    if uses_workers(db):
        from tg_parser.jobs.workers import WorkerQueue

        return WorkerQueue(db)
    return InProcessQueue(db)


def require_postgres(settings: Settings, refusal: str = NEEDS_POSTGRES) -> None:
    """``ConfigError`` (``refusal``) unless the settings name a PostgreSQL database; checked
    before the database is opened, so a refused command writes nothing."""
    from tg_parser.store.engine import database_url

    if not database_url(settings).startswith("postgresql"):
        raise ConfigError(refusal)


def worker_queue(db: Database) -> RunQueue:
    """The queue a command's ``--queue`` submits to: workers, which need PostgreSQL."""
    if db.queue_url() is None:
        raise ConfigError(NEEDS_POSTGRES)
    from tg_parser.jobs.workers import WorkerQueue

    return WorkerQueue(db)
