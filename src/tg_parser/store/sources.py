"""Sources: the channels to collect from, their settings, health and attempt history."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.clock import utcnow
from tg_parser.models import CursorUpdate, Source, SourceStatus
from tg_parser.store.tables import raw_messages, source_attempts, sources

# Settings a user may change; cursors and health are never touched by an update.
SETTING_COLUMNS = frozenset(
    {"via", "include_comments", "history_from", "history_to", "poll_interval_seconds"}
    | {"export_dir", "provider", "model"}
)
IDENTITY_COLUMNS = frozenset(
    {"username", "numeric_id", "title", "description", "subscribers", "discussion_group_id"}
    | {"access_hash"}
)


@dataclass(frozen=True)
class ChannelLabel:
    """What names a source's channel (a light read: listings resolve channels and link
    messages with it on every request)."""

    channel_key: str
    username: str | None
    numeric_id: int | None
    title: str | None


class SourceRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def upsert(self, channel_key: str, **values: Any) -> Source:
        """Create the source, or update the given settings/identity of an existing one."""
        unknown = set(values) - SETTING_COLUMNS - IDENTITY_COLUMNS
        if unknown:
            raise ValueError(f"not source settings: {sorted(unknown)}")
        now = utcnow()
        existing = await self.get(channel_key)
        if existing is None:
            row = {"via": "export", "status": "active", "include_comments": False}
            row |= {"poll_interval_seconds": 3600, "fail_count": 0} | values
            await self.conn.execute(
                insert(sources).values(
                    channel_key=channel_key, created_at=now, updated_at=now, **row
                )
            )
        elif values:
            await self.conn.execute(
                update(sources)
                .where(sources.c.channel_key == channel_key)
                .values(updated_at=now, **values)
            )
        source = await self.get(channel_key)
        assert source is not None
        return source

    async def get(self, channel_key: str) -> Source | None:
        row = (
            (await self.conn.execute(select(sources).where(sources.c.channel_key == channel_key)))
            .mappings()
            .first()
        )
        return Source.model_validate(dict(row)) if row else None

    async def find_by_numeric_id(self, numeric_id: int) -> Source | None:
        row = (
            (await self.conn.execute(select(sources).where(sources.c.numeric_id == numeric_id)))
            .mappings()
            .first()
        )
        return Source.model_validate(dict(row)) if row else None

    async def list(self) -> list[Source]:
        rows = (await self.conn.execute(select(sources).order_by(sources.c.channel_key))).mappings()
        return [Source.model_validate(dict(row)) for row in rows]

    async def labels(self) -> builtins.list[ChannelLabel]:
        """Every source's key, username, numeric id and title, by key."""
        columns = (sources.c.channel_key, sources.c.username, sources.c.numeric_id)
        query = select(*columns, sources.c.title).order_by(sources.c.channel_key)
        return [ChannelLabel(*row) for row in await self.conn.execute(query)]

    async def set_status(
        self, channel_key: str, status: SourceStatus, reason: str | None = None
    ) -> None:
        await self.conn.execute(
            update(sources)
            .where(sources.c.channel_key == channel_key)
            .values(status=status, status_reason=reason, updated_at=utcnow())
        )

    async def remove(self, channel_key: str) -> bool:
        result = await self.conn.execute(
            delete(sources).where(sources.c.channel_key == channel_key)
        )
        return result.rowcount > 0

    async def start_attempt(self, source_id: int, run_id: str | None) -> int:
        now = utcnow()
        await self.conn.execute(
            update(sources).where(sources.c.id == source_id).values(last_attempt_at=now)
        )
        result = await self.conn.execute(
            insert(source_attempts).values(
                source_id=source_id, run_id=run_id, started_at=now, status="running"
            )
        )
        primary_key = result.inserted_primary_key
        assert primary_key is not None
        return int(primary_key[0])

    async def finish_attempt(
        self, attempt_id: int, *, stored: int, error: BaseException | None = None
    ) -> None:
        """Close an attempt and update the source's health (fail_count counts failures in a row)."""
        now = utcnow()
        status = "failed" if error else "succeeded"
        values: dict[str, Any] = {"finished_at": now, "status": status, "messages_stored": stored}
        if error is not None:
            values |= {"error_class": type(error).__name__, "error_message": str(error)}
        await self.conn.execute(
            update(source_attempts).where(source_attempts.c.id == attempt_id).values(**values)
        )
        source_id = select(source_attempts.c.source_id).where(source_attempts.c.id == attempt_id)
        health: dict[str, Any] = (
            {"last_error_at": now, "last_error": str(error), "fail_count": sources.c.fail_count + 1}
            if error
            else {"last_success_at": now, "fail_count": 0}
        )
        await self.conn.execute(
            update(sources).where(sources.c.id == source_id.scalar_subquery()).values(**health)
        )

    async def attempts(self, source_id: int, limit: int = 20) -> builtins.list[dict[str, Any]]:
        rows = await self.conn.execute(
            select(source_attempts)
            .where(source_attempts.c.source_id == source_id)
            .order_by(source_attempts.c.id.desc())
            .limit(limit)
        )
        return [dict(row) for row in rows.mappings()]

    async def message_counts(self) -> dict[str, dict[str, int]]:
        """Posts and comments stored per channel key."""
        is_post = case((raw_messages.c.message_type == "post", 1), else_=0)
        rows = await self.conn.execute(
            select(raw_messages.c.channel_id, func.sum(is_post), func.count()).group_by(
                raw_messages.c.channel_id
            )
        )
        return {
            channel: {"posts": int(posts or 0), "comments": int(total - (posts or 0))}
            for channel, posts, total in rows
        }

    async def advance_watermark(self, source_id: int, message_id: int) -> None:
        """Raise the source's high-watermark (never lowers it)."""
        await self.conn.execute(
            update(sources)
            .where(sources.c.id == source_id)
            .where((sources.c.high_watermark.is_(None)) | (sources.c.high_watermark < message_id))
            .values(high_watermark=message_id)
        )

    async def save_cursor(self, source_id: int, cursor: CursorUpdate) -> None:
        """Apply a stored batch's cursor update (the high-watermark is never lowered)."""
        if cursor.high_watermark is not None:
            await self.advance_watermark(source_id, cursor.high_watermark)
        values: dict[str, Any] = {}
        if cursor.backfill_before is not None:
            values["backfill_before"] = cursor.backfill_before
        if cursor.backfill_complete is not None:
            values["backfill_complete"] = cursor.backfill_complete
        if values:
            await self.conn.execute(
                update(sources).where(sources.c.id == source_id).values(**values)
            )

    async def defer(self, source_id: int, until: datetime) -> None:
        """Skip the source until ``until`` (Telegram asked to wait)."""
        await self.conn.execute(
            update(sources).where(sources.c.id == source_id).values(rate_limit_until=until)
        )

    async def abandon_attempts(self, run_id: str) -> None:
        """Close the attempts an interrupted run left open (its process ended mid-way)."""
        await self.conn.execute(
            update(source_attempts)
            .where(source_attempts.c.run_id == run_id, source_attempts.c.status == "running")
            .values(
                finished_at=utcnow(),
                status="failed",
                error_class="Interrupted",
                error_message="the process ended without finishing the attempt",
            )
        )

    async def cancel_attempt(self, attempt_id: int, *, stored: int) -> None:
        """Close an interrupted attempt (Ctrl-C); the source's health is left as it was."""
        await self.conn.execute(
            update(source_attempts)
            .where(source_attempts.c.id == attempt_id)
            .values(finished_at=utcnow(), status="cancelled", messages_stored=stored)
        )
