"""The web preview HTTP client against FakeTelegramWeb: politeness, retries, Retry-After."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest

from tg_parser.config import Settings
from tg_parser.errors import RateLimitedError, RetryableSourceError
from tg_parser.sources.web_client import WebClient, retry_after_seconds
from tg_parser.testing import FakeTelegramWeb, RecordedRequest, Reply


@pytest.fixture
def fake() -> Iterator[FakeTelegramWeb]:
    with FakeTelegramWeb() as server:
        server.add_channel("synth", 95)
        yield server


def client_for(url: str, **settings: Any) -> WebClient:
    values = {"web_request_delay": 0.0, "web_retry_backoff": 0.01} | settings
    return WebClient(Settings(telegram_web_base_url=url, **values))


@pytest.fixture
async def client(fake: FakeTelegramWeb) -> AsyncIterator[WebClient]:
    web = client_for(fake.base_url)
    yield web
    await web.close()


def gaps(requests: list[RecordedRequest]) -> list[float]:
    return [later.at - earlier.at for earlier, later in pairwise(requests)]


async def test_requests_are_spaced_and_identified(fake: FakeTelegramWeb) -> None:
    web = client_for(fake.base_url, web_request_delay=0.2, web_user_agent="polite-test/1.0")
    try:
        for before in (None, 76, 56):
            assert await web.get("/s/synth", {"before": before} if before else None)
    finally:
        await web.close()
    assert all(gap >= 0.19 for gap in gaps(fake.requests))
    assert {r.headers["user-agent"] for r in fake.requests} == {"polite-test/1.0"}
    assert [r.query for r in fake.requests] == [{}, {"before": "76"}, {"before": "56"}]


async def test_retry_after_is_honoured(fake: FakeTelegramWeb) -> None:
    fake.script = [Reply(status=429, headers={"Retry-After": "1"}), Reply(status=503)]
    web = client_for(fake.base_url, web_request_delay=0.05)
    try:
        assert await web.get("/s/synth")
    finally:
        await web.close()
    waits = gaps(fake.requests)
    assert len(fake.requests) == 3
    assert 1.0 <= waits[0] < 1.5  # Retry-After: 1
    assert 0.05 <= waits[1] < 0.5  # backoff, never under the request delay


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
async def test_server_errors_are_retried(
    fake: FakeTelegramWeb, client: WebClient, status: int
) -> None:
    fake.script = [Reply(status=status, body="oops")]
    assert "data-post" in (await client.get("/s/synth") or "")
    assert len(fake.requests) == 2


async def test_retries_run_out_as_a_retryable_error(
    fake: FakeTelegramWeb, client: WebClient
) -> None:
    fake.script = [Reply(status=500)] * 5
    with pytest.raises(RetryableSourceError, match="HTTP 500 after 5 attempts") as error:
        await client.get("/s/synth")
    assert not isinstance(error.value, RateLimitedError)
    assert len(fake.requests) == 5  # WEB_MAX_RETRIES=4 retries after the first try


async def test_rate_limit_that_outlasts_the_retries(fake: FakeTelegramWeb) -> None:
    fake.script = [Reply(status=429, headers={"Retry-After": "0.05"})] * 2
    web = client_for(fake.base_url, web_max_retries=1)
    try:
        with pytest.raises(RateLimitedError) as error:
            await web.get("/s/synth")
    finally:
        await web.close()
    assert error.value.seconds == 0.05


async def test_a_long_retry_after_is_not_waited_in_place(
    fake: FakeTelegramWeb, client: WebClient
) -> None:
    fake.script = [Reply(status=429, headers={"Retry-After": "3600"})]
    with pytest.raises(RateLimitedError, match="try again in 3600 s") as error:
        await client.get("/s/synth")
    assert error.value.seconds == 3600
    assert len(fake.requests) == 1


async def test_timeouts_are_retried(fake: FakeTelegramWeb) -> None:
    fake.script = [Reply(delay=0.6)]
    web = client_for(fake.base_url, web_timeout=0.2)
    try:
        assert await web.get("/s/synth")
    finally:
        await web.close()
    assert len(fake.requests) == 2


async def test_timeouts_run_out(fake: FakeTelegramWeb) -> None:
    fake.script = [Reply(delay=0.5)] * 2
    web = client_for(fake.base_url, web_timeout=0.1, web_max_retries=1)
    try:
        with pytest.raises(RetryableSourceError, match="timeout after 2 attempts"):
            await web.get("/s/synth")
    finally:
        await web.close()


async def test_connection_errors_are_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = client_for(f"http://127.0.0.1:{port}", web_max_retries=2)
    try:
        with pytest.raises(RetryableSourceError, match=r"network error .* after 3 attempts"):
            await web.get("/s/synth")
    finally:
        await web.close()


async def test_not_found_is_none_and_redirects_are_followed(
    fake: FakeTelegramWeb, client: WebClient
) -> None:
    fake.add_card("someone", "<html><body><div class='tgme_page_title'>Someone</div></body></html>")
    assert await client.get("/s/nobody") is None
    assert "Someone" in (await client.get("/s/someone") or "")
    assert [r.path for r in fake.requests] == ["/s/nobody", "/s/someone", "/someone"]


async def test_other_client_errors_are_retryable_without_retries(
    fake: FakeTelegramWeb, client: WebClient
) -> None:
    fake.script = [Reply(status=403)]
    with pytest.raises(RetryableSourceError, match="HTTP 403"):
        await client.get("/s/synth")
    assert len(fake.requests) == 1


NOW = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        ("Sat, 01 Aug 2026 12:01:30 GMT", 90.0),
        ("Sat, 01 Aug 2026 11:00:00 GMT", 0.0),
        ("soon", 0.0),
        ("", 0.0),
        (None, 0.0),
    ],
)
def test_retry_after_header(header: str | None, seconds: float) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds


# --- hostile servers: other hosts, loops, huge and trickling pages ------------------------


async def test_a_redirect_to_another_host_is_refused(
    fake: FakeTelegramWeb, client: WebClient
) -> None:
    with FakeTelegramWeb() as elsewhere:
        elsewhere.add_page("/latest/meta-data/", "<html>secret credentials</html>")
        fake.faults["/s/synth"] = Reply.redirect(f"{elsewhere.base_url}/latest/meta-data/")
        with pytest.raises(RetryableSourceError, match=r"redirected /s/synth to 127\.0\.0\.1:\d+"):
            await client.get("/s/synth")
        assert elsewhere.requests == []
    assert len(fake.requests) == 1  # refused at once, not retried


@pytest.mark.parametrize(
    "location",
    ["http://169.254.169.254/latest/meta-data/", "https://example.com/s/synth", "ftp://t.me/x"],
)
async def test_redirects_leave_only_for_telegram(
    fake: FakeTelegramWeb, client: WebClient, location: str
) -> None:
    fake.faults["/s/synth"] = Reply.redirect(location)
    with pytest.raises(RetryableSourceError, match="refused"):
        await client.get("/s/synth")


async def test_redirects_within_the_base_host_are_followed(
    fake: FakeTelegramWeb, client: WebClient
) -> None:
    fake.faults["/s/old-name"] = Reply.redirect(f"{fake.base_url}/s/synth?before=30", 301)
    assert "synth/29" in (await client.get("/s/old-name") or "")
    assert [(r.path, r.query) for r in fake.requests] == [
        ("/s/old-name", {}),
        ("/s/synth", {"before": "30"}),
    ]


async def test_a_redirect_loop_is_a_source_error(fake: FakeTelegramWeb, client: WebClient) -> None:
    fake.faults["/s/synth"] = Reply.redirect("/s/other")
    fake.faults["/s/other"] = Reply.redirect("/s/synth")
    with pytest.raises(RetryableSourceError, match="redirect loop"):
        await client.get("/s/synth")
    assert len(fake.requests) <= 11


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "streamed"])
async def test_a_huge_page_is_refused_past_the_cap(fake: FakeTelegramWeb, announced: bool) -> None:
    fake.faults["/s/synth"] = Reply(
        status=200, body="<html>", padding=50_000_000, announce_length=announced
    )
    web = client_for(fake.base_url, web_max_page_bytes=100_000)
    try:
        with pytest.raises(RetryableSourceError, match=r"more than 100000 bytes .*WEB_MAX_PAGE"):
            await web.get("/s/synth")
    finally:
        await web.close()
    assert len(fake.requests) == 1


async def test_a_page_under_the_cap_is_read(fake: FakeTelegramWeb) -> None:
    fake.faults["/s/synth"] = Reply(status=200, body="<html>", padding=90_000)
    web = client_for(fake.base_url, web_max_page_bytes=100_000)
    try:
        assert len(await web.get("/s/synth") or "") == 90_006
    finally:
        await web.close()


async def test_a_trickling_page_meets_the_deadline(fake: FakeTelegramWeb) -> None:
    # 60 bytes, one every 0.05 s: each read is quick, the whole answer takes 3 s
    fake.faults["/s/synth"] = Reply(status=200, body="<html>" + "x" * 54, trickle=0.05)
    web = client_for(fake.base_url, web_timeout=1.0, web_request_deadline=0.4, web_max_retries=1)
    started = time.monotonic()
    try:
        with pytest.raises(RetryableSourceError, match=r"WEB_REQUEST_DEADLINE.* after 2 attempts"):
            await web.get("/s/synth")
    finally:
        await web.close()
    assert len(fake.requests) == 2
    assert time.monotonic() - started < 2.5


async def test_an_unreadable_answer_is_a_source_error(
    fake: FakeTelegramWeb, client: WebClient
) -> None:
    fake.faults["/s/synth"] = Reply(
        status=200, headers={"Content-Encoding": "gzip"}, body="not gzip at all"
    )
    with pytest.raises(RetryableSourceError, match="DecodingError"):
        await client.get("/s/synth")
