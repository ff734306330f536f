"""`tg-parser status` through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from sample_posts import sample_text
from tg_parser.cli.app import app
from tg_parser.config import Settings
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.models import CollectedMessage, RawTelegramMessage, source_ref
from tg_parser.process import ProcessOptions, process_messages
from tg_parser.runs import track_run
from tg_parser.store import migrate
from tg_parser.store.database import Database

POSTED = datetime(2025, 3, 1, 12, tzinfo=UTC)


def tg(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))


def collected(message_id: int, text: str, message_type: str = "post") -> CollectedMessage:
    ref = source_ref("alpha", message_type, message_id)  # type: ignore[arg-type]
    message = RawTelegramMessage(
        id=str(message_id),
        message_type=message_type,  # type: ignore[arg-type]
        source_ref=ref,
        channel_id="alpha",
        date=POSTED,
        text=text,
    )
    return CollectedMessage(message, edit_date=POSTED if text.endswith("(edited)") else None)


def fill(database_url: str) -> str:
    """Two sources (one paused), 2 posts + 1 comment, one edit, one import run."""

    async def work() -> str:
        db = await Database.open(Settings(database_url=database_url))
        try:
            async with (
                track_run(db, "import", {"path": "result.json"}) as run,
                db.transaction() as repos,
            ):
                await repos.sources.upsert("alpha")
                await repos.sources.upsert("beta")
                await repos.sources.set_status("beta", "paused")
                await repos.messages.store(
                    [collected(1, "one"), collected(2, "two"), collected(3, "c", "comment")]
                )
                await repos.messages.store([collected(1, "one (edited)")])
            return run.id
        finally:
            await db.close()

    return asyncio.run(work())


def status_json() -> Any:
    result = tg("status", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_status_of_an_empty_database(cli_env: str) -> None:
    status = status_json()

    assert status["schema"] == {
        "current": migrate.head_revision(),
        "head": migrate.head_revision(),
        "up_to_date": True,
    }
    assert status["sources"] == {"active": 0, "paused": 0, "error": 0, "total": 0}
    assert status["messages"] == {"posts": 0, "comments": 0, "edit_versions": 0}
    assert (status["processed_documents"], status["topics"]) == (0, 0)
    assert status["noise"]["total"] == 0
    assert (status["failures"], status["model_calls"]) == (0, 0)
    assert status["runs"]["total"] == 0
    assert status["latest_run"] is None


def test_status_counts_everything(cli_env: str) -> None:
    run_id = fill(cli_env)

    status = status_json()

    assert status["backend"] in ("sqlite", "postgresql")
    assert status["sources"] == {"active": 1, "paused": 1, "error": 0, "total": 2}
    assert status["messages"] == {"posts": 2, "comments": 1, "edit_versions": 1}
    assert status["runs"] == {
        "queued": 0,
        "running": 0,
        "succeeded": 1,
        "failed": 0,
        "cancelled": 0,
        "total": 1,
    }
    latest = status["latest_run"]
    assert (latest["id"], latest["stage"], latest["status"]) == (run_id, "import", "succeeded")
    assert datetime.fromisoformat(latest["started_at"]).tzinfo is not None


@pytest.mark.postgres
def test_status_hides_the_password(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url.replace("postgres@", "postgres:s3cret@"))

    result = tg("status", "--json")

    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.stdout
    assert json.loads(result.stdout)["database"].startswith("postgresql+psycopg://postgres:***@")


def test_status_table(cli_env: str) -> None:
    run_id = fill(cli_env)

    result = tg("status")

    assert result.exit_code == 0, result.output
    assert "up to date" in result.stdout
    assert "earlier versions of edited messages" in result.stdout
    assert f"Latest run: {run_id} (import, succeeded" in result.stdout


def test_status_on_an_unreachable_server_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")

    result = tg("status")

    assert result.exit_code == 4
    assert result.stderr.startswith("Error: cannot use the database at")
    assert result.stderr.count("\n") == 1


def test_status_breaks_noise_down_by_kind(cli_env: str) -> None:
    async def work() -> None:
        db = await Database.open(Settings(database_url=cli_env))
        try:
            async with db.transaction() as repos:
                await repos.sources.upsert("alpha")
                await repos.messages.store(
                    [
                        collected(1, "Доброе утро! ☕"),
                        collected(2, "Мы вернулись из отпуска! Скоро новые разборы"),
                        collected(3, sample_text(10)),
                        collected(4, "ok", "comment"),
                    ]
                )
            await process_messages(db, OfflineAnalyser(), ProcessOptions())
        finally:
            await db.close()

    asyncio.run(work())

    noise = status_json()["noise"]

    assert noise == {
        "advertising": 0,
        "cross_promotion": 0,
        "giveaway": 0,
        "greeting": 1,
        "notice": 1,
        "navigation": 0,
        "unreadable": 0,
        "one_liner": 1,
        "media_only": 0,
        "empty": 0,
        "other": 0,
        "total": 3,
    }
    table = tg("status").stdout
    assert "of them noise" in table
    assert "noise: greetings" in table and "noise: notices" in table
