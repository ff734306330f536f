"""Concurrent writers never fail with "database is locked" and lose nothing.

(a) 20 asyncio tasks, each in its own transactions, on SQLite and PostgreSQL;
(b) two OS processes writing to one SQLite file at the same time;
(c) two transactions recording edits of one message, or saving one document, at once;
(d) two processes creating the schema of an empty database at once.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tg_parser.clock import utcnow
from tg_parser.config import Settings
from tg_parser.models import ProcessedDocument, Run, document_id
from tg_parser.store import migrate
from tg_parser.store.database import Database
from tg_parser.store.documents import StoredDocument

from .factories import POSTED, collected

TASKS = 20
ROUNDS = 5
PER_BATCH = 10
WRITER = Path(__file__).with_name("writer.py")
OPENER = Path(__file__).with_name("opener.py")


async def _writer(db: Database, number: int) -> None:
    """One task: a source, a run, and ROUNDS batches, each round its own transaction."""
    name = f"chan{number:02d}"
    async with db.transaction() as repos:
        await repos.sources.upsert(name, title=name)
        await repos.runs.create(
            Run(
                id=f"run-{name}",
                stage="import",
                scope={},
                status="running",
                counters={},
                started_at=POSTED,
            )
        )
    for round_ in range(ROUNDS):
        first = round_ * PER_BATCH + 1
        async with db.transaction() as repos:
            await repos.messages.store(
                [collected(first + i, channel=name) for i in range(PER_BATCH)]
            )
            await repos.sources.upsert(name, poll_interval_seconds=60 + round_)
            await repos.runs.save_counters(f"run-{name}", {"rounds": round_ + 1})
        await asyncio.sleep(0)


async def test_many_tasks_write_at_once(db: Database) -> None:
    await asyncio.gather(*(_writer(db, number) for number in range(TASKS)))

    async with db.transaction() as repos:
        assert await repos.messages.count() == TASKS * ROUNDS * PER_BATCH
        counts = await repos.sources.message_counts()
        sources = await repos.sources.list()
        runs = await repos.runs.list(limit=100)
    expected = {"posts": ROUNDS * PER_BATCH, "comments": 0}
    assert counts == {f"chan{number:02d}": expected for number in range(TASKS)}
    assert len(sources) == TASKS
    assert {source.poll_interval_seconds for source in sources} == {60 + ROUNDS - 1}
    assert [run.counters for run in runs] == [{"rounds": ROUNDS}] * TASKS


@pytest.mark.slow  # two writer processes
async def test_two_processes_write_to_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    db = await Database.open(Settings(database_url=url))  # the schema exists before they start
    batches = 30
    ready = tmp_path / "ready"
    ready.mkdir()
    writers = [
        subprocess.Popen(
            [sys.executable, str(WRITER), url, name, str(batches), str(ready)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    outputs = [writer.communicate(timeout=60) for writer in writers]

    spans: list[tuple[float, float]] = []
    for writer, (stdout, stderr) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, stderr
        stored, started, finished = stdout.split()[-3:]
        assert int(stored) == batches * 25
        spans.append((float(started), float(finished)))
    assert max(start for start, _ in spans) < min(end for _, end in spans), "no overlap"
    try:
        async with db.transaction() as repos:
            assert await repos.messages.count("first") == batches * 25
            assert await repos.messages.count("second") == batches * 25
            runs = await repos.runs.list()
            first = await repos.sources.get("first")
    finally:
        await db.close()
    assert sorted(run.status for run in runs) == ["succeeded", "succeeded"]
    assert [run.counters for run in runs] == [{"inserted": batches * 25}] * 2
    assert first is not None and first.high_watermark == batches * 25


async def _overlapping(db: Database, first: Any, second: Any) -> Any:
    """Run ``first(repos)`` in a transaction kept open until ``second(repos)``, in another
    transaction, has had time to block on it; then commit the first. The second's result."""
    first_wrote, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with db.transaction() as repos:
            await first(repos)
            first_wrote.set()
            await release.wait()

    async def follow() -> Any:
        await first_wrote.wait()
        async with db.transaction() as repos:
            return await second(repos)

    holding, following = asyncio.create_task(hold()), asyncio.create_task(follow())
    await first_wrote.wait()
    await asyncio.sleep(0.3)  # the second transaction now waits for the first
    assert not following.done(), "the second writer did not wait for the first"
    release.set()
    await holding
    return await following


async def test_two_writers_record_edits_of_one_message_at_once(db: Database) -> None:
    edited = POSTED + timedelta(hours=1)
    async with db.transaction() as repos:
        await repos.messages.store([collected(7, "first text")])

    result = await _overlapping(
        db,
        lambda repos: repos.messages.store([collected(7, "second text", edit_date=edited)]),
        lambda repos: repos.messages.store(
            [collected(7, "third text", edit_date=edited + timedelta(minutes=1))]
        ),
    )

    assert result.edited == 1
    async with db.transaction() as repos:
        history = await repos.messages.history(collected(7).message.source_ref)
    assert [(row["version"], row["text"]) for row in history] == [
        (1, "first text"),
        (2, "second text"),
        (3, "third text"),
    ]


def _document(text: str) -> StoredDocument:
    message = collected(7).message
    document = ProcessedDocument(
        id=document_id(message.source_ref),
        source_ref=message.source_ref,
        source_message_id=message.id,
        channel_id=message.channel_id,
        processed_at=utcnow(),
        text_clean=text,
    )
    return StoredDocument(document, False, "hash", "processing:v1.0.0")


async def test_two_writers_save_the_document_of_one_message_at_once(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.messages.store([collected(7)])

    await _overlapping(
        db,
        lambda repos: repos.documents.save([_document("first answer")]),
        lambda repos: repos.documents.save([_document("second answer")]),
    )

    async with db.transaction() as repos:
        stored = await repos.documents.for_channel()
    assert [s.document.text_clean for s in stored] == ["second answer"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without any schema (on PostgreSQL created for this test and dropped)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    server = make_url(request.getfixturevalue("postgres_url"))
    name = f"tgp_empty_{uuid.uuid4().hex[:10]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_processes_opening_an_empty_database_at_once_all_get_its_schema(
    empty_database_url: str, tmp_path: Path
) -> None:
    """Each finds no schema and creates it: one does, the others wait and find it done."""
    ready = tmp_path / "ready"
    ready.mkdir()
    openers = [
        subprocess.Popen(
            [sys.executable, str(OPENER), empty_database_url, str(ready), "3", str(number)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(3)
    ]
    outputs = [opener.communicate(timeout=120) for opener in openers]
    for opener, (stdout, stderr) in zip(openers, outputs, strict=True):
        assert opener.returncode == 0, stderr
        assert stdout.split() == [migrate.head_revision()]
