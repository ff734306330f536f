"""Walking a channel's posts through a Telethon client, oldest first, in safe batches.

Every batch holds whole albums only and says the largest post id it covers, so the ingest
service can commit the batch and ``high_watermark`` together; a later run continues right
after it. Before the walk, the most recent stored posts are read again (a lookback) so that
their edits are stored as new versions. No Telethon import: the client is passed in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from tg_parser.models import CollectedMessage, CursorUpdate, MessageType, Source
from tg_parser.sources.base import Batch, Window
from tg_parser.sources.prefetch import prefetch
from tg_parser.sources.telegram_messages import date_of, is_service, material

# Telegram returns at most this many messages per request
REQUEST_SIZE = 100


def materials(
    messages: Iterable[dict[str, Any]],
    channel: str,
    message_type: MessageType = "post",
    **thread: int | None,
) -> list[CollectedMessage]:
    """One material per message or album (in walk order); service messages are left out."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for message in messages:
        if not is_service(message):
            groups.setdefault(message.get("grouped_id") or ("single", message["id"]), []).append(
                message
            )
    return [material(parts, channel, message_type, **thread) for parts in groups.values()]


def split_album_tail(
    buffer: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(ready, carried): the trailing parts of an album that may go on are carried over."""
    grouped = buffer[-1].get("grouped_id") if buffer else None
    if grouped is None:
        return buffer, []
    start = len(buffer)
    while start > 0 and buffer[start - 1].get("grouped_id") == grouped:
        start -= 1
    return (buffer[:start], buffer[start:]) if start else (buffer, [])


def in_window(message: dict[str, Any], window: Window) -> bool:
    date = date_of(message.get("date"))
    if date is None:
        return False
    return not (window.since and date < window.since) and not (window.until and date > window.until)


def _after(message: dict[str, Any], window: Window) -> bool:
    date = date_of(message.get("date"))
    return window.until is not None and date is not None and date > window.until


@dataclass
class PostWalk:
    """The posts of one channel for one run; remembers which posts have comments."""

    client: Any
    entity: Any
    source: Source
    window: Window
    lookback: int = 100
    threads: dict[int, int | None] = field(default_factory=dict)  # post id -> newest reply id

    async def batches(self) -> AsyncIterator[Batch]:
        if self.source.high_watermark and self.lookback:
            recent = await self._recent()
            if recent:
                yield Batch(self._materials(recent))
        async for batch in self._forward():
            yield batch

    async def _recent(self) -> list[dict[str, Any]]:
        """The newest stored posts again, oldest first, without a cut-off album."""
        assert self.source.high_watermark is not None
        found = [
            message.to_dict()
            async for message in self.client.iter_messages(
                self.entity, limit=self.lookback, max_id=self.source.high_watermark + 1
            )
        ]
        if len(found) == self.lookback and found[-1].get("grouped_id") is not None:
            cut = found[-1]["grouped_id"]
            found = [message for message in found if message.get("grouped_id") != cut]
        return [message for message in reversed(found) if in_window(message, self.window)]

    async def _forward(self) -> AsyncIterator[Batch]:
        """Posts after the high-watermark inside the window, oldest first."""
        limit = self.window.limit
        messages = prefetch(  # the next request is in flight while this one is converted
            self.client.iter_messages(
                self.entity,
                reverse=True,
                min_id=self.source.high_watermark or 0,
                offset_date=self.window.since,
                limit=limit,
            ),
            depth=2 * REQUEST_SIZE,
        )
        buffer: list[dict[str, Any]] = []
        read = 0
        async for message in messages:
            data = message.to_dict()
            if _after(data, self.window):
                break
            read += 1
            buffer.append(data)
            if len(buffer) >= REQUEST_SIZE:
                ready, buffer = split_album_tail(buffer)
                yield self._batch(ready)
        complete = limit is None or read < limit
        if not complete:
            buffer, _ = split_album_tail(buffer)
        yield self._batch(buffer, complete=complete)

    def _batch(self, messages: list[dict[str, Any]], *, complete: bool = False) -> Batch:
        watermark = max((m["id"] for m in messages), default=None)
        cursor = CursorUpdate(high_watermark=watermark, backfill_complete=complete or None)
        return Batch(self._materials(messages), cursor)

    def _materials(self, messages: list[dict[str, Any]]) -> list[CollectedMessage]:
        for message in messages:
            replies = message.get("replies") or {}
            if replies.get("replies"):
                self.threads[message["id"]] = replies.get("max_id")
        return materials(messages, self.source.channel_key)
