"""SourceRepository on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from tg_parser.clock import utcnow
from tg_parser.models import CollectedMessage
from tg_parser.store.database import Database
from tg_parser.store.tables import comment_cursors, source_attempts

SINCE = datetime(2025, 6, 1, tzinfo=UTC)


async def test_upsert_creates_a_source_with_defaults(db: Database) -> None:
    async with db.transaction() as repos:
        source = await repos.sources.upsert("alpha", title="Alpha", numeric_id=-1001234567890)

    assert source.channel_key == "alpha"
    assert source.title == "Alpha"
    assert source.numeric_id == -1001234567890
    assert (source.via, source.status, source.include_comments) == ("export", "active", False)
    assert (source.poll_interval_seconds, source.fail_count) == (3600, 0)
    assert source.high_watermark is None
    assert source.created_at.tzinfo is not None
    assert source.created_at == source.updated_at


async def test_upsert_updates_only_the_given_settings(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.sources.upsert(
            "alpha", via="telegram", include_comments=True, history_from=SINCE, title="Alpha"
        )
        updated = await repos.sources.upsert("alpha", poll_interval_seconds=120)

    assert updated.poll_interval_seconds == 120
    assert (updated.via, updated.include_comments, updated.title) == ("telegram", True, "Alpha")
    assert updated.history_from == SINCE
    assert updated.updated_at >= updated.created_at


async def test_upsert_never_touches_cursor_or_health(db: Database) -> None:
    async with db.transaction() as repos:
        source = await repos.sources.upsert("alpha")
        await repos.sources.advance_watermark(source.id, 42)
        attempt = await repos.sources.start_attempt(source.id, run_id=None)
        await repos.sources.finish_attempt(attempt, stored=0, error=RuntimeError("flood wait"))
        await repos.sources.set_status("alpha", "error", "flood wait")
        again = await repos.sources.upsert("alpha", via="web", include_comments=False)

    assert again.via == "web"
    assert again.high_watermark == 42
    assert (again.fail_count, again.last_error) == (1, "flood wait")
    assert (again.status, again.status_reason) == ("error", "flood wait")
    assert again.last_attempt_at is not None and again.last_error_at is not None


async def test_upsert_of_an_existing_source_without_values_changes_nothing(db: Database) -> None:
    async with db.transaction() as repos:
        first = await repos.sources.upsert("alpha", title="Alpha")
        again = await repos.sources.upsert("alpha")
    assert again == first


async def test_upsert_rejects_columns_that_are_not_settings(db: Database) -> None:
    async with db.transaction() as repos:
        with pytest.raises(ValueError, match="high_watermark"):
            await repos.sources.upsert("alpha", high_watermark=5)


async def test_get_and_find_by_numeric_id(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.sources.upsert("alpha", numeric_id=-1001111111111)
        await repos.sources.upsert("-1002222222222", numeric_id=-1002222222222)
        found = await repos.sources.find_by_numeric_id(-1001111111111)
        missing = await repos.sources.find_by_numeric_id(-1009999999999)
        unknown = await repos.sources.get("nobody")

    assert found is not None and found.channel_key == "alpha"
    assert missing is None
    assert unknown is None


async def test_list_is_ordered_by_channel_key(db: Database) -> None:
    async with db.transaction() as repos:
        for key in ("gamma", "alpha", "beta"):
            await repos.sources.upsert(key)
        listed = await repos.sources.list()
    assert [source.channel_key for source in listed] == ["alpha", "beta", "gamma"]


async def test_set_status_records_and_clears_the_reason(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.sources.upsert("alpha")
        await repos.sources.set_status("alpha", "paused", "holiday")
        paused = await repos.sources.get("alpha")
        await repos.sources.set_status("alpha", "active")
        active = await repos.sources.get("alpha")

    assert paused is not None and (paused.status, paused.status_reason) == ("paused", "holiday")
    assert active is not None and (active.status, active.status_reason) == ("active", None)


async def test_remove_cascades_to_attempts_and_comment_cursors(db: Database) -> None:
    async with db.transaction() as repos:
        source = await repos.sources.upsert("alpha")
        kept = await repos.sources.upsert("beta")
        for owner in (source, kept):
            await repos.sources.start_attempt(owner.id, run_id="run-1")
            await repos.conn.execute(
                insert(comment_cursors).values(
                    source_id=owner.id, post_id=7, last_comment_id=70, updated_at=utcnow()
                )
            )

    async with db.transaction() as repos:
        assert await repos.sources.remove("alpha") is True
        assert await repos.sources.remove("alpha") is False
        assert await repos.sources.get("alpha") is None
        for table in (source_attempts, comment_cursors):
            owners = (await repos.conn.execute(select(table.c.source_id))).scalars().all()
            assert owners == [kept.id]


async def test_attempts_track_consecutive_failures_and_reset_on_success(db: Database) -> None:
    async with db.transaction() as repos:
        source = await repos.sources.upsert("alpha")
        for problem in ("timeout", "flood wait"):
            attempt = await repos.sources.start_attempt(source.id, run_id="run-1")
            await repos.sources.finish_attempt(attempt, stored=0, error=TimeoutError(problem))
        failing = await repos.sources.get("alpha")
        attempt = await repos.sources.start_attempt(source.id, run_id="run-2")
        await repos.sources.finish_attempt(attempt, stored=12)
        healthy = await repos.sources.get("alpha")
        history = await repos.sources.attempts(source.id)

    assert failing is not None
    assert (failing.fail_count, failing.last_error) == (2, "flood wait")
    assert failing.last_success_at is None and failing.last_error_at is not None
    assert healthy is not None
    assert healthy.fail_count == 0
    assert healthy.last_success_at is not None
    assert healthy.last_attempt_at is not None
    assert healthy.last_success_at >= healthy.last_error_at  # type: ignore[operator]
    assert [a["status"] for a in history] == ["succeeded", "failed", "failed"]
    assert history[0]["messages_stored"] == 12 and history[0]["run_id"] == "run-2"
    assert (history[1]["error_class"], history[1]["error_message"]) == (
        "TimeoutError",
        "flood wait",
    )
    assert all(a["finished_at"].tzinfo is not None for a in history)


async def test_a_started_attempt_is_running_and_limit_applies(db: Database) -> None:
    async with db.transaction() as repos:
        source = await repos.sources.upsert("alpha")
        ids = [await repos.sources.start_attempt(source.id, run_id=None) for _ in range(3)]
        latest = await repos.sources.attempts(source.id, limit=2)

    assert [a["id"] for a in latest] == ids[:0:-1]
    assert all(a["status"] == "running" and a["finished_at"] is None for a in latest)


async def test_advance_watermark_never_lowers_it(db: Database) -> None:
    async with db.transaction() as repos:
        source = await repos.sources.upsert("alpha")
        marks = []
        for message_id in (10, 5, 10, 25):
            await repos.sources.advance_watermark(source.id, message_id)
            current = await repos.sources.get("alpha")
            assert current is not None
            marks.append(current.high_watermark)
    assert marks == [10, 10, 10, 25]


async def test_message_counts_split_posts_and_comments_per_channel(
    db: Database, message: Callable[..., CollectedMessage]
) -> None:
    batch = [
        message(1),
        message(2),
        message(3, message_type="comment", thread_id=1),
        message(1, channel="beta"),
    ]
    async with db.transaction() as repos:
        await repos.messages.store(batch)
        counts = await repos.sources.message_counts()

    assert counts == {
        "alpha": {"posts": 2, "comments": 1},
        "beta": {"posts": 1, "comments": 0},
    }
