"""A loopback HTTP server speaking t.me's web preview (`/s/<channel>` pages, the comments
widget, edge pages), with scripted faults and a record of every request.

Faults a hostile or broken server commits are :class:`Reply` objects: redirects (to
another host, or in a loop), a huge page (streamed, never held in memory, with or without
a ``Content-Length`` announcing it) and a trickling page (one byte at a time).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

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
    answer after ``delay`` (a slow response); otherwise ``status``, ``headers`` and ``body``.

    ``padding`` bytes of filler follow the body (a huge page), announced by
    ``Content-Length`` unless ``announce_length`` is off (then the connection's end ends
    the body); ``trickle`` sends the body one byte per that many seconds.
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    delay: float = 0.0
    padding: int = 0
    announce_length: bool = True
    trickle: float = 0.0

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Reply:
        return cls(status=status, headers={"Location": location})


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
    :class:`Reply` objects served, in order, to the next requests; ``faults`` maps a path
    to the :class:`Reply` served to every request for it once ``script`` is empty (a
    channel whose server misbehaves on every visit); ``latency`` delays every answer;
    ``requests`` records every request.
    """

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.channels: dict[str, SyntheticChannel] = {}
        self.pages: dict[str, str] = {}
        self.script: list[Reply] = []
        self.faults: dict[str, Reply] = {}
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
            return self.script.pop(0) if self.script else self.faults.get(request.path)


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
            reply = replace(scripted or Reply(), status=status, headers=extra, body=body)
        else:
            reply = scripted
        with _quiet_disconnect():
            self._send(reply)

    def _send(self, reply: Reply) -> None:
        body = reply.body.encode()
        assert reply.status is not None
        self.send_response(reply.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if reply.announce_length:
            self.send_header("Content-Length", str(len(body) + reply.padding))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self._write(body, reply.trickle)
        self._pad(reply.padding)

    def _write(self, body: bytes, trickle: float) -> None:
        if not trickle:
            self.wfile.write(body)
            return
        for index in range(len(body)):
            self.wfile.write(body[index : index + 1])
            self.wfile.flush()
            time.sleep(trickle)

    def _pad(self, size: int) -> None:
        """``size`` bytes of filler in chunks, stopping when the client hangs up."""
        chunk = b" " * 65536
        while size > 0:
            self.wfile.write(chunk[:size])
            size -= len(chunk)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake's record is ``requests``."""


@contextmanager
def _quiet_disconnect() -> Iterator[None]:
    """A client that gave up (a timeout test) is not an error of the fake."""
    with suppress(BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
        yield
