"""Telegram's public web preview (``https://t.me/s/<channel>``) as raw messages.

Pure functions over saved HTML (no HTTP here), parsed with selectolax:

- :func:`parse_channel_page` — a ``/s/<channel>`` page: header, posts, paging cursors;
- :func:`parse_discussion_widget` — the comments widget of one post
  (``/<channel>/<post>?embed=1&discussion=1``);
- :func:`detect_page_kind` — what t.me served instead: a user, bot or group, a channel
  without a public preview, or nothing at all.

Service messages (channel created, photo changed, pinned…) are counted and skipped; a
block whose id is empty or not a number, or that has no date, is counted as skipped.
Nothing in the page makes these functions raise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from selectolax.lexbor import LexborHTMLParser, LexborNode

from tg_parser.models import (
    CollectedMessage,
    MessageType,
    RawTelegramMessage,
    cap_payload,
    channel_key,
    source_ref,
)
from tg_parser.sources.web_media import (
    forwarded_from,
    link_preview,
    media_list,
    reactions,
    reply_to,
)
from tg_parser.sources.web_text import (
    attribute,
    compact,
    first_text,
    has_class,
    own,
    parse_count,
    render_text,
)

PageKind = Literal["channel", "no_preview", "user", "bot", "group", "not_found"]

# what survives when a payload is over the size cap
KEY_FIELDS = (
    *("data_post", "username", "views", "edited", "author", "from", "date_estimated"),
    *("forwarded_from", "reply_to", "link_preview", "album"),
)


@dataclass(frozen=True)
class ChannelHeader:
    """The channel card of a preview page; ``username`` as served, without ``@``."""

    title: str | None = None
    username: str | None = None
    description: str | None = None
    subscribers: int | None = None
    photo_url: str | None = None


@dataclass(frozen=True)
class ChannelPage:
    """One preview page: its posts (oldest first) and where to go for older ones.

    ``before`` is the ``data-before`` of the "more" link, else the smallest id on the
    page; ``newest_id`` the largest. Both count service messages too, so a page of only
    service messages still moves the cursor.
    """

    header: ChannelHeader | None
    posts: list[CollectedMessage]
    before: int | None
    newest_id: int | None
    service_count: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class DiscussionPage:
    """One load of a post's comments widget, with the cursors of its "more" links."""

    comments: list[CollectedMessage]
    total: int | None
    before: int | None
    after: int | None
    skipped: int = 0


@dataclass
class _Tally:
    messages: list[CollectedMessage] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    service_count: int = 0
    skipped: int = 0

    def add(self, message: CollectedMessage | None) -> None:
        if message is None:
            self.skipped += 1
        else:
            self.messages.append(message)

    @property
    def last_date(self) -> datetime | None:
        return self.messages[-1].message.date if self.messages else None


# --- channel pages -----------------------------------------------------------------------


def parse_channel_page(html: str, *, channel: str) -> ChannelPage:
    """Posts of a ``/s/<channel>`` page, keyed by ``channel`` whatever name t.me serves."""
    key = channel_key(channel)
    tree = LexborHTMLParser(html)
    tally = _Tally()
    for node in tree.css("[data-post]"):
        _read_block(node, key, tally)
    return ChannelPage(
        header=_header(tree),
        posts=tally.messages,
        before=_cursor(tree, "data-before") or min(tally.ids, default=None),
        newest_id=max(tally.ids, default=None),
        service_count=tally.service_count,
        skipped=tally.skipped,
    )


def _read_block(node: LexborNode, key: str, tally: _Tally) -> None:
    data_post = attribute(node, "data-post") or ""
    served, _, number = data_post.rpartition("/")
    message_id = _number(number)
    if message_id is None:
        tally.skipped += 1
        return
    tally.ids.append(message_id)
    if has_class(node, "service_message"):
        tally.service_count += 1
        return
    payload = {"data_post": data_post, "username": served or None}
    payload |= {"author": first_text(node, ".tgme_widget_message_from_author")}
    tally.add(_message(node, key, "post", (message_id, message_id), payload, tally.last_date))


def _header(tree: LexborHTMLParser) -> ChannelHeader | None:
    info = tree.css_first(".tgme_channel_info")
    if info is None:
        return None
    username = first_text(info, ".tgme_channel_info_header_username")
    return ChannelHeader(
        title=first_text(info, ".tgme_channel_info_header_title"),
        username=username.lstrip("@") or None if username else None,
        description=first_text(info, ".tgme_channel_info_description"),
        subscribers=_subscribers(info),
        photo_url=attribute(info.css_first(".tgme_channel_info_header img"), "src"),
    )


def _subscribers(info: LexborNode) -> int | None:
    for counter in info.css(".tgme_channel_info_counter"):
        if (first_text(counter, ".counter_type") or "").startswith("subscriber"):
            return parse_count(first_text(counter, ".counter_value"))
    return None


# --- comments widget ---------------------------------------------------------------------


def parse_discussion_widget(html: str, *, channel: str, post_id: int) -> DiscussionPage:
    """Comments of post ``post_id``; each replies to another comment or to the post."""
    key = channel_key(channel)
    tree = LexborHTMLParser(html)
    tally = _Tally()
    for node in tree.css("[data-post-id]"):
        comment_id = _number(attribute(node, "data-post-id"))
        payload = {"data_post_id": comment_id, "from": _commenter(node)}
        ids = (comment_id, post_id)
        tally.add(_message(node, key, "comment", ids, payload, tally.last_date))
    header = tree.css_first(".tgme_post_discussion_header .js-header")
    total = parse_count(header.text().split(" ")[0]) if header is not None else None
    return DiscussionPage(
        comments=tally.messages,
        total=total,
        before=_cursor(tree, "data-before"),
        after=_cursor(tree, "data-after"),
        skipped=tally.skipped,
    )


def _commenter(node: LexborNode) -> str | None:
    return first_text(node, ".tgme_widget_message_author_name") or first_text(
        node, ".tgme_widget_message_owner_name"
    )


# --- one message -------------------------------------------------------------------------


def _message(
    node: LexborNode,
    key: str,
    message_type: MessageType,
    ids: tuple[int | None, int],
    extra: dict[str, Any],
    previous_date: datetime | None,
) -> CollectedMessage | None:
    """A raw message from a block; None when it has no usable id or date.

    ``ids`` are the message's id and its thread's. A block without a date (t.me serves
    some with ``datetime=""``) takes the date of the message before it on the page — a
    lower bound, as pages are in time order — marked ``date_estimated``.
    """
    message_id, thread_id = ids
    date = _date(node)
    estimated = True if date is None else None
    date = date or previous_date
    if message_id is None or date is None:
        return None
    payload = compact(extra | _content(node) | {"date_estimated": estimated})
    parent = payload.get("reply_to", {}).get("message_id", thread_id)
    message = RawTelegramMessage(
        id=str(message_id),
        message_type=message_type,
        source_ref=source_ref(key, message_type, message_id),
        channel_id=key,
        date=date,
        text=_text(node),
        thread_id=str(thread_id),
        parent_message_id=str(parent) if message_type == "comment" else None,
        raw_payload=cap_payload(payload, KEY_FIELDS),
    )
    return CollectedMessage(message)


def _content(node: LexborNode) -> dict[str, Any]:
    media = media_list(node)
    parts = [item["message_id"] for item in media if "message_id" in item]
    meta = first_text(node, ".tgme_widget_message_meta") or ""
    return {
        "views": parse_count(first_text(node, ".tgme_widget_message_views")),
        "edited": True if "edited" in meta.split() else None,
        "forwarded_from": forwarded_from(node),
        "reply_to": reply_to(node),
        "link_preview": link_preview(node),
        "media": media or None,
        "album": parts if own(node, ".tgme_widget_message_grouped_wrap") else None,
        "reactions": reactions(node) or None,
    }


def _text(node: LexborNode) -> str:
    texts = own(node, ".tgme_widget_message_text")
    return render_text(texts[0]) if texts else ""


def _date(node: LexborNode) -> datetime | None:
    """The UTC time of a message block's own ``time[datetime]``."""
    for time in own(node, "time[datetime]"):
        try:
            value = datetime.fromisoformat((attribute(time, "datetime") or "").strip())
            return value.astimezone(UTC) if value.tzinfo is not None else None
        except (ValueError, OverflowError):
            return None
    return None


# --- page kinds and helpers --------------------------------------------------------------


def detect_page_kind(html: str) -> PageKind:
    """What t.me served: a channel's posts, or the card of something else.

    A channel card without posts (``no_preview``) is what ``/s/<name>`` gives for a
    channel whose owner turned the public preview off; such a channel is read through
    the Telethon source.
    """
    tree = LexborHTMLParser(html)
    if tree.css_first(".tgme_channel_history, .tgme_channel_info, [data-post]") is not None:
        return "channel"
    if tree.css_first(".tgme_page_title") is None:
        return "not_found"
    extra = _page_text(tree, ".tgme_page_extra")
    action = _page_text(tree, ".tgme_action_button_new")
    if "subscriber" in extra:
        return "no_preview"
    if "member" in extra:
        return "group"
    if "start bot" in action or "monthly user" in extra:
        return "bot"
    return "user"


def _cursor(tree: LexborHTMLParser, name: str) -> int | None:
    node = tree.css_first(f".js-messages_more[{name}], .tme_messages_more[{name}]")
    return _number(attribute(node, name))


def _number(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _page_text(tree: LexborHTMLParser, selector: str) -> str:
    node = tree.css_first(selector)
    return render_text(node).lower() if node is not None else ""
