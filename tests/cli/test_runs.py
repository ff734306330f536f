"""`tg-parser runs list/show` through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tg_parser.cli.app import app
from tg_parser.clock import utcnow
from tg_parser.config import Settings
from tg_parser.models import Run
from tg_parser.runs import track_run
from tg_parser.store.database import Database


def tg(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))


def record_runs(database_url: str) -> list[str]:
    """Three runs: import succeeded, import failed, topics succeeded (in that order)."""

    async def work() -> list[str]:
        db = await Database.open(Settings(database_url=database_url))
        ids = []
        try:
            async with track_run(db, "import", {"path": "result.json"}) as run:
                run.add(inserted=7, skipped=2)
                ids.append(run.id)
            with pytest.raises(RuntimeError):
                async with track_run(db, "import", {"path": "broken.json"}) as run:
                    ids.append(run.id)
                    raise RuntimeError("truncated JSON at byte 120")
            async with track_run(db, "topics", {"channel": "alpha"}) as run:
                ids.append(run.id)
        finally:
            await db.close()
        return ids

    return asyncio.run(work())


def test_list_json_newest_first_with_timezones(cli_env: str) -> None:
    ids = record_runs(cli_env)

    result = tg("runs", "list", "--json")

    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    assert [run["id"] for run in runs] == ids[::-1]
    first = runs[-1]
    assert (first["stage"], first["status"], first["counters"]) == (
        "import",
        "succeeded",
        {"inserted": 7, "skipped": 2},
    )
    assert first["scope"] == {"path": "result.json"}
    for stamp in (first["started_at"], first["finished_at"]):
        assert datetime.fromisoformat(stamp).tzinfo is not None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--stage", "import"], [1, 0]),
        (["--status", "failed"], [1]),
        (["--stage", "import", "--status", "succeeded"], [0]),
        (["--limit", "1"], [2]),
        (["--stage", "export"], []),
    ],
)
def test_list_filters(cli_env: str, args: list[str], expected: list[int]) -> None:
    ids = record_runs(cli_env)

    runs = json.loads(tg("runs", "list", *args, "--json").stdout)

    assert [run["id"] for run in runs] == [ids[i] for i in expected]


def test_list_rejects_an_unknown_status(cli_env: str) -> None:
    result = tg("runs", "list", "--status", "exploded")

    assert result.exit_code == 2
    assert "--status" in result.stderr


def test_list_table(cli_env: str) -> None:
    assert "No runs yet" in tg("runs", "list").stdout
    ids = record_runs(cli_env)

    table = tg("runs", "list").stdout

    assert ids[0] in table and "inserted=7, skipped=2" in table
    assert "truncated JSON at byte 120" in table


def test_show_json_has_every_field(cli_env: str) -> None:
    failed = record_runs(cli_env)[1]

    result = tg("runs", "show", failed, "--json")

    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert set(run) == {
        "id",
        "stage",
        "scope",
        "status",
        "counters",
        "error",
        "started_at",
        "finished_at",
        "duration_seconds",
        "host",
        "pid",
        "heartbeat_at",
        "channel",
        "parent_id",
        "request",
        "progress",
        "result",
        "webhook_url",
    }
    assert set(run) == set(Run.model_fields)  # the secret of a run's webhook never shows
    assert (run["status"], run["error"]) == ("failed", "truncated JSON at byte 120")


def test_show_table_lists_counters(cli_env: str) -> None:
    succeeded = record_runs(cli_env)[0]

    output = tg("runs", "show", succeeded).stdout

    assert "Counters" in output and "inserted" in output and "skipped" in output
    assert "result.json" in output


def test_show_unknown_run_exits_3(cli_env: str) -> None:
    result = tg("runs", "show", "20990101T000000-deadbeef")

    assert result.exit_code == 3
    assert result.stderr == (
        "Error: no run '20990101T000000-deadbeef': see `tg-parser runs list`\n"
    )


def test_list_and_show_tell_a_run_whose_heartbeat_stopped(cli_env: str) -> None:
    """A run left running on another host shows its last heartbeat; once a later run finds
    it stale it is failed, saying the heartbeat stopped."""
    abandoned = Run(
        id="20260101T000000-0ld0ld00",
        stage="ingest",
        scope={},
        status="running",
        counters={},
        started_at=utcnow() - timedelta(hours=2),
        host="old-container",
        pid=7,
        heartbeat_at=utcnow() - timedelta(hours=1),
    )

    async def on_database(work: Any) -> None:
        db = await Database.open(Settings(database_url=cli_env))
        try:
            await work(db)
        finally:
            await db.close()

    async def create(db: Database) -> None:
        async with db.transaction() as repos:
            await repos.runs.create(abandoned)

    async def another_run(db: Database) -> None:
        async with track_run(db, "import", {}):
            pass

    asyncio.run(on_database(create))
    assert "running (heartbeat 3600s ago)" in tg("runs", "list").stdout
    asyncio.run(on_database(another_run))

    shown = json.loads(tg("runs", "show", abandoned.id, "--json").stdout)
    assert shown["status"] == "failed"
    assert shown["heartbeat_at"] < shown["finished_at"]
    assert shown["error"].startswith("interrupted: no heartbeat from process 7 on old-container")
    assert shown["error"].endswith("(the heartbeat stopped)")
