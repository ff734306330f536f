"""With keys, the browser asks for one once (a form), keeps it in an ``HttpOnly``,
``SameSite=Strict`` cookie, and shows only the key's channels; the cookie never
authenticates the JSON API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

import key_sample
from api import other_channel
from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.runs import track_run
from tg_parser.store import Database
from tg_parser.testing.api import api_client
from tg_parser.web.session import COOKIE

from . import hostile

OTHER = other_channel.CHANNEL
LEAKS = (OTHER, other_channel.SECRET_WORD)
SEEN = [
    "/",
    "/channels/technotes",
    "/topics/topic:tg:technotes:post:4",
    f"/messages/{hostile.REF}",
    "/search?q=trips+road",
    "/runs",
]
HIDDEN = [
    f"/channels/{OTHER}",
    f"/topics/{other_channel.TOPIC_ID}",
    f"/messages/tg:{OTHER}:post:1",
    f"/messages/doc:tg:{OTHER}:comment:3",
    f"/search?q=trips&channel={OTHER}",
    f"/search?q=trips&topic={other_channel.TOPIC_ID}",
]


@pytest.fixture
async def keyed(settings: Settings, web_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the pages once keys exist (no key given yet)."""
    async with api_client(create_app(settings)) as http:
        yield http


async def sign_in(client: httpx.AsyncClient, key: str, next: str = "/") -> httpx.Response:
    return await client.post("/login", data={"key": key, "next": next})


@pytest.fixture
async def limited(web_db: Database, keyed: httpx.AsyncClient) -> httpx.AsyncClient:
    """Signed in with a read key limited to the sample channel."""
    key = await key_sample.create(web_db, "sample-reader", "read", channels=["technotes"])
    await key_sample.create(web_db, "ops", "admin")
    async with track_run(web_db, "topics", {"channel": OTHER}):
        pass
    assert (await sign_in(keyed, key)).status_code == 303
    return keyed


async def test_without_a_key_a_page_asks_for_one(
    web_db: Database, keyed: httpx.AsyncClient
) -> None:
    await key_sample.create(web_db, "ops", "admin")
    response = await keyed.get("/channels/technotes", params={"page": 1})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fchannels%2Ftechnotes%3Fpage%3D1"
    form = await keyed.get(response.headers["location"])
    assert form.status_code == 200
    assert 'type="password"' in form.text and 'value="/channels/technotes?page=1"' in form.text


async def test_a_good_key_is_kept_in_a_strict_http_only_cookie(
    web_db: Database, keyed: httpx.AsyncClient
) -> None:
    key = await key_sample.create(web_db, "ops", "admin")
    response = await sign_in(keyed, key, next="/runs")
    assert (response.status_code, response.headers["location"]) == (303, "/runs")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={key};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    page = await keyed.get("/")  # asked once: the cookie does from now on
    assert page.status_code == 200 and "ops" in page.text and "Sign out" in page.text


async def test_a_wrong_key_is_refused_on_the_form(
    web_db: Database, keyed: httpx.AsyncClient
) -> None:
    await key_sample.create(web_db, "ops", "admin")
    response = await sign_in(keyed, key_sample.WRONG_KEY)
    assert response.status_code == 401
    assert "the API key is not valid" in response.text
    assert "set-cookie" not in response.headers
    assert (await keyed.get("/")).status_code == 303


async def test_a_revoked_key_in_the_cookie_asks_again_and_says_why(
    web_db: Database, settings: Settings
) -> None:
    key = await key_sample.create(web_db, "ops", "admin")
    await key_sample.expire(web_db, "ops")
    async with api_client(create_app(settings)) as http:
        http.cookies.set(COOKIE, key)
        assert (await http.get("/")).status_code == 303
        form = await http.get("/login")
    assert form.status_code == 401 and "is expired" in form.text


async def test_signing_out_forgets_the_key(web_db: Database, keyed: httpx.AsyncClient) -> None:
    await sign_in(keyed, await key_sample.create(web_db, "ops", "admin"))
    response = await keyed.post("/logout")
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert f'{COOKIE}=""' in response.headers["set-cookie"]
    assert (await keyed.get("/")).status_code == 303


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
async def test_after_signing_in_it_goes_only_to_a_page_of_this_site(
    web_db: Database, keyed: httpx.AsyncClient, target: str
) -> None:
    response = await sign_in(keyed, await key_sample.create(web_db, "ops", "admin"), target)
    assert response.headers["location"] == "/"


async def test_the_cookie_does_not_authenticate_the_api(
    web_db: Database, keyed: httpx.AsyncClient
) -> None:
    key = await key_sample.create(web_db, "ops", "admin")
    await sign_in(keyed, key)
    assert (await keyed.get("/api/v1/channels")).status_code == 401
    assert (await keyed.get("/api/v1/channels", headers=key_sample.bearer(key))).is_success


@pytest.mark.parametrize("path", SEEN)
async def test_a_limited_key_sees_only_its_channels(limited: httpx.AsyncClient, path: str) -> None:
    response = await limited.get(path)
    assert response.status_code == 200, response.text
    assert not [leak for leak in LEAKS if leak in response.text]


async def test_a_limited_key_finds_nothing_of_another_channel(
    limited: httpx.AsyncClient,
) -> None:
    word = other_channel.SECRET_WORD
    response = await limited.get("/search", params={"q": word, "mode": "lexical"})
    assert response.status_code == 200
    assert f"Nothing found for “{word}”" in response.text and OTHER not in response.text


@pytest.mark.parametrize("path", HIDDEN)
async def test_another_channel_is_a_404_to_a_limited_key(
    limited: httpx.AsyncClient, path: str
) -> None:
    response = await limited.get(path)
    assert response.status_code == 404
    assert not [leak for leak in LEAKS[1:] if leak in response.text]


async def test_another_channels_run_events_are_a_404(
    web_db: Database, limited: httpx.AsyncClient
) -> None:
    async with track_run(web_db, "process", {"channel": OTHER}) as run:
        pass
    assert (await limited.get(f"/runs/{run.id}/events")).status_code == 404
