"""Webhooks: a run's summary POSTed to a URL when the run ends, signed, retried, recorded.

Each delivery is signed with HMAC-SHA256 over ``<timestamp>.<body>`` with the webhook's
secret: headers ``X-TG-Parser-Timestamp`` (Unix seconds) and ``X-TG-Parser-Signature:
sha256=<hex>``. A receiver recomputes the signature and refuses old timestamps. Attempts
are retried with exponential backoff (tenacity) on network errors, 408, 429 and 5xx; each
attempt's outcome is stored and shown on the run.

A URL whose host resolves to a private, loopback, link-local or otherwise non-global
address is refused (unless ``WEBHOOK_ALLOW_PRIVATE``), when it is set and again at each
delivery, and the request goes to the address that was checked (DNS rebinding cannot
swap it for an internal one between the check and the connection).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from importlib.metadata import version
from typing import Any

import httpx
import orjson
import structlog
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from tg_parser.clock import utcnow
from tg_parser.config import Settings
from tg_parser.errors import InputError, NotFoundError
from tg_parser.store import Database, Delivery, Webhook

log = structlog.get_logger(__name__)

RETRIED_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))


class WebhookRefusedError(InputError):
    """A webhook URL that is malformed or points at an address it may not reach."""

    http_status = 422


class _Undelivered(Exception):
    """An attempt that may succeed when tried again."""


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``timestamp.body`` with the secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


async def checked_address(url: str, *, allow_private: bool) -> str:
    """The address to send to: the URL's host resolved, every address of it global
    (unless ``allow_private``); ``WebhookRefusedError`` otherwise."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise WebhookRefusedError(f"webhook_url {url!r} is not a URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise WebhookRefusedError(f"webhook_url {url!r}: give an http:// or https:// URL")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parsed.host, parsed.port or 443, type=socket.SOCK_STREAM
        )
    except OSError:
        raise WebhookRefusedError(f"webhook_url: host {parsed.host!r} does not resolve") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    inner = [a for a in addresses if not a.is_global or a.is_multicast]
    if inner and not allow_private:
        raise WebhookRefusedError(
            f"webhook_url: {parsed.host} resolves to {inner[0]}, a private, loopback or "
            "link-local address; give a public URL (or set WEBHOOK_ALLOW_PRIVATE=true)"
        )
    return str(addresses[0])


async def deliver(
    db: Database, run_id: str, channel: str | None, summary: dict[str, Any]
) -> list[Delivery]:
    """Post the run's summary to its webhook (the run's, else its channel's source's);
    every attempt is recorded. Nothing when neither has one."""
    hook = await _hook_of(db, run_id, channel)
    if hook is None:
        return []
    settings = db.settings
    body = orjson.dumps(summary)
    deliveries: list[Delivery] = []
    retrying = AsyncRetrying(
        stop=stop_after_attempt(settings.webhook_attempts),
        wait=wait_exponential(multiplier=settings.webhook_backoff_seconds, max=300),
        retry=retry_if_exception_type(_Undelivered),
        reraise=False,
    )
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds) as client:
        try:
            async for attempt in retrying:
                with attempt:
                    number = attempt.retry_state.attempt_number
                    delivery = await _attempt(client, settings, hook, run_id, body, number)
                    deliveries.append(delivery)
                    async with db.transaction() as repos:
                        await repos.webhooks.record(delivery)
                    if not delivery.delivered and _retried(delivery):
                        raise _Undelivered
        except RetryError:  # the last attempt failed too; every one is recorded
            pass
    log.info("webhook_finished", run_id=run_id, attempts=len(deliveries))
    return deliveries


async def _hook_of(db: Database, run_id: str, channel: str | None) -> Webhook | None:
    async with db.transaction() as repos:
        hook = await repos.webhooks.for_run(run_id)
        if hook is None and channel:
            hook = await repos.webhooks.for_source(channel)
    return hook


async def _attempt(
    client: httpx.AsyncClient,
    settings: Settings,
    hook: Webhook,
    run_id: str,
    body: bytes,
    number: int,
) -> Delivery:
    at = utcnow()
    outcome: dict[str, Any] = {"run_id": run_id, "url": hook.url, "attempt": number, "at": at}
    try:
        address = await checked_address(hook.url, allow_private=settings.webhook_allow_private)
    except WebhookRefusedError as exc:
        return Delivery(**outcome, delivered=False, error=f"refused: {exc.message}")
    timestamp = str(int(time.time()))
    try:
        response = await client.send(_request(hook, address, timestamp, body, run_id, number))
    except httpx.HTTPError as exc:
        failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Delivery(**outcome, delivered=False, error=failure)
    delivered = response.is_success
    error = None if delivered else f"HTTP {response.status_code}"
    return Delivery(**outcome, delivered=delivered, status_code=response.status_code, error=error)


def _request(
    hook: Webhook, address: str, timestamp: str, body: bytes, run_id: str, number: int
) -> httpx.Request:
    """The POST to the checked address, with the URL's host in ``Host`` and for TLS."""
    url = httpx.URL(hook.url)
    headers = {
        "Host": url.netloc.decode("ascii"),
        "Content-Type": "application/json",
        "User-Agent": f"tg-parser/{version('tg-parser')}",
        "X-TG-Parser-Run": run_id,
        "X-TG-Parser-Attempt": str(number),
        "X-TG-Parser-Timestamp": timestamp,
        "X-TG-Parser-Signature": signature(hook.secret, timestamp, body),
    }
    return httpx.Request(
        "POST",
        url.copy_with(host=address),
        headers=headers,
        content=body,
        extensions={"sni_hostname": url.host},
    )


def _retried(delivery: Delivery) -> bool:
    """Worth another attempt: no answer, or an answer that says "later"."""
    if delivery.error and delivery.error.startswith("refused:"):
        return False
    return delivery.status_code is None or delivery.status_code in RETRIED_STATUSES


async def set_source_webhook(db: Database, channel: str, url: str | None) -> Webhook | None:
    """Give the source a webhook with a new secret (None: remove it); the webhook, whose
    secret is shown to the user once."""
    from tg_parser.registry import resolve_channel

    key = await resolve_channel(db, channel)
    hook = None
    if url is not None:
        await checked_address(url, allow_private=db.settings.webhook_allow_private)
        hook = Webhook(url, new_secret())
    async with db.transaction() as repos:
        if not await repos.webhooks.set_for_source(key, hook):
            raise NotFoundError(f"no source {key!r}: add it with `tg-parser sources add`")
    return hook
