"""The web preview live source: a public channel read through ``t.me/s/<channel>``.

Pages come newest first (``?before=<id>`` gives the 20 posts below ``id``). The cursor of
each batch is true once its messages are stored (see ``CursorUpdate``):

- first run: the newest page sets ``high_watermark`` (its newest id) and every page moves
  ``backfill_before`` down to its smallest id, until the walk passes the window start,
  reaches post 1, or a page makes no progress — that batch sets ``backfill_complete``;
- later runs walk from the newest page down to the watermark with no cursor change, and
  only the walk's last batch raises ``high_watermark``: a crash in between changes no
  cursor and the next run walks again (storage is idempotent). An unfinished backfill then
  goes on below ``backfill_before``.

Comments come from each post's discussion widget, newest first, down to the thread's
comment cursor. A page t.me serves that is no Telegram page at all (garbage, a proxy's
error page) is a ``RetryableSourceError``; a user, bot, group, a channel without a public
preview or no channel at all is a ``SourceUnavailableError`` naming the Telethon source.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime

import structlog

from tg_parser.config import Settings
from tg_parser.errors import RetryableSourceError, SourceUnavailableError
from tg_parser.models import CollectedMessage, CursorUpdate, Source
from tg_parser.sources.base import Batch, ChannelInfo, Window
from tg_parser.sources.web_client import WebClient
from tg_parser.sources.web_page import (
    ChannelPage,
    detect_page_kind,
    parse_channel_page,
    parse_discussion_widget,
)

log = structlog.get_logger(__name__)

_MAX = 2**63  # above every message id


class WebSource:
    """The ``web`` way in: no login, public channels only."""

    via = "web"

    def __init__(self, settings: Settings) -> None:
        self._client = WebClient(settings)

    async def describe(self, source: Source) -> ChannelInfo:
        page = await read_page(self._client, source, None)
        if page.header is None:
            return ChannelInfo()
        header = page.header
        return ChannelInfo(
            title=header.title,
            username=header.username,
            description=header.description,
            subscribers=header.subscribers,
        )

    def collect(
        self, source: Source, window: Window, comment_cursors: dict[int, int]
    ) -> AsyncIterator[Batch]:
        return _Walk(self._client, source, window, comment_cursors).batches()

    async def close(self) -> None:
        await self._client.close()


async def read_page(client: WebClient, source: Source, before: int | None) -> ChannelPage:
    """One ``/s/<channel>`` page, or the error that says why the channel cannot be read."""
    name = web_name(source)
    html = await client.get(f"/s/{name}", {"before": before} if before is not None else None)
    kind = "not_found" if html is None else detect_page_kind(html)
    if html is not None and kind == "channel":
        return parse_channel_page(html, channel=source.channel_key)
    if html is not None and kind == "not_found" and "tgme_" not in html:
        raise RetryableSourceError(
            f"t.me served something that is not a Telegram page for /s/{name}; try again later"
        )
    via_telegram = (
        f"collect it with the Telethon source: tg-parser sources add @{name} --via telegram"
    )
    if kind == "not_found":
        raise SourceUnavailableError(
            f"t.me has no public channel @{name}: check the name; if it is private, {via_telegram}"
        )
    raise SourceUnavailableError(
        f"@{name} has no public web preview (a private channel, a user, a bot or a group): "
        f"{via_telegram}"
    )


def web_name(source: Source) -> str:
    """The name t.me knows the channel by; a channel known only by its -100… id has none."""
    if source.username:
        return source.username
    if source.channel_key.startswith("-"):
        raise SourceUnavailableError(
            f"{source.channel_key} has no @username, so it has no web preview: collect it with "
            f"the Telethon source: tg-parser sources add {source.channel_key} --via telegram"
        )
    return source.channel_key


class _Walk:
    """One run over one channel: the catch-up walk, then the backfill, with comments."""

    def __init__(
        self, client: WebClient, source: Source, window: Window, comment_cursors: dict[int, int]
    ) -> None:
        self.client = client
        self.source = source
        self.since = window.since or source.history_from
        self.until = window.until or source.history_to
        self.left = window.limit
        self.comment_cursors = comment_cursors
        self.counts = {"pages": 0, "posts": 0, "comments": 0}

    async def batches(self) -> AsyncIterator[Batch]:
        source = self.source
        if source.high_watermark is None:
            async for batch in self._backfill(None, first=True):
                yield batch
        else:
            async for batch in self._catch_up(source.high_watermark):
                yield batch
            if not source.backfill_complete:
                before = source.backfill_before or source.high_watermark + 1
                async for batch in self._backfill(before, first=False):
                    yield batch
        log.info("web_collect_finished", channel=source.channel_key, **self.counts)

    async def _catch_up(self, watermark: int) -> AsyncIterator[Batch]:
        """Newest page down to ``watermark``; only the last batch raises the watermark."""
        before: int | None = None
        newest = watermark
        while self.left != 0:
            page = await self._page(before)
            if not _progress(page, before):
                if newest > watermark:
                    yield Batch([], CursorUpdate(high_watermark=newest))
                return
            newest = max(newest, page.newest_id or 0)
            fresh = [p for p in _below(page, before) if _id(p) > watermark]
            taken, cut, passed = self._take(fresh)
            done = not cut and (passed or (page.before or 0) <= watermark)
            raised = newest if done and newest > watermark else None
            if taken or raised:
                yield await self._batch(taken, CursorUpdate(high_watermark=raised))
            if done or cut:
                return
            before = page.before

    async def _backfill(self, before: int | None, *, first: bool) -> AsyncIterator[Batch]:
        """Pages below ``before``, each batch moving ``backfill_before`` down."""
        while self.left != 0:
            page = await self._page(before)
            if not _progress(page, before):
                yield Batch([], CursorUpdate(backfill_complete=True))
                return
            taken, cut, passed = self._take(_below(page, before))
            complete = not cut and (passed or (page.before or 0) <= 1)
            cursor = CursorUpdate(
                high_watermark=page.newest_id if first else None,
                backfill_before=min(map(_id, taken)) if cut else page.before,
                backfill_complete=True if complete else None,
            )
            yield await self._batch(taken, cursor)
            if complete or cut:
                return
            first, before = False, page.before

    async def _page(self, before: int | None) -> ChannelPage:
        self.counts["pages"] += 1
        return await read_page(self.client, self.source, before)

    def _take(self, posts: list[CollectedMessage]) -> tuple[list[CollectedMessage], bool, bool]:
        """The posts (newest first) inside the window and the limit: (taken, cut, passed),
        ``cut`` when the limit left some out, ``passed`` when one predates the window."""
        taken: list[CollectedMessage] = []
        for post in posts:
            date = post.message.date
            if self.since is not None and date < self.since:
                return taken, False, True
            if _after(date, self.until):
                continue
            if self.left == 0:
                return taken, True, False
            taken.append(post)
            self.left = None if self.left is None else self.left - 1
        return taken, False, False

    async def _batch(self, posts: list[CollectedMessage], cursor: CursorUpdate) -> Batch:
        self.counts["posts"] += len(posts)
        posts = sorted(posts, key=_id)
        if not self.source.include_comments or not posts:
            return Batch(posts, cursor)
        comments: list[CollectedMessage] = []
        newest: dict[int, int] = {}
        for post in posts:
            thread = await self._comments(_id(post))
            comments += thread
            if thread:
                newest[_id(post)] = max(map(_id, thread))
        self.counts["comments"] += len(comments)
        return Batch(posts + comments, replace(cursor, comment_cursors=newest))

    async def _comments(self, post_id: int) -> list[CollectedMessage]:
        """New comments of one post, paging the widget back to the thread's cursor."""
        stored = self.comment_cursors.get(post_id, 0)
        found: dict[int, CollectedMessage] = {}
        before: int | None = None
        path = f"/{web_name(self.source)}/{post_id}"
        while True:
            params = {"embed": 1, "discussion": 1} | ({"before": before} if before else {})
            html = await self.client.get(path, params)
            if html is None:
                break
            widget = parse_discussion_widget(html, channel=self.source.channel_key, post_id=post_id)
            ids = [_id(c) for c in widget.comments]
            fresh = [c for c in widget.comments if _id(c) > stored and _id(c) < (before or _MAX)]
            found |= {_id(c): c for c in fresh}
            if not fresh or widget.before is None or min(ids) <= stored:
                break
            before = widget.before
        return sorted(found.values(), key=_id)


def _id(message: CollectedMessage) -> int:
    return int(message.message.id)


def _below(page: ChannelPage, before: int | None) -> list[CollectedMessage]:
    """The page's posts under ``before``, newest first."""
    return sorted((p for p in page.posts if before is None or _id(p) < before), key=_id)[::-1]


def _progress(page: ChannelPage, before: int | None) -> bool:
    """Whether the page holds anything older than ``before`` (the newest page: anything)."""
    return page.before is not None and (before is None or page.before < before)


def _after(date: datetime, until: datetime | None) -> bool:
    return until is not None and date > until
