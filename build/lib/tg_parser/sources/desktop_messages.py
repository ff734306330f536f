"""One message of a Telegram Desktop export → plain text, UTC dates and a raw payload.

``text`` is a string or a list of parts (strings or ``{type, text, href?}``); the plain
text keeps every URL (a ``text_link`` becomes ``label (href)``). Media become one
``media`` object in the payload; placeholders such as "(File not included. …)" mark a file
the export did not include.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from tg_parser.errors import ExportFormatError, InputError
from tg_parser.models import (
    CollectedMessage,
    MessageType,
    RawTelegramMessage,
    cap_payload,
    source_ref,
)

# export field -> key inside raw_payload["media"]
MEDIA_FIELDS = {
    "media_type": "type",
    "file_name": "file_name",
    "mime_type": "mime_type",
    "file_size": "size",
    "photo_file_size": "size",
    "duration_seconds": "duration_seconds",
    "width": "width",
    "height": "height",
    "thumbnail": "thumbnail",
    "thumbnail_file_size": "thumbnail_size",
    "sticker_emoji": "sticker_emoji",
    "performer": "performer",
    "media_spoiler": "spoiler",
}
# fields carried elsewhere (date, edit_date, text, media) and so left out of raw_payload
_CONSUMED = frozenset(
    {"id", "type", "date", "date_unixtime", "edited", "edited_unixtime", "text"}
    | {"text_entities", "photo", "file", *MEDIA_FIELDS}
)
# the largest id a database column holds (BIGINT)
MAX_MESSAGE_ID = 2**63 - 1
# dates outside these are refused: none is real, and date arithmetic near the ends of
# Python's calendar overflows
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
# fields the importer relies on, with the type Telegram writes them in
FIELD_TYPES: dict[str, tuple[type, str]] = {
    "reply_to_message_id": (int, "a whole number"),
    "forwarded_from_id": (str, "a string"),
    "forwarded_from": (str, "a string"),
}
# what survives when a payload is over the size cap
KEY_FIELDS: tuple[str, ...] = ("from", "from_id", "author", "forwarded_from")
KEY_FIELDS += ("forwarded_from_id", "reply_to_message_id", "edited", "media")


@dataclass(frozen=True)
class ExportMessage:
    """A regular (non-service) export message, read and normalised."""

    id: int
    date: datetime
    edit_date: datetime | None
    text: str
    payload: dict[str, Any]

    @property
    def reply_to(self) -> int | None:
        value = self.payload.get("reply_to_message_id")
        return value if isinstance(value, int) else None

    def collected(
        self,
        channel: str,
        message_type: MessageType = "post",
        *,
        thread_id: int | None = None,
        parent_id: int | None = None,
    ) -> CollectedMessage:
        thread = self.id if message_type == "post" else thread_id
        message = RawTelegramMessage(
            id=str(self.id),
            message_type=message_type,
            source_ref=source_ref(channel, message_type, self.id),
            channel_id=channel,
            date=self.date,
            text=self.text,
            thread_id=str(thread) if thread is not None else None,
            parent_message_id=str(parent_id) if parent_id is not None else None,
            raw_payload=self.payload or None,
        )
        return CollectedMessage(message, self.edit_date)


def timezone(name: str) -> tzinfo:
    """The zone old exports' local ``date`` strings are read in."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown timezone {name!r}: give an IANA name such as UTC or Europe/Berlin"
        ) from None


def message_kind(item: dict[str, Any], path: Path) -> str:
    """``message``, ``service`` or another kind Telegram could not export (``unsupported``)."""
    kind = item.get("type")
    if not isinstance(kind, str):
        raise _damaged(path, item, "no 'type'")
    return kind


def read_message(item: dict[str, Any], zone: tzinfo, path: Path) -> ExportMessage:
    """The message, with NUL characters removed from its text and payload (PostgreSQL
    cannot store them, and both backends must hold the same data)."""
    message_id = _message_id(item, path)
    _check_field_types(item, path)
    date = _date(item, "date", zone, path)
    if date is None:
        raise _damaged(path, item, "no 'date'")
    edit_date = _date(item, "edited", zone, path)
    text, payload = _content(item, edit_date, path)
    return ExportMessage(id=message_id, date=date, edit_date=edit_date, text=text, payload=payload)


def _message_id(item: dict[str, Any], path: Path) -> int:
    message_id = item.get("id")
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise _damaged(path, item, "no numeric 'id'")
    if not 0 <= message_id <= MAX_MESSAGE_ID:
        raise _damaged(path, item, f"an 'id' out of range (0 to {MAX_MESSAGE_ID})")
    return message_id


def _content(
    item: dict[str, Any], edit_date: datetime | None, path: Path
) -> tuple[str, dict[str, Any]]:
    """Text and payload; a value no JSON column can hold (a lone surrogate, which the
    pure-Python ijson backend lets through, or an integer beyond 64 bits) is damage."""
    try:
        text = without_nul(flatten_text(item.get("text")))
        return text, without_nul(_payload(item, edit_date))
    except orjson.JSONEncodeError as exc:
        raise _damaged(path, item, f"a value that cannot be stored ({exc})") from None


def without_nul(value: Any) -> Any:
    """``value`` with NUL characters removed from every string in it, keys included.

    Almost no message has one, and orjson finds that out far faster than a walk."""
    if b"\\u0000" not in orjson.dumps(value, default=str):
        return value
    return _strip_nul(value)


def _strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_strip_nul(part) for part in value]
    if isinstance(value, dict):
        return {_strip_nul(key): _strip_nul(part) for key, part in value.items()}
    return value


def flatten_text(text: Any) -> str:
    """Readable plain text of a ``text`` field; URLs hidden behind links are kept."""
    if text is None:
        return ""
    if isinstance(text, list):
        return "".join(_part_text(part) for part in text)
    return text if isinstance(text, str) else str(text)


def _part_text(part: Any) -> str:
    if not isinstance(part, dict):
        return flatten_text(part)
    text = flatten_text(part.get("text"))
    href = part.get("href")
    if isinstance(href, str) and href and href not in text:
        return f"{text} ({href})" if text else href
    return text


def _check_field_types(item: dict[str, Any], path: Path) -> None:
    for field, (kind, described) in FIELD_TYPES.items():
        value = item.get(field)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise _damaged(path, item, f"a {field!r} that is not {described}")


def _date(item: dict[str, Any], field: str, zone: tzinfo, path: Path) -> datetime | None:
    """``<field>_unixtime`` as UTC, else the local ``<field>`` string read in ``zone``."""
    unix, local = item.get(f"{field}_unixtime"), item.get(field)
    if unix is None and local is None:
        return None
    try:
        return _utc_date(unix, local, zone)
    except (TypeError, ValueError, OverflowError, OSError):
        raise _damaged(path, item, f"an unreadable {field!r} ({unix or local!r})") from None


def _utc_date(unix: Any, local: Any, zone: tzinfo) -> datetime:
    if unix is not None:
        value = datetime.fromtimestamp(int(unix), UTC)
    else:
        value = datetime.fromisoformat(str(local))
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
    if not EARLIEST <= value < LATEST:
        raise ValueError("out of range")
    return value.astimezone(UTC)


def _payload(item: dict[str, Any], edit_date: datetime | None) -> dict[str, Any]:
    payload = {k: v for k, v in item.items() if k not in _CONSUMED and v is not None}
    if edit_date is not None:
        payload["edited"] = edit_date.isoformat()
    entities = _entities(item)
    if entities:
        payload["text_entities"] = entities
    media = _media(item)
    if media:
        payload["media"] = media
    return cap_payload(payload, keep=KEY_FIELDS)


def _entities(item: dict[str, Any]) -> list[Any] | None:
    """``text_entities``; old exports have none, so their ``text`` parts stand in."""
    entities = item.get("text_entities")
    if isinstance(entities, list):
        return entities
    text = item.get("text")
    if isinstance(text, list):
        return [{"type": "plain", "text": p} if isinstance(p, str) else p for p in text]
    return None


def _media(item: dict[str, Any]) -> dict[str, Any] | None:
    location_key = "photo" if "photo" in item else "file" if "file" in item else None
    if location_key is None and "media_type" not in item:
        return None
    media: dict[str, Any] = {"type": "photo" if location_key == "photo" else "document"}
    for field, key in MEDIA_FIELDS.items():
        value = item.get(field)
        if value is not None and not (key == "thumbnail" and _placeholder(value)):
            media[key] = value
    if location_key is not None:
        media |= _file_status(item[location_key])
    return media


def _file_status(location: Any) -> dict[str, Any]:
    """Where the file is, or why the export does not include it."""
    if not isinstance(location, str) or not location:
        return {"included": False, "not_included": "missing"}
    if not _placeholder(location):
        return {"file": location, "included": True}
    if "exceeds maximum size" in location:
        return {"included": False, "not_included": "too_large"}
    if "not included" in location:
        return {"included": False, "not_included": "export_settings"}
    return {"included": False, "not_included": "unavailable"}


def _placeholder(location: Any) -> bool:
    """Telegram writes "(File not included. …)" and the like where a file would be."""
    return isinstance(location, str) and location.startswith("(File ") and location.endswith(")")


def _damaged(path: Path, item: dict[str, Any], what: str) -> ExportFormatError:
    where = f"message {item['id']}" if "id" in item else "a message"
    return ExportFormatError(f"{path}: {where} has {what}; the export is damaged: export it again")
