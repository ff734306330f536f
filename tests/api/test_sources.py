"""``/api/v1/sources``: add, show, update, pause, resume, remove — as `tg-parser sources`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tg_parser.api import create_app
from tg_parser.api.auth import Principal, authenticate
from tg_parser.config import Settings
from tg_parser.store import Database
from tg_parser.testing.api import api_client


async def test_add_normalises_the_channel_and_reads_the_options(
    empty_client: httpx.AsyncClient,
) -> None:
    body = {
        "channel": "https://t.me/s/Some_Channel",
        "via": "telegram",
        "include_comments": True,
        "since": "2024-01-31",
        "until": "2024-06-01T18:00:00+03:00",
        "poll_interval": "1h30m",
    }
    response = await empty_client.post("/api/v1/sources", json=body)
    assert response.status_code == 201
    assert response.json()["action"] == "added"
    source = response.json()["source"]
    assert source["channel_key"] == "some_channel"
    assert (source["via"], source["include_comments"]) == ("telegram", True)
    assert source["history_from"] == "2024-01-31T00:00:00Z"
    assert source["history_to"] == "2024-06-01T15:00:00Z"
    assert source["poll_interval_seconds"] == 5400


async def test_a_new_source_without_via_is_collected_from_the_web(
    empty_client: httpx.AsyncClient,
) -> None:
    response = await empty_client.post("/api/v1/sources", json={"channel": "@plain"})
    assert response.json()["source"]["via"] == "web"


async def test_adding_again_changes_only_what_is_given(empty_client: httpx.AsyncClient) -> None:
    await empty_client.post("/api/v1/sources", json={"channel": "@chan", "poll_interval": 90})
    again = await empty_client.post("/api/v1/sources", json={"channel": "chan"})
    changed = await empty_client.post(
        "/api/v1/sources", json={"channel": "chan", "include_comments": True}
    )
    assert (again.status_code, again.json()["action"]) == (200, "unchanged")
    assert (changed.status_code, changed.json()["action"]) == (200, "updated")
    assert changed.json()["source"]["poll_interval_seconds"] == 90


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"channel": "https://t.me/+invite"}, "channel"),
        ({"channel": "@ok_name", "poll_interval": "often"}, "poll_interval"),
        ({"channel": "@ok_name", "poll_interval": 0}, "poll_interval"),
        ({"channel": "@ok_name", "since": "yesterday"}, "since"),
        ({"channel": "@ok_name", "via": "carrier_pigeon"}, "via"),
        ({"channel": "@ok_name", "colour": "blue"}, "colour"),
        ({}, "channel"),
    ],
)
async def test_a_malformed_body_is_a_422(
    empty_client: httpx.AsyncClient, body: dict[str, object], location: str
) -> None:
    response = await empty_client.post("/api/v1/sources", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert [d["location"] for d in error["details"]] == [location]


async def test_a_window_that_ends_before_it_starts_is_refused(
    empty_client: httpx.AsyncClient,
) -> None:
    body = {"channel": "@chan", "since": "2025-01-01", "until": "2024-01-01"}
    response = await empty_client.post("/api/v1/sources", json=body)
    assert response.status_code == 400
    assert "give --since before --until" in response.json()["error"]["message"]


async def test_show_has_counts_health_and_attempts(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/sources/@TechNotes")
    assert response.status_code == 200
    source = response.json()
    assert (source["channel_key"], source["posts"], source["comments"]) == ("technotes", 165, 80)
    assert [a["status"] for a in source["attempts"]] == ["succeeded", "succeeded"]
    assert "access_hash" not in response.text


async def test_show_by_numeric_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/sources/-1001987654321")
    assert response.json()["channel_key"] == "technotes"


async def test_update_pause_resume_remove(empty_client: httpx.AsyncClient) -> None:
    await empty_client.post("/api/v1/sources", json={"channel": "@chan"})
    patched = await empty_client.patch(
        "/api/v1/sources/chan", json={"via": "export", "until": "2025-01-01"}
    )
    paused = await empty_client.post("/api/v1/sources/chan/pause")
    resumed = await empty_client.post("/api/v1/sources/chan/resume")
    removed = await empty_client.delete("/api/v1/sources/chan")
    assert patched.json()["action"] == "updated"
    assert patched.json()["source"]["via"] == "export"
    assert patched.json()["source"]["history_to"] == "2025-01-01T00:00:00Z"
    assert (paused.json()["status"], resumed.json()["status"]) == ("paused", "active")
    assert removed.json() == {"channel_key": "chan", "kept_messages": 0}
    assert (await empty_client.get("/api/v1/sources")).json()["total"] == 0


async def test_removing_a_source_keeps_its_messages(client: httpx.AsyncClient) -> None:
    removed = await client.delete("/api/v1/sources/technotes")
    assert removed.json()["kept_messages"] == 245
    assert (await client.get("/api/v1/channels/technotes/topics")).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/sources/nosuch"),
        ("PATCH", "/api/v1/sources/nosuch"),
        ("POST", "/api/v1/sources/nosuch/pause"),
        ("POST", "/api/v1/sources/nosuch/resume"),
        ("DELETE", "/api/v1/sources/nosuch"),
    ],
)
async def test_an_unknown_source_is_a_404(
    empty_client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await empty_client.request(method, path, json={} if method == "PATCH" else None)
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith("no source 'nosuch'")


async def test_a_malformed_channel_in_the_path_is_a_422(empty_client: httpx.AsyncClient) -> None:
    response = await empty_client.get("/api/v1/sources/no way")
    assert response.status_code == 422


@pytest.fixture
async def reader(settings: Settings, sample_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    app.dependency_overrides[authenticate] = lambda: Principal(key_name="r", scope="read")
    async with api_client(app) as http:
        yield http


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/sources"),
        ("PATCH", "/api/v1/sources/technotes"),
        ("POST", "/api/v1/sources/technotes/pause"),
        ("POST", "/api/v1/sources/technotes/resume"),
        ("DELETE", "/api/v1/sources/technotes"),
    ],
)
async def test_managing_sources_needs_admin(
    reader: httpx.AsyncClient, method: str, path: str
) -> None:
    body = {"channel": "@chan"} if path.endswith("sources") else {}
    response = await reader.request(method, path, json=body if method != "DELETE" else None)
    assert response.status_code == 403
    assert (await reader.get("/api/v1/sources/technotes")).status_code == 200
