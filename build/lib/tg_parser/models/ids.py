"""Identifiers, built here and nowhere else.

- ``source_ref``  ``tg:<channel>:<post|comment>:<message_id>``, where ``<channel>`` is the
  canonical channel key (the lower-case username, else the numeric ``-100…`` id);
- ``doc:<source_ref>``, ``topic:<anchor_ref>``, ``kb:msg:<source_ref>``, ``kb:topic:<topic_id>``;
- Telegram links to posts and comments.
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal

from tg_parser.errors import InputError

MessageType = Literal["post", "comment"]

_USERNAME = re.compile(r"[a-z][a-z0-9_]{2,31}")
_BARE_ID = re.compile(r"[0-9]{1,16}")
_NUMERIC_CHANNEL = re.compile(rf"-[0-9]{{1,19}}|{_BARE_ID.pattern}")
_TME_HOST = re.compile(r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/", re.I)
REF_PATTERN = r"tg:[^:]+:(?:post|comment):[0-9]+"
_SOURCE_REF = re.compile(r"tg:([^:]+):(post|comment):([0-9]+)")


def channel_key(channel: str | int) -> str:
    """Canonical channel key: lower-case username, or the numeric ``-100…`` id.

    Accepts ``@name``, ``name``, ``https://t.me/name``, ``t.me/s/name``, post links,
    ``t.me/c/<id>/…`` links and numeric ids (``-100…`` or the bare channel id).
    """
    text = str(channel).strip()
    if _NUMERIC_CHANNEL.fullmatch(text):
        return numeric_channel_key(int(text))
    path = _TME_HOST.sub("", text, count=1) if _TME_HOST.match(text) else text
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if parts and parts[0] == "s":
        parts = parts[1:]
    if len(parts) >= 2 and parts[0] == "c" and _BARE_ID.fullmatch(parts[1]):
        return numeric_channel_key(int(parts[1]))
    name = parts[0].lstrip("@").lower() if parts else ""
    if name.startswith("+") or name == "joinchat":
        raise InputError(
            f"{channel!r} is an invite link; add the channel by its @username or -100… id"
        )
    if not _USERNAME.fullmatch(name):
        raise InputError(f"{channel!r} is not a channel: give @username, a t.me link or a -100… id")
    return name


def numeric_channel_key(channel_id: int) -> str:
    """``-100…`` form of a channel id given bare (``1878264527``) or marked (``-100…``)."""
    if channel_id < 0:
        return str(channel_id)
    return f"-100{channel_id}"


def source_ref(channel: str, message_type: MessageType, message_id: int | str) -> str:
    _check_component(channel)
    if message_type not in ("post", "comment"):
        raise ValueError(f"message_type must be post or comment, not {message_type!r}")
    number = int(message_id)
    if number < 0:
        raise ValueError(f"message id must not be negative ({message_id!r})")
    return f"tg:{channel}:{message_type}:{number}"


def parse_source_ref(ref: str) -> tuple[str, MessageType, int]:
    match = _SOURCE_REF.fullmatch(ref)
    if match is None:
        raise ValueError(f"not a source_ref (tg:<channel>:<post|comment>:<id>): {ref!r}")
    channel, message_type, message_id = match.groups()
    return channel, message_type, int(message_id)  # type: ignore[return-value]


def document_id(ref: str) -> str:
    return "doc:" + ref


def topic_id(anchor_ref: str) -> str:
    return "topic:" + anchor_ref


def kb_message_id(ref: str) -> str:
    return "kb:msg:" + ref


def kb_topic_id(topic: str) -> str:
    return "kb:topic:" + topic


def telegram_url(channel: str, post_id: int, comment_id: int | None = None) -> str | None:
    """Public link to a post or comment; ``None`` when the channel has no usable key."""
    if _USERNAME.fullmatch(channel):
        url = f"https://t.me/{channel}/{post_id}"
    elif channel.startswith("-100"):
        url = f"https://t.me/c/{channel[4:]}/{post_id}"
    else:
        return None
    return f"{url}?comment={comment_id}" if comment_id is not None else url


def _check_component(value: str) -> None:
    if not value or ":" in value:
        raise ValueError(f"identifier component must be non-empty without ':' ({value!r})")


def text_hash(text: str) -> str:
    """The key of a text's derived data (a vector, an index entry): whether it is current."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
