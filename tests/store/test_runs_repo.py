"""RunRepository on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tg_parser.models import Run
from tg_parser.store.database import Database

START = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


def _run(run_id: str, *, stage: str = "import", minutes: int = 0, status: str = "running") -> Run:
    return Run.model_validate(
        {
            "id": run_id,
            "stage": stage,
            "scope": {"path": "/exports/Канал/result.json", "chat": None},
            "status": status,
            "counters": {},
            "started_at": START + timedelta(minutes=minutes),
        }
    )


async def test_create_and_get_round_trip(db: Database) -> None:
    run = _run("r1")
    async with db.transaction() as repos:
        await repos.runs.create(run)
        stored = await repos.runs.get("r1")
        missing = await repos.runs.get("nope")

    assert stored == run
    assert missing is None


async def test_save_counters_then_finish(db: Database) -> None:
    finished = START + timedelta(seconds=90)
    async with db.transaction() as repos:
        await repos.runs.create(_run("r1"))
        await repos.runs.save_counters("r1", {"inserted": 10})
        running = await repos.runs.get("r1")
        await repos.runs.finish(
            "r1",
            status="failed",
            counters={"inserted": 12, "skipped": 1},
            finished_at=finished,
            duration_seconds=90.5,
            error="truncated JSON at byte 1024",
        )
        done = await repos.runs.get("r1")

    assert running is not None and (running.status, running.counters) == (
        "running",
        {"inserted": 10},
    )
    assert done is not None
    assert (done.status, done.counters) == ("failed", {"inserted": 12, "skipped": 1})
    assert (done.finished_at, done.duration_seconds) == (finished, 90.5)
    assert done.error == "truncated JSON at byte 1024"
    assert done.finished_at is not None and done.finished_at.tzinfo is not None


async def test_list_is_newest_first_with_limit(db: Database) -> None:
    async with db.transaction() as repos:
        for minutes, run_id in ((5, "b"), (0, "a"), (10, "c"), (10, "d")):
            await repos.runs.create(_run(run_id, minutes=minutes))
        everything = await repos.runs.list()
        top_two = await repos.runs.list(limit=2)

    assert [run.id for run in everything] == ["d", "c", "b", "a"]
    assert [run.id for run in top_two] == ["d", "c"]


async def test_list_filters_by_stage_and_status(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.runs.create(_run("i1", minutes=1, status="succeeded"))
        await repos.runs.create(_run("i2", minutes=2, status="failed"))
        await repos.runs.create(_run("p1", minutes=3, stage="process", status="failed"))
        imports = await repos.runs.list(stage="import")
        failed = await repos.runs.list(status="failed")
        failed_imports = await repos.runs.list(stage="import", status="failed")
        none = await repos.runs.list(stage="topics")

    assert [run.id for run in imports] == ["i2", "i1"]
    assert [run.id for run in failed] == ["p1", "i2"]
    assert [run.id for run in failed_imports] == ["i2"]
    assert none == []
