"""The ingest service over a fake live source, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tg_parser import registry
from tg_parser.clock import utcnow
from tg_parser.config import Settings
from tg_parser.errors import (
    InputError,
    RateLimitedError,
    RetryableSourceError,
    SourceUnavailableError,
)
from tg_parser.ingest.live import IngestOptions, IngestReport, ingest
from tg_parser.models import OnProgress, Progress, Source
from tg_parser.runs import track_run
from tg_parser.sources.telegram import TelegramSource, telethon_error
from tg_parser.store.database import Database
from tg_parser.testing import FakeChannel, FakeLiveSources, FakeTelegramClient
from tg_parser.testing.sources import posted

ALL = IngestOptions(all=True)


async def add(db: Database, *channels: str, comments: bool = False) -> None:
    for channel in channels:
        await registry.add_source(db, channel, via="web", include_comments=comments)


async def source(db: Database, channel: str = "alpha") -> Source:
    return await registry.get_source(db, channel)


async def run(
    db: Database,
    fakes: dict[str, FakeChannel] | FakeChannel,
    options: IngestOptions = ALL,
    progress: OnProgress | None = None,
) -> IngestReport:
    """Ingest with one fake per channel (or the same fake for every channel)."""
    return await ingest(db, options, lambda via: FakeLiveSources(fakes), progress)


async def attempts(db: Database, channel: str = "alpha") -> list[dict]:
    source_id = (await source(db, channel)).id
    async with db.transaction() as repos:
        return await repos.sources.attempts(source_id)


async def test_collects_posts_and_comments_with_cursors(db: Database) -> None:
    await add(db, "alpha", comments=True)
    report = await run(db, FakeChannel(25, batch_size=10, comments_every=5))

    counters = report.counters
    assert (counters["posts_inserted"], counters["comments_inserted"]) == (25, 10)
    assert (counters["batches"], counters["messages"], counters["sources_collected"]) == (3, 35, 1)
    stored = await source(db)
    assert stored.high_watermark == 25
    assert (stored.title, stored.numeric_id, stored.subscribers) == (
        "Fake Channel",
        -1009990001,
        42,
    )
    assert stored.fail_count == 0 and stored.last_success_at is not None
    async with db.transaction() as repos:
        assert await repos.cursors.get(stored.id) == {p: p * 1000 + 2 for p in (5, 10, 15, 20, 25)}
        assert await repos.messages.count("alpha") == 35
    [attempt] = await attempts(db)
    assert (attempt["status"], attempt["messages_stored"], attempt["run_id"]) == (
        "succeeded",
        35,
        report.run_id,
    )


async def test_progress_counts_the_messages_of_each_channel(db: Database) -> None:
    await add(db, "alpha", "beta")
    seen: list[Progress] = []
    fakes = {"alpha": FakeChannel(25, batch_size=10), "beta": FakeChannel(5)}
    await run(db, fakes, progress=seen.append)
    assert {p.stage for p in seen} == {"ingest"}
    assert {p.subject: p.done for p in seen} == {"alpha": 25, "beta": 5}


async def test_a_second_run_collects_only_what_is_new(db: Database) -> None:
    await add(db, "alpha", comments=True)
    fake = FakeChannel(20, comments_every=10)
    await run(db, fake)
    fake.posts = 23
    report = await run(db, fake)

    assert report.counters["posts_inserted"] == 3
    assert report.counters["posts_unchanged"] == report.counters["comments_inserted"] == 0
    assert fake.seen_cursors[-1] == {10: 10002, 20: 20002}
    assert (await source(db)).high_watermark == 23


async def test_limit_caps_messages_per_source_and_the_next_run_continues(db: Database) -> None:
    await add(db, "alpha", "beta")
    fakes = {"alpha": FakeChannel(30, batch_size=5), "beta": FakeChannel(30, batch_size=5)}
    first = await run(db, fakes, IngestOptions(all=True, limit=12))
    second = await run(db, fakes, ALL)

    assert [r.counters["posts_inserted"] for r in first.sources] == [15, 15]
    assert [r.counters["posts_inserted"] for r in second.sources] == [15, 15]
    assert (await source(db, "beta")).high_watermark == 30


async def test_since_and_until_override_the_history_window(db: Database) -> None:
    await add(db, "alpha")
    options = IngestOptions(channels=("alpha",), since=posted(11), until=posted(20))
    report = await run(db, FakeChannel(30), options)

    assert report.counters["posts_inserted"] == 10
    assert (await source(db)).high_watermark == 20


async def test_a_retryable_failure_keeps_committed_batches_and_counts_failures(
    db: Database,
) -> None:
    await add(db, "alpha", "beta")
    broken = FakeChannel(30, error=RetryableSourceError("timeout reading t.me"), fail_after=1)
    fakes = {"alpha": broken, "beta": FakeChannel(5)}
    report = await run(db, fakes)
    await run(db, fakes)

    assert [(r.channel, r.outcome) for r in report.sources] == [
        ("alpha", "failed"),
        ("beta", "collected"),
    ]
    assert report.sources[0].reason == "timeout reading t.me"
    assert report.counters["sources_failed"] == 1
    alpha = await source(db)
    assert (alpha.status, alpha.fail_count, alpha.last_error) == (
        "active",
        2,
        "timeout reading t.me",
    )
    assert alpha.high_watermark == 20  # one batch per run, resumed from the cursor
    assert [a["status"] for a in await attempts(db)] == ["failed", "failed"]
    assert (await attempts(db))[0]["error_class"] == "RetryableSourceError"

    broken.error = None
    await run(db, fakes)
    assert (await source(db)).fail_count == 0


@pytest.mark.parametrize("fail_after", [None, 1], ids=["describe", "second-batch"])
@pytest.mark.parametrize(
    "error",
    [
        httpx.TooManyRedirects("Exceeded maximum allowed redirects."),
        ValueError("invalid literal for int() with base 10: 'x'\n  in a parser"),
    ],
    ids=["httpx", "parser"],
)
async def test_an_unexpected_error_fails_only_its_source(
    db: Database, error: Exception, fail_after: int | None
) -> None:
    await add(db, "alpha", "beta")
    fakes = {"alpha": FakeChannel(30, error=error, fail_after=fail_after), "beta": FakeChannel(7)}
    report = await run(db, fakes)

    assert [(r.channel, r.outcome) for r in report.sources] == [
        ("alpha", "failed"),
        ("beta", "collected"),
    ]
    reason = report.sources[0].reason or ""
    assert reason.startswith(f"{type(error).__name__} while collecting alpha: ")
    assert "\n" not in reason and "try again later" in reason
    assert report.sources[1].counters["posts_inserted"] == 7
    assert (report.counters["sources_failed"], report.counters["sources_collected"]) == (1, 1)
    alpha = await source(db)
    assert (alpha.status, alpha.fail_count, alpha.last_error) == ("active", 1, reason)
    assert alpha.high_watermark == (10 if fail_after else None)
    [attempt] = await attempts(db)
    assert (attempt["status"], attempt["error_class"]) == ("failed", "RetryableSourceError")
    async with db.transaction() as repos:
        [recorded] = await repos.runs.list(stage="ingest")
    assert recorded.status == "succeeded"


async def test_a_rate_limit_defers_the_source_and_resumes_from_its_cursor(db: Database) -> None:
    await add(db, "alpha")
    fake = FakeChannel(30, error=RateLimitedError("FloodWait", seconds=600), fail_after=2)
    report = await run(db, fake)
    deferred = await run(db, fake)

    alpha = await source(db)
    assert alpha.rate_limit_until is not None
    assert timedelta(seconds=590) < alpha.rate_limit_until - utcnow() <= timedelta(seconds=600)
    assert "deferred until" in (report.sources[0].reason or "")
    assert deferred.sources[0].outcome == "deferred"
    assert len(await attempts(db)) == 1

    async with db.transaction() as repos:
        await repos.sources.defer(alpha.id, utcnow() - timedelta(seconds=1))
    fake.error = None
    resumed = await run(db, fake)
    assert resumed.counters["posts_inserted"] == 10
    assert (await source(db)).high_watermark == 30


async def test_an_unavailable_source_goes_to_error_until_resumed(db: Database) -> None:
    await add(db, "alpha", "beta")
    gone = FakeChannel(10, error=SourceUnavailableError("@alpha has no public preview"))
    fakes = {"alpha": gone, "beta": FakeChannel(3)}
    await run(db, fakes)
    skipped = await run(db, fakes)

    alpha = await source(db)
    assert (alpha.status, alpha.status_reason) == ("error", "@alpha has no public preview")
    assert skipped.sources[0].outcome == "skipped"
    assert "no public preview" in (skipped.sources[0].reason or "")
    assert len(await attempts(db)) == 1

    gone.error = None
    named = await run(db, fakes, IngestOptions(channels=("alpha",)))
    assert named.sources[0].outcome == "collected"
    assert (await source(db)).status == "active"


async def test_paused_and_export_sources_are_skipped(db: Database) -> None:
    await add(db, "alpha")
    await registry.add_source(db, "gamma", via="export")
    await registry.pause_source(db, "alpha")
    report = await run(db, FakeChannel(3))

    assert [(r.channel, r.outcome) for r in report.sources] == [
        ("alpha", "skipped"),
        ("gamma", "skipped"),
    ]
    assert "paused" in (report.sources[0].reason or "")
    assert report.counters["messages"] == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (IngestOptions(channels=("gamma",)), "tg-parser import"),
        (IngestOptions(), "--source CHANNEL"),
        (IngestOptions(channels=("alpha",), all=True), "not both"),
    ],
)
async def test_bad_selections_are_input_errors(
    db: Database, options: IngestOptions, message: str
) -> None:
    await registry.add_source(db, "gamma", via="export")
    with pytest.raises(InputError, match=message):
        await run(db, FakeChannel(3), options)


async def test_cancelling_records_a_cancelled_run_and_keeps_stored_batches(db: Database) -> None:
    await add(db, "alpha")
    fake = FakeChannel(100, batch_size=5, latency=0.02)
    task = asyncio.create_task(run(db, fake))
    while not await _stored(db):
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    [attempt] = await attempts(db)
    assert attempt["status"] == "cancelled"
    async with db.transaction() as repos:
        [recorded] = await repos.runs.list(stage="ingest")
    assert recorded.status == "cancelled"
    alpha = await source(db)
    assert await _stored(db) == alpha.high_watermark
    assert alpha.fail_count == 0


async def _stored(db: Database) -> int:
    async with db.transaction() as repos:
        return await repos.messages.count("alpha")


TELETHON_DUMP = (
    Path(__file__).parents[1]
    / "data"
    / "telethon"
    / "uk_channel_regionality_1941msgs_telethon_to_dict.json"
)


async def test_telethon_flood_wait_defers_and_the_next_run_resumes(db: Database) -> None:
    """The real Telethon source (over FakeTelegramClient) through the service."""
    fake = FakeTelegramClient()
    fake.add_chat(
        json.loads(TELETHON_DUMP.read_text(encoding="utf-8")),
        **{"id": 1253488154, "title": "Регіоналіті", "username": "regionality"},
    )
    fake.fail(telethon_error("FloodWaitError", seconds=86400), after=7)
    settings = Settings(
        telegram_api_id=1, telegram_api_hash="hash", telegram_session_string="session"
    )
    await registry.add_source(db, "regionality", via="telegram")
    options = IngestOptions(channels=("regionality",))

    def telegram(via: str) -> TelegramSource:
        return TelegramSource(settings, client_factory=fake.factory)

    first = await ingest(db, options, telegram)
    deferred = await ingest(db, options, telegram)
    regionality = await source(db, "regionality")
    async with db.transaction() as repos:
        await repos.sources.defer(regionality.id, utcnow())
    resumed = await ingest(db, options, telegram)

    assert first.sources[0].outcome == "failed" and "deferred until" in first.sources[0].reason
    assert regionality.rate_limit_until is not None
    assert regionality.rate_limit_until - utcnow() > timedelta(seconds=3500)  # capped: 1 h
    assert (regionality.numeric_id, regionality.title) == (-1001253488154, "Регіоналіті")
    assert deferred.sources[0].outcome == "deferred"
    assert resumed.sources[0].outcome == "collected"
    inserted = first.counters["posts_inserted"] + resumed.counters["posts_inserted"]
    async with db.transaction() as repos:
        assert await repos.messages.count("regionality") == inserted == 1761


async def test_a_source_another_ingest_is_collecting_is_skipped_naming_it(db: Database) -> None:
    await add(db, "alpha", "beta")
    async with track_run(db, "ingest", {}, claims=["alpha"]) as other:
        report = await run(db, FakeChannel(5))

    outcomes = {r.channel: (r.outcome, r.reason or "") for r in report.sources}
    assert outcomes["beta"] == ("collected", "")
    outcome, reason = outcomes["alpha"]
    assert outcome == "skipped"
    assert reason.startswith(f"run {other.id} (ingest) is already working on channel alpha")
    assert await attempts(db, "alpha") == []
    assert (await source(db, "alpha")).high_watermark is None
    again = await run(db, FakeChannel(5))  # the claim went with the other run
    assert again.counters["sources_collected"] == 2
