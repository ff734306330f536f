"""Telethon messages (in their ``to_dict()`` form) → raw messages; pure, no Telethon import.

A post keeps its caption as ``text`` (a text link becomes ``label (href)``, as in the
export and web sources) and, in ``raw_payload``: views, forwards, replies, reactions,
edit time, author, forward origin, reply header, link preview and media metadata. An
album (parts sharing ``grouped_id``) becomes one material under its smallest id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tg_parser.models import (
    CollectedMessage,
    MessageType,
    RawTelegramMessage,
    cap_payload,
    numeric_channel_key,
    source_ref,
)
from tg_parser.sources.web_text import compact

# what survives when a payload is over the size cap
KEY_FIELDS: tuple[str, ...] = ("views", "forwards", "replies", "edited", "author")
KEY_FIELDS += ("forwarded_from", "reply_to", "link_preview", "album")
_MEDIA_TYPES = {
    "MessageMediaPhoto": "photo",
    "MessageMediaDocument": "document",
    "MessageMediaWebPage": "webpage",
    "MessageMediaPoll": "poll",
    "MessageMediaGeo": "location",
    "MessageMediaGeoLive": "location",
    "MessageMediaVenue": "venue",
    "MessageMediaContact": "contact",
    "MessageMediaDice": "dice",
}
_DOCUMENT_KINDS = {
    "DocumentAttributeVideo": "video",
    "DocumentAttributeAudio": "audio",
    "DocumentAttributeSticker": "sticker",
    "DocumentAttributeAnimated": "animation",
}


def is_service(message: dict[str, Any]) -> bool:
    return message.get("_") == "MessageService"


def material(
    parts: list[dict[str, Any]],
    channel: str,
    message_type: MessageType = "post",
    *,
    thread_id: int | None = None,
    parent_id: int | None = None,
) -> CollectedMessage:
    """One material from one message or from all parts of an album (sorted by id)."""
    parts = sorted(parts, key=lambda part: part["id"])
    first = parts[0]
    captioned = next((part for part in parts if part.get("message")), first)
    edits = [edit for part in parts if (edit := date_of(part.get("edit_date"))) is not None]
    edit_date = max(edits) if edits else None
    payload = _payload(first, captioned, parts, edit_date)
    thread = first["id"] if message_type == "post" else thread_id
    message = RawTelegramMessage(
        id=str(first["id"]),
        message_type=message_type,
        source_ref=source_ref(channel, message_type, first["id"]),
        channel_id=channel,
        date=_required_date(first),
        text=text_with_links(captioned.get("message") or "", captioned.get("entities") or []),
        thread_id=str(thread) if thread is not None else None,
        parent_message_id=str(parent_id) if parent_id is not None else None,
        raw_payload=cap_payload(payload, KEY_FIELDS) or None,
    )
    return CollectedMessage(message, edit_date)


def date_of(value: Any) -> datetime | None:
    """A Telethon date (datetime, or its ISO text in saved dumps) in UTC."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _required_date(message: dict[str, Any]) -> datetime:
    date = date_of(message.get("date"))
    if date is None:
        raise ValueError(f"message {message['id']} has no date")
    return date


def text_with_links(text: str, entities: list[dict[str, Any]]) -> str:
    """The text with each hidden link (``MessageEntityTextUrl``) written ``label (href)``.

    Entity offsets count UTF-16 code units, as Telegram sends them.
    """
    links = sorted(
        (e for e in entities if e.get("_") == "MessageEntityTextUrl" and e.get("url")),
        key=lambda e: e["offset"],
        reverse=True,
    )
    units = text.encode("utf-16-le")
    for link in links:
        end = (link["offset"] + link["length"]) * 2
        label = units[link["offset"] * 2 : end].decode("utf-16-le", errors="ignore")
        if link["url"] not in label:
            units = units[:end] + f" ({link['url']})".encode("utf-16-le") + units[end:]
    return units.decode("utf-16-le", errors="ignore")


def _payload(
    first: dict[str, Any],
    captioned: dict[str, Any],
    parts: list[dict[str, Any]],
    edit_date: datetime | None,
) -> dict[str, Any]:
    album = first.get("grouped_id") is not None
    media = [_with_part_id(m, part, album) for part in parts if (m := media_of(part))]
    payload = {
        "views": first.get("views"),
        "forwards": first.get("forwards"),
        "replies": (first.get("replies") or {}).get("replies"),
        "reactions": reactions_of(first.get("reactions")),
        "edited": edit_date.isoformat() if edit_date else None,
        "author": first.get("post_author"),
        "forwarded_from": forward_of(first.get("fwd_from")),
        "reply_to": reply_of(first.get("reply_to")),
        "link_preview": link_preview_of(captioned.get("media")),
        "media": media or None,
        "album": [part["id"] for part in parts] if album else None,
        "grouped_id": first.get("grouped_id"),
    }
    return compact(payload)


def _with_part_id(media: dict[str, Any], part: dict[str, Any], album: bool) -> dict[str, Any]:
    return {"message_id": part["id"]} | media if album else media


def reactions_of(reactions: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    results = (reactions or {}).get("results") or []
    items = [
        compact(
            {
                "emoji": (item.get("reaction") or {}).get("emoticon"),
                "emoji_id": (item.get("reaction") or {}).get("document_id"),
                "paid": True if (item.get("reaction") or {}).get("_") == "ReactionPaid" else None,
                "count": item.get("count"),
            }
        )
        for item in results
    ]
    return items or None


def forward_of(header: dict[str, Any] | None) -> dict[str, Any] | None:
    """Where a forwarded message came from (channel id + post id when Telegram says)."""
    if not header:
        return None
    origin = header.get("from_id") or {}
    channel = origin.get("channel_id")
    date = date_of(header.get("date"))
    return compact(
        {
            "channel_id": numeric_channel_key(channel) if channel else None,
            "user_id": origin.get("user_id"),
            "message_id": header.get("channel_post"),
            "name": header.get("from_name"),
            "author": header.get("post_author"),
            "date": date.isoformat() if date else None,
        }
    )


def reply_of(header: dict[str, Any] | None) -> dict[str, Any] | None:
    if not header or header.get("_") != "MessageReplyHeader":
        return None
    return (
        compact(
            {
                "message_id": header.get("reply_to_msg_id"),
                "top_id": header.get("reply_to_top_id"),
                "quote": header.get("quote_text"),
            }
        )
        or None
    )


def link_preview_of(media: dict[str, Any] | None) -> dict[str, Any] | None:
    page = (media or {}).get("webpage") or {}
    if page.get("_") != "WebPage":
        return None
    keys = ("url", "site_name", "title", "description")
    return compact({key: page.get(key) for key in keys})


def media_of(message: dict[str, Any]) -> dict[str, Any] | None:
    """Media metadata: type, mime type, size, file name, duration, dimensions."""
    media = message.get("media") or {}
    kind = _MEDIA_TYPES.get(media.get("_", ""))
    if kind is None:
        return None
    if kind == "photo":
        return {"type": "photo"} | _photo_size(media.get("photo") or {})
    if kind == "document":
        return _document(media.get("document") or {})
    if kind == "webpage":
        return None  # kept as link_preview
    if kind == "poll":
        return _poll(media.get("poll") or {})
    return {"type": kind}


def _photo_size(photo: dict[str, Any]) -> dict[str, Any]:
    sized = [s for s in photo.get("sizes") or [] if "w" in s]
    if not sized:
        return {}
    largest = max(sized, key=lambda s: s["w"] * s["h"])
    size = largest.get("size") or max(largest.get("sizes") or [0])
    return compact({"width": largest["w"], "height": largest["h"], "size": size or None})


def _document(document: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "document"}
    item["mime_type"] = document.get("mime_type")
    item["size"] = document.get("size")
    for attribute in document.get("attributes") or []:
        name = attribute.get("_")
        if name in _DOCUMENT_KINDS and item["type"] == "document":
            item["type"] = _DOCUMENT_KINDS[name]
        if name == "DocumentAttributeAudio" and attribute.get("voice"):
            item["type"] = "voice"
        if name == "DocumentAttributeVideo" and attribute.get("round_message"):
            item["type"] = "video_note"
        if name == "DocumentAttributeFilename":
            item["file_name"] = attribute.get("file_name")
        if "duration" in attribute:
            item["duration_seconds"] = attribute["duration"]
        if "w" in attribute and "h" in attribute:
            item["width"], item["height"] = attribute["w"], attribute["h"]
    return compact(item)


def _poll(poll: dict[str, Any]) -> dict[str, Any]:
    question = poll.get("question")
    if isinstance(question, dict):  # TextWithEntities in newer layers
        question = question.get("text")
    answers = [a.get("text") for a in poll.get("answers") or []]
    options = [a.get("text") if isinstance(a, dict) else a for a in answers]
    return compact({"type": "poll", "question": question, "options": options or None})
