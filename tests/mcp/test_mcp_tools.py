"""Every tool through the SDK's client over streamable HTTP (`serve`'s ``/mcp``), on SQLite
and PostgreSQL: what each answers, its paging, and bad input as a tool error."""

from __future__ import annotations

from typing import Any

import mcp_sample
import pytest
from mcp.shared.exceptions import MCPError
from mcp_fixtures import call, connect, kb, refused, url

from tg_parser.mcp.quoting import NOTE

__all__ = ["kb", "url"]  # fixtures from mcp_fixtures

CHANNEL = mcp_sample.CHANNEL
TOPIC = "topic:tg:technotes:post:4"
THREAD = "tg:technotes:post:111"  # a post with five comments


def texts(value: Any) -> list[str]:
    """Every quoted text in an answer."""
    if isinstance(value, dict):
        found = [value["untrusted_text"]] if "untrusted_text" in value else []
        return found + [text for item in value.values() for text in texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return []


def unquoted(value: Any) -> Any:
    """An answer with every quoted text left out."""
    if isinstance(value, dict):
        return {k: unquoted(v) for k, v in value.items() if k != "untrusted_text"}
    if isinstance(value, list):
        return [unquoted(item) for item in value]
    return value


async def test_the_six_tools_are_listed_read_only_with_their_schemas(url: str) -> None:
    async with connect(url) as client:
        listed = (await client.list_tools()).tools
    assert [tool.name for tool in listed] == [
        "search",
        "list_channels",
        "list_topics",
        "get_topic",
        "get_messages",
        "get_thread",
    ]
    for tool in listed:
        assert tool.description and tool.annotations and tool.annotations.read_only_hint
        assert tool.input_schema["type"] == "object"
        assert {"limit", "cursor"} <= set(tool.input_schema["properties"])
    schemas = {tool.name: tool.input_schema for tool in listed}
    assert schemas["get_topic"]["required"] == ["topic_id"]
    assert schemas["search"]["required"] == ["query"]


async def test_list_channels_pages_through_the_channels(url: str) -> None:
    async with connect(url) as client:
        first = await call(client, "list_channels", limit=1)
        second = await call(client, "list_channels", limit=1, cursor=first["next_cursor"])
    assert first["note"] == NOTE
    assert first["total"] == second["total"] == 2
    assert [c["channel"] for c in first["items"] + second["items"]] == ["otherchan", CHANNEL]
    assert "next_cursor" not in second
    sample = second["items"][0]
    assert sample["title"] == {"untrusted_text": "Tech & Life Notes"}
    assert sample["posts"] > 100 and sample["comments"] > 0 and sample["topics"] == 10


async def test_list_topics_gives_a_channels_topics_largest_first(url: str) -> None:
    async with connect(url) as client:
        page = await call(client, "list_topics", channel="@TechNotes", limit=3)
        rest = await call(client, "list_topics", channel=CHANNEL, cursor=page["next_cursor"])
    assert page["channel"] == CHANNEL and page["total"] == 10
    assert len(page["items"]) == 3 and len(rest["items"]) == 7
    sizes = [topic["items"] for topic in page["items"] + rest["items"]]
    assert sizes == sorted(sizes, reverse=True)
    assert page["items"][0] == page["items"][0] | {"id": TOPIC, "type": "cluster"}
    assert page["items"][0]["title"] == {"untrusted_text": "Python"}


async def test_get_topic_gives_the_card_and_a_page_of_resolved_messages(url: str) -> None:
    async with connect(url) as client:
        topic = await call(client, "get_topic", topic_id=TOPIC, limit=4)
        more = await call(client, "get_topic", topic_id=TOPIC, limit=4, cursor=topic["next_cursor"])
    card = topic["topic"]
    assert card["id"] == TOPIC and card["channel"] == CHANNEL
    assert card["summary"]["untrusted_text"] and card["scope_in"][0]["untrusted_text"]
    assert card["anchors"][0]["source_ref"] == "tg:technotes:post:4"
    assert topic["total"] == card["items"] > 8
    first = topic["items"][0]
    assert first["role"] == "anchor" and first["url"] == "https://t.me/technotes/4"
    assert first["date"].startswith("2025-01-14") and "Python" in first["text"]["untrusted_text"]
    refs = [item["source_ref"] for item in topic["items"] + more["items"]]
    assert len(set(refs)) == 8


async def test_get_messages_by_source_ref_reports_the_missing_ones(url: str) -> None:
    asked = ["tg:technotes:post:4", "tg:technotes:comment:106", "tg:technotes:post:99999"]
    async with connect(url) as client:
        found = await call(client, "get_messages", source_refs=asked)
    assert [m["source_ref"] for m in found["items"]] == asked[1::-1]  # the newest first
    assert found["missing"] == ["tg:technotes:post:99999"]
    comment = found["items"][0]
    assert comment["message_type"] == "comment" and comment["post_ref"] == "tg:technotes:post:148"
    assert comment["url"] == "https://t.me/technotes/148?comment=106"


async def test_get_messages_by_channel_and_dates_includes_comments(url: str) -> None:
    window = {"channel": CHANNEL, "since": "2026-01-13", "until": "2026-01-13"}
    async with connect(url) as client:
        day = await call(client, "get_messages", **window, limit=50)
        page = await call(client, "get_messages", **window, limit=2)
        comments = await call(client, "get_messages", channel=CHANNEL, kind="comment", limit=50)
    assert day["total"] == len(day["items"]) > 2
    assert {m["date"][:10] for m in day["items"]} == {"2026-01-13"}
    assert {m["message_type"] for m in day["items"]} == {"post", "comment"}
    assert page["items"] == day["items"][:2] and page["next_cursor"]
    assert {m["message_type"] for m in comments["items"]} == {"comment"}
    assert comments["total"] == 80 and len(comments["items"]) == 50  # MCP_MAX_PAGE_SIZE


async def test_get_thread_gives_the_post_and_its_comments_oldest_first(url: str) -> None:
    async with connect(url) as client:
        thread = await call(client, "get_thread", source_ref=THREAD, limit=2)
        rest = await call(client, "get_thread", source_ref=THREAD, cursor=thread["next_cursor"])
        by_comment = await call(client, "get_thread", source_ref="tg:technotes:comment:85")
    assert thread["post"]["source_ref"] == THREAD == by_comment["post_ref"]
    comments = thread["items"] + rest["items"]
    assert len(comments) == thread["total"] > 2
    assert {c["post_ref"] for c in comments} == {THREAD}
    dates = [c["date"] for c in comments]
    assert dates == sorted(dates)
    assert by_comment["items"] == comments[: len(by_comment["items"])]


async def test_search_finds_messages_and_pages_through_them(url: str) -> None:
    query = {"query": "PostgreSQL vacuum", "mode": "lexical"}
    async with connect(url) as client:
        best = await call(client, "search", **query, limit=6)
        first = await call(client, "search", **query, limit=3)
        second = await call(client, "search", **query, limit=3, cursor=first["next_cursor"])
        hybrid = await call(client, "search", query="кофе", kind="comment", limit=3)
    assert [h["source_ref"] for h in first["items"] + second["items"]] == [
        h["source_ref"] for h in best["items"]
    ]
    hit = best["items"][0]
    assert hit["url"].startswith("https://t.me/technotes/") and hit["score"] > 0
    assert "vacuum" in hit["snippet"]["untrusted_text"].lower()
    assert hybrid["mode"] == "hybrid" and {h["message_type"] for h in hybrid["items"]} == {
        "comment"
    }


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("list_topics", {"channel": "nosuchchannel"}, "no channel"),
        ("get_topic", {"topic_id": "topic:tg:technotes:post:99999"}, "no topic"),
        ("get_messages", {"source_refs": ["not-a-ref"]}, "not a source_ref"),
        ("get_messages", {"source_refs": [], "channel": CHANNEL}, "not both"),
        ("get_messages", {"channel": CHANNEL, "since": "yesterday"}, "not a date"),
        ("get_thread", {"source_ref": "tg:technotes:post:99999"}, "no post"),
        ("search", {"query": "python", "channel": "nosuch"}, "no channel"),
        ("search", {"query": "   "}, "query"),
        ("list_channels", {"cursor": "garbage"}, "cursor"),
        ("list_channels", {"limit": 0}, "bad argument limit"),
        ("list_channels", {"colour": "red"}, "bad argument colour"),
        ("get_topic", {}, "bad argument topic_id"),
    ],
)
async def test_bad_input_is_a_tool_error_in_one_line(
    url: str, tool: str, arguments: dict[str, Any], message: str
) -> None:
    async with connect(url) as client:
        error = await refused(client, tool, **arguments)
        assert (await call(client, "list_channels"))["total"] == 2  # the server carries on
    assert message in error


async def test_an_unknown_tool_is_a_protocol_error(url: str) -> None:
    async with connect(url) as client:
        with pytest.raises(MCPError, match="no tool 'drop_tables'"):
            await client.call_tool("drop_tables", {})


async def test_every_channel_text_is_quoted_and_the_note_heads_every_answer(url: str) -> None:
    async with connect(url) as client:
        answers = [
            await call(client, "get_topic", topic_id=TOPIC, limit=50),
            await call(client, "get_thread", source_ref=THREAD, limit=50),
            await call(client, "get_messages", channel=CHANNEL, limit=50),
        ]
    for answer in answers:
        assert next(iter(answer)) == "note"
        quoted = [text for text in texts(answer) if len(text) >= 20]
        assert len(quoted) > 5
        rest = str(unquoted(answer))  # the answer without its quotes holds none of them
        assert [text for text in quoted if text in rest] == []
