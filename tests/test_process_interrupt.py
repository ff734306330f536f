"""`tg-parser process` with a model, interrupted for real (Ctrl-C, `kill -9`, SIGTERM) and
run again, or run twice at once: every message ends with exactly one document, nothing lost
or processed twice.

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

pytestmark = pytest.mark.slow  # a real subprocess killed and run again: minutes
POSTS = 400
# Ctrl-C reaches a command started from a terminal, where SIGINT has its default handler; a
# runner that started the tests in the background (`cmd &` in a script) hands its children
# SIGINT ignored, so the CLI here gets the terminal's handler back first
CLI = [
    sys.executable,
    "-c",
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from tg_parser.cli.app import main; main()",
]


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


def _interrupt(
    env: dict[str, str], engine: Engine, sent: signal.Signals, after: int, settle: float = 0.0
) -> int:
    """Start `process`, send ``sent`` ``settle`` seconds after ``after`` more documents
    exist; its exit code."""
    before = _count(engine, processed_documents)
    process = subprocess.Popen(
        [*CLI, "process"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    while process.poll() is None and _count(engine, processed_documents) < before + after:
        time.sleep(0.01)
    time.sleep(settle)
    assert process.poll() is None, "the run ended before it could be interrupted"
    assert _count(engine, processed_documents) < POSTS
    process.send_signal(sent)
    _, stderr = process.communicate(timeout=60)
    if sent in STOPPED:
        assert STOPPED[sent] + b"; run the command again" in stderr
    return process.returncode


STOPPED = {signal.SIGINT: b"Interrupted", signal.SIGTERM: b"Stopped (SIGTERM)"}


def _import(env: dict[str, str], tmp_path: Path) -> None:
    export = write_channel_export(tmp_path / "result.json", POSTS)
    imported = subprocess.run(
        [*CLI, "import", str(export), "--channel", "notes"], env=env, capture_output=True
    )
    assert imported.returncode == 0, imported.stderr


def _finish(env: dict[str, str], engine: Engine, server: FakeModelServer) -> int:
    """Run `process` to the end; how many model calls were repeated overall."""
    finished = subprocess.run([*CLI, "process"], env=env, capture_output=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert _count(engine, processed_documents) == _count(engine, raw_messages)
    inputs = [call.input for call in server.calls]
    return len(inputs) - len(set(inputs))


def _statuses(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        statuses = conn.execute(select(runs.c.status).where(runs.c.stage == "process"))
        return sorted(status for (status,) in statuses)


def test_interrupted_processing_resumes_without_loss_or_repeats(
    env: dict[str, str], engine: Engine, server: FakeModelServer, tmp_path: Path
) -> None:
    _import(env, tmp_path)
    assert _interrupt(env, engine, signal.SIGINT, after=1) == 130
    assert _interrupt(env, engine, signal.SIGKILL, after=1) == -signal.SIGKILL
    repeated = _finish(env, engine, server)
    # Ctrl-C repeats the calls in flight; a kill, those and at most a second of answers
    assert repeated <= 16 + 16 + 80, repeated
    assert _statuses(engine) == ["cancelled", "failed", "succeeded"]


@pytest.mark.slow
def test_sigterm_stops_processing_like_ctrl_c(
    env: dict[str, str], engine: Engine, server: FakeModelServer, tmp_path: Path
) -> None:
    """`docker stop`, systemd and `timeout` send SIGTERM: what was answered is saved, the run
    is cancelled, the exit code is 143; the next run repeats only the calls in flight."""
    _import(env, tmp_path)
    # once the save of the first documents is over, so the signal finds the run at work
    assert _interrupt(env, engine, signal.SIGTERM, after=1, settle=0.3) == 143
    # only the calls in flight (16 at a time) are asked again: answers that came in as it
    # stopped were saved
    assert _finish(env, engine, server) <= 16
    assert _statuses(engine) == ["cancelled", "succeeded"]


@pytest.mark.slow
def test_a_second_process_command_is_refused_while_the_first_works(
    env: dict[str, str], engine: Engine, server: FakeModelServer, tmp_path: Path
) -> None:
    _import(env, tmp_path)
    slower = env | {"LLM_CONCURRENCY": "4"}  # ~20 s, so the second starts while it works
    first = subprocess.Popen(
        [*CLI, "process"], env=slower, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    while first.poll() is None and _count(engine, processed_documents) == 0:
        time.sleep(0.01)
    second = subprocess.run([*CLI, "process"], env=env, capture_output=True, timeout=60)
    _, first_errors = first.communicate(timeout=120)

    assert first.returncode == 0, first_errors
    assert second.returncode == 7
    [line] = second.stderr.decode().splitlines()
    assert (
        line.startswith("Error: run ") and "(process) is already working on channel notes" in line
    )
    assert _count(engine, processed_documents) == _count(engine, raw_messages) == POSTS
    inputs = [call.input for call in server.calls]
    assert len(inputs) == len(set(inputs)) == POSTS  # no call paid twice
    assert _statuses(engine) == ["succeeded"]
