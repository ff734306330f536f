"""Comments of a channel: its linked discussion group read in one pass, or thread by thread.

Telegram copies each channel post into the discussion group (a message forwarded from the
channel: ``fwd_from.channel_post`` / ``saved_from_msg_id``); comments reply to that copy
(``reply_to_msg_id``) or to each other inside its thread (``reply_to_top_id`` = the copy).
A comment's thread is the post; its parent is the comment it replies to, or the post.
No row is stored for a copy. No Telethon import: the client is passed in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tg_parser.models import CollectedMessage, CursorUpdate, Source
from tg_parser.sources.base import Batch, Window
from tg_parser.sources.telegram_messages import date_of, is_service, material
from tg_parser.sources.telegram_walk import REQUEST_SIZE, split_album_tail

# comment_cursors key of the discussion group's own cursor (no post has id 0)
GROUP_CURSOR = 0

# (post id, newer than this comment id) -> the thread's messages, oldest first
ThreadReader = Callable[[int, int], AsyncIterator[Any]]


@dataclass
class CommentReader:
    client: Any
    channel_id: int  # the channel's bare id, as group copies name it
    source: Source
    window: Window
    cursors: dict[int, int]
    copies: dict[int, int | None] = field(default_factory=dict)  # copy id -> post id
    comment_post: dict[int, int] = field(default_factory=dict)  # comment id -> post id

    async def from_group(self, group: Any) -> AsyncIterator[Batch]:
        """Every new message of the group, oldest first, in batches of whole albums."""
        cursor = self.cursors.get(GROUP_CURSOR, 0)
        messages = self.client.iter_messages(
            group, reverse=True, min_id=cursor, offset_date=None if cursor else self.window.since
        )
        buffer: list[dict[str, Any]] = []
        async for message in messages:
            buffer.append(message.to_dict())
            if len(buffer) >= REQUEST_SIZE:
                ready, buffer = split_album_tail(buffer)
                yield await self._group_batch(group, ready)
        if buffer:
            yield await self._group_batch(group, buffer)

    async def per_post(
        self, threads: dict[int, int | None], read_thread: ThreadReader
    ) -> AsyncIterator[Batch]:
        """Thread by thread, for posts with comments newer than their cursor."""
        for post, newest in sorted(threads.items()):
            cursor = self.cursors.get(post, 0)
            if newest is not None and newest <= cursor:
                continue
            messages = [message.to_dict() async for message in read_thread(post, cursor)]
            placed = [(m, (post, _parent_in_thread(m, post))) for m in messages]
            comments = self._comments(placed)
            if messages:
                ids = {post: max(m["id"] for m in messages)}
                yield Batch(comments, CursorUpdate(comment_cursors=ids))

    async def _group_batch(self, group: Any, messages: list[dict[str, Any]]) -> Batch:
        for message in messages:
            if self._is_copy(message):
                self.copies[message["id"]] = self._post_of(message)
        await self._learn_copies(group, messages)
        placed = [(message, self._place(message)) for message in messages]
        cursors = {GROUP_CURSOR: max(message["id"] for message in messages)}
        for message, where in placed:
            if where is not None:
                self.comment_post[message["id"]] = where[0]
                cursors[where[0]] = max(cursors.get(where[0], 0), message["id"])
        return Batch(self._comments(placed), CursorUpdate(comment_cursors=cursors))

    def _comments(
        self, placed: Sequence[tuple[dict[str, Any], tuple[int, int] | None]]
    ) -> list[CollectedMessage]:
        """One comment per message or album, placed in its thread under its parent."""
        albums: dict[Any, tuple[list[dict[str, Any]], tuple[int, int]]] = {}
        for message, where in placed:
            if where is None or is_service(message):
                continue
            key = message.get("grouped_id") or ("single", message["id"])
            albums.setdefault(key, ([], where))[0].append(message)
        key = self.source.channel_key
        return [
            material(parts, key, "comment", thread_id=post, parent_id=parent)
            for parts, (post, parent) in albums.values()
        ]

    def _is_copy(self, message: dict[str, Any]) -> bool:
        header = message.get("fwd_from") or {}
        origins = (header.get("from_id") or {}, header.get("saved_from_peer") or {})
        return any(origin.get("channel_id") == self.channel_id for origin in origins) and bool(
            header.get("channel_post") or header.get("saved_from_msg_id")
        )

    def _post_of(self, copy: dict[str, Any]) -> int | None:
        """The post a copy stands for; None when the post is outside the window."""
        header = copy["fwd_from"]
        date = date_of(header.get("date"))
        window = self.window
        if date and (
            (window.since and date < window.since) or (window.until and date > window.until)
        ):
            return None
        post = header.get("channel_post") or header.get("saved_from_msg_id")
        return int(post) if post else None

    async def _learn_copies(self, group: Any, messages: list[dict[str, Any]]) -> None:
        """Fetch thread roots read in earlier runs (replies to copies below the cursor)."""
        unknown = {
            top
            for message in messages
            if (top := _top(message)) is not None
            and top not in self.copies
            and top not in self.comment_post
        }
        if not unknown:
            return
        found = await self.client.get_messages(group, ids=sorted(unknown))
        for top, message in zip(sorted(unknown), found, strict=True):
            data = message.to_dict() if message is not None else None
            self.copies[top] = self._post_of(data) if data and self._is_copy(data) else None

    def _place(self, message: dict[str, Any]) -> tuple[int, int] | None:
        """(post id, parent id) of a comment; None for copies and messages outside threads."""
        top = _top(message)
        if top is None or message["id"] in self.copies:
            return None
        if top in self.copies:
            post = self.copies[top]
            if post is None:
                return None
            return post, _parent_in_thread(message, post)
        if top in self.comment_post:
            return self.comment_post[top], _reply_id(message) or top
        return None


def _reply_id(message: dict[str, Any]) -> int | None:
    header = message.get("reply_to") or {}
    return header.get("reply_to_msg_id") if header.get("_") == "MessageReplyHeader" else None


def _top(message: dict[str, Any]) -> int | None:
    header = message.get("reply_to") or {}
    if header.get("_") != "MessageReplyHeader":
        return None
    top = header.get("reply_to_top_id") or header.get("reply_to_msg_id")
    return int(top) if top is not None else None


def _parent_in_thread(message: dict[str, Any], post: int) -> int:
    """The comment replied to, or the post when the message answers the thread root."""
    header = message.get("reply_to") or {}
    replied, top = header.get("reply_to_msg_id"), header.get("reply_to_top_id")
    return post if top is None or replied in (None, top) else int(replied)
