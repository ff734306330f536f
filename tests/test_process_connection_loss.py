"""A `process` run on PostgreSQL whose connections the server drops
(``pg_terminate_backend``): connections that died idle are replaced unseen and the run
goes on; one dropped inside a save fails the run cleanly, with a one-line error on it, and
the next run completes — every message ends with exactly one document. Offline, and with
a model (the loopback OpenAI server), whose calls are saved with the documents."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

import connections
from tg_parser.config import Settings
from tg_parser.errors import ConnectionLostError
from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.llm import Analyser, ModelRequest, choose_analyser
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.process import ProcessOptions, ProcessReport, process_messages
from tg_parser.store import Database
from tg_parser.store.tables import processed_documents, raw_messages
from tg_parser.testing.llm.answers import analysis_answer
from tg_parser.testing.llm.openai import fake_openai, openai_environment

pytestmark = pytest.mark.postgres
EXPORT = Path(__file__).parent / "data" / "export" / "discussion_channel.json"


@pytest.fixture
async def db(empty_postgres_url: str) -> AsyncIterator[Database]:
    database = await Database.open(Settings(database_url=empty_postgres_url))
    await import_desktop(database, ImportOptions(path=EXPORT, channel="@garden_notes"))
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture(params=["offline", "openai"])
async def analyser(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Analyser]:
    if request.param == "offline":
        yield OfflineAnalyser()
        return
    with fake_openai(answer=analysis_answer) as server:
        for name, value in openai_environment(server).items():
            monkeypatch.setenv(name, value)
        choice = choose_analyser(Settings(), ModelRequest())
        try:
            yield choice.analyser
        finally:
            await choice.aclose()


async def _process(db: Database, analyser: Analyser) -> ProcessReport:
    return await process_messages(db, analyser, ProcessOptions(batch_size=1))


async def _each_message_once(db: Database) -> None:
    async with db.transaction() as repos:
        refs = select(raw_messages.c.source_ref)
        messages = set((await repos.conn.execute(refs)).scalars())
        counted = select(func.count(), func.count(processed_documents.c.source_ref.distinct()))
        documents, distinct = (await repos.conn.execute(counted)).one()
        stored = {s.document.source_ref for s in await repos.documents.for_channel()}
    assert messages and stored == messages
    assert documents == distinct == len(messages)


async def test_connections_that_died_idle_are_replaced_and_the_run_goes_on(
    db: Database, analyser: Analyser
) -> None:
    with connections.admin(db.settings.database_url or "") as admin:
        assert connections.terminate_others(admin) >= 1
    report = await _process(db, analyser)
    assert report.counters["failed"] == 0 and report.counters["processed"] > 0
    await _each_message_once(db)


async def test_a_connection_dropped_in_a_save_fails_the_run_and_the_next_completes(
    db: Database, analyser: Analyser
) -> None:
    with connections.admin(db.settings.database_url or "") as admin:
        with admin.transaction():  # the run's first save waits for this lock
            admin.execute("LOCK TABLE processing_failures IN ACCESS EXCLUSIVE MODE")
            run = asyncio.create_task(_process(db, analyser))
            await asyncio.to_thread(connections.wait_for_lock_waiter, admin)
            connections.terminate_others(admin)
        with pytest.raises(ConnectionLostError):
            await run
    async with db.transaction() as repos:
        (failed,) = await repos.runs.list(stage="process")
    assert failed.status == "failed" and failed.error is not None
    assert failed.error.startswith("lost the connection to the database at postgresql")
    assert "\n" not in failed.error and "run the command again" in failed.error
    again = await _process(db, analyser)
    assert again.counters["processed"] > 0 and again.counters["failed"] == 0
    async with db.transaction() as repos:
        assert [r.status for r in await repos.runs.list(stage="process")] == [
            "succeeded",
            "failed",
        ]
    await _each_message_once(db)
