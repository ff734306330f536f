"""Is the service ready to take work? Its database answers, its schema is the newest this
tg-parser knows, and its run queue (when it has one) accepts runs. No model provider is
asked: a provider that is down fails runs, not the service."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from tg_parser.errors import NotReadyError, StorageError
from tg_parser.jobs import RunQueue
from tg_parser.store import Database
from tg_parser.store.migrate import head_revision


@dataclass(frozen=True)
class Readiness:
    database: str  # the backend: sqlite, postgresql
    schema_revision: str
    queue: Literal["accepting", "none"]  # "none": runs are not executed here


async def readiness(db: Database, queue: RunQueue | None, *, timeout: float) -> Readiness:
    """The state of a ready service, else ``NotReadyError`` naming every reason."""
    problems: list[str] = []
    revision = await _schema_revision(db, timeout, problems)
    if queue is not None and not queue.accepting:
        problems.append("queue: not accepting runs (the server is stopping or its queue is gone)")
    if problems or revision is None:
        raise NotReadyError("not ready: " + "; ".join(problems))
    return Readiness(
        database=db.backend,
        schema_revision=revision,
        queue="none" if queue is None else "accepting",
    )


async def _schema_revision(db: Database, timeout: float, problems: list[str]) -> str | None:
    """The database's schema revision when it is the newest, else None and a problem."""
    try:
        async with asyncio.timeout(timeout):
            revision = await db.current_revision()
    except TimeoutError:
        problems.append(f"database: no answer within {timeout:g} s from {db.describe()}")
        return None
    except StorageError as exc:
        problems.append(f"database: {exc.message}")
        return None
    head = head_revision()
    if revision != head:
        problems.append(
            f"schema: at {revision or 'nothing'}, this tg-parser needs {head} "
            "(run `tg-parser db upgrade`)"
        )
        return None
    return revision
