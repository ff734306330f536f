"""`tg-parser process` with a model, interrupted for real (Ctrl-C, then `kill -9`) and run
again: every message ends with exactly one document, nothing lost or processed twice.

The CLI runs in a subprocess against the loopback OpenAI API (200 ms per call, 16 at a
time), on a channel of 400 distinct posts; each interruption comes once the run has saved
some documents and has more to do.
"""

from __future__ import annotations

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

from channel_export import write_channel_export  # type: ignore[import-not-found]
from tg_parser.store.tables import processed_documents, raw_messages, runs
from tg_parser.testing.llm.answers import analysis_answer
from tg_parser.testing.llm.openai import fake_openai
from tg_parser.testing.llm.server import FakeModelServer

POSTS = 400
CLI = [sys.executable, "-c", "from tg_parser.cli.app import main; main()"]


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with fake_openai(answer=analysis_answer, latency=0.2) as fake:
        yield fake


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    yield engine
    engine.dispose()


@pytest.fixture
def env(database_url: str, server: FakeModelServer) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        LLM_PROVIDER="openai",
        OPENAI_API_KEY="sk-test",
        LLM_BASE_URL=f"{server.base_url}/v1",
        LLM_CONCURRENCY="16",
    )


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _interrupt(env: dict[str, str], engine: Engine, sent: signal.Signals, after: int) -> int:
    """Start `process`, send ``sent`` once ``after`` more documents exist; its exit code."""
    before = _count(engine, processed_documents)
    process = subprocess.Popen(
        [*CLI, "process"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    while process.poll() is None and _count(engine, processed_documents) < before + after:
        time.sleep(0.01)
    assert process.poll() is None, "the run ended before it could be interrupted"
    assert _count(engine, processed_documents) < POSTS
    process.send_signal(sent)
    _, stderr = process.communicate(timeout=60)
    if sent == signal.SIGINT:
        assert b"Interrupted; run the command again" in stderr
    return process.returncode


def test_interrupted_processing_resumes_without_loss_or_repeats(
    env: dict[str, str], engine: Engine, server: FakeModelServer, tmp_path: Path
) -> None:
    export = write_channel_export(tmp_path / "result.json", POSTS)
    imported = subprocess.run(
        [*CLI, "import", str(export), "--channel", "notes"], env=env, capture_output=True
    )
    assert imported.returncode == 0, imported.stderr
    assert _interrupt(env, engine, signal.SIGINT, after=1) == 130
    assert _interrupt(env, engine, signal.SIGKILL, after=1) == -signal.SIGKILL
    finished = subprocess.run([*CLI, "process"], env=env, capture_output=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert _count(engine, processed_documents) == _count(engine, raw_messages)
    inputs = [call.input for call in server.calls]
    repeated = len(inputs) - len(set(inputs))
    # Ctrl-C repeats the calls in flight; a kill, those and at most a second of answers
    assert repeated <= 16 + 16 + 80, repeated
    with engine.connect() as conn:
        statuses = sorted(conn.execute(select(runs.c.status).where(runs.c.stage == "process")))
    assert [s for (s,) in statuses] == ["cancelled", "failed", "succeeded"], statuses
