"""The one interface of live sources (Telethon, web preview) that `tg-parser ingest` drives.

A live source turns one registered channel into batches of raw messages. Each batch says
which cursor values become true once its messages are stored; the ingest service commits
the messages and the cursor in one transaction, so a crash at any point loses and
duplicates nothing (storage is idempotent by source_ref; cursors only move past stored
rows).

Errors are raised as ``tg_parser.errors.SourceError`` subclasses: ``SourceUnavailableError``
(permanent: no access, no such channel, no public preview, not authorised) or
``RetryableSourceError`` / ``RateLimitedError(seconds)`` (temporary).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tg_parser.models import CollectedMessage, CursorUpdate, Source


@dataclass(frozen=True)
class ChannelInfo:
    """What a source learnt about the channel (stored on the source row)."""

    title: str | None = None
    username: str | None = None
    numeric_id: int | None = None
    description: str | None = None
    subscribers: int | None = None
    discussion_group_id: int | None = None
    access_hash: int | None = None


@dataclass(frozen=True)
class Batch:
    messages: list[CollectedMessage]
    cursor: CursorUpdate = field(default_factory=CursorUpdate)


@dataclass(frozen=True)
class Window:
    """What to collect in this run: the history window and an optional message cap."""

    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None


class LiveSource(Protocol):
    """A way into Telegram that yields the raw format (one per ``Source.via``)."""

    via: str

    async def describe(self, source: Source) -> ChannelInfo:
        """Resolve the channel (raising SourceUnavailableError when it cannot be read)."""
        ...

    def collect(
        self, source: Source, window: Window, comment_cursors: dict[int, int]
    ) -> AsyncIterator[Batch]:
        """Posts newer than the source's cursors (and their comments when the source
        includes comments), in batches whose cursor updates are safe to commit with them."""
        ...

    async def close(self) -> None: ...
