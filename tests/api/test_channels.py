"""``/api/v1/channels`` and ``/api/v1/channels/{channel}/topics``."""

from __future__ import annotations

import httpx
import pytest

from tg_parser.registry import remove_source
from tg_parser.store import Database
from tg_parser.topics.catalog import list_topics


async def test_channels_have_their_counts(two_client: httpx.AsyncClient) -> None:
    page = (await two_client.get("/api/v1/channels")).json()
    by_key = {channel["channel_key"]: channel for channel in page["items"]}
    sample, other = by_key["technotes"], by_key["otherchan"]
    assert page["total"] == 2
    assert (sample["messages"], sample["posts"], sample["comments"]) == (245, 165, 80)
    assert (sample["documents"], sample["topics"]) == (245, 10)
    assert (sample["title"], sample["via"], sample["status"]) == (
        "Tech & Life Notes",
        "export",
        "active",
    )
    assert sample["last_message_at"] == "2026-02-24T05:07:37Z"
    assert sample["last_collected_at"] is not None
    assert (other["messages"], other["documents"], other["topics"]) == (3, 3, 1)
    assert other["via"] == "web"


async def test_a_channel_without_a_source_is_listed(
    client: httpx.AsyncClient, sample_db: Database
) -> None:
    await remove_source(sample_db, "technotes")
    [channel] = (await client.get("/api/v1/channels")).json()["items"]
    assert (channel["channel_key"], channel["status"], channel["messages"]) == (
        "technotes",
        None,
        245,
    )


async def test_a_source_without_messages_is_listed(empty_client: httpx.AsyncClient) -> None:
    await empty_client.post("/api/v1/sources", json={"channel": "@fresh"})
    [channel] = (await empty_client.get("/api/v1/channels")).json()["items"]
    assert (channel["channel_key"], channel["messages"], channel["last_collected_at"]) == (
        "fresh",
        0,
        None,
    )


async def test_topics_of_a_channel_the_largest_first(client: httpx.AsyncClient) -> None:
    page = (await client.get("/api/v1/channels/@TechNotes/topics", params={"limit": 3})).json()
    sizes = [topic["items"] for topic in page["items"]]
    first = page["items"][0]
    assert page["total"] == 10
    assert sizes == sorted(sizes, reverse=True)
    assert (first["id"], first["title"], first["type"], first["anchors"]) == (
        "topic:tg:technotes:post:4",
        "Python",
        "cluster",
        3,
    )
    assert first["first_date"] <= first["last_date"]
    assert page["next_cursor"] is not None


async def test_topics_follow_the_cli_order(client: httpx.AsyncClient, sample_db: Database) -> None:
    expected = [topic.card.id for topic in await list_topics(sample_db, "technotes")]
    page = (await client.get("/api/v1/channels/technotes/topics", params={"limit": 50})).json()
    assert [topic["id"] for topic in page["items"]] == expected


@pytest.mark.parametrize(("channel", "status"), [("nosuch", 404), ("no way!", 422)])
async def test_an_unknown_or_malformed_channel(
    client: httpx.AsyncClient, channel: str, status: int
) -> None:
    response = await client.get(f"/api/v1/channels/{channel}/topics")
    assert response.status_code == status
