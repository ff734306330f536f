"""Media, link previews, forward and reply headers, polls and reactions of one message.

Each becomes a plain dict for ``raw_payload``; a missing part is left out, never ``None``.
Media inside a quoted reply or a link preview belong to another message and are skipped.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from selectolax.lexbor import LexborNode

from tg_parser.sources.web_text import (
    FOREIGN,
    attribute,
    compact,
    first_text,
    has_class,
    inside,
    own,
    parse_count,
    parse_duration,
    render_text,
)

_TME_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog", "www.t.me"})
_NOT_OWN_MEDIA = (*FOREIGN, "tgme_widget_message_link_preview")
_MEDIA = (
    "a.tgme_widget_message_photo_wrap, .tgme_widget_message_video_player, "
    ".tgme_widget_message_roundvideo_player, .tgme_widget_message_voice_player, "
    ".tgme_widget_message_document_wrap, .tgme_widget_message_sticker_wrap, "
    ".tgme_widget_message_poll, .tgme_widget_message_location_wrap"
)


def style_url(node: LexborNode | None) -> str | None:
    """The ``background-image:url('…')`` of an element's style."""
    style = attribute(node, "style") or ""
    start = style.find("url(")
    end = style.find(")", start)
    if start < 0 or end < 0:
        return None
    url = style[start + 4 : end].strip("'\" ").replace("&quot;", "")
    return url.strip("'\"") or None


def style_px(node: LexborNode | None, name: str) -> float | None:
    """A ``name:<number>px`` or ``name:<number>%`` value of an element's style."""
    for declaration in (attribute(node, "style") or "").split(";"):
        key, _, value = declaration.partition(":")
        if key.strip() == name:
            try:
                return float(value.strip().removesuffix("px").removesuffix("%"))
            except ValueError:
                return None
    return None


def tme_link(href: str | None) -> tuple[str, int | None] | None:
    """``https://t.me/name/123`` → ("name", 123); ``?comment=7`` wins; None off t.me."""
    if not href:
        return None
    try:
        url = urlsplit(href if "//" in href else "https://t.me/" + href.lstrip("/"))
    except ValueError:
        return None
    if url.hostname not in _TME_HOSTS:
        return None
    parts = [part for part in url.path.split("/") if part]
    if parts[:1] == ["s"]:
        parts = parts[1:]
    if not parts:
        return None
    comment = parse_qs(url.query).get("comment", [""])[0]
    number = comment or (parts[1] if len(parts) > 1 else "")
    return parts[0], int(number) if number.isascii() and number.isdigit() else None


# --- message parts -----------------------------------------------------------------------


def media_list(scope: LexborNode) -> list[dict[str, Any]]:
    nodes = [node for node in scope.css(_MEDIA) if not inside(node, scope, _NOT_OWN_MEDIA)]
    voters = parse_count(first_text(scope, ".tgme_widget_message_voters"))
    return [_media(node) | _voters(node, voters) for node in nodes]


def _voters(node: LexborNode, voters: int | None) -> dict[str, Any]:
    """A poll's voter count, which the page shows in the message footer."""
    poll = has_class(node, "tgme_widget_message_poll") and voters is not None
    return {"voters": voters} if poll else {}


def _media(node: LexborNode) -> dict[str, Any]:
    if has_class(node, "tgme_widget_message_photo_wrap"):
        item = _photo(node)
    elif has_class(node, "tgme_widget_message_video_player"):
        item = _video(node)
    elif has_class(node, "tgme_widget_message_roundvideo_player"):
        item = _timed(node, "round_video", "video", ".tgme_widget_message_roundvideo_duration")
    elif has_class(node, "tgme_widget_message_voice_player"):
        item = _timed(node, "voice", "audio", ".tgme_widget_message_voice_duration")
    elif has_class(node, "tgme_widget_message_document_wrap"):
        item = _document(node)
    elif has_class(node, "tgme_widget_message_poll"):
        item = _poll(node)
    elif has_class(node, "tgme_widget_message_sticker_wrap"):
        item = {"type": "sticker", "url": _sticker_url(node)}
    else:
        item = {"type": "location", "url": attribute(node, "href")}
    return compact(item | _part_id(node))


def _photo(node: LexborNode) -> dict[str, Any]:
    width = style_px(node, "width")
    ratio = style_px(node.css_first(".tgme_widget_message_photo"), "padding-top")
    height = round(width * ratio / 100) if width and ratio else style_px(node, "height")
    return {"type": "photo", "url": style_url(node), "width": _int(width), "height": _int(height)}


def _video(node: LexborNode) -> dict[str, Any]:
    video = node.css_first("video")
    looped = video is not None and "loop" in video.attributes
    label = first_text(node, ".message_media_not_supported_label") or ""
    item = _timed(node, "gif" if looped else "video", "video", ".message_video_duration")
    width = style_px(node.css_first(".tgme_widget_message_video_wrap"), "width")
    item |= {"width": _int(width), "thumbnail": style_url(node.css_first("i[style]"))}
    return item | ({"too_big": True} if "too big" in label.lower() else {})


def _timed(node: LexborNode, kind: str, player: str, duration: str) -> dict[str, Any]:
    timer = node.css_first(duration)
    seconds = parse_duration(timer.text()) if timer is not None else None
    return {"type": kind, "url": attribute(node.css_first(player), "src"), "duration": seconds}


def _document(node: LexborNode) -> dict[str, Any]:
    return {
        "type": "document",
        "file_name": first_text(node, ".tgme_widget_message_document_title"),
        "size_text": first_text(node, ".tgme_widget_message_document_extra"),
    }


def _poll(node: LexborNode) -> dict[str, Any]:
    options = [
        compact(
            {
                "text": first_text(option, ".tgme_widget_message_poll_option_text"),
                "percent": _percent(first_text(option, ".tgme_widget_message_poll_option_percent")),
            }
        )
        for option in node.css(".tgme_widget_message_poll_option")
    ]
    return {
        "type": "poll",
        "question": first_text(node, ".tgme_widget_message_poll_question"),
        "poll_type": first_text(node, ".tgme_widget_message_poll_type"),
        "multiple_choice": True if has_class(node, "multiple") else None,
        "options": options,
    }


def _sticker_url(node: LexborNode) -> str | None:
    source = node.css_first("source[srcset], img[src], video[src]")
    url = attribute(source, "srcset") or attribute(source, "src")
    return url or style_url(node.css_first("[style*='url(']"))


def _part_id(node: LexborNode) -> dict[str, Any]:
    """The message id of one part of an album (its link ends with ``?single``)."""
    href = attribute(node, "href") or ""
    link = tme_link(href) if href.endswith("?single") else None
    return {"message_id": link[1]} if link and link[1] is not None else {}


def link_preview(scope: LexborNode) -> dict[str, Any] | None:
    previews = own(scope, "a.tgme_widget_message_link_preview")
    if not previews:
        return None
    node = previews[0]
    return compact(
        {
            "url": attribute(node, "href"),
            "site_name": first_text(node, ".link_preview_site_name"),
            "title": first_text(node, ".link_preview_title"),
            "description": first_text(node, ".link_preview_description"),
        }
    )


def forwarded_from(scope: LexborNode) -> dict[str, Any] | None:
    headers = own(scope, ".tgme_widget_message_forwarded_from")
    if not headers:
        return None
    name_node = headers[0].css_first(".tgme_widget_message_forwarded_from_name")
    href = attribute(name_node, "href")
    link = tme_link(href)
    item: dict[str, Any] = {"name": render_text(name_node or headers[0]) or None, "url": href}
    if link is not None:
        item |= {"username": link[0], "message_id": link[1]}
    return compact(item)


def reply_to(scope: LexborNode) -> dict[str, Any] | None:
    replies = scope.css("a.tgme_widget_message_reply")
    if not replies:
        return None
    node = replies[0]
    link = tme_link(attribute(node, "href"))
    snippet = first_text(node, ".js-message_reply_text, .tgme_widget_message_metatext")
    return compact(
        {
            "message_id": link[1] if link else None,
            "author": first_text(node, ".tgme_widget_message_author_name"),
            "text": snippet,
        }
    )


def reactions(scope: LexborNode) -> list[dict[str, Any]]:
    return [_reaction(node) for node in own(scope, ".tgme_reaction")]


def _reaction(node: LexborNode) -> dict[str, Any]:
    emoji_node = node.css_first("i.emoji b, b")
    emoji = emoji_node.text(strip=True) if emoji_node is not None else ""
    count_text = node.text(strip=True).removeprefix(emoji)
    custom = attribute(node.css_first("tg-emoji"), "emoji-id")
    paid = True if has_class(node, "tgme_reaction_paid") else None
    item: dict[str, Any] = {"emoji": emoji or None, "emoji_id": custom, "paid": paid}
    return compact(item | {"count": parse_count(count_text)})


def _percent(text: str | None) -> int | None:
    number = (text or "").removesuffix("%")
    return int(number) if number.isascii() and number.isdigit() else None


def _int(value: float | None) -> int | None:
    return round(value) if value is not None else None
