"""Raw messages as a source would collect them (plain module: writer.py imports it too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tg_parser.models import CollectedMessage, MessageType, RawTelegramMessage, source_ref

POSTED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def collected(
    message_id: int,
    text: str = "hello",
    *,
    channel: str = "alpha",
    message_type: MessageType = "post",
    edit_date: datetime | None = None,
    raw_payload: dict[str, Any] | None = None,
    thread_id: int | None = None,
) -> CollectedMessage:
    """A message of ``channel``; comments hang under post ``thread_id``."""
    extra: dict[str, Any] = {}
    if message_type == "comment":
        root = str(thread_id or 1)
        extra = {"thread_id": root, "parent_message_id": root}
    if raw_payload is not None:
        extra["raw_payload"] = raw_payload
    message = RawTelegramMessage(
        id=str(message_id),
        message_type=message_type,
        source_ref=source_ref(channel, message_type, message_id),
        channel_id=channel,
        date=POSTED + timedelta(minutes=message_id),
        text=text,
        **extra,
    )
    return CollectedMessage(message=message, edit_date=edit_date)
