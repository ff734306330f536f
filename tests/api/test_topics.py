"""``/api/v1/topics/{topic_id}``: the card, the bundle, every item with its message."""

from __future__ import annotations

import httpx

from tg_parser.store import Database
from tg_parser.topics.catalog import show_topic

TOPIC = "topic:tg:technotes:post:4"


async def test_a_topic_has_its_card_bundle_and_resolved_items(
    client: httpx.AsyncClient, sample_db: Database
) -> None:
    response = await client.get(f"/api/v1/topics/{TOPIC}")
    assert response.status_code == 200
    topic = response.json()
    view = await show_topic(sample_db, TOPIC)
    assert (topic["id"], topic["channel_id"]) == (TOPIC, "technotes")
    assert topic["card"] == view.topic.card.to_json_dict()
    assert topic["bundle"] == view.topic.bundle.to_json_dict()
    assert [item["source_ref"] for item in topic["items"]] == [
        item.source_ref for item in view.topic.bundle.items
    ]
    assert "null" not in response.text


async def test_items_carry_text_date_link_and_score(client: httpx.AsyncClient) -> None:
    items = (await client.get(f"/api/v1/topics/{TOPIC}")).json()["items"]
    anchor, comment = items[0], next(i for i in items if i["message_type"] == "comment")
    assert (anchor["role"], anchor["score"]) == ("anchor", 0.9)
    assert anchor["telegram_url"] == "https://t.me/technotes/4"
    assert anchor["text"].strip() and anchor["date"].endswith("Z")
    assert anchor["title"]
    assert comment["role"] == "supporting"
    assert "?comment=" in comment["telegram_url"]
    assert all("text" in item and "date" in item for item in items)


async def test_an_unknown_topic_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/topics/topic:tg:technotes:post:99999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
