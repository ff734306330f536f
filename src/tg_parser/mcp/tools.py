"""The tools: each reads through the same services the HTTP API's routes call, within the
caller's channels, and answers one bounded page (``limit`` capped, ``next_cursor``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from tg_parser import channels, documents
from tg_parser.api.auth import Principal
from tg_parser.api.pages import PageRequest, decode_cursor, encode_cursor
from tg_parser.api.visibility import visible_channel, visible_channels
from tg_parser.config import Settings
from tg_parser.errors import InputError, NotFoundError
from tg_parser.export.options import date_bound
from tg_parser.mcp import shapes
from tg_parser.mcp.args import (
    GetMessagesArgs,
    GetThreadArgs,
    GetTopicArgs,
    ListChannelsArgs,
    ListTopicsArgs,
    Paged,
    SearchArgs,
)
from tg_parser.mcp.quoting import result
from tg_parser.models import parse_source_ref, source_ref
from tg_parser.search import MAX_LIMIT, SearchFilters, search
from tg_parser.store import Database
from tg_parser.topics import catalog

T = TypeVar("T")


@dataclass(frozen=True)
class Caller:
    """Who calls a tool (the principal: its channels) and over which database."""

    db: Database
    settings: Settings
    principal: Principal

    @property
    def cap(self) -> int:
        return self.settings.mcp_max_text_chars

    def page(self, args: Paged) -> PageRequest:
        size = min(args.limit or self.settings.mcp_page_size, self.settings.mcp_max_page_size)
        return PageRequest(offset=decode_cursor(args.cursor) if args.cursor else 0, limit=size)


def paged(items: list[Any], page: PageRequest, total: int) -> dict[str, Any]:
    """``items`` (this page's, already shown) with the listing's total and next cursor."""
    listed = page.page(items, total)
    return {"items": listed.items, "total": listed.total, "next_cursor": listed.next_cursor}


def sliced(items: Sequence[T], page: PageRequest) -> list[T]:
    return list(items[page.offset : page.offset + page.limit])


async def search_tool(caller: Caller, args: SearchArgs) -> dict[str, Any]:
    """Search the messages by words (any word form, Russian and English) and by meaning.
    Each hit: source_ref, link, date, a snippet, its topic and score; best first (at most
    100 hits in all)."""
    page = caller.page(args)
    wanted = min(page.offset + page.limit, MAX_LIMIT)
    filters = SearchFilters.of(
        channel=args.channel,
        topic=args.topic,
        kind=args.kind,
        lang=args.lang,
        since=args.since,
        until=args.until,
    )
    found = await search(
        caller.db,
        args.query,
        filters,
        mode=args.mode,
        limit=wanted,
        channels=caller.principal.channels,
    )
    hits = [shapes.hit(hit, caller.cap) for hit in found.hits[page.offset : wanted]]
    more = len(found.hits) == wanted and wanted < MAX_LIMIT
    return result(
        query=found.query,
        mode=found.mode,
        items=hits,
        next_cursor=encode_cursor(wanted) if more else None,
    )


async def list_channels_tool(caller: Caller, args: ListChannelsArgs) -> dict[str, Any]:
    """The channels in the knowledge base with their counts of posts, comments, processed
    documents and topics."""
    page = caller.page(args)
    found = await channels.list_channels(caller.db, caller.principal.channels)
    shown = [shapes.channel(summary, caller.cap) for summary in sliced(found, page)]
    return result(**paged(shown, page, len(found)))


async def list_topics_tool(caller: Caller, args: ListTopicsArgs) -> dict[str, Any]:
    """A channel's topics, the largest first: id, title, type, size and the dates they span.
    Read one with get_topic."""
    page = caller.page(args)
    key = await visible_channel(caller.db, caller.principal, args.channel)
    found = await catalog.topic_summaries(caller.db, key)
    shown = [shapes.topic_summary(summary, caller.cap) for summary in sliced(found, page)]
    return result(channel=key, **paged(shown, page, len(found)))


async def get_topic_tool(caller: Caller, args: GetTopicArgs) -> dict[str, Any]:
    """A topic: its card (title, summary, scope, anchors) and a page of its messages —
    anchors first, then supporting ones — each with its text, date and link."""
    page = caller.page(args)
    view = await catalog.show_topic(caller.db, args.topic_id, caller.principal.channels)
    items = [shapes.topic_item(source, view, caller.cap) for source in sliced(view.sources, page)]
    card = shapes.topic_card(view, caller.cap)
    return result(topic=card, **paged(items, page, len(view.sources)))


async def get_messages_tool(caller: Caller, args: GetMessagesArgs) -> dict[str, Any]:
    """Processed messages (posts and their comments), the newest first: the ones named by
    source_refs, or those the filters select (a channel, a date range, a kind)."""
    page = caller.page(args)
    query = await _messages_query(caller, args)
    items, total = await documents.list_documents(
        caller.db, query, offset=page.offset, limit=page.limit
    )
    shown = [shapes.message(item, caller.cap) for item in items]
    missing = None
    if args.source_refs is not None and page.offset == 0 and total < len(set(args.source_refs)):
        found = await _found_refs(caller, query)
        missing = sorted(set(args.source_refs) - found)
    return result(**paged(shown, page, total), missing=missing)


async def _messages_query(caller: Caller, args: GetMessagesArgs) -> documents.DocumentQuery:
    filtered = (args.channel, args.since, args.until, args.kind) != (None,) * 4
    if args.source_refs is not None:
        if filtered:
            raise InputError("give source_refs or filters (channel, since, until, kind), not both")
        for ref in args.source_refs:
            _parsed(ref)
        return documents.DocumentQuery(channels=caller.principal.channels, refs=args.source_refs)
    return documents.DocumentQuery(
        channels=await visible_channels(caller.db, caller.principal, args.channel),
        since=date_bound(args.since, "since") if args.since else None,
        until=date_bound(args.until, "until", end_of_day=True) if args.until else None,
        message_type=args.kind,
    )


async def _found_refs(caller: Caller, query: documents.DocumentQuery) -> set[str]:
    limit = len(query.refs or ())
    items, _ = await documents.list_documents(caller.db, query, offset=0, limit=limit)
    return {item.message.document.source_ref for item in items}


def _parsed(ref: str) -> tuple[str, str, int]:
    try:
        return parse_source_ref(ref)
    except ValueError as exc:
        raise InputError(str(exc)) from None


async def get_thread_tool(caller: Caller, args: GetThreadArgs) -> dict[str, Any]:
    """A post and a page of its comments, the oldest first (give the post's source_ref or
    a comment's)."""
    page = caller.page(args)
    channel, post_id = await _thread_of(caller, args.source_ref)
    post_ref = source_ref(channel, "post", post_id)
    posts, _ = await documents.list_documents(
        caller.db, documents.DocumentQuery(channels={channel}, refs={post_ref}), offset=0, limit=1
    )
    comments = documents.DocumentQuery(
        channels={channel}, message_type="comment", thread_id=post_id, oldest_first=True
    )
    items, total = await documents.list_documents(
        caller.db, comments, offset=page.offset, limit=page.limit
    )
    if not posts and total == 0:
        raise NotFoundError(f"no post {post_ref!r}")
    shown = [shapes.message(item, caller.cap) for item in items]
    post = shapes.message(posts[0], caller.cap) if posts else None
    return result(post_ref=post_ref, post=post, **paged(shown, page, total))


async def _thread_of(caller: Caller, ref: str) -> tuple[str, int]:
    """The channel and post id of the thread ``ref`` (a post or a comment) belongs to."""
    channel, message_type, message_id = _parsed(ref)
    caller.principal.check_channel(channel, "message")
    if message_type == "post":
        return channel, message_id
    query = documents.DocumentQuery(channels={channel}, refs={ref})
    items, _ = await documents.list_documents(caller.db, query, offset=0, limit=1)
    if not items:
        raise NotFoundError(f"no message {ref!r}")
    thread = items[0].message.thread_id
    if thread is None:
        raise NotFoundError(f"comment {ref!r} is on no known post")
    return channel, thread


@dataclass(frozen=True)
class Tool:
    name: str
    args: type[BaseModel]
    run: Callable[[Caller, Any], Awaitable[dict[str, Any]]]

    @property
    def description(self) -> str:
        return " ".join((self.run.__doc__ or "").split())


TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool("search", SearchArgs, search_tool),
        Tool("list_channels", ListChannelsArgs, list_channels_tool),
        Tool("list_topics", ListTopicsArgs, list_topics_tool),
        Tool("get_topic", GetTopicArgs, get_topic_tool),
        Tool("get_messages", GetMessagesArgs, get_messages_tool),
        Tool("get_thread", GetThreadArgs, get_thread_tool),
    )
}
