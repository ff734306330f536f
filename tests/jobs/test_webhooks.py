"""Webhooks: the signature, the refusal of private addresses, and delivery (signed,
retried after 5xx, not after other refusals, re-checked at delivery, each attempt
recorded), against a loopback receiver. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator

import pytest

from tg_parser.config import Settings
from tg_parser.jobs import WebhookRefusedError, checked_address, signature
from tg_parser.jobs.webhooks import deliver, set_source_webhook
from tg_parser.models import Run
from tg_parser.runs import queue_run
from tg_parser.store import Database, Webhook
from tg_parser.testing.webhooks import WebhookReceiver

SUMMARY = {"event": "run.ended", "run": {"id": "r1", "status": "succeeded"}}


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"whsec_k", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert signature("whsec_k", "1700000000", b"{}") == f"sha256={expected}"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
    ],
)
async def test_private_loopback_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(WebhookRefusedError, match="WEBHOOK_ALLOW_PRIVATE"):
        await checked_address(url, allow_private=False)
    assert await checked_address(url, allow_private=True)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://93.184.216.34/x", "give an http:// or https:// URL"),
        ("not a url", "give an http:// or https:// URL"),
        ("http://no-such-host.invalid/x", "does not resolve"),
    ],
)
async def test_malformed_or_unresolvable_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(WebhookRefusedError, match=message):
        await checked_address(url, allow_private=True)


async def test_a_public_address_is_allowed() -> None:
    assert await checked_address("https://93.184.216.34/hook", allow_private=False) == (
        "93.184.216.34"
    )


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webhook_allow_private": True,
            "webhook_backoff_seconds": 0.0,
            "webhook_attempts": 4,
            "webhook_timeout_seconds": 5.0,
        }
    )


@pytest.fixture
async def hook_db(hook_settings: Settings) -> AsyncIterator[Database]:
    database = await Database.open(hook_settings)
    try:
        yield database
    finally:
        await database.close()


async def queued(db: Database, url: str) -> tuple[Run, Webhook]:
    hook = Webhook(url, "whsec_test")
    run = await queue_run(db, "export", channel=None, claims=[], request={}, webhook=hook)
    return run, hook


async def test_a_delivery_is_signed_and_retried_after_5xx_until_it_succeeds(
    hook_db: Database,
) -> None:
    with WebhookReceiver(statuses=(500, 503)) as receiver:
        run, hook = await queued(hook_db, receiver.url)
        deliveries = await deliver(hook_db, run.id, None, SUMMARY)
    assert [(d.attempt, d.status_code, d.delivered) for d in deliveries] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    for received in receiver.received:
        headers = {k.lower(): v for k, v in received.headers.items()}
        timestamp = headers["x-tg-parser-timestamp"]
        assert headers["x-tg-parser-signature"] == signature(hook.secret, timestamp, received.body)
        assert headers["x-tg-parser-run"] == run.id
        assert json.loads(received.body) == SUMMARY
    async with hook_db.transaction() as repos:
        assert await repos.webhooks.deliveries(run.id) == deliveries


async def test_a_refusal_other_than_5xx_or_429_is_not_retried(hook_db: Database) -> None:
    with WebhookReceiver(statuses=(410,)) as receiver:
        run, _ = await queued(hook_db, receiver.url)
        deliveries = await deliver(hook_db, run.id, None, SUMMARY)
    assert [(d.status_code, d.error) for d in deliveries] == [(410, "HTTP 410")]


async def test_attempts_stop_at_webhook_attempts(hook_db: Database) -> None:
    with WebhookReceiver(statuses=(500,) * 10) as receiver:
        run, _ = await queued(hook_db, receiver.url)
        deliveries = await deliver(hook_db, run.id, None, SUMMARY)
    assert len(deliveries) == len(receiver.received) == 4
    assert not any(d.delivered for d in deliveries)


async def test_an_address_no_longer_allowed_at_delivery_is_refused_once(
    hook_db: Database, settings: Settings
) -> None:
    """A URL accepted earlier that now resolves to a private address (DNS rebinding, or the
    setting turned off) is refused at delivery, without retries."""
    with WebhookReceiver() as receiver:
        run, _ = await queued(hook_db, receiver.url)
        strict = await Database.open(settings)  # WEBHOOK_ALLOW_PRIVATE off
        try:
            deliveries = await deliver(strict, run.id, None, SUMMARY)
        finally:
            await strict.close()
    assert receiver.received == []
    [refused] = deliveries
    assert not refused.delivered and refused.error and refused.error.startswith("refused:")


async def test_a_source_webhook_receives_its_channels_runs(hook_db: Database) -> None:
    async with hook_db.transaction() as repos:
        await repos.sources.upsert("technotes")
    with WebhookReceiver() as receiver:
        hook = await set_source_webhook(hook_db, "@TechNotes", receiver.url)
        assert hook is not None and hook.secret.startswith("whsec_")
        run = await queue_run(hook_db, "export", channel="technotes", claims=[], request={})
        [delivery] = await deliver(hook_db, run.id, "technotes", SUMMARY)
        assert delivery.delivered
        assert await set_source_webhook(hook_db, "technotes", None) is None
        assert await deliver(hook_db, run.id, "technotes", SUMMARY) == []
