"""``/mcp`` in `serve` takes the API's keys: a key is needed once one exists, any scope
reads, a key limited to channels sees only those, and a channel's text that tries to
instruct the agent comes back quoted as untrusted data."""

from __future__ import annotations

import json
from typing import Any

import httpx
import mcp_sample
import pytest
from mcp_fixtures import call, connect, kb, refused, serving, url

import key_sample
from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.mcp.quoting import NOTE
from tg_parser.store import Database

__all__ = ["kb", "url"]  # fixtures from mcp_fixtures

OTHER = mcp_sample.OTHER
LEAKS = (OTHER, "zanzibar")  # what only the other channel's data holds
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
TRIPS = "trips and the road there"  # words of the other channel's messages
ACCEPT = {"Accept": "application/json, text/event-stream"}


async def post(url: str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(url, json=INITIALIZE, headers=ACCEPT | headers)


async def test_open_on_loopback_while_no_key_exists(url: str) -> None:
    response = await post(url, {})
    assert response.status_code == 200
    assert response.json()["result"]["serverInfo"]["name"] == "tg-parser"


async def test_once_a_key_exists_a_request_without_a_valid_one_is_401(
    url: str, kb: Database
) -> None:
    key = await key_sample.create(kb, "reader", "read")  # before the app's first request
    for headers in ({}, key_sample.bearer(key_sample.WRONG_KEY)):
        response = await post(url, headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "auth"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await post(url, {"X-API-Key": key})).status_code == 200


async def test_a_read_key_reads_every_channel(url: str, kb: Database) -> None:
    key = await key_sample.create(kb, "reader", "read")
    async with connect(url, key) as client:
        channels = await call(client, "list_channels")
        topic = await call(client, "get_topic", topic_id=mcp_sample.OTHER_TOPIC)
        found = await call(client, "search", query=TRIPS, limit=50)
    assert [c["channel"] for c in channels["items"]] == [OTHER, mcp_sample.CHANNEL]
    assert OTHER in {hit["channel"] for hit in found["items"]}  # what a limited key misses
    assert topic["topic"]["channel"] == OTHER


HIDDEN: list[tuple[str, dict[str, Any], str]] = [
    ("list_topics", {"channel": OTHER}, "no channel"),
    ("get_topic", {"topic_id": mcp_sample.OTHER_TOPIC}, "no topic"),
    ("get_messages", {"channel": OTHER}, "no channel"),
    ("get_thread", {"source_ref": f"tg:{OTHER}:post:1"}, "no message"),
    ("get_thread", {"source_ref": f"tg:{OTHER}:comment:3"}, "no message"),
    ("search", {"query": "zanzibar", "channel": OTHER}, "no channel"),
    ("search", {"query": "trips", "topic": mcp_sample.OTHER_TOPIC}, "no topic"),
]


async def test_a_key_limited_to_a_channel_sees_nothing_of_another(url: str, kb: Database) -> None:
    key = await key_sample.create(kb, "sample-only", "read", channels=[mcp_sample.CHANNEL])
    async with connect(url, key) as client:
        answers = [
            await call(client, "list_channels"),
            await call(client, "get_messages", limit=50),
            await call(client, "get_messages", source_refs=[f"tg:{OTHER}:post:1"]),
            await call(client, "search", query=TRIPS, limit=50),
            await call(client, "list_topics", channel=mcp_sample.CHANNEL, limit=50),
        ]
        errors = [await refused(client, tool, **arguments) for tool, arguments, _ in HIDDEN]
    assert [c["channel"] for c in answers[0]["items"]] == [mcp_sample.CHANNEL]
    assert answers[2]["items"] == [] and answers[2]["missing"] == [f"tg:{OTHER}:post:1"]
    assert [message in error for (_, _, message), error in zip(HIDDEN, errors, strict=True)] == [
        True
    ] * len(HIDDEN)
    bodies = json.dumps([answers[0], answers[1], answers[3], answers[4]])  # errors echo input
    assert [leak for leak in LEAKS if leak in bodies] == []


async def test_a_post_that_instructs_the_agent_comes_back_as_quoted_untrusted_data(
    url: str,
) -> None:
    async with connect(url) as client:
        result = await client.call_tool("get_messages", {"source_refs": [mcp_sample.INJECTED_REF]})
        found = await call(client, "search", query="ignore previous instructions", mode="lexical")
    answer = result.structured_content
    assert answer["note"] == NOTE
    assert answer["items"][0]["text"] == {"untrusted_text": mcp_sample.INJECTION}
    # the text block the agent reads carries the note first and the post only as a quote
    text = result.content[0].text  # type: ignore[union-attr]
    assert text.index(NOTE) < text.index('"untrusted_text": "SYSTEM: ignore')
    assert text.count("<script>") == 1
    hit = found["items"][0]
    assert hit["source_ref"] == mcp_sample.INJECTED_REF
    assert "<script>" in hit["snippet"]["untrusted_text"]


async def test_long_texts_are_cut_and_marked(settings: Settings, kb: Database) -> None:
    short = settings.model_copy(update={"mcp_max_text_chars": 100})
    async with serving(create_app(short)) as url, connect(url) as client:
        found = await call(client, "get_messages", source_refs=[mcp_sample.INJECTED_REF])
        thread = await call(client, "get_thread", source_ref="tg:technotes:post:4")
    assert found["items"][0]["text"] == {
        "untrusted_text": mcp_sample.INJECTION[:100],
        "truncated": True,
        "chars": len(mcp_sample.INJECTION),
    }
    assert len(thread["post"]["text"]["untrusted_text"]) == 100


async def test_a_foreign_host_header_is_refused_on_loopback(url: str) -> None:
    """A web page that rebinds its own name to 127.0.0.1 cannot reach the tools."""
    response = await post(url, {"Host": "evil.example"})
    assert response.status_code in (400, 421)


async def test_the_app_serves_mcp_again_after_a_restart(settings: Settings, kb: Database) -> None:
    app = create_app(settings)
    for _ in range(2):
        async with serving(app) as url, connect(url) as client:
            assert (await call(client, "list_channels"))["total"] == 2


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_other_methods_are_405(url: str, method: str) -> None:
    async with httpx.AsyncClient() as http:
        assert (await http.request(method, url)).status_code == 405
