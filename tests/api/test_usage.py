"""``/api/v1/usage``: calls, tokens and cost per model, as `tg-parser usage --json`."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tg_parser.llm import PriceTable
from tg_parser.models import CallRecord
from tg_parser.store import Database
from tg_parser.usage import usage_report


async def test_usage_is_the_report_the_cli_prints(
    two_client: httpx.AsyncClient, two_channels_db: Database
) -> None:
    body = (await two_client.get("/api/v1/usage")).json()
    report = await usage_report(two_channels_db, PriceTable.load(None))
    expected = report.to_json_dict()
    assert [m["model"] for m in body["models"]] == [m["model"] for m in expected["models"]]
    assert body["total"] == expected["total"]
    assert body["total"]["calls"] == 2
    assert body["total"]["cost_usd"] > 0


async def add_call(db: Database, run_id: str, at: datetime) -> None:
    call = CallRecord(
        provider="anthropic",
        model="claude-sonnet-5",
        prompt_name="card",
        prompt_version="1",
        status="error",
        input_tokens=10,
        output_tokens=0,
        reasoning_tokens=0,
        latency_ms=50,
        created_at=at,
        run_id=run_id,
        source_ref="tg:technotes:post:4",
    )
    async with db.transaction() as repos:
        await repos.llm_calls.add([call])


async def test_usage_of_one_run_or_since_a_date(
    two_client: httpx.AsyncClient, two_channels_db: Database
) -> None:
    await add_call(two_channels_db, "run-1", datetime(2027, 1, 2, tzinfo=UTC))
    of_run = (await two_client.get("/api/v1/usage", params={"run_id": "run-1"})).json()
    since = (await two_client.get("/api/v1/usage", params={"since": "2027-01-01"})).json()
    for body in (of_run, since):
        [model] = body["models"]
        assert (model["model"], model["calls"], model["failed"]) == ("claude-sonnet-5", 1, 1)
    assert of_run["run_id"] == "run-1"
    assert since["since"] == "2027-01-01T00:00:00Z"


async def test_no_calls_yet(empty_client: httpx.AsyncClient) -> None:
    body = (await empty_client.get("/api/v1/usage")).json()
    assert (body["models"], body["total"]["calls"]) == ([], 0)


@pytest.mark.parametrize("since", ["last week", "2027-13-01"])
async def test_a_malformed_date_is_a_422(empty_client: httpx.AsyncClient, since: str) -> None:
    response = await empty_client.get("/api/v1/usage", params={"since": since})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["location"] == "query.since"
