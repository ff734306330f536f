"""Moving a pipeline-built SQLite knowledge base into a throwaway PostgreSQL database: the
copy verifies equal and reads back the same through the store; interruptions, planted
differences, other revisions, non-empty targets and dry runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tg_parser.config import Settings
from tg_parser.errors import InputError, SchemaOutdatedError, VerificationError
from tg_parser.models import OnProgress, Progress
from tg_parser.store import Database, migrate
from tg_parser.store.tables import metadata
from tg_parser.transfer import TransferOptions, TransferReport, check_equal, transfer

pytestmark = pytest.mark.postgres
TABLES = [table.name for table in metadata.sorted_tables]
FILLED_BY_THE_PIPELINE = {
    "sources",
    "source_attempts",
    "raw_messages",
    "raw_message_versions",
    "processed_documents",
    "embeddings",
    "topic_cards",
    "topic_bundles",
    "topic_targets",
    "runs",
    "llm_calls",
}


async def move(
    source: Path, target: str, progress: OnProgress | None = None, **options: Any
) -> TransferReport:
    return await transfer(Settings(), TransferOptions(str(source), target, **options), progress)


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        counts = {
            name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES
        }
    conn.close()
    return counts


def pg_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES}


def pg_execute(url: str, statement: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(statement)


async def test_a_pipeline_database_is_copied_whole_and_verifies_equal(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    report = await move(pipeline_sqlite, empty_postgres_url)

    counts = sqlite_counts(pipeline_sqlite)
    assert {name for name, count in counts.items() if count} >= FILLED_BY_THE_PIPELINE
    assert report.create_schema and report.first_difference is None
    assert pg_counts(empty_postgres_url) == counts
    assert {plan.table: plan.copied for plan in report.tables} == counts
    assert [check.table for check in report.checks] == TABLES
    check_equal(report)
    target = await Database.open(Settings(database_url=empty_postgres_url))
    assert await target.current_revision() == migrate.head_revision()
    await target.close()


async def test_the_copy_reads_back_the_same_through_the_store(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    await move(pipeline_sqlite, empty_postgres_url)

    with sqlite3.connect(pipeline_sqlite) as conn:
        (model,) = conn.execute("SELECT DISTINCT model FROM embeddings").fetchone()
    conn.close()
    sqlite_url = f"sqlite:///{pipeline_sqlite}"
    seen = [await _read_back(url, model) for url in (sqlite_url, empty_postgres_url)]

    assert seen[0] == seen[1]
    assert seen[0]["documents"] and seen[0]["vectors"] and seen[0]["runs"]


async def _read_back(url: str, model: str) -> dict[str, Any]:
    db = await Database.open(Settings(database_url=url))
    try:
        async with db.transaction() as repos:
            documents = await repos.documents.for_channel()
            refs = [stored.document.source_ref for stored in documents]
            vectors = await repos.embeddings.load(model, refs)
            runs = await repos.runs.list(limit=100)
    finally:
        await db.close()
    return {
        "documents": {s.document.id: s.document.model_dump(mode="json") for s in documents},
        "vectors": {ref: vector.vector.tolist() for ref, vector in vectors.items()},
        "runs": {run.id: run.model_dump(mode="json") for run in runs},
    }


async def test_sequences_continue_after_the_copied_ids(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    await move(pipeline_sqlite, empty_postgres_url)

    with psycopg.connect(empty_postgres_url) as conn:
        for table in metadata.sorted_tables:
            if table.autoincrement_column is None:
                continue
            largest = conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}").fetchone()
            following = conn.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", (table.name,)
            ).fetchone()
            assert following == (largest[0] + 1,), table.name


class Stop(Exception):
    """Raised from the progress callback: the copy fails in the middle of a table."""


def stop_inside(table: str) -> OnProgress:
    def progress(update: Progress) -> None:
        if update.stage == "copy" and update.subject == table and update.done > 0:
            raise Stop

    return progress


async def test_a_failed_copy_leaves_whole_tables_and_the_next_run_finishes_it(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    with pytest.raises(Stop):
        await move(pipeline_sqlite, empty_postgres_url, stop_inside("raw_messages"), batch_size=50)

    counts, held = sqlite_counts(pipeline_sqlite), pg_counts(empty_postgres_url)
    stopped = TABLES.index("raw_messages")
    assert [held[name] for name in TABLES[:stopped]] == [counts[n] for n in TABLES[:stopped]]
    assert not any(held[name] for name in TABLES[stopped:])  # nothing half-written

    report = await move(pipeline_sqlite, empty_postgres_url)

    assert report.first_difference is None
    assert pg_counts(empty_postgres_url) == counts
    actions = {plan.table: plan.action for plan in report.tables}
    assert actions["embeddings"] == "skip" and actions["raw_messages"] == "copy"


PLANTED = [
    ("raw_messages", "UPDATE raw_messages SET text = text || '!' WHERE id = 7", (7,)),
    ("runs", "UPDATE runs SET finished_at = finished_at + interval '1 second'", None),
    (
        "processed_documents",
        'UPDATE processed_documents SET document = document || \'{"summary": "x"}\' '
        "WHERE id = (SELECT max(id) FROM processed_documents)",
        None,
    ),
    ("embeddings", "UPDATE embeddings SET vector = vector || '\\x00'::bytea", None),
    (
        "topic_bundles",
        "DELETE FROM topic_bundles WHERE topic_id = (SELECT min(topic_id) FROM topic_bundles)",
        None,
    ),
]


@pytest.mark.parametrize(("table", "statement", "key"), PLANTED, ids=[p[0] for p in PLANTED])
async def test_verify_only_names_the_first_table_that_differs(
    pipeline_sqlite: Path, empty_postgres_url: str, table: str, statement: str, key: Any
) -> None:
    await move(pipeline_sqlite, empty_postgres_url)
    pg_execute(empty_postgres_url, statement)

    report = await move(pipeline_sqlite, empty_postgres_url, verify_only=True)

    different = report.first_difference
    assert different is not None and different.table == table
    assert different.first_difference is not None
    if key is not None:
        assert different.first_difference == key
    with pytest.raises(VerificationError, match=f"table {table} differs"):
        check_equal(report)
    assert all(check.equal for check in report.checks if check.table != table)


async def test_a_target_at_another_revision_is_refused_with_the_fix(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    target = await Database.open(Settings(database_url=empty_postgres_url), check_schema=False)
    await target.upgrade("0003")
    await target.close()

    with pytest.raises(SchemaOutdatedError) as refused:
        await move(pipeline_sqlite, empty_postgres_url)

    message = refused.value.message
    assert "0003" in message and migrate.head_revision() in message
    assert "tg-parser db upgrade" in message and "DATABASE_URL=" in message
    with psycopg.connect(empty_postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM raw_messages").fetchone() == (0,)


async def test_a_non_empty_target_is_refused_and_append_adds_only_the_missing_rows(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    await move(pipeline_sqlite, empty_postgres_url)
    pg_execute(empty_postgres_url, "DELETE FROM raw_message_versions WHERE id = 1")

    with pytest.raises(InputError, match="--append"):
        await move(pipeline_sqlite, empty_postgres_url)

    report = await move(pipeline_sqlite, empty_postgres_url, append=True)

    assert report.rows_copied == 1 and report.first_difference is None
    assert pg_counts(empty_postgres_url) == sqlite_counts(pipeline_sqlite)


async def test_complete_looking_tables_that_differ_are_not_taken_for_an_interrupted_copy(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    await move(pipeline_sqlite, empty_postgres_url)
    later = ", ".join(TABLES[TABLES.index("embeddings") + 1 :])
    pg_execute(empty_postgres_url, f"UPDATE embeddings SET dimensions = 1; TRUNCATE {later}")

    with pytest.raises(InputError, match="not an interrupted copy"):
        await move(pipeline_sqlite, empty_postgres_url)


async def test_a_finished_copy_run_again_copies_nothing_and_verifies(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    await move(pipeline_sqlite, empty_postgres_url)

    report = await move(pipeline_sqlite, empty_postgres_url)

    assert {plan.action for plan in report.tables} == {"skip"}
    assert report.rows_copied == 0 and report.first_difference is None


async def test_a_dry_run_reports_counts_and_writes_nothing(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    report = await move(pipeline_sqlite, empty_postgres_url, dry_run=True)

    assert report.dry_run and report.create_schema and not report.checks
    assert {plan.table: plan.source_rows for plan in report.tables} == sqlite_counts(
        pipeline_sqlite
    )
    assert {plan.action for plan in report.tables} == {"copy"}
    with psycopg.connect(empty_postgres_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)


async def test_verify_only_needs_a_target_with_the_schema(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    with pytest.raises(InputError, match="nothing to verify"):
        await move(pipeline_sqlite, empty_postgres_url, verify_only=True)
