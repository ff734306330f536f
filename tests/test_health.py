"""Readiness: the database answers, the schema is the newest, the run queue accepts runs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from tg_parser.config import Settings
from tg_parser.errors import NotReadyError
from tg_parser.health import Readiness, readiness
from tg_parser.store import Database
from tg_parser.store.migrate import head_revision


@dataclass
class Queue:
    open: bool

    @property
    def accepting(self) -> bool:
        return self.open


async def test_a_reachable_database_at_the_newest_schema_is_ready(db: Database) -> None:
    assert await readiness(db, None, timeout=5) == Readiness(
        database=db.backend, schema_revision=head_revision(), queue="none"
    )
    ready = await readiness(db, Queue(open=True), timeout=5)
    assert ready.queue == "accepting"


async def test_a_queue_that_refuses_runs_is_not_ready(db: Database) -> None:
    with pytest.raises(NotReadyError, match=r"^not ready: queue: not accepting runs"):
        await readiness(db, Queue(open=False), timeout=5)


async def test_an_older_schema_is_not_ready_and_says_how_to_upgrade(db: Database) -> None:
    await db.downgrade("0003")
    try:
        with pytest.raises(NotReadyError) as caught:
            await readiness(db, None, timeout=5)
    finally:
        await db.upgrade()  # the next test finds the newest schema
    assert caught.value.message == (
        f"not ready: schema: at 0003, this tg-parser needs {head_revision()} "
        "(run `tg-parser db upgrade`)"
    )
    assert caught.value.http_status == 503


async def test_an_unreachable_database_is_not_ready_with_every_reason() -> None:
    closed_port = Settings(database_url="postgresql://nobody@127.0.0.1:1/nothing")
    db = await Database.open(closed_port, check_schema=False)
    try:
        with pytest.raises(NotReadyError) as caught:
            await readiness(db, Queue(open=False), timeout=5)
    finally:
        await db.close()
    reasons = caught.value.message.removeprefix("not ready: ").split("; ")
    assert reasons[0].startswith("database: cannot use the database at postgresql")
    assert reasons[1].startswith("queue: not accepting runs")
    assert "nobody@127.0.0.1:1" in reasons[0]


class _SilentDatabase:
    """A database whose server never answers."""

    backend = "postgresql"

    def describe(self) -> str:
        return "postgresql+psycopg://tg@db.internal/tg"

    async def current_revision(self) -> str | None:
        await asyncio.sleep(60)
        return None


async def test_a_database_that_does_not_answer_in_time_is_not_ready() -> None:
    with pytest.raises(NotReadyError, match=r"database: no answer within 0.05 s from postgres"):
        await readiness(_SilentDatabase(), None, timeout=0.05)  # type: ignore[arg-type]
