"""``GET /metrics``: the Prometheus text format, fed by the requests the app answers."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

import key_sample
from tg_parser.api import create_app
from tg_parser.clock import utcnow
from tg_parser.config import Settings
from tg_parser.models import CallRecord, Run
from tg_parser.store import Database
from tg_parser.testing.api import api_client


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests_of(text: str, route: str, status: str, method: str = "GET") -> float:
    labels = frozenset({"route": route, "status": status, "method": method}.items())
    return samples(text).get(("tg_parser_http_requests_total", labels), 0.0)


async def test_requests_are_counted_by_route_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    before = (await client.get("/metrics")).text
    await client.get("/api/v1/sources")
    await client.get("/api/v1/sources", params={"limit": "many"})
    await client.get("/api/v1/no-such-thing/42")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    after = response.text
    for route, status in (("/api/v1/sources", "200"), ("/api/v1/sources", "422")):
        assert requests_of(after, route, status) - requests_of(before, route, status) == 1
    assert requests_of(after, "unrouted", "404") - requests_of(before, "unrouted", "404") == 1
    assert "/api/v1/no-such-thing/42" not in after  # a raw path is never a label


async def test_the_pool_of_the_apps_database_is_reported(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    text = (await client.get("/metrics")).text
    backend = "sqlite" if (settings.database_url or "").startswith("sqlite") else "postgresql"
    labels = frozenset({"database": backend}.items())
    assert samples(text)[("tg_parser_db_pool_size", labels)] >= 1
    assert ("tg_parser_db_pool_in_use", labels) in samples(text)


@pytest.mark.parametrize(("require_key", "status"), [(False, 200), (True, 401)])
async def test_metrics_need_a_key_only_when_asked(
    settings: Settings, db: Database, require_key: bool, status: int
) -> None:
    secret = await key_sample.create(db, "prometheus", "read")
    app = create_app(settings.model_copy(update={"metrics_require_key": require_key}))
    async with api_client(app) as client:
        response = await client.get("/metrics")
        with_key = await client.get("/metrics", headers=key_sample.bearer(secret))
    assert (response.status_code, with_key.status_code) == (status, 200)


def gauge(text: str, name: str) -> float:
    return samples(text)[(name, frozenset())]


async def test_the_deployments_vital_signs_are_read_from_the_database(
    client: httpx.AsyncClient, sample_db: Database
) -> None:
    now = utcnow()
    stopped = now - timedelta(hours=2)
    runs = [
        Run(id="20261201T000000-aaaaaaaa", stage="process", scope={}, status="queued",
            counters={}, started_at=now),
        Run(id="20261201T000000-bbbbbbbb", stage="ingest", scope={}, status="running",
            counters={}, started_at=stopped, heartbeat_at=stopped),
        Run(id="20261201T000000-cccccccc", stage="topics", scope={}, status="running",
            counters={}, started_at=now, heartbeat_at=now),
    ]  # fmt: skip
    call = CallRecord(
        provider="openai",
        model="gpt-5-mini",
        prompt_name="message-analysis",
        prompt_version="1",
        status="ok",
        latency_ms=900,
        created_at=now,
        input_tokens=4_000_000,
        output_tokens=0,
        reasoning_tokens=0,
    )
    async with sample_db.transaction() as repos:
        for run in runs:
            await repos.runs.create(run)
        source = (await repos.sources.list())[0]
        await repos.sources.defer(source.id, now + timedelta(minutes=10))
        await repos.llm_calls.add([call])

    text = (await client.get("/metrics")).text

    assert gauge(text, "tg_parser_runs_queued") == 1
    assert gauge(text, "tg_parser_runs_stalled") == 1
    assert gauge(text, "tg_parser_sources_deferred") == 1
    assert gauge(text, "tg_parser_model_cost_usd_24h") == pytest.approx(1.0)  # 4M x $0.25/M
