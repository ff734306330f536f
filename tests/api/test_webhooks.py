"""Webhooks over the API: a run's webhook (its secret shown once), a source's webhook
(set, removed), deliveries shown on the run, private URLs refused. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tg_parser.api import create_app
from tg_parser.api.auth import Principal, authenticate
from tg_parser.config import Settings
from tg_parser.jobs import signature
from tg_parser.store import Database
from tg_parser.testing.api import api_client
from tg_parser.testing.webhooks import WebhookReceiver

from .runs_helpers import CHANNEL, ended, import_sample


@pytest.fixture
async def imported(db: Database) -> Database:
    await import_sample(db)
    return db


def allowing(settings: Settings) -> Settings:
    update = {"webhook_allow_private": True, "webhook_backoff_seconds": 0.0}
    return settings.model_copy(update=update)


async def deliveries(client: httpx.AsyncClient, run_id: str, count: int) -> list[dict[str, Any]]:
    for _ in range(200):
        found: list[dict[str, Any]] = (await client.get(f"/api/v1/runs/{run_id}")).json()[
            "webhook_deliveries"
        ]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} deliveries")


async def test_a_run_posts_its_signed_summary_to_its_webhook_retrying_after_a_500(
    settings: Settings, imported: Database
) -> None:
    with WebhookReceiver(statuses=(500,)) as receiver:
        async with api_client(create_app(allowing(settings))) as client:
            body = {"stage": "export", "channel": CHANNEL, "webhook_url": receiver.url}
            accepted = (await client.post("/api/v1/runs", json=body)).json()
            secret = accepted["webhook_secret"]
            assert secret.startswith("whsec_") and accepted["webhook_url"] == receiver.url
            run = await ended(client, accepted["id"])
            found = await deliveries(client, run["id"], 2)
            shown = (await client.get(f"/api/v1/runs/{run['id']}")).json()
    assert "webhook_secret" not in shown
    assert [(d["attempt"], d["status_code"], d["delivered"]) for d in found] == [
        (1, 500, False),
        (2, 200, True),
    ]
    last = receiver.received[-1]
    headers = {k.lower(): v for k, v in last.headers.items()}
    expected = signature(secret, headers["x-tg-parser-timestamp"], last.body)
    assert headers["x-tg-parser-signature"] == expected
    assert b'"status":"succeeded"' in last.body and run["id"].encode() in last.body


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://169.254.169.254/"]
)
async def test_a_private_webhook_url_is_refused_at_submit(
    settings: Settings, imported: Database, url: str
) -> None:
    async with api_client(create_app(settings)) as client:
        body = {"stage": "export", "webhook_url": url}
        response = await client.post("/api/v1/runs", json=body)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "webhook_refused"
        put = await client.put(f"/api/v1/sources/{CHANNEL}/webhook", json={"url": url})
        assert put.status_code == 422
        assert (await client.get("/api/v1/runs")).json()["total"] == 1  # the import only


async def test_a_source_webhook_is_set_shown_once_used_and_removed(
    settings: Settings, imported: Database
) -> None:
    app = create_app(allowing(settings))
    with WebhookReceiver() as receiver:
        async with api_client(app) as client:
            put = await client.put(
                f"/api/v1/sources/@{CHANNEL}/webhook", json={"url": receiver.url}
            )
            assert put.status_code == 200
            assert put.json()["channel"] == CHANNEL and put.json()["secret"].startswith("whsec_")
            body = {"stage": "export", "channel": CHANNEL}
            run = (await client.post("/api/v1/runs", json=body)).json()
            await ended(client, run["id"])
            [delivery] = await deliveries(client, run["id"], 1)
            assert delivery["delivered"] and delivery["url"] == receiver.url
            assert (await client.delete(f"/api/v1/sources/{CHANNEL}/webhook")).status_code == 204
            missing = await client.put("/api/v1/sources/nosuch/webhook", json={"url": receiver.url})
            assert missing.status_code == 404
            app.dependency_overrides[authenticate] = lambda: Principal("k", "run")
            forbidden = await client.put(
                f"/api/v1/sources/{CHANNEL}/webhook", json={"url": receiver.url}
            )
            assert forbidden.status_code == 403
            app.dependency_overrides[authenticate] = lambda: Principal(
                "k", "admin", frozenset({"other"})
            )
            hidden = await client.delete(f"/api/v1/sources/{CHANNEL}/webhook")
            assert hidden.status_code == 404
