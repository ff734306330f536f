"""A key limited to channels sees and touches only its channels, on every read route and
source route: no other channel's data in any body, another channel's objects are 404."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator

import httpx
import pytest

from tg_parser.api import create_app
from tg_parser.api.auth import Principal, authenticate
from tg_parser.config import Settings
from tg_parser.store import Database
from tg_parser.testing.api import api_client

from . import other_channel

OTHER = other_channel.CHANNEL
LEAKS = (OTHER, other_channel.SECRET_WORD, "gpt-5-mini")  # what only the other channel has
SAMPLE_TOPIC = "topic:tg:technotes:post:4"
READS = [
    "/api/v1/sources",
    "/api/v1/sources/technotes",
    "/api/v1/channels",
    "/api/v1/channels/technotes/topics",
    "/api/v1/documents?limit=500",
    "/api/v1/documents?language=de",
    "/api/v1/documents?kind=comment&limit=500",
    "/api/v1/documents?since=2025-06-01&until=2025-06-30",
    "/api/v1/documents/tg:technotes:post:2",
    f"/api/v1/topics/{SAMPLE_TOPIC}",
    "/api/v1/export",
    "/api/v1/export?include_noise=true",
    "/api/v1/failures",
    "/api/v1/failures?stage=process",
    "/api/v1/usage",
    "/api/v1/schedule",
]
HIDDEN = [
    ("GET", f"/api/v1/sources/{OTHER}"),
    ("PATCH", f"/api/v1/sources/{OTHER}"),
    ("POST", f"/api/v1/sources/{OTHER}/pause"),
    ("POST", f"/api/v1/sources/{OTHER}/resume"),
    ("DELETE", f"/api/v1/sources/{OTHER}"),
    ("GET", f"/api/v1/channels/{OTHER}/topics"),
    ("GET", f"/api/v1/documents?channel={OTHER}"),
    ("GET", f"/api/v1/documents?topic={other_channel.TOPIC_ID}"),
    ("GET", f"/api/v1/documents/doc:tg:{OTHER}:post:1"),
    ("GET", f"/api/v1/documents/tg:{OTHER}:comment:3"),
    ("GET", f"/api/v1/topics/{other_channel.TOPIC_ID}"),
    ("GET", f"/api/v1/export?channel={OTHER}"),
    ("GET", f"/api/v1/export?topic_id={other_channel.TOPIC_ID}"),
    ("GET", f"/api/v1/export?format=zip&channel={OTHER}"),
    ("GET", f"/api/v1/failures?channel={OTHER}"),
]
LIMITED = Principal(key_name="sample-only", scope="admin", channels=frozenset({"technotes"}))


@pytest.fixture
async def limited(
    settings: Settings, two_channels_db: Database
) -> AsyncIterator[httpx.AsyncClient]:
    """A client acting as an admin key limited to the sample channel."""
    app = create_app(settings)
    app.dependency_overrides[authenticate] = lambda: LIMITED
    async with api_client(app) as http:
        yield http


@pytest.mark.parametrize("url", READS)
async def test_no_other_channel_data_in_any_body(limited: httpx.AsyncClient, url: str) -> None:
    response = await limited.get(url)
    assert response.status_code == 200, response.text
    assert not [leak for leak in LEAKS if leak in response.text]


async def test_the_export_zip_holds_only_its_channels(limited: httpx.AsyncClient) -> None:
    response = await limited.get("/api/v1/export", params={"format": "zip"})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        texts = {name: archive.read(name).decode() for name in archive.namelist()}
    assert "manifest.json" in texts
    assert not [name for name, text in texts.items() for leak in LEAKS if leak in text]


@pytest.mark.parametrize(("method", "url"), HIDDEN)
async def test_another_channels_objects_are_404(
    limited: httpx.AsyncClient, method: str, url: str
) -> None:
    response = await limited.request(method, url, json={} if method == "PATCH" else None)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/channels/nosuch/topics", "/api/v1/sources/nosuch", "/api/v1/failures?channel=x1y"],
)
async def test_an_unknown_channel_names_no_other_channel(
    limited: httpx.AsyncClient, url: str
) -> None:
    response = await limited.get(url)
    assert response.status_code == 404
    assert "technotes" not in response.text and OTHER not in response.text


async def test_it_may_not_add_another_channel(limited: httpx.AsyncClient) -> None:
    refused = await limited.post("/api/v1/sources", json={"channel": "@brand_new"})
    allowed = await limited.patch("/api/v1/sources/technotes", json={"poll_interval": "2h"})
    assert refused.status_code == 403
    assert allowed.status_code == 200
    assert allowed.json()["source"]["poll_interval_seconds"] == 7200


async def test_lists_count_only_its_channels(limited: httpx.AsyncClient) -> None:
    channels = (await limited.get("/api/v1/channels")).json()
    usage = (await limited.get("/api/v1/usage")).json()
    failures = (await limited.get("/api/v1/failures")).json()
    assert [c["channel_key"] for c in channels["items"]] == ["technotes"]
    assert [m["model"] for m in usage["models"]] == ["gpt-5"]
    assert [f["source_ref"] for f in failures["items"]] == ["tg:technotes:post:2"]


async def test_an_open_principal_sees_both(two_client: httpx.AsyncClient) -> None:
    channels = (await two_client.get("/api/v1/channels")).json()
    usage = (await two_client.get("/api/v1/usage")).json()
    assert [c["channel_key"] for c in channels["items"]] == [OTHER, "technotes"]
    assert sorted(m["model"] for m in usage["models"]) == ["gpt-5", "gpt-5-mini"]
