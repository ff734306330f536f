"""The Telethon source against FakeTelegramClient fed with real ``to_dict()`` dumps."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tg_parser.clock import utcnow
from tg_parser.config import Settings
from tg_parser.errors import (
    ConfigError,
    RateLimitedError,
    RetryableSourceError,
    SessionBusyError,
    SourceError,
    SourceUnavailableError,
)
from tg_parser.models import CollectedMessage, Source
from tg_parser.sources.base import Batch, Window
from tg_parser.sources.telegram import TelegramSource, telethon_error
from tg_parser.sources.telegram_comments import GROUP_CURSOR
from tg_parser.sources.telegram_session import telegram_configured
from tg_parser.store.database import Database
from tg_parser.testing import FakeChat, FakeTelegramClient

DATA = Path(__file__).parents[1] / "data" / "telethon"
UK = "uk_channel_regionality_1941msgs_telethon_to_dict.json"
UK_ID, CHANNEL_ID, GROUP_ID = 1253488154, 1001234567, 1619992925


def dump(name: str) -> list[dict[str, Any]]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


UK_MESSAGES = dump(UK)
UK_ALBUMS = Counter(m["grouped_id"] for m in UK_MESSAGES if m.get("grouped_id"))


def settings_for(**values: Any) -> Settings:
    base: dict[str, Any] = {"telegram_api_id": 1, "telegram_api_hash": "hash"}
    base["telegram_session_string"] = "session"
    return Settings(**(base | values))


def source_for(key: str = "regionality", **values: Any) -> Source:
    now = utcnow()
    fields: dict[str, Any] = {"id": 1, "channel_key": key, "username": key, "via": "telegram"}
    fields |= {"status": "active", "include_comments": False, "poll_interval_seconds": 900}
    return Source(**(fields | {"created_at": now, "updated_at": now} | values))


def uk_fake(**options: Any) -> tuple[FakeTelegramClient, FakeChat]:
    fake = FakeTelegramClient(**options)
    chat = fake.add_chat(
        UK_MESSAGES, id=UK_ID, title="Регіоналіті", username="regionality", access_hash=42
    )
    return fake, chat


def discussion_fake(*, forbidden: bool = False) -> FakeTelegramClient:
    fake = FakeTelegramClient()
    group = fake.add_chat(
        dump("SYNTHETIC_FAITHFUL_discussion_group_6msgs_telethon.json"),
        id=GROUP_ID,
        title="Chat",
        megagroup=True,
        access_hash=7,
        forbidden=forbidden,
    )
    channel = fake.add_chat(
        dump("SYNTHETIC_channel_posts_for_discussion_group.json"),
        id=CHANNEL_ID,
        title="Channel",
        username="withcomments",
        access_hash=8,
    )
    channel.linked = group
    return fake


async def collect(
    fake: FakeTelegramClient,
    source: Source,
    window: Window | None = None,
    cursors: dict[int, int] | None = None,
    **settings: Any,
) -> list[Batch]:
    telegram = TelegramSource(settings_for(**settings), client_factory=fake.factory)
    try:
        return [b async for b in telegram.collect(source, window or Window(), cursors or {})]
    finally:
        await telegram.close()


def messages(batches: list[Batch]) -> list[CollectedMessage]:
    return [message for batch in batches for message in batch.messages]


def by_id(batches: list[Batch]) -> dict[int, CollectedMessage]:
    return {int(m.message.id): m for m in messages(batches)}


def covered_ids(message: CollectedMessage) -> list[int]:
    payload = message.message.raw_payload or {}
    return payload.get("album") or [int(message.message.id)]


# --- posts -------------------------------------------------------------------------------


async def test_the_whole_channel_is_collected_100_messages_per_request() -> None:
    fake, _ = uk_fake()
    batches = await collect(fake, source_for())
    collected = messages(batches)
    service = sum(1 for m in UK_MESSAGES if m["_"] == "MessageService")
    assert fake.count("history") == 20  # ceil(1941 / 100)
    assert len(collected) == len(UK_MESSAGES) - service - 264 + len(UK_ALBUMS) == 1761
    assert len({m.message.source_ref for m in collected}) == len(collected)
    albums = [m for m in collected if "album" in (m.message.raw_payload or {})]
    assert len(albums) == len(UK_ALBUMS) == 86
    assert sum(len(covered_ids(m)) for m in albums) == 264
    assert batches[-1].cursor.backfill_complete is True
    assert batches[-1].cursor.high_watermark == 2090


async def test_each_batch_cursor_is_its_largest_id_and_batches_go_oldest_first() -> None:
    fake, _ = uk_fake()
    batches = await collect(fake, source_for())
    previous = 0
    for batch in batches:
        ids = [i for message in batch.messages for i in covered_ids(message)]
        assert ids, "every batch of this channel holds messages"
        assert min(ids) > previous
        assert batch.cursor.high_watermark is not None
        assert batch.cursor.high_watermark >= max(ids)  # may cover a service message
        assert batch.cursor.high_watermark != min(ids)
        previous = batch.cursor.high_watermark
        assert sum(len(covered_ids(m)) for m in batch.messages) <= 100


async def test_albums_are_one_material_with_the_caption_and_every_part() -> None:
    fake, _ = uk_fake()
    collected = by_id(await collect(fake, source_for()))
    for grouped, size in UK_ALBUMS.items():
        ids = sorted(m["id"] for m in UK_MESSAGES if m.get("grouped_id") == grouped)
        material = collected[ids[0]]
        payload = material.message.raw_payload or {}
        assert payload["album"] == ids and len(payload["media"]) == size
        assert [item["message_id"] for item in payload["media"]] == ids
        assert all(i not in collected for i in ids[1:])
    first_part = next(m for m in UK_MESSAGES if m.get("grouped_id") and m["message"])
    assert collected[first_part["id"]].message.text.startswith(first_part["message"][:20])


async def test_payload_keeps_counts_links_and_media_metadata() -> None:
    fake, _ = uk_fake()
    collected = by_id(await collect(fake, source_for()))
    post = collected[2090].message
    assert (
        post.text.startswith(UK_MESSAGES[0]["message"][:7])
        and "(https://tsn.ua/exclusive/" in post.text
    )
    assert post.raw_payload is not None
    assert post.raw_payload["views"] == 11296 and post.raw_payload["forwards"] == 740
    assert post.raw_payload["replies"] == 74
    video = (collected[2086].message.raw_payload or {})["media"][0]
    assert video == {
        "type": "video",
        "mime_type": "video/quicktime",
        "size": 12326844,
        "duration_seconds": 38,
        "width": 720,
        "height": 1280,
        "file_name": "IMG_5612.MOV",
    }
    photo = (collected[2089].message.raw_payload or {})["media"][0]
    assert photo["type"] == "photo" and photo["width"] == 890
    preview = (collected[2084].message.raw_payload or {})["link_preview"]
    assert preview["url"].startswith("https://telegra.ph/")
    edited = next(m for m in UK_MESSAGES if m.get("edit_date") and not m.get("grouped_id"))
    assert collected[edited["id"]].edit_date == datetime.fromisoformat(edited["edit_date"])


async def test_a_second_run_reads_only_newer_posts() -> None:
    fake, chat = uk_fake()
    first = await collect(fake, source_for())
    watermark = first[-1].cursor.high_watermark
    new = dict(UK_MESSAGES[0], id=2091, message="Новий пост", date="2021-05-26T08:00:00+00:00")
    chat.add([new])
    fake.requests.clear()
    second = await collect(
        fake, source_for(high_watermark=watermark), telegram_edit_lookback_posts=0
    )
    assert [m.message.id for m in messages(second)] == ["2091"]
    assert fake.count("history") == 1
    assert second[-1].cursor.high_watermark == 2091


async def test_a_long_flood_wait_stops_with_capped_seconds_and_the_next_run_resumes() -> None:
    fake, _ = uk_fake()
    fake.fail(telethon_error("FloodWaitError", seconds=86400), after=7)
    telegram = TelegramSource(
        settings_for(telegram_max_flood_wait=900), client_factory=fake.factory
    )
    kept: list[Batch] = []
    with pytest.raises(RateLimitedError) as caught:
        async for batch in telegram.collect(source_for(), Window(), {}):
            kept.append(batch)
    await telegram.close()
    assert caught.value.seconds == 900 and fake.slept == []
    watermark = max(b.cursor.high_watermark or 0 for b in kept)
    rest = await collect(fake, source_for(high_watermark=watermark), telegram_edit_lookback_posts=0)
    refs = [m.message.source_ref for m in messages(kept) + messages(rest)]
    assert len(refs) == len(set(refs)) == 1761


async def test_a_short_flood_wait_is_absorbed_in_place() -> None:
    fake, _ = uk_fake()
    fake.fail(telethon_error("FloodWaitError", seconds=30), after=3)
    collected = messages(await collect(fake, source_for()))
    assert fake.slept == [30] and len(collected) == 1761


async def test_the_window_and_the_limit() -> None:
    fake, _ = uk_fake()
    since, until = datetime(2021, 3, 1, tzinfo=UTC), datetime(2021, 4, 1, tzinfo=UTC)
    batches = await collect(fake, source_for(), Window(since=since, until=until))
    dates = [m.message.date for m in messages(batches)]
    expected = {m["id"] for m in UK_MESSAGES if since < datetime.fromisoformat(m["date"]) <= until}
    assert dates and all(since <= d <= until for d in dates)
    assert {i for m in messages(batches) for i in covered_ids(m)} <= expected
    assert batches[-1].cursor.backfill_complete is True
    limited = await collect(fake, source_for(), Window(limit=150))
    assert sum(len(covered_ids(m)) for m in messages(limited)) <= 150
    assert all(b.cursor.backfill_complete is None for b in limited)


async def test_an_edited_recent_post_becomes_a_new_version(db: Database) -> None:
    fake, chat = uk_fake()
    first = await collect(fake, source_for())
    async with db.transaction() as repos:
        await repos.messages.store(messages(first))
    edit_date = datetime(2021, 5, 27, 9, 0, tzinfo=UTC)
    chat.edit(2088, "Виправлений текст", edit_date)
    source = source_for(high_watermark=first[-1].cursor.high_watermark)
    second = await collect(fake, source, telegram_edit_lookback_posts=20)
    assert [m.message.id for m in messages(second)][-1] == "2090"
    async with db.transaction() as repos:
        result = await repos.messages.store(messages(second))
    assert result.edited == 1 and result.inserted == 0
    edited = by_id(second)[2088]
    assert edited.message.text == "Виправлений текст" and edited.edit_date == edit_date


# --- comments ----------------------------------------------------------------------------


def placement(batches: list[Batch]) -> dict[str, tuple[str | None, str | None]]:
    return {
        m.message.id: (m.message.thread_id, m.message.parent_message_id)
        for m in messages(batches)
        if m.message.message_type == "comment"
    }


async def test_comments_come_from_the_discussion_group_in_one_pass() -> None:
    fake = discussion_fake()
    source = source_for("withcomments", include_comments=True)
    batches = await collect(fake, source)
    assert placement(batches) == {
        "9131": ("5445", "5445"),
        "9240": ("5477", "5477"),
        "9241": ("5477", "9240"),
    }
    comment = by_id(batches)[9240].message
    assert comment.source_ref == "tg:withcomments:comment:9240"
    assert (comment.raw_payload or {})["media"][0]["file_name"] == "post5477.pdf"
    assert batches[-1].cursor.comment_cursors == {GROUP_CURSOR: 9300, 5445: 9131, 5477: 9241}
    assert fake.count("replies") == 0


async def test_later_comment_runs_start_after_the_group_cursor() -> None:
    fake = discussion_fake()
    source = source_for("withcomments", include_comments=True, high_watermark=5480)
    cursors = {GROUP_CURSOR: 9300, 5445: 9131, 5477: 9241}
    late = {
        "_": "Message",
        "id": 9400,
        "peer_id": {"_": "PeerChannel", "channel_id": GROUP_ID},
        "date": "2025-06-02 08:00:00+00:00",
        "message": "Late reply",
        "reply_to": {"_": "MessageReplyHeader", "reply_to_msg_id": 9241, "reply_to_top_id": 9230},
    }
    fake.chats[GROUP_ID].add([late])
    batches = await collect(fake, source, cursors=cursors, telegram_edit_lookback_posts=0)
    assert placement(batches) == {"9400": ("5477", "9241")}
    assert fake.count("get_messages") == 1  # the thread root 9230 was read in an earlier run


async def test_without_a_readable_group_threads_are_read_per_post() -> None:
    fake = discussion_fake(forbidden=True)
    fake.fail(telethon_error("MsgIdInvalidError"), reply_to=5445)
    source = source_for("withcomments", include_comments=True)
    batches = await collect(fake, source)
    assert placement(batches) == {"9240": ("5477", "5477"), "9241": ("5477", "9240")}
    assert fake.count("replies") == 2  # 5480 has no replies, so it is not asked
    assert batches[-1].cursor.comment_cursors == {5477: 9241}


# --- channels, errors, sessions ----------------------------------------------------------


async def test_describe_caches_ids_and_reuses_the_access_hash() -> None:
    fake = discussion_fake()
    telegram = TelegramSource(settings_for(), client_factory=fake.factory)
    info = await telegram.describe(source_for("withcomments"))
    assert (info.numeric_id, info.username, info.title) == (
        -1001001234567,
        "withcomments",
        "Channel",
    )
    assert info.discussion_group_id == -1001619992925 and info.access_hash == 8
    await telegram.close()
    fake.requests.clear()
    known = source_for("withcomments", id=2, numeric_id=info.numeric_id, access_hash=8)
    telegram = TelegramSource(settings_for(), client_factory=fake.factory)
    assert await telegram.describe(known) == info
    await telegram.close()
    assert fake.requests == ["full_channel"]


@pytest.mark.parametrize(
    "reference", ["@withcomments", "https://t.me/withcomments", "-1001001234567", "t.me/+AbC-1"]
)
async def test_channels_resolve_from_every_kind_of_reference(reference: str) -> None:
    fake = discussion_fake()
    fake.chats[CHANNEL_ID].invite_hash = "AbC-1"
    telegram = TelegramSource(settings_for(), client_factory=fake.factory)
    assert (await telegram.resolve(reference)).numeric_id == -1001001234567
    await telegram.close()


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (telethon_error("ChannelPrivateError"), SourceUnavailableError),
        (telethon_error("ChannelInvalidError"), SourceUnavailableError),
        (telethon_error("UsernameNotOccupiedError"), SourceUnavailableError),
        (telethon_error("UsernameInvalidError"), SourceUnavailableError),
        (telethon_error("InviteHashExpiredError"), SourceUnavailableError),
        (telethon_error("AuthKeyUnregisteredError"), SourceUnavailableError),
        (telethon_error("UserDeactivatedError"), SourceUnavailableError),
        (telethon_error("RpcCallFailError"), RetryableSourceError),
        (telethon_error("FloodWaitError", seconds=7200), RateLimitedError),
        (ConnectionError("reset"), RetryableSourceError),
        (TimeoutError(), RetryableSourceError),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else "",
)
async def test_errors_are_classified_by_type(
    error: BaseException, expected: type[SourceError]
) -> None:
    fake, _ = uk_fake()
    fake.fail(error, after=2)
    with pytest.raises(SourceError) as caught:
        await collect(fake, source_for())
    assert type(caught.value) is expected
    assert "\n" not in caught.value.message


async def test_a_wrong_access_hash_is_a_permanent_error() -> None:
    fake, _ = uk_fake()
    stale = source_for(numeric_id=-1001253488154, access_hash=41)
    with pytest.raises(SourceUnavailableError, match="sources resume regionality"):
        await collect(fake, stale)


@pytest.mark.parametrize(
    "values",
    [{"telegram_api_id": None}, {"telegram_session_string": None}],
    ids=["no api id", "no session"],
)
async def test_missing_credentials_are_a_config_error(values: dict[str, Any]) -> None:
    fake, _ = uk_fake()
    with pytest.raises(ConfigError, match=r"telegram login|TELEGRAM_API_ID"):
        await collect(fake, source_for(), **values)
    assert not telegram_configured(settings_for(**values))


async def test_an_unauthorised_session_says_to_log_in() -> None:
    fake, _ = uk_fake(authorized=False)
    with pytest.raises(ConfigError, match=r"tg-parser telegram login.*TELEGRAM_SESSION_STRING"):
        await collect(fake, source_for())


SECOND_PROCESS = """
import asyncio, sys
from pathlib import Path
from tg_parser.config import Settings
from tg_parser.errors import SessionBusyError
from tg_parser.sources.telegram import TelegramSource
from tg_parser.testing import FakeTelegramClient
settings = Settings(telegram_api_id=1, telegram_api_hash="h",
                    telegram_session_file=Path(sys.argv[1]))
try:
    asyncio.run(TelegramSource(settings, FakeTelegramClient().factory).client())
except SessionBusyError as exc:
    print(exc.message)
"""


async def test_the_session_file_is_private_and_held_by_one_process(tmp_path: Path) -> None:
    session = tmp_path / "account.session"
    session.write_bytes(b"")
    session.chmod(0o644)
    settings = settings_for(telegram_session_string=None, telegram_session_file=session)
    assert telegram_configured(settings)
    fake, _ = uk_fake()
    telegram = TelegramSource(settings, client_factory=fake.factory)
    await telegram.client()
    assert session.stat().st_mode & 0o777 == 0o600
    assert fake.sessions == [session]
    other = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", SECOND_PROCESS, str(session)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "is in use by another tg-parser process" in other.stdout
    assert "database is locked" not in other.stdout + other.stderr
    with pytest.raises(SessionBusyError):  # also within one process, a second holder
        await TelegramSource(settings, client_factory=fake.factory).client()
    await telegram.close()
    again = TelegramSource(settings, client_factory=fake.factory)
    await again.client()
    await again.close()
