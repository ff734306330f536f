"""RawMessageRepository on SQLite and PostgreSQL: inserts, edits with history, round-trips."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from unittest.mock import AsyncMock

import pytest

from tg_parser.models import CollectedMessage
from tg_parser.store.database import Database
from tg_parser.store.messages import RawMessageRepository, StoreResult

Factory = Callable[..., CollectedMessage]
EDITED = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
REF = "tg:alpha:post:1"


async def _store(db: Database, *batch: CollectedMessage) -> StoreResult:
    async with db.transaction() as repos:
        return await repos.messages.store(batch)


async def _texts(db: Database, ref: str = REF) -> list[tuple[int, str]]:
    async with db.transaction() as repos:
        return [(row["version"], row["text"]) for row in await repos.messages.history(ref)]


async def test_new_messages_are_inserted(db: Database, message: Factory) -> None:
    result = await _store(db, message(1), message(2), message(3, channel="beta"))

    assert result == StoreResult(inserted=3)
    async with db.transaction() as repos:
        assert await repos.messages.count() == 3
        assert await repos.messages.count("alpha") == 2
        assert await repos.messages.count_versions() == 0
        row = await repos.messages.get(REF)
    assert row is not None
    assert (row["channel_id"], row["message_type"], row["message_id"]) == ("alpha", "post", 1)
    assert (row["text"], row["version"], row["edit_date"]) == ("hello", 1, None)


async def test_comments_keep_thread_and_parent(db: Database, message: Factory) -> None:
    await _store(db, message(9, message_type="comment", thread_id=4))
    async with db.transaction() as repos:
        row = await repos.messages.get("tg:alpha:comment:9")
    assert row is not None
    assert (row["message_type"], row["thread_id"], row["parent_message_id"]) == ("comment", 4, 4)


async def test_storing_the_same_messages_again_changes_nothing(
    db: Database, message: Factory
) -> None:
    await _store(db, message(1), message(2, edit_date=EDITED))
    result = await _store(db, message(1), message(2, edit_date=EDITED))

    assert result == StoreResult(unchanged=2)
    assert await _texts(db) == [(1, "hello")]


async def test_an_edit_keeps_every_version_in_order(db: Database, message: Factory) -> None:
    await _store(db, message(1, "first"))
    second = await _store(db, message(1, "second", edit_date=EDITED))
    third = await _store(db, message(1, "third", edit_date=EDITED + timedelta(hours=1)))

    assert second == third == StoreResult(edited=1)
    assert await _texts(db) == [(1, "first"), (2, "second"), (3, "third")]
    async with db.transaction() as repos:
        assert await repos.messages.count() == 1
        assert await repos.messages.count_versions() == 2
        current = await repos.messages.get(REF)
    assert current is not None
    assert current["edit_date"] == EDITED + timedelta(hours=1)
    assert current["updated_at"] >= current["first_seen_at"]


async def test_a_changed_text_without_edit_date_is_an_edit(db: Database, message: Factory) -> None:
    await _store(db, message(1, "typo"))
    result = await _store(db, message(1, "fixed"))

    assert result == StoreResult(edited=1)
    assert await _texts(db) == [(1, "typo"), (2, "fixed")]


async def test_an_older_copy_leaves_the_newer_text_alone(db: Database, message: Factory) -> None:
    await _store(db, message(1, "newest", edit_date=EDITED))
    older_edit = await _store(db, message(1, "older", edit_date=EDITED - timedelta(days=1)))
    never_edited = await _store(db, message(1, "original"))

    assert older_edit == never_edited == StoreResult(unchanged=1)
    assert await _texts(db) == [(1, "newest")]


async def test_timestamps_come_back_aware_in_utc(db: Database, message: Factory) -> None:
    moscow = timezone(timedelta(hours=3))
    edited = datetime(2026, 1, 6, 15, 0, tzinfo=moscow)
    await _store(db, message(1, edit_date=edited))

    async with db.transaction() as repos:
        row = await repos.messages.get(REF)
    assert row is not None
    for column in ("date", "edit_date", "first_seen_at", "updated_at"):
        assert row[column].utcoffset() == timedelta(0), column
    assert row["edit_date"] == edited
    assert row["date"] == message(1).message.date


async def test_raw_payload_round_trips_with_unicode(db: Database, message: Factory) -> None:
    payload = {
        "text_entities": [{"type": "text_link", "text": "ссылка 🔗", "href": "https://x.y/é"}],
        "reactions": {"👍": 3, "🔥": 1},
        "poll": {"question": "Ja oder nein?", "closed": False, "total": None, "ratio": 0.25},
    }
    await _store(db, message(1, "Привет, мир 👋", raw_payload=payload))

    async with db.transaction() as repos:
        row = await repos.messages.get(REF)
    assert row is not None
    assert row["text"] == "Привет, мир 👋"
    assert row["raw_payload"] == payload


async def test_history_keeps_old_payloads(db: Database, message: Factory) -> None:
    await _store(db, message(1, "v1", raw_payload={"views": 1}))
    await _store(db, message(1, "v2", raw_payload={"views": 2}, edit_date=EDITED))

    async with db.transaction() as repos:
        history = await repos.messages.history(REF)
    assert [row["raw_payload"] for row in history] == [{"views": 1}, {"views": 2}]
    assert history[0]["recorded_at"].tzinfo is not None


async def test_unknown_messages_have_no_history(db: Database) -> None:
    async with db.transaction() as repos:
        assert await repos.messages.get("tg:alpha:post:404") is None
        assert await repos.messages.history("tg:alpha:post:404") == []


async def test_a_mixed_batch_is_counted_per_outcome(db: Database, message: Factory) -> None:
    await _store(db, message(1), message(2))
    result = await _store(db, message(1), message(2, "edited", edit_date=EDITED), message(3))

    assert result == StoreResult(inserted=1, edited=1, unchanged=1)
    total = StoreResult()
    total += result
    total += StoreResult(inserted=2)
    assert total == StoreResult(inserted=3, edited=1, unchanged=1)


async def test_a_message_twice_in_one_batch_is_stored_once_as_its_newest_copy(
    db: Database, message: Factory
) -> None:
    batch = (
        message(1, "edited", edit_date=EDITED),
        message(1, "original"),
        message(2, "a"),
        message(2, "b"),
    )
    result = await _store(db, *batch)

    assert result == StoreResult(inserted=2, unchanged=2)
    assert await _texts(db) == [(1, "edited")]
    assert await _texts(db, "tg:alpha:post:2") == [(1, "b")]


async def test_a_message_another_writer_stored_meanwhile_is_not_an_error(
    db: Database, message: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _store(db, message(1))
    unseen: Callable[..., Awaitable[dict[str, Any]]] = AsyncMock(return_value={})
    monkeypatch.setattr(RawMessageRepository, "_current", unseen)  # as if read before it
    result = await _store(db, message(1), message(2))
    assert result == StoreResult(inserted=1, unchanged=1)
    async with db.transaction() as repos:
        assert await repos.messages.count() == 2


async def test_two_writers_storing_the_same_new_messages_both_succeed(
    db: Database, message: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.backend == "sqlite":
        pytest.skip("SQLite queues writers (BEGIN IMMEDIATE): two can never overlap")
    both_have_read = asyncio.Barrier(2)
    read_current = RawMessageRepository._current

    async def read_then_wait(self: RawMessageRepository, refs: Any) -> dict[str, Any]:
        found = await read_current(self, refs)
        await asyncio.wait_for(both_have_read.wait(), timeout=10)
        return found

    monkeypatch.setattr(RawMessageRepository, "_current", read_then_wait)
    batch = [message(number) for number in range(1, 41)]
    results = await asyncio.gather(_store(db, *batch), _store(db, *batch))
    assert sorted(r.inserted for r in results) == [0, 40]
    async with db.transaction() as repos:
        assert await repos.messages.count() == 40
