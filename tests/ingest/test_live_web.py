"""Ingest through the real web preview source against a hostile t.me: whatever one
channel's server does (redirects elsewhere or in a loop, a huge page, a trickle, a broken
body), that source fails with one line and the other channel is collected fully."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tg_parser import registry
from tg_parser.config import Settings
from tg_parser.ingest.live import IngestOptions, ingest, live_sources
from tg_parser.store.database import Database
from tg_parser.testing import FakeTelegramWeb, Reply

FAULTS = {
    "another host": (
        Reply.redirect("http://169.254.169.254/latest/meta-data/"),
        "redirected /s/evil to 169.254.169.254 (http), which is neither",
    ),
    "redirect loop": (Reply.redirect("/s/evil?again=1"), "more than 5 times (a redirect loop)"),
    "huge page": (
        Reply(status=200, body="<html>", padding=600_000_000, announce_length=False),
        "more than 1000000 bytes for /s/evil (WEB_MAX_PAGE_BYTES",
    ),
    "huge page announced": (
        Reply(status=200, body="<html>", padding=600_000_000),
        "more than 1000000 bytes for /s/evil (WEB_MAX_PAGE_BYTES",
    ),
    "trickle": (
        Reply(status=200, body="<html>" + "." * 94, trickle=0.05),
        "no whole answer within WEB_REQUEST_DEADLINE (0.4 s) after 1 attempt",
    ),
    "broken body": (
        Reply(status=200, headers={"Content-Encoding": "gzip"}, body="no gzip"),
        "unreadable answer for /s/evil (DecodingError)",
    ),
}


@pytest.fixture
def fake() -> Iterator[FakeTelegramWeb]:
    with FakeTelegramWeb() as server:
        server.add_channel("evil", 30)
        server.add_channel("good", 45)
        yield server


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_hostile_channel_fails_alone(
    db: Database, settings: Settings, fake: FakeTelegramWeb, fault: str
) -> None:
    reply, message = FAULTS[fault]
    fake.faults["/s/evil"] = reply
    for channel in ("evil", "good"):
        await registry.add_source(db, channel, via="web")
    web = settings.model_copy(
        update={
            "telegram_web_base_url": fake.base_url,
            "web_request_delay": 0.0,
            "web_timeout": 2.0,
            # short only where the deadline is the fault, so a loaded machine cannot turn
            # another fault (or the good channel's pages) into a missed deadline
            "web_request_deadline": 0.4 if fault == "trickle" else 30.0,
            "web_max_retries": 0,
            "web_max_page_bytes": 1_000_000,
        }
    )
    report = await ingest(db, IngestOptions(all=True), live_sources(web))

    assert [(r.channel, r.outcome) for r in report.sources] == [
        ("evil", "failed"),
        ("good", "collected"),
    ]
    assert message in (report.sources[0].reason or "")
    assert report.sources[1].counters["posts_inserted"] == 45
    assert (report.counters["sources_failed"], report.counters["sources_collected"]) == (1, 1)
    evil = await registry.get_source(db, "evil")
    assert (evil.status, evil.fail_count) == ("active", 1)
    assert evil.last_error == report.sources[0].reason
    assert (await registry.get_source(db, "good")).high_watermark == 45
