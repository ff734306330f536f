"""Fakes shipped with the package, for tests and demos: remote services faked at the wire.

- :class:`FakeTelegramWeb` — a loopback HTTP server speaking t.me's web preview.
- :class:`FakeTelegramClient` — a Telethon client over messages rebuilt from real dumps.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tg_parser.sources.telegram import telethon_error, tl_object

# --- fake t.me web preview ---------------------------------------------------------------

PAGE_SIZE = 20  # posts on one /s/<channel> page, as on t.me
WIDGET_SIZE = 10  # comments on one load of the discussion widget

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title} - Telegram</title></head>
<body class="widget_frame_base emoji_image nodark">
<div class="tgme_header_right_column"><section class="tgme_right_column">
<div class="tgme_channel_info">
  <div class="tgme_channel_info_header">
    <div class="tgme_channel_info_header_title_wrap">
      <div class="tgme_channel_info_header_title"><span dir="auto">{title}</span></div>
    </div>
    <div class="tgme_channel_info_header_username"><a href="https://t.me/{name}">@{name}</a></div>
  </div>
  <div class="tgme_channel_info_counters"><div class="tgme_channel_info_counter">
    <span class="counter_value">{subscribers}</span> <span class="counter_type">subscribers</span>
  </div></div>
  <div class="tgme_channel_info_description">{description}</div>
</div></section></div>
<main class="tgme_main" data-url="/{name}"><div class="tgme_container">
<section class="tgme_channel_history js-message_history">
{more}{posts}
</section></div></main>
</body></html>
"""
_MORE = (
    '<div class="tgme_widget_message_centered js-messages_more_wrap"><a href="/s/{name}?before='
    '{before}" class="tme_messages_more js-messages_more" data-before="{before}"></a></div>'
)
_POST = """<div class="tgme_widget_message_wrap js-widget_message_wrap"><div
 class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{name}/{id}">
  <div class="tgme_widget_message_bubble">
    <div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name"
      href="https://t.me/{name}"><span dir="auto">{title}</span></a></div>
    <div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>
    <div class="tgme_widget_message_footer compact js-message_footer">
      <div class="tgme_widget_message_info short js-message_info">
        <span class="tgme_widget_message_views">{views}</span><span class="copyonly"> views</span>
        <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date"
          href="https://t.me/{name}/{id}"><time datetime="{date}" class="time">{time}</time></a>
        </span>
      </div>
    </div>
  </div>
</div></div>
"""
_WIDGET = """<!DOCTYPE html>
<html><head><meta charset="utf-8"></head>
<body class="widget_frame_base tgme_widget body_widget_discussion">
<div class="tgme_post_discussion_header_wrap"><h3 class="tgme_post_discussion_header">
  <span class="js-header">{total} comments</span> on
  <a href="https://t.me/{name}/{post}">this post</a></h3>
</div>
<div class="tgme_post_discussion js-message_history">
{more}{comments}
</div></body></html>
"""
_WIDGET_MORE = (
    '<div class="tme_messages_more accent_bghover js-messages_more" data-before="{before}">'
    "Show more comments</div>"
)
_COMMENT = """<div class="tgme_widget_message_wrap js-widget_message_wrap"><div
 class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post-id="{id}">
  <div class="tgme_widget_message_bubble">
    <div class="tgme_widget_message_author accent_color"><span
      class="tgme_widget_message_author_name"><span dir="auto">Reader {reader}</span></span></div>
    <div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>
    <div class="tgme_widget_message_footer js-message_footer"><a class="tgme_widget_message_date"
      href="https://t.me/{name}/{post}?comment={id}"><time datetime="{date}">{time}</time></a></div>
  </div>
</div></div>
"""


@dataclass
class SyntheticChannel:
    """A deterministic channel: posts 1..``posts``, post i dated ``start`` + i hours.

    ``comments`` maps a post id to its number of comments (comment j of post p has id
    ``p * 1000 + j``); posts not in it have no discussion (the widget answers 404). Grow
    the channel by raising ``posts`` or a post's count. ``more_links=False`` drops the
    "more" link, as some t.me pages do.
    """

    name: str
    posts: int
    title: str = "Synthetic Channel"
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    comments: dict[int, int] = field(default_factory=dict)
    more_links: bool = True

    def date(self, post_id: int) -> datetime:
        return self.start + timedelta(hours=post_id)

    def text(self, post_id: int) -> str:
        return f"Post {post_id} of {self.name}: note number {post_id} about topic {post_id % 7}."

    def page(self, before: int | None) -> str:
        """The /s/ page with the PAGE_SIZE posts below ``before`` (the newest without it)."""
        top = self.posts if before is None else min(before - 1, self.posts)
        ids = range(max(top - PAGE_SIZE + 1, 1), top + 1)
        more = _MORE.format(name=self.name, before=ids[0]) if ids and ids[0] > 1 else ""
        return _PAGE.format(
            name=self.name,
            title=escape(self.title),
            subscribers="1.2K",
            description=f"A synthetic channel of {self.posts} posts.",
            more=more if self.more_links else "",
            posts="".join(self._post(i) for i in ids),
        )

    def widget(self, post_id: int, before: int | None) -> str | None:
        """One load of a post's comments: the WIDGET_SIZE newest below ``before``."""
        if post_id not in self.comments or not 1 <= post_id <= self.posts:
            return None
        ids = [post_id * 1000 + j for j in range(1, self.comments[post_id] + 1)]
        shown = [i for i in ids if before is None or i < before][-WIDGET_SIZE:]
        older = bool(shown) and shown[0] > ids[0]
        more = _WIDGET_MORE.format(before=shown[0]) if older else ""
        comments = "".join(self._comment(post_id, i) for i in shown)
        return _WIDGET.format(
            total=len(ids), name=self.name, post=post_id, more=more, comments=comments
        )

    def _post(self, post_id: int) -> str:
        date = self.date(post_id)
        return _POST.format(
            name=self.name,
            id=post_id,
            title=escape(self.title),
            text=escape(self.text(post_id)),
            views=100 + post_id,
            date=date.isoformat(),
            time=date.strftime("%H:%M"),
        )

    def _comment(self, post_id: int, comment_id: int) -> str:
        date = self.date(post_id) + timedelta(minutes=comment_id % 1000)
        text = f"Comment {comment_id} on post {post_id}."
        return _COMMENT.format(
            id=comment_id,
            reader=comment_id % 5,
            text=text,
            name=self.name,
            post=post_id,
            date=date.isoformat(),
            time=date.strftime("%b %d"),
        )


@dataclass(frozen=True)
class Reply:
    """A scripted answer served instead of the real one: ``status=None`` serves the real
    answer after ``delay`` (a slow response); otherwise ``status``, ``headers`` and ``body``."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    delay: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    at: float  # time.monotonic() when the request arrived


class FakeTelegramWeb:
    """A loopback t.me web preview (stdlib HTTP server in a thread); use it as a context
    manager and point ``TELEGRAM_WEB_BASE_URL`` at :attr:`base_url`.

    It serves synthetic channels (:meth:`add_channel`) with t.me's ``?before=`` paging and
    discussion widgets; saved real pages as they are, whatever the query
    (:meth:`add_page`); cards of users, bots, groups and channels without a preview, which
    ``/s/<name>`` redirects to (:meth:`add_card`); 404 for anything else. ``script`` holds
    :class:`Reply` objects served, in order, to the next requests; ``latency`` delays
    every answer; ``requests`` records every request.
    """

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.channels: dict[str, SyntheticChannel] = {}
        self.pages: dict[str, str] = {}
        self.script: list[Reply] = []
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def add_channel(self, name: str, posts: int, **options: Any) -> SyntheticChannel:
        channel = SyntheticChannel(name, posts, **options)
        self.channels[name] = channel
        return channel

    def add_page(self, path: str, html: str) -> None:
        """Serve ``html`` at ``path`` (e.g. ``/s/durov`` or ``/chan/2`` for a widget)."""
        self.pages[path] = html

    def add_card(self, name: str, html: str) -> None:
        self.pages[f"/{name}"] = html

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server with `with FakeTelegramWeb()`"
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeTelegramWeb:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.block_on_close = False
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """The real answer to a GET: (status, headers, body)."""
        if path in self.pages:
            return 200, {}, self.pages[path]
        parts = path.strip("/").split("/")
        before = int(query["before"]) if query.get("before", "").isdigit() else None
        if len(parts) == 2 and parts[0] == "s" and parts[1] in self.channels:
            return 200, {}, self.channels[parts[1]].page(before)
        if len(parts) == 2 and parts[0] == "s" and f"/{parts[1]}" in self.pages:
            return 302, {"Location": f"/{parts[1]}"}, ""
        if len(parts) == 2 and parts[0] in self.channels and parts[1].isdigit():
            widget = self.channels[parts[0]].widget(int(parts[1]), before)
            if widget is not None and query.get("discussion") == "1":
                return 200, {}, widget
        return 404, {}, "<html><body>Not found</body></html>"

    def _next(self, request: RecordedRequest) -> Reply | None:
        with self._lock:
            self.requests.append(request)
            return self.script.pop(0) if self.script else None


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeTelegramWeb
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        fake = self.server_fake
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        headers = {name.lower(): value for name, value in self.headers.items()}
        scripted = fake._next(RecordedRequest(url.path, query, headers, time.monotonic()))
        time.sleep(fake.latency + (scripted.delay if scripted else 0.0))
        if scripted is None or scripted.status is None:
            status, extra, body = fake.answer(url.path, query)
        else:
            status, extra, body = scripted.status, scripted.headers, scripted.body
        with _quiet_disconnect():
            self._send(status, extra, body.encode())

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake's record is ``requests``."""


@contextmanager
def _quiet_disconnect() -> Iterator[None]:
    """A client that gave up (a timeout test) is not an error of the fake."""
    with suppress(BrokenPipeError, ConnectionResetError):
        yield


# --- fake Telethon client ----------------------------------------------------------------

TELETHON_CHUNK = 100  # messages Telegram returns per history request
_INVITE = re.compile(r"(?:https?://)?(?:t\.me/)?(?:\+|joinchat/)([\w-]+)$")


@dataclass
class FakeChat:
    """A channel or discussion group of :class:`FakeTelegramClient`; ``messages`` hold the
    ``to_dict()`` form (as in the saved dumps), rebuilt into Telethon objects when read.

    ``forbidden``: the account cannot read it (Telegram lists it as ``ChannelForbidden``;
    reading its history raises ChannelPrivateError).
    """

    id: int  # bare channel id, as Telethon's Channel.id
    title: str
    username: str | None = None
    access_hash: int = 0
    megagroup: bool = False
    about: str | None = None
    participants: int | None = None
    invite_hash: str | None = None
    forbidden: bool = False
    linked: FakeChat | None = None
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, messages: list[dict[str, Any]]) -> None:
        self.messages |= {message["id"]: dict(message) for message in messages}

    def edit(self, message_id: int, text: str, edit_date: datetime) -> None:
        self.messages[message_id] |= {"message": text, "edit_date": edit_date.isoformat()}

    def entity(self) -> dict[str, Any]:
        kind = "ChannelForbidden" if self.forbidden else "Channel"
        return {
            "_": kind,
            "id": self.id,
            "title": self.title,
            "username": self.username,
            "access_hash": self.access_hash,
            "broadcast": not self.megagroup,
            "megagroup": self.megagroup,
            "photo": {"_": "ChatPhotoEmpty"},
            "date": "2020-01-01T00:00:00+00:00",
        }


@dataclass
class _Failure:
    error: BaseException
    after: int  # fires on a request once this many requests were made
    chat: int | None
    reply_to: int | None
    times: int


class FakeTelegramClient:
    """A Telethon ``TelegramClient`` stand-in with Telegram's real semantics for the calls
    tg-parser makes: ``iter_messages`` (newest first unless ``reverse``; ``min_id``,
    ``max_id``, ``offset_id``, ``offset_date``, ``limit``, ``reply_to``; 100 messages per
    request), ``get_messages(ids=…)``, ``get_entity``, ``GetFullChannelRequest``,
    ``connect``/``disconnect``/``is_user_authorized``, ``start`` and ``get_me``.

    ``requests`` names every server request made (``history``, ``replies``,
    ``get_messages``, ``resolve``, ``full_channel``); ``latency`` delays each one. Errors
    are scripted with :meth:`fail`; a FloodWait up to ``flood_sleep_threshold`` seconds is
    absorbed as Telethon does (recorded in ``slept``, then the request is repeated).
    Use :meth:`factory` as ``TelegramSource(settings, client_factory=fake.factory)``.
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        authorized: bool = True,
        code: str = "12345",
        password: str | None = None,
        user: tuple[int, str, str | None] = (777000, "Test User", "test_user"),
    ) -> None:
        self.latency = latency
        self.authorized = authorized
        self.code, self.password, self.user = code, password, user
        self.flood_sleep_threshold = 60
        self.chats: dict[int, FakeChat] = {}
        self.requests: list[str] = []
        self.slept: list[int] = []
        self.sessions: list[Any] = []
        self.phones: list[str] = []
        self.connected = False
        self._failures: list[_Failure] = []

    # --- set-up ---

    def add_chat(self, messages: list[dict[str, Any]], **details: Any) -> FakeChat:
        chat = FakeChat(**details)
        chat.add(messages)
        self.chats[chat.id] = chat
        return chat

    def fail(
        self,
        error: BaseException,
        *,
        after: int = 0,
        chat: int | None = None,
        reply_to: int | None = None,
        times: int = 1,
    ) -> None:
        """Raise ``error`` on the first matching request once ``after`` requests were made."""
        self._failures.append(_Failure(error, after, chat, reply_to, times))

    def factory(self, settings: Any, session: Any) -> FakeTelegramClient:
        self.sessions.append(session)
        return self

    def count(self, kind: str) -> int:
        return self.requests.count(kind)

    # --- the client calls ---

    async def connect(self) -> None:
        self.connected = True

    async def disconnect(self) -> None:
        self.connected = False

    async def is_user_authorized(self) -> bool:
        return self.authorized

    async def start(
        self, phone: Any, password: Any, *, code_callback: Any, max_attempts: int = 3
    ) -> FakeTelegramClient:
        await self.connect()
        if self.authorized:
            return self
        self.phones.append(phone() if callable(phone) else phone)
        if not _answered(code_callback, self.code, max_attempts):
            raise telethon_error("PhoneCodeInvalidError")
        if self.password is not None and not _answered(password, self.password, max_attempts):
            raise telethon_error("PasswordHashInvalidError")
        self.authorized = True
        return self

    async def get_me(self) -> Any:
        user_id, name, username = self.user
        return tl_object({"_": "User", "id": user_id, "first_name": name, "username": username})

    @property
    def session(self) -> Any:
        return _FakeStringSession(self.user[0] if self.authorized else 0)

    async def get_entity(self, reference: str | int) -> Any:
        await self._request("resolve", None)
        chat = self._resolve(reference)
        return tl_object(chat.entity())

    async def __call__(self, request: Any) -> Any:
        if type(request).__name__ != "GetFullChannelRequest":
            raise TypeError(f"FakeTelegramClient does not implement {type(request).__name__}")
        chat = self._chat_of(request.channel, reading=False)
        await self._request("full_channel", chat.id)
        linked = chat.linked
        full = {
            "_": "messages.ChatFull",
            "full_chat": {
                "_": "ChannelFull",
                "id": chat.id,
                "about": chat.about or "",
                "participants_count": chat.participants,
                "linked_chat_id": linked.id if linked else None,
            },
            "chats": [chat.entity()] + ([linked.entity()] if linked else []),
            "users": [],
        }
        return tl_object(full)

    async def get_messages(self, entity: Any, ids: list[int]) -> list[Any]:
        chat = self._chat_of(entity)
        await self._request("get_messages", chat.id)
        return [tl_object(chat.messages[i]) if i in chat.messages else None for i in ids]

    def iter_messages(
        self,
        entity: Any,
        limit: int | None = None,
        *,
        offset_date: datetime | None = None,
        offset_id: int = 0,
        max_id: int = 0,
        min_id: int = 0,
        reverse: bool = False,
        reply_to: int | None = None,
    ) -> Any:
        return self._iterate(
            entity, limit, offset_date, offset_id, max_id, min_id, reverse, reply_to
        )

    # --- semantics ---

    async def _iterate(
        self,
        entity: Any,
        limit: int | None,
        offset_date: datetime | None,
        offset_id: int,
        max_id: int,
        min_id: int,
        reverse: bool,
        reply_to: int | None,
    ) -> Any:
        chat = self._chat_of(entity, reading=reply_to is None)
        pool = (
            self._thread(chat, reply_to) if reply_to is not None else list(chat.messages.values())
        )
        if reverse:  # Telethon: min_id becomes the offset; offset_id wins over offset_date
            offset = max(offset_id, min_id)
            chosen = [
                m
                for m in pool
                if m["id"] > offset
                and (not max_id or m["id"] < max_id)
                and (offset or offset_date is None or _when(m) > offset_date)
            ]
            chosen.sort(key=lambda m: m["id"])
        else:
            offset = max(offset_id, max_id)
            chosen = [
                m
                for m in pool
                if (not offset or m["id"] < offset)
                and m["id"] > min_id
                and (offset_date is None or _when(m) < offset_date)
            ]
            chosen.sort(key=lambda m: -m["id"])
        left = len(chosen) + 1 if limit is None else limit
        position = 0
        while left > 0:
            size = min(left, TELETHON_CHUNK)
            await self._request("replies" if reply_to is not None else "history", chat.id, reply_to)
            chunk = chosen[position : position + size]
            for message in chunk:
                yield tl_object(message)
            position, left = position + len(chunk), left - len(chunk)
            if len(chunk) < size:
                return

    def _thread(self, chat: FakeChat, post: int) -> list[dict[str, Any]]:
        """GetReplies: the comments of ``post`` in the linked group (MsgIdInvalid if none)."""
        group = chat.linked
        copy = next(
            (
                m["id"]
                for m in (group.messages.values() if group else [])
                if (m.get("fwd_from") or {}).get("channel_post") == post
            ),
            None,
        )
        if group is None or copy is None:
            raise telethon_error("MsgIdInvalidError")
        return [m for m in group.messages.values() if _top(m) == copy]

    async def _request(self, kind: str, chat: int | None, reply_to: int | None = None) -> None:
        while True:
            self.requests.append(kind)
            if self.latency:
                await asyncio.sleep(self.latency)
            error = self._scripted(chat, reply_to)
            if error is None:
                return
            seconds: int = getattr(error, "seconds", 0)
            if type(error).__name__ != "FloodWaitError" or seconds > self.flood_sleep_threshold:
                raise error
            self.slept.append(seconds)  # Telethon sleeps, then repeats the request

    def _scripted(self, chat: int | None, reply_to: int | None) -> BaseException | None:
        for failure in self._failures:
            if (
                failure.times > 0
                and len(self.requests) > failure.after
                and failure.chat in (None, chat)
                and failure.reply_to in (None, reply_to)
            ):
                failure.times -= 1
                return failure.error
        return None

    def _resolve(self, reference: str | int) -> FakeChat:
        if isinstance(reference, int):
            bare = int(str(reference).removeprefix("-100"))
            if bare not in self.chats:
                raise ValueError(f"Could not find the input entity for PeerChannel({bare})")
            return self.chats[bare]
        invite = _INVITE.match(reference.strip())
        if invite:
            found = [c for c in self.chats.values() if c.invite_hash == invite.group(1)]
            if not found:
                raise telethon_error("InviteHashExpiredError")
            return found[0]
        name = reference.strip().rstrip("/").rsplit("/", 1)[-1].lstrip("@").lower()
        for chat in self.chats.values():
            if (chat.username or "").lower() == name:
                return chat
        raise telethon_error("UsernameNotOccupiedError")

    def _chat_of(self, entity: Any, *, reading: bool = True) -> FakeChat:
        bare = getattr(entity, "channel_id", None) or entity.id
        chat = self.chats.get(bare)
        if chat is None or getattr(entity, "access_hash", chat.access_hash) != chat.access_hash:
            raise telethon_error("ChannelInvalidError")
        if chat.forbidden and reading:
            raise telethon_error("ChannelPrivateError")
        return chat


@dataclass(frozen=True)
class _FakeStringSession:
    user_id: int

    def save(self) -> str:
        return f"1FakeSessionString-user{self.user_id}"


def _answered(prompt: Any, expected: str, attempts: int) -> bool:
    """Ask up to ``attempts`` times, as Telethon's ``start`` does."""
    return any(
        str(prompt() if callable(prompt) else prompt).strip() == expected for _ in range(attempts)
    )


def _when(message: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(message["date"]))


def _top(message: dict[str, Any]) -> int | None:
    header = message.get("reply_to") or {}
    return header.get("reply_to_top_id") or header.get("reply_to_msg_id")
