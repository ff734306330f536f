"""A deterministic live source, for tests of live collection without any network.

:class:`FakeChannel` implements :class:`tg_parser.sources.LiveSource` for one channel:
posts 1..N, oldest first, in batches whose cursor is the newest post id of the batch (like
a forward-reading Telethon source); every ``comments_every``-th post has two comments,
collected with their post. It can be slow (``latency`` per batch) and can fail (``error``,
when describing the channel or after ``fail_after`` batches). :class:`FakeLiveSources`
routes each channel to its own fake, as ``ingest`` expects of one way in.

    report = await ingest(db, options, FakeLiveSources({"alpha": FakeChannel(25)}))
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta

from tg_parser.models import CollectedMessage, CursorUpdate, RawTelegramMessage, Source, source_ref
from tg_parser.sources.base import Batch, ChannelInfo, LiveSource, Window

POSTED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def posted(message_id: int) -> datetime:
    """When post ``message_id`` was posted: a minute after the one before."""
    return POSTED + timedelta(minutes=message_id)


class FakeChannel:
    """One channel's posts 1..``posts`` (see the module docstring); ``seen_cursors`` records
    the comment cursors each collection started from, ``closed`` whether it was closed."""

    via = "web"

    def __init__(
        self,
        posts: int = 30,
        *,
        batch_size: int = 10,
        comments_every: int = 0,
        latency: float = 0.0,
        error: Exception | None = None,
        fail_after: int | None = None,
    ) -> None:
        self.posts, self.batch_size, self.comments_every = posts, batch_size, comments_every
        self.latency, self.error, self.fail_after = latency, error, fail_after
        self.closed = False
        self.seen_cursors: list[dict[int, int]] = []

    async def describe(self, source: Source) -> ChannelInfo:
        if self.error is not None and self.fail_after is None:
            raise self.error
        return ChannelInfo(title="Fake Channel", numeric_id=-1009990001, subscribers=42)

    async def collect(
        self, source: Source, window: Window, comment_cursors: dict[int, int]
    ) -> AsyncIterator[Batch]:
        self.seen_cursors.append(dict(comment_cursors))
        ids = [i for i in range(1, self.posts + 1) if _inside(i, window)]
        ids = [i for i in ids if source.high_watermark is None or i > source.high_watermark]
        for number, start in enumerate(range(0, len(ids), self.batch_size)):
            if self.error is not None and number == self.fail_after:
                raise self.error
            await asyncio.sleep(self.latency)
            chunk = ids[start : start + self.batch_size]
            yield self._batch(source.channel_key, chunk, comment_cursors)

    def _batch(self, channel: str, posts: list[int], cursors: dict[int, int]) -> Batch:
        messages = [post(channel, i) for i in posts]
        threads: dict[int, int] = {}
        for i in posts:
            if self.comments_every and i % self.comments_every == 0:
                ids = [c for c in (i * 1000 + 1, i * 1000 + 2) if c > cursors.get(i, 0)]
                messages += [comment(channel, c, i) for c in ids]
                threads[i] = i * 1000 + 2
        return Batch(messages, CursorUpdate(high_watermark=posts[-1], comment_cursors=threads))

    async def close(self) -> None:
        self.closed = True


class FakeLiveSources:
    """A live source that hands each channel to its own fake (or every channel to one)."""

    via = "web"

    def __init__(self, fakes: Mapping[str, LiveSource] | LiveSource) -> None:
        self.fakes = fakes

    async def describe(self, source: Source) -> ChannelInfo:
        return await self._fake(source).describe(source)

    def collect(
        self, source: Source, window: Window, comment_cursors: dict[int, int]
    ) -> AsyncIterator[Batch]:
        return self._fake(source).collect(source, window, comment_cursors)

    async def close(self) -> None:
        """The fakes stay open: a test looks at them afterwards."""

    def _fake(self, source: Source) -> LiveSource:
        if isinstance(self.fakes, Mapping):
            return self.fakes[source.channel_key]
        return self.fakes


def post(channel: str, message_id: int, text: str | None = None) -> CollectedMessage:
    message = RawTelegramMessage(
        id=str(message_id),
        message_type="post",
        source_ref=source_ref(channel, "post", message_id),
        channel_id=channel,
        date=posted(message_id),
        text=text or f"post {message_id}",
        thread_id=str(message_id),
    )
    return CollectedMessage(message)


def comment(channel: str, message_id: int, root: int) -> CollectedMessage:
    message = RawTelegramMessage(
        id=str(message_id),
        message_type="comment",
        source_ref=source_ref(channel, "comment", message_id),
        channel_id=channel,
        date=posted(root) + timedelta(seconds=message_id % 1000),
        text=f"comment {message_id}",
        thread_id=str(root),
        parent_message_id=str(root),
    )
    return CollectedMessage(message)


def _inside(message_id: int, window: Window) -> bool:
    date = posted(message_id)
    return (window.since is None or date >= window.since) and (
        window.until is None or date <= window.until
    )
