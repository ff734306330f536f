"""`tg-parser worker` and `--queue`: refused on SQLite in one line (nothing written); on
PostgreSQL a queued `process` run is executed by real worker processes, and the batch of a
worker killed with SIGKILL is taken over by another: every message still ends with exactly
one document and one recorded successful model call."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from channel_export import write_channel_export  # type: ignore[import-not-found]
from tg_parser.cli.app import app
from tg_parser.store.tables import llm_calls, processed_documents, raw_messages, run_batches, runs
from tg_parser.testing.llm.answers import analysis_answer
from tg_parser.testing.llm.openai import fake_openai, openai_environment
from tg_parser.testing.llm.server import FakeModelServer

runner = CliRunner()
CLI = [sys.executable, "-c", "from tg_parser.cli.app import main; main()"]
POSTS = 240


@pytest.mark.parametrize(
    "command",
    [
        ["process", "--queue"],
        ["run", "--queue"],
        ["ingest", "--all", "--queue"],
        ["topics", "build", "--queue"],
    ],
)
def test_queue_is_refused_on_sqlite(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "kb.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    result = runner.invoke(app, command)
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --queue needs PostgreSQL")
    assert not database.exists()


def test_worker_is_refused_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kb.sqlite'}")
    result = runner.invoke(app, ["worker"])
    assert result.exit_code != 0
    assert result.stderr.strip().startswith("Error: workers need PostgreSQL")


def test_worker_refuses_an_unknown_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["worker", "--queues", "runs,nightly"])
    assert result.exit_code != 0
    assert "unknown queue 'nightly'" in result.stderr


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with fake_openai(answer=analysis_answer, latency=0.2) as fake:
        yield fake


@pytest.fixture
def env(empty_postgres_url: str, server: FakeModelServer) -> dict[str, str]:
    settings = openai_environment(
        server, LLM_CONCURRENCY="4", WORKER_BATCH_SIZE="20", WORKER_LEASE_SECONDS="3"
    )
    return dict(os.environ, DATABASE_URL=empty_postgres_url, **settings)


@pytest.fixture
def engine(empty_postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(empty_postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    yield engine
    engine.dispose()


def _count(engine: Engine, query: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())  # type: ignore[call-overload]


def _queue_process(env: dict[str, str], tmp_path: Path) -> str:
    export = write_channel_export(tmp_path / "result.json", POSTS)
    imported = subprocess.run(
        [*CLI, "import", str(export), "--channel", "notes"], env=env, capture_output=True
    )
    assert imported.returncode == 0, imported.stderr
    queued = subprocess.run(
        [*CLI, "process", "--queue", "--json"], env=env, capture_output=True, text=True
    )
    assert queued.returncode == 0, queued.stderr
    run = json.loads(queued.stdout)
    assert run["status"] == "queued"
    return str(run["id"])


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*CLI, "worker", "--concurrency", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _status(engine: Engine, run_id: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(runs.c.status).where(runs.c.id == run_id)).scalar_one())


@pytest.mark.postgres
@pytest.mark.slow
def test_a_killed_workers_batch_is_taken_over(
    env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    run_id = _queue_process(env, tmp_path)
    doomed, survivor = _worker(env), _worker(env)
    try:
        working = select(func.count()).where(
            run_batches.c.status == "working", run_batches.c.attempts == 1
        )
        _wait_for(lambda: _count(engine, working) >= 3, 60)  # both hold one
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        _wait_for(lambda: _status(engine, run_id) != "running", 120)
    finally:
        for process in (doomed, survivor):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
    assert _status(engine, run_id) == "succeeded"
    documents = _count(engine, select(func.count()).select_from(processed_documents))
    assert documents == _count(engine, select(func.count()).select_from(raw_messages)) == POSTS
    ok = llm_calls.c.status == "ok"
    calls = _count(engine, select(func.count()).where(ok))
    distinct = _count(engine, select(func.count(func.distinct(llm_calls.c.source_ref))).where(ok))
    assert calls == distinct == POSTS
    retaken = select(func.count()).where(run_batches.c.attempts > 1)
    assert _count(engine, retaken) >= 1  # the killed worker's batch was taken over
