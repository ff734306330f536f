"""``GET /api/v1/search``: the CLI's search over HTTP, within the key's channels."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tg_parser.api import create_app
from tg_parser.api.auth import Principal, authenticate
from tg_parser.config import Settings
from tg_parser.store import Database
from tg_parser.testing.api import api_client

from . import other_channel


async def search(client: httpx.AsyncClient, **params: Any) -> httpx.Response:
    return await client.get("/api/v1/search", params=params)


async def test_a_search_finds_posts_with_links_snippets_and_topics(
    client: httpx.AsyncClient,
) -> None:
    response = await search(client, q="PostgreSQL vacuum", limit=5)
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    assert 0 < len(hits) <= 5
    first = hits[0]
    assert first["url"].startswith("https://t.me/technotes/")
    assert first["snippet"] and first["scores"]["fused"] > 0
    assert any("topic" in hit for hit in hits)


async def test_filters_narrow_the_results(client: httpx.AsyncClient) -> None:
    response = await search(client, q="кофе", kind="comment", mode="lexical")
    assert response.status_code == 200, response.text
    assert {hit["message_type"] for hit in response.json()["hits"]} <= {"comment"}


@pytest.mark.parametrize(
    "query", ['"unclosed', "python*", "NEAR(a b)", "-minus", "col:on", "'; DROP TABLE x; --"]
)
async def test_query_syntax_is_taken_as_words(client: httpx.AsyncClient, query: str) -> None:
    assert (await search(client, q=query)).status_code == 200


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": ""}, 400),
        ({"q": "x" * 2001}, 422),
        ({"q": "python", "channel": "nosuch"}, 404),
        ({"q": "python", "topic": "topic:tg:nosuch:post:1"}, 404),
        ({"q": "python", "since": "yesterday"}, 400),
        ({"q": "python", "limit": 0}, 422),
    ],
)
async def test_bad_input_is_one_line_in_the_envelope(
    client: httpx.AsyncClient, params: dict[str, Any], status: int
) -> None:
    response = await search(client, **params)
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error"}


async def test_a_limited_key_searches_only_its_channels(
    settings: Settings, two_channels_db: Database
) -> None:
    async with api_client(create_app(settings)) as open_api:
        seen_by_all = await search(open_api, q=other_channel.SECRET_WORD, mode="lexical")
    assert {hit["channel"] for hit in seen_by_all.json()["hits"]} == {other_channel.CHANNEL}
    app = create_app(settings)
    app.dependency_overrides[authenticate] = lambda: Principal(
        "bot", "read", frozenset({"technotes"})
    )
    async with api_client(app) as client:
        everything = await search(client, q=other_channel.SECRET_WORD, mode="lexical")
        theirs = await search(client, q="trips", channel=other_channel.CHANNEL)
        unknown = await search(client, q="trips", channel="nosuchchan")
    assert (everything.status_code, everything.json()["hits"]) == (200, [])
    assert (theirs.status_code, unknown.status_code) == (404, 404)
    said = unknown.json()["error"]["message"].replace("nosuchchan", other_channel.CHANNEL)
    assert theirs.json()["error"]["message"] == said  # as if it did not exist
