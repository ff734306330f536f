"""``/api/v1/runs``: runs started in the background are the CLI's run records; one per
stage and channel at a time; cancelled on request and when the server stops; followed as
server-sent events; limited keys see only their channels' runs. SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tg_parser.api import create_app
from tg_parser.api.auth import Principal, authenticate
from tg_parser.clock import utcnow
from tg_parser.config import Settings
from tg_parser.models import Run
from tg_parser.runs import get_run, list_runs
from tg_parser.store import Database
from tg_parser.store.tables import run_claims
from tg_parser.testing.api import api_client
from tg_parser.testing.llm.openai import fake_openai, openai_environment
from tg_parser.testing.llm.server import FakeModelServer

from .runs_helpers import CHANNEL, ended, import_sample, parse_events, until_status


@pytest.fixture
async def imported(db: Database) -> Database:
    await import_sample(db)
    return db


@pytest.fixture
async def client(settings: Settings, imported: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(create_app(settings)) as http:
        yield http


@pytest.fixture
def slow_model() -> Iterator[FakeModelServer]:
    """A loopback OpenAI server answering each call after 0.3 s."""
    with fake_openai(latency=0.3) as server:
        yield server


@pytest.fixture
def slow_settings(settings: Settings, slow_model: FakeModelServer) -> Settings:
    environment = openai_environment(slow_model, LLM_CONCURRENCY="1")
    return Settings(
        database_url=settings.database_url, **{k.lower(): v for k, v in environment.items()}
    )


async def test_a_run_started_over_http_is_the_record_the_cli_lists(
    client: httpx.AsyncClient, imported: Database
) -> None:
    response = await client.post("/api/v1/runs", json={"stage": "process", "channel": CHANNEL})
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] in ("queued", "running")
    assert accepted["channel"] == CHANNEL and accepted["webhook_secret"] is None
    run = await ended(client, accepted["id"])
    assert run["status"] == "succeeded", run["error"]
    assert run["counters"]["processed"] == 165
    assert run["scope"]["channel"] == CHANNEL
    assert run["result"]["counters"]["processed"] == 165
    assert run["request"] == {"stage": "process", "channel": CHANNEL}
    assert run["usage"]["total"]["calls"] == 0  # offline
    [listed] = await list_runs(imported, stage="process")
    assert listed.id == accepted["id"] and listed.status == "succeeded"


async def test_a_second_run_of_the_stage_and_channel_is_refused_naming_the_first(
    imported: Database, slow_settings: Settings
) -> None:
    async with api_client(create_app(slow_settings)) as client:
        first = (await client.post("/api/v1/runs", json={"stage": "process"})).json()
        second = await client.post("/api/v1/runs", json={"stage": "process", "channel": CHANNEL})
        assert second.status_code == 409
        assert second.json()["error"]["code"] == "run_in_progress"
        assert first["id"] in second.json()["error"]["message"]
        other_stage = await client.post("/api/v1/runs", json={"stage": "export", "out": "kb1"})
        assert other_stage.status_code == 202
        assert (await ended(client, other_stage.json()["id"]))["status"] == "succeeded"
        await client.post(f"/api/v1/runs/{first['id']}/cancel")
        again = await client.post("/api/v1/runs", json={"stage": "process", "channel": CHANNEL})
        assert again.status_code == 202  # the first has ended
        await client.post(f"/api/v1/runs/{again.json()['id']}/cancel")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"stage": "process", "channel": "nosuchchannel"}, 404, "not_found"),
        ({"stage": "import"}, 422, "invalid_request"),
        ({"stage": "process", "unknown": 1}, 422, "invalid_request"),
        ({"stage": "export", "out": "../elsewhere"}, 422, "invalid_request"),
        ({"stage": "process", "concurrency": 0}, 422, "invalid_request"),
    ],
)
async def test_bad_run_requests_are_refused_and_nothing_is_recorded(
    client: httpx.AsyncClient, imported: Database, body: dict[str, Any], status: int, code: str
) -> None:
    response = await client.post("/api/v1/runs", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert [run.stage for run in await list_runs(imported)] == ["import"]


async def test_runs_are_listed_newest_first_with_filters_and_pages(
    client: httpx.AsyncClient,
) -> None:
    started = (await client.post("/api/v1/runs", json={"stage": "export"})).json()
    await ended(client, started["id"])
    page = (await client.get("/api/v1/runs", params={"limit": 1})).json()
    assert page["total"] == 2 and [r["id"] for r in page["items"]] == [started["id"]]
    rest = (await client.get("/api/v1/runs", params={"cursor": page["next_cursor"]})).json()
    assert [r["stage"] for r in rest["items"]] == ["import"] and rest["next_cursor"] is None
    only = await client.get("/api/v1/runs", params={"stage": "import", "channel": f"@{CHANNEL}"})
    assert [r["stage"] for r in only.json()["items"]] == ["import"]
    later = await client.get("/api/v1/runs", params={"since": utcnow().isoformat()})
    assert later.json()["total"] == 0
    assert (await client.get("/api/v1/runs", params={"status": "bogus"})).status_code == 422
    assert (await client.get("/api/v1/runs", params={"since": "yesterday"})).status_code == 422


async def test_unknown_runs_are_not_found(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/runs/nope", "/api/v1/runs/nope/events"):
        assert (await client.get(path)).status_code == 404
    assert (await client.post("/api/v1/runs/nope/cancel")).status_code == 404


async def test_events_stream_progress_until_the_run_ends(client: httpx.AsyncClient) -> None:
    run = (await client.post("/api/v1/runs", json={"stage": "process"})).json()
    response = await client.get(f"/api/v1/runs/{run['id']}/events")
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.text)
    assert {name for name, _ in events[:-1]} == {"progress"}
    name, end = events[-1]
    assert name == "end" and end["status"] == "succeeded"
    assert end["counters"]["processed"] == 165
    assert end["progress"]["stage"] == "process" and end["progress"]["done"] == 165


async def test_a_running_run_is_cancelled_and_recorded_cancelled(
    imported: Database, slow_settings: Settings
) -> None:
    async with api_client(create_app(slow_settings)) as client:
        run = (await client.post("/api/v1/runs", json={"stage": "process"})).json()
        await until_status(client, run["id"], "running")
        cancelled = await client.post(f"/api/v1/runs/{run['id']}/cancel")
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        again = await client.post(f"/api/v1/runs/{run['id']}/cancel")
        assert again.json()["status"] == "cancelled"  # an ended run stays as it ended


async def test_a_queued_run_is_cancelled_before_it_starts(
    imported: Database, slow_settings: Settings
) -> None:
    one_at_a_time = slow_settings.model_copy(update={"api_run_concurrency": 1})
    async with api_client(create_app(one_at_a_time)) as client:
        first = (await client.post("/api/v1/runs", json={"stage": "process"})).json()
        waiting = (await client.post("/api/v1/runs", json={"stage": "export"})).json()
        assert (await until_status(client, waiting["id"], "queued"))["status"] == "queued"
        cancelled = (await client.post(f"/api/v1/runs/{waiting['id']}/cancel")).json()
        assert cancelled["status"] == "cancelled"
        assert cancelled["error"] == "cancelled before it started"
        await client.post(f"/api/v1/runs/{first['id']}/cancel")


async def test_stopping_the_server_cancels_its_runs(
    imported: Database, slow_settings: Settings
) -> None:
    async with api_client(create_app(slow_settings)) as client:
        run = (await client.post("/api/v1/runs", json={"stage": "process"})).json()
        await until_status(client, run["id"], "running")
    stopped = await get_run(imported, run["id"])
    assert stopped.status == "cancelled"
    async with imported.engine.connect() as conn:
        assert (await conn.execute(select(run_claims))).all() == []  # claims released


async def test_a_run_left_by_a_killed_server_is_closed_failed_when_it_starts(
    settings: Settings, imported: Database
) -> None:
    gone = _dead_pid()
    left = [
        _run("20261201T000000-aaaaaaaa", "running", gone),
        _run("20261201T000000-bbbbbbbb", "queued", gone),
    ]
    async with imported.transaction() as repos:
        for run in left:
            await repos.runs.create(run)
    async with api_client(create_app(settings)):
        for run in left:
            closed = await get_run(imported, run.id)
            assert closed.status == "failed"
            assert closed.error and closed.error.startswith("interrupted: process")


async def test_a_limited_key_sees_and_starts_only_its_channels_runs(
    settings: Settings, imported: Database
) -> None:
    app = create_app(settings)
    async with api_client(app) as client:
        body = {"stage": "process", "channel": CHANNEL}
        mine = (await client.post("/api/v1/runs", json=body)).json()
        everything = (await client.post("/api/v1/runs", json={"stage": "export"})).json()
        await ended(client, mine["id"])
        await ended(client, everything["id"])
        app.dependency_overrides[authenticate] = lambda: Principal(
            "other", "run", frozenset({"otherchannel"})
        )
        assert (await client.get(f"/api/v1/runs/{mine['id']}")).status_code == 404
        assert (await client.get(f"/api/v1/runs/{mine['id']}/events")).status_code == 404
        assert (await client.post(f"/api/v1/runs/{mine['id']}/cancel")).status_code == 404
        assert (await client.get("/api/v1/runs")).json() == {
            "items": [],
            "next_cursor": None,
            "total": 0,
        }
        refused = await client.post("/api/v1/runs", json={"stage": "process", "channel": CHANNEL})
        assert refused.status_code == 404
        assert (await client.get("/api/v1/runs", params={"channel": CHANNEL})).status_code == 404
        app.dependency_overrides[authenticate] = lambda: Principal(
            "reader", "read", frozenset({CHANNEL})
        )
        assert (await client.get(f"/api/v1/runs/{mine['id']}")).status_code == 200
        assert (await client.get(f"/api/v1/runs/{everything['id']}")).status_code == 404
        listed = (await client.get("/api/v1/runs")).json()["items"]
        assert {run["channel"] for run in listed} == {CHANNEL}  # its channel's runs only
        assert (await client.post("/api/v1/runs", json={"stage": "process"})).status_code == 403
        app.dependency_overrides[authenticate] = lambda: Principal(
            "runner", "run", frozenset({CHANNEL})
        )
        own = await client.post("/api/v1/runs", json={"stage": "export"})  # all = its one
        assert own.status_code == 202 and own.json()["channel"] == CHANNEL
        await ended(client, own.json()["id"])


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _run(run_id: str, status: Any, pid: int) -> Run:
    import socket

    return Run(
        id=run_id,
        stage="process",
        scope={},
        status=status,
        counters={},
        started_at=utcnow(),
        host=socket.gethostname(),
        pid=pid,
        heartbeat_at=utcnow(),
    )


async def test_the_pipeline_over_http_is_one_run_with_its_stages(
    client: httpx.AsyncClient, imported: Database, settings: Settings
) -> None:
    body = {"stage": "run", "channel": CHANNEL, "out": "kb/technotes"}
    accepted = (await client.post("/api/v1/runs", json=body)).json()
    run = await ended(client, accepted["id"])
    assert run["status"] == "succeeded", run["error"]
    assert [stage["stage"] for stage in run["stages"]] == ["process", "topics", "export"]
    assert {stage["parent_id"] for stage in run["stages"]} == {run["id"]}
    assert run["counters"]["messages_processed"] == 165 and run["counters"]["topics"] > 0
    assert run["result"]["run_id"] == run["id"]
    out = settings.api_export_dir / "kb" / "technotes"
    assert (out / "kb_entries.ndjson").is_file() and (out / "manifest.json").is_file()


async def test_an_export_run_replaces_files_it_did_not_write_only_when_asked(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    out = settings.api_export_dir / "mine"
    out.mkdir(parents=True)
    (out / "topics.json").write_text("my topics")

    refused = (await client.post("/api/v1/runs", json={"stage": "export", "out": "mine"})).json()
    run = await ended(client, refused["id"])
    assert run["status"] == "failed"
    assert run["error"].startswith(f"{out / 'topics.json'} was not written by tg-parser")
    assert [p.name for p in out.iterdir()] == ["topics.json"]

    body = {"stage": "export", "out": "mine", "overwrite": True}
    accepted = (await client.post("/api/v1/runs", json=body)).json()
    run = await ended(client, accepted["id"])
    assert run["status"] == "succeeded", run["error"]
    assert run["request"] == {"stage": "export", "out": "mine", "overwrite": True}
    assert run["scope"]["overwrite"] is True
    assert (out / "topics.json").read_text() != "my topics"
