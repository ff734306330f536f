"""Processing failures: the repository, the listing service and `tg-parser failures list`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from tg_parser.cli.app import app
from tg_parser.config import Settings
from tg_parser.errors import NotFoundError
from tg_parser.failures import list_failures
from tg_parser.store.database import Database
from tg_parser.store.failures import Failure

runner = CliRunner()
FIRST = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
ALPHA = "tg:alpha:post:1"
BETA = "tg:beta_news:comment:7"


async def _record(db: Database, stage: str, *refs: str, run: str, at: datetime) -> None:
    failures = [Failure(ref, "ValueError", f"bad {ref}") for ref in refs]
    async with db.transaction() as repos:
        await repos.failures.record(stage, failures, run_id=run, now=at)


async def _sources(db: Database, *keys: str) -> None:
    async with db.transaction() as repos:
        for key in keys:
            await repos.sources.upsert(key, username=key)


async def test_a_repeated_failure_counts_attempts_and_keeps_its_first_time(db: Database) -> None:
    await _record(db, "process", ALPHA, run="r1", at=FIRST)
    later = FIRST + timedelta(hours=1)
    await _record(db, "process", ALPHA, BETA, run="r2", at=later)
    async with db.transaction() as repos:
        failures = {f.source_ref: f for f in await repos.failures.list()}
    alpha = failures[ALPHA]
    assert (alpha.attempts, alpha.run_id, alpha.created_at, alpha.updated_at) == (
        2,
        "r2",
        FIRST,
        later,
    )
    assert (failures[BETA].attempts, failures[BETA].error_message) == (1, f"bad {BETA}")


async def test_stages_are_separate_and_clear_removes_only_its_stage(db: Database) -> None:
    await _record(db, "process", ALPHA, BETA, run="r1", at=FIRST)
    await _record(db, "embed", ALPHA, run="r2", at=FIRST + timedelta(minutes=1))
    async with db.transaction() as repos:
        await repos.failures.clear("process", [ALPHA])
        await repos.failures.clear("process", [])
        remaining = await repos.failures.list()
        process_only = await repos.failures.list(stage="process")
    assert [(f.source_ref, f.stage) for f in remaining] == [(ALPHA, "embed"), (BETA, "process")]
    assert [f.source_ref for f in process_only] == [BETA]


async def test_listing_by_channel_accepts_any_spelling(db: Database) -> None:
    await _sources(db, "alpha", "beta_news")
    await _record(db, "process", ALPHA, BETA, run="r1", at=FIRST)
    found = await list_failures(db, channel="https://t.me/beta_news")
    assert [f.source_ref for f in found] == [BETA]
    assert len(await list_failures(db)) == 2
    with pytest.raises(NotFoundError):
        await list_failures(db, channel="@gamma_news")


async def test_listing_within_channels(db: Database) -> None:
    await _sources(db, "alpha", "beta_news")
    await _record(db, "process", ALPHA, BETA, run="r1", at=FIRST)
    found = await list_failures(db, channels={"beta_news", "elsewhere"})
    assert [f.source_ref for f in found] == [BETA]
    assert await list_failures(db, channels=set()) == []


@pytest.fixture
async def recorded(cli_env: str) -> None:
    db = await Database.open(Settings(database_url=cli_env))
    try:
        await _sources(db, "alpha", "beta_news")
        await _record(db, "process", ALPHA, run="r1", at=FIRST)
        await _record(db, "process", BETA, run="r2", at=FIRST + timedelta(minutes=5))
    finally:
        await db.close()


def test_cli_lists_failures_as_json(recorded: None) -> None:
    result = runner.invoke(app, ["failures", "list", "--json"])
    assert result.exit_code == 0, result.stderr
    failures = json.loads(result.stdout)
    assert [f["source_ref"] for f in failures] == [BETA, ALPHA]
    assert failures[1] == {
        "source_ref": ALPHA,
        "stage": "process",
        "run_id": "r1",
        "attempts": 1,
        "error_class": "ValueError",
        "error_message": f"bad {ALPHA}",
        "created_at": "2026-02-01T08:00:00+00:00",
        "updated_at": "2026-02-01T08:00:00+00:00",
    }


def test_cli_table_filters_by_channel_and_stage(recorded: None) -> None:
    result = runner.invoke(app, ["failures", "list", "--channel", "@alpha", "--stage", "process"])
    assert result.exit_code == 0, result.stderr
    assert ALPHA in result.stdout and BETA not in result.stdout
    assert "ValueError" in result.stdout
    other = runner.invoke(app, ["failures", "list", "--stage", "topics"])
    assert other.stdout.strip() == "No failures: every message was handled."


def test_cli_unknown_channel_is_one_line(cli_env: str) -> None:
    result = runner.invoke(app, ["failures", "list", "--channel", "@nobody"])
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: no channel 'nobody' (none known yet): add one")
