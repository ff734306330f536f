"""The web preview source against FakeTelegramWeb: paging, cursors, windows, comments, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tg_parser.config import Settings
from tg_parser.errors import RetryableSourceError, SourceUnavailableError
from tg_parser.models import CursorUpdate, Source
from tg_parser.sources.base import Batch, Window
from tg_parser.sources.web import WebSource
from tg_parser.sources.web_page import parse_channel_page
from tg_parser.testing import FakeTelegramWeb, Reply

DATA = Path(__file__).parents[1] / "data" / "web"


@pytest.fixture
def fake() -> Iterator[FakeTelegramWeb]:
    with FakeTelegramWeb() as server:
        yield server


@pytest.fixture
async def web(fake: FakeTelegramWeb) -> AsyncIterator[WebSource]:
    source = WebSource(Settings(telegram_web_base_url=fake.base_url, web_request_delay=0))
    yield source
    await source.close()


def channel_source(key: str = "synth", **fields: Any) -> Source:
    now = datetime.now(UTC)
    return Source.model_validate(
        {"id": 1, "channel_key": key, "via": "web", "status": "active"}
        | {"include_comments": False, "poll_interval_seconds": 600}
        | {"created_at": now, "updated_at": now}
        | fields
    )


async def run(
    web: WebSource, source: Source, window: Window | None = None, comments: Any = None
) -> list[Batch]:
    return [b async for b in web.collect(source, window or Window(), comments or {})]


def stored(source: Source, batches: list[Batch]) -> Source:
    """The source after its batches are committed (the watermark is never lowered)."""
    for batch in batches:
        cursor = batch.cursor
        if cursor.high_watermark is not None:
            watermark = max(cursor.high_watermark, source.high_watermark or 0)
            source = source.model_copy(update={"high_watermark": watermark})
        if cursor.backfill_before is not None:
            source = source.model_copy(update={"backfill_before": cursor.backfill_before})
        if cursor.backfill_complete is not None:
            source = source.model_copy(update={"backfill_complete": cursor.backfill_complete})
    return source


def post_ids(batches: list[Batch]) -> list[int]:
    return [
        int(m.message.id) for b in batches for m in b.messages if m.message.message_type == "post"
    ]


def cursors(batches: list[Batch]) -> list[tuple[int | None, int | None, bool | None]]:
    return [
        (b.cursor.high_watermark, b.cursor.backfill_before, b.cursor.backfill_complete)
        for b in batches
    ]


# --- paging and cursors ------------------------------------------------------------------


async def test_first_run_reads_every_post_once_newest_page_first(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    fake.add_channel("synth", 95)
    batches = await run(web, channel_source())
    assert sorted(post_ids(batches)) == list(range(1, 96))
    assert cursors(batches) == [
        (95, 76, None),
        (None, 56, None),
        (None, 36, None),
        (None, 16, None),
        (None, 1, True),
    ]
    assert [r.query.get("before") for r in fake.requests] == [None, "76", "56", "36", "16"]
    message = batches[0].messages[-1].message
    assert (message.source_ref, message.text) == (
        "tg:synth:post:95",
        fake.channels["synth"].text(95),
    )
    assert message.date == fake.channels["synth"].date(95)


async def test_pages_without_more_link_still_page_back(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    fake.add_channel("synth", 45, more_links=False)
    batches = await run(web, channel_source())
    assert sorted(post_ids(batches)) == list(range(1, 46))
    assert batches[-1].cursor.backfill_complete is True


async def test_incremental_run_reads_only_new_posts(fake: FakeTelegramWeb, web: WebSource) -> None:
    channel = fake.add_channel("synth", 95)
    source = stored(channel_source(), await run(web, channel_source()))
    channel.posts = 102
    fake.requests.clear()
    batches = await run(web, source)
    assert post_ids(batches) == list(range(96, 103))
    assert cursors(batches) == [(102, None, None)]
    assert len(fake.requests) == 1
    assert await run(web, stored(source, batches)) == []


async def test_watermark_moves_only_when_the_catch_up_walk_ends(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    channel = fake.add_channel("synth", 140)
    source = channel_source(high_watermark=95, backfill_before=1, backfill_complete=True)
    batches = await run(web, source)
    assert sorted(post_ids(batches)) == list(range(96, 141))
    assert cursors(batches) == [(None, None, None), (None, None, None), (140, None, None)]
    # a crash after the first batch is committed: the next run walks everything again
    crashed = stored(source, batches[:1])
    assert crashed.high_watermark == 95
    again = await run(web, crashed)
    assert sorted(post_ids(again)) == list(range(96, 141))
    assert channel.posts == stored(crashed, again).high_watermark


async def test_unfinished_backfill_resumes_below_its_cursor(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    fake.add_channel("synth", 95)
    first = await run(web, channel_source())
    crashed = stored(channel_source(), first[:2])
    assert (crashed.high_watermark, crashed.backfill_before) == (95, 56)
    batches = await run(web, crashed)
    assert sorted(post_ids(batches)) == list(range(1, 56))
    assert stored(crashed, batches).backfill_complete is True


async def test_new_posts_and_unfinished_backfill_in_one_run(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    channel = fake.add_channel("synth", 95)
    crashed = stored(channel_source(), (await run(web, channel_source()))[:1])
    channel.posts = 100
    batches = await run(web, crashed)
    assert sorted(post_ids(batches)) == [*range(1, 76), *range(96, 101)]
    assert batches[0].cursor == CursorUpdate(high_watermark=100)
    assert stored(crashed, batches).backfill_complete is True


# --- window and limit --------------------------------------------------------------------


async def test_window_since_stops_the_walk(fake: FakeTelegramWeb, web: WebSource) -> None:
    channel = fake.add_channel("synth", 95)
    batches = await run(web, channel_source(), Window(since=channel.date(50)))
    assert sorted(post_ids(batches)) == list(range(50, 96))
    assert batches[-1].cursor.backfill_complete is True
    assert len(fake.requests) == 3  # 76-95, 56-75, 36-55


async def test_history_from_of_the_source_is_the_default_start(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    channel = fake.add_channel("synth", 95)
    batches = await run(web, channel_source(history_from=channel.date(90)))
    assert sorted(post_ids(batches)) == list(range(90, 96))


async def test_window_until_skips_newer_posts_but_walks_on(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    channel = fake.add_channel("synth", 95)
    batches = await run(web, channel_source(), Window(until=channel.date(80)))
    assert sorted(post_ids(batches)) == list(range(1, 81))
    assert cursors(batches)[0] == (95, 76, None)


async def test_limit_caps_posts_and_keeps_cursors_true(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    fake.add_channel("synth", 95)
    batches = await run(web, channel_source(), Window(limit=30))
    assert post_ids(batches) == list(range(76, 96)) + list(range(66, 76))
    assert cursors(batches) == [(95, 76, None), (None, 66, None)]
    rest = await run(web, stored(channel_source(), batches))
    assert sorted(post_ids(rest)) == list(range(1, 66))


async def test_limit_inside_the_catch_up_walk_leaves_the_watermark(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    fake.add_channel("synth", 140)
    source = channel_source(high_watermark=95, backfill_before=1, backfill_complete=True)
    batches = await run(web, source, Window(limit=25))
    assert sorted(post_ids(batches)) == list(range(116, 141))
    assert all(b.cursor == CursorUpdate() for b in batches)


# --- comments ----------------------------------------------------------------------------


async def test_comments_through_the_widget_with_thread_cursors(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    fake.add_channel("synth", 30, comments={30: 25, 12: 3, 11: 0})
    source = channel_source(include_comments=True)
    batches = await run(web, source, comments={30: 30020})
    comments = [
        m.message for b in batches for m in b.messages if m.message.message_type == "comment"
    ]
    assert [int(c.id) for c in comments] == [12001, 12002, 12003, *range(30021, 30026)]
    assert {(c.thread_id, c.parent_message_id) for c in comments[3:]} == {("30", "30")}
    assert comments[3].source_ref == "tg:synth:comment:30021"
    assert batches[0].cursor.comment_cursors == {30: 30025, 12: 12003}
    assert batches[1].cursor.comment_cursors == {}


async def test_comment_widget_pages_back_to_the_oldest_comment(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    fake.add_channel("synth", 5, comments={5: 25})
    batches = await run(web, channel_source(include_comments=True))
    comment_ids = [int(m.message.id) for m in batches[0].messages[5:]]
    assert comment_ids == [5000 + j for j in range(1, 26)]
    widget = [r.query.get("before") for r in fake.requests if r.path == "/synth/5"]
    assert widget == [None, "5016", "5006"]


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "card",
    [
        "contact_tme_user.html",
        "contact_tme_bot.html",
        "contact_tme_group.html",
        "contact_tme_channel.html",
    ],
)
async def test_pages_without_posts_name_the_telethon_source(
    fake: FakeTelegramWeb, web: WebSource, card: str
) -> None:
    fake.add_card("someone", (DATA / "edge" / card).read_text(encoding="utf-8"))
    with pytest.raises(SourceUnavailableError, match="no public web preview") as error:
        await web.describe(channel_source("someone"))
    assert "tg-parser sources add @someone --via telegram" in error.value.message


async def test_unknown_channel_is_unavailable(web: WebSource) -> None:
    with pytest.raises(SourceUnavailableError, match="no public channel @nobody_here"):
        await run(web, channel_source("nobody_here"))


async def test_numeric_channel_has_no_web_preview(fake: FakeTelegramWeb, web: WebSource) -> None:
    with pytest.raises(SourceUnavailableError, match="--via telegram"):
        await web.describe(channel_source("-1001234567890"))
    assert fake.requests == []


async def test_garbage_page_is_retryable(fake: FakeTelegramWeb, web: WebSource) -> None:
    fake.add_channel("synth", 95)
    fake.script = [Reply(status=200, body="<html><body>\x00<<<garbage")]
    with pytest.raises(RetryableSourceError, match="not a Telegram page"):
        await run(web, channel_source())


async def test_garbage_inside_a_widget_is_no_comments(
    fake: FakeTelegramWeb, web: WebSource
) -> None:
    fake.add_channel("synth", 1, comments={1: 3})
    fake.script = [Reply(), Reply(status=200, body="<div data-post-id='x'>garbage")]
    batches = await run(web, channel_source(include_comments=True))
    assert [m.message.id for m in batches[0].messages] == ["1"]


# --- describe and saved real pages -------------------------------------------------------


async def test_describe_reads_the_channel_header(fake: FakeTelegramWeb, web: WebSource) -> None:
    fake.add_page("/s/durov", (DATA / "en_durov_2026-08.html").read_text(encoding="utf-8"))
    info = await web.describe(channel_source("durov"))
    assert (info.title, info.username, info.subscribers) == ("Pavel Durov", "durov", 11_300_000)
    assert info.description == "Founder of Telegram."


@pytest.mark.parametrize(
    ("name", "key"),
    [("en_durov_2026-08.html", "durov"), ("ru_excelhackru_2023-05.html", "excelhackru")],
)
async def test_saved_real_pages_yield_all_their_posts(
    fake: FakeTelegramWeb, web: WebSource, name: str, key: str
) -> None:
    html = (DATA / name).read_text(encoding="utf-8")
    fake.add_page(f"/s/{key}", html)
    batches = await run(web, channel_source(key))
    expected = [int(p.message.id) for p in parse_channel_page(html, channel=key).posts]
    assert sorted(post_ids(batches)) == sorted(expected)
    # the saved page answers every ?before= with itself: no progress ends the walk
    assert cursors(batches)[-1] == (None, None, True)
    assert len(fake.requests) == 2
