"""``/api/v1/documents``: a filtered page of documents (paged in SQL), and one document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

import kb_sample
from tg_parser.models import CollectedMessage, RawTelegramMessage
from tg_parser.store import Database


async def walk(client: httpx.AsyncClient, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every page of a listing: the items and the total each page reported."""
    items: list[dict[str, Any]] = []
    totals, cursor = set(), None
    while True:
        query = params | {"limit": 40} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/api/v1/documents", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        totals.add(page["total"])
        if (cursor := page["next_cursor"]) is None:
            break
    assert len(totals) == 1
    return items, totals.pop()


async def test_pages_walk_every_document_newest_first(two_client: httpx.AsyncClient) -> None:
    items, total = await walk(two_client)
    dates = [item["date"] for item in items]
    assert total == len(items) == 248
    assert len({item["id"] for item in items}) == 248
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "otherchan"}, 3),
        ({"channel": "@TechNotes"}, 245),
        ({"kind": "comment"}, 81),
        ({"kind": "post", "channel": "otherchan"}, 2),
        ({"language": "de"}, 3),
        ({"noise": "true"}, 25),
        ({"noise": "false", "channel": "technotes"}, 220),
        ({"topic": "topic:tg:otherchan:post:1"}, 2),
        ({"since": "2025-06-02", "until": "2025-06-03", "channel": "otherchan"}, 2),
        ({"since": "2025-06-03T09:00:00+00:00", "channel": "otherchan"}, 2),
    ],
)
async def test_filters(
    two_client: httpx.AsyncClient, params: dict[str, str], expected: int
) -> None:
    items, total = await walk(two_client, **params)
    assert total == len(items) == expected


async def test_a_topic_filter_keeps_its_bundle(client: httpx.AsyncClient) -> None:
    topic = (await client.get("/api/v1/topics/topic:tg:technotes:post:4")).json()
    items, _ = await walk(client, topic="topic:tg:technotes:post:4")
    assert {i["source_ref"] for i in items} == {i["source_ref"] for i in topic["items"]}


async def test_an_item_has_the_processed_fields(client: httpx.AsyncClient) -> None:
    page = (await client.get("/api/v1/documents", params={"kind": "comment", "limit": 1})).json()
    [item] = page["items"]
    assert item["id"] == "doc:" + item["source_ref"]
    assert item["message_type"] == "comment"
    assert item["telegram_url"].startswith("https://t.me/technotes/")
    assert item["language"] in ("en", "ru")
    assert item["text"] and item["title"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"channel": "nosuch"}, 404),
        ({"topic": "topic:tg:technotes:post:99999"}, 404),
        ({"channel": "no way!"}, 422),
        ({"since": "31/12/2025"}, 422),
        ({"until": "tomorrow"}, 422),
        ({"kind": "story"}, 422),
        ({"noise": "perhaps"}, 422),
        ({"language": "english"}, 422),
        ({"limit": 0}, 422),
    ],
)
async def test_bad_filters(client: httpx.AsyncClient, params: dict[str, Any], status: int) -> None:
    response = await client.get("/api/v1/documents", params=params)
    assert response.status_code == status
    assert response.json()["error"]["code"] in ("not_found", "invalid_request")


async def test_show_by_id_or_source_ref(client: httpx.AsyncClient) -> None:
    by_id = await client.get("/api/v1/documents/doc:tg:technotes:comment:106")
    by_ref = await client.get("/api/v1/documents/tg:technotes:comment:106")
    assert by_id.status_code == 200
    assert by_id.json() == by_ref.json()
    document = by_id.json()
    assert document["raw"]["thread_id"] == 148
    assert document["telegram_url"] == "https://t.me/technotes/148?comment=106"
    assert document["processed"]["document"]["source_ref"] == "tg:technotes:comment:106"
    assert document["processed"]["pipeline_version"] == kb_sample.PIPELINE
    assert [v["version"] for v in document["history"]] == [1]
    assert [(t["topic_id"], t["role"]) for t in document["topics"]] == [
        ("topic:tg:technotes:post:4", "supporting")
    ]


async def test_show_lists_the_topics_holding_it(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/documents/tg:technotes:post:4")).json()
    assert [(t["topic_id"], t["role"], t["score"]) for t in document["topics"]] == [
        ("topic:tg:technotes:post:4", "anchor", 0.9)
    ]


async def test_show_has_the_edit_history(client: httpx.AsyncClient, sample_db: Database) -> None:
    before = (await client.get("/api/v1/documents/tg:technotes:post:4")).json()
    raw = before["raw"]
    edited = RawTelegramMessage(
        id="4",
        message_type="post",
        source_ref="tg:technotes:post:4",
        channel_id="technotes",
        date=datetime.fromisoformat(raw["date"]),
        text="A corrected text.",
        thread_id="4",
    )
    edit_date = datetime(2026, 4, 1, tzinfo=UTC)
    async with sample_db.transaction() as repos:
        await repos.messages.store([CollectedMessage(edited, edit_date=edit_date)])
    after = (await client.get("/api/v1/documents/tg:technotes:post:4")).json()
    history = after["history"]
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["text"] == raw["text"]
    assert (history[1]["text"], history[1]["edit_date"]) == (
        "A corrected text.",
        "2026-04-01T00:00:00Z",
    )
    assert after["raw"]["version"] == 2


async def test_a_message_not_processed_yet(client: httpx.AsyncClient, sample_db: Database) -> None:
    message = RawTelegramMessage(
        id="5000",
        message_type="post",
        source_ref="tg:technotes:post:5000",
        channel_id="technotes",
        date=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=1),
        text="Fresh.",
    )
    async with sample_db.transaction() as repos:
        await repos.messages.store([CollectedMessage(message)])
    document = (await client.get("/api/v1/documents/tg:technotes:post:5000")).json()
    assert (document["processed"], document["raw"]["text"]) == (None, "Fresh.")
    listed, _ = await walk(client, since="2026-03-01")
    assert "tg:technotes:post:5000" not in {item["source_ref"] for item in listed}


@pytest.mark.parametrize(
    "document", ["doc:tg:technotes:post:99999", "tg:nosuch:post:1", "nonsense", "doc:tg:x"]
)
async def test_an_unknown_document_is_a_404(client: httpx.AsyncClient, document: str) -> None:
    response = await client.get(f"/api/v1/documents/{document}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
