"""`process` against a provider that fails every call, fails after a good start, fails now
and then, or is not there at all: the run stops early (not after thousands of calls),
``failed``, with one line naming the last error and exit code 6, keeping what succeeded."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tg_parser.cli.app import app
from tg_parser.config import Settings
from tg_parser.errors import ProviderFailingError
from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.llm.providers import ModelRequest, choose_analyser
from tg_parser.process import ProcessOptions, ProcessReport, process_messages
from tg_parser.runs import list_runs
from tg_parser.store.database import Database
from tg_parser.store.tables import llm_calls
from tg_parser.testing.llm.answers import analysis_answer
from tg_parser.testing.llm.openai import fake_openai, openai_environment
from tg_parser.testing.llm.server import FakeModelServer, Fault, ModelCall

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample_channel"
CHANNEL = Path(__file__).parents[1] / "data" / "export" / "discussion_channel.json"
FIRST_CALLS, CONCURRENCY, ATTEMPTS = 20, 8, 2
# the most requests a run may send once every call fails: the first calls with their
# retries, and the ones in flight when the breaker trips
MOST_REQUESTS = (FIRST_CALLS + CONCURRENCY) * ATTEMPTS
LAST_ERROR = {
    "500": "OpenAI server error (500, try again later): The server had an error",
    "timeout": "OpenAI did not answer within 0.3 s",
    "garbage": "OpenAI sent a truncated answer (not JSON)",
}
runner = CliRunner()


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with fake_openai(answer=analysis_answer, timeout_delay=0.6) as fake:
        yield fake


@pytest.fixture
def model_env(server: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> FakeModelServer:
    environment = openai_environment(server, RETRY_MAX_ATTEMPTS=str(ATTEMPTS), LLM_TIMEOUT="2")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return server


def failing(server: FakeModelServer, *faults: Fault, rate: float = 1.0) -> None:
    server.fault_rate, server.fault_kinds, server.retry_after = rate, faults, 0.0


async def _process(db: Database) -> ProcessReport:
    await import_desktop(db, ImportOptions(path=SAMPLE, channel="technotes"))
    choice = choose_analyser(Settings(), ModelRequest())
    try:
        options = ProcessOptions(concurrency=CONCURRENCY)
        return await process_messages(db, choice.analyser, options)
    finally:
        await choice.aclose()


async def _model_documents(db: Database) -> int:
    """Documents the model wrote (not those of messages that skip it)."""
    async with db.transaction() as repos:
        stored = await repos.documents.for_channel()
    return sum("llm_skipped" not in (s.document.metadata or {}) for s in stored)


async def _process_run(db: Database) -> Any:
    [run] = await list_runs(db, stage="process")
    return run


@pytest.mark.parametrize("fault", ["500", "timeout", "garbage"])
async def test_every_call_failing_stops_the_run_after_the_first_calls(
    db: Database, model_env: FakeModelServer, monkeypatch: pytest.MonkeyPatch, fault: Fault
) -> None:
    monkeypatch.setenv("LLM_TIMEOUT", "0.3")  # below the fake's timeout_delay
    failing(model_env, fault)
    with pytest.raises(ProviderFailingError) as stopped:
        await _process(db)
    message = str(stopped.value)
    assert message.startswith(f"The first {FIRST_CALLS} model calls all failed")
    assert LAST_ERROR[fault] in message and "\n" not in message
    assert stopped.value.exit_code == 6
    assert len(model_env.requests) <= MOST_REQUESTS, "not a call for every message"
    run = await _process_run(db)
    assert (run.status, run.error) == ("failed", message)
    async with db.transaction() as repos:
        failures = await repos.failures.list(stage="process")
    assert FIRST_CALLS <= len(failures) <= FIRST_CALLS + CONCURRENCY
    assert run.counters["failed"] == len(failures) and await _model_documents(db) == 0


async def test_what_succeeded_before_the_failures_is_kept(
    db: Database, model_env: FakeModelServer
) -> None:
    def answer_then_fail(call: ModelCall) -> Any:
        if len(model_env.calls) >= 25:
            failing(model_env, "500")
        return analysis_answer(call)

    model_env.answer = answer_then_fail
    with pytest.raises(ProviderFailingError, match=r"^51 of the last \d+ model calls failed"):
        await _process(db)
    answered = len(model_env.calls)
    async with db.engine.connect() as conn:
        ok = select(llm_calls.c.source_ref).where(llm_calls.c.status == "ok")
        answered_refs = set((await conn.execute(ok)).scalars())
    assert answered >= 25 and len(answered_refs) == answered
    async with db.transaction() as repos:
        saved = {s.document.source_ref for s in await repos.documents.for_channel()}
    assert answered_refs <= saved, "every answered message has its document"
    assert len(model_env.requests) <= answered + (51 + CONCURRENCY) * ATTEMPTS
    run = await _process_run(db)
    assert run.status == "failed" and run.counters["processed"] >= answered


async def test_sporadic_failures_do_not_stop_the_run(
    db: Database, model_env: FakeModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETRY_MAX_ATTEMPTS", "1")  # every fault is a failed call
    failing(model_env, "500", rate=0.1)
    report = await _process(db)
    assert 0 < report.counters["failed"] < report.counters["processed"] / 4
    assert (await _process_run(db)).status == "succeeded"


async def test_answers_that_never_fit_the_schema_stop_the_run(
    db: Database, model_env: FakeModelServer
) -> None:
    """Well-formed answers whose content is never analysis JSON, repair call included."""
    failing(model_env, "invalid")
    with pytest.raises(ProviderFailingError) as stopped:
        await _process(db)
    message = str(stopped.value)
    assert message.startswith(f"The first {FIRST_CALLS} model calls all failed")
    assert "the model's answer is not valid analysis JSON" in message
    assert len(model_env.requests) <= FIRST_CALLS + CONCURRENCY, "not two calls per message"
    run = await _process_run(db)
    assert run.status == "failed" and await _model_documents(db) == 0


async def test_a_few_answers_that_do_not_fit_do_not_stop_the_run(
    db: Database, model_env: FakeModelServer
) -> None:
    failing(model_env, "invalid", rate=0.1)  # the repair call mostly mends them
    report = await _process(db)
    assert report.counters["failed"] < report.counters["processed"] / 20
    assert (await _process_run(db)).status == "succeeded"


def _import_with_the_cli() -> None:
    imported = runner.invoke(app, ["import", str(CHANNEL), "--channel", "@garden_notes"])
    assert imported.exit_code == 0, imported.output


def test_the_cli_prints_one_line_naming_the_last_error_and_exits_6(
    cli_env: str, model_env: FakeModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["import", str(SAMPLE), "--channel", "technotes"]).exit_code == 0
    failing(model_env, "500")
    result = runner.invoke(app, ["process"])
    assert result.exit_code == 6
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error == [result.stderr.strip().splitlines()[-1]]
    assert error[0].startswith(f"Error: The first {FIRST_CALLS} model calls all failed")
    assert LAST_ERROR["500"] in error[0] and "Traceback" not in result.output
    runs = json.loads(runner.invoke(app, ["runs", "list", "--json"]).stdout)
    assert [run["status"] for run in runs if run["stage"] == "process"] == ["failed"]


def _closed_address() -> str:
    """The address of a loopback server that has stopped: nothing listens there."""
    with fake_openai() as fake:
        return fake.base_url


def _nowhere(provider: str, url: str) -> dict[str, str]:
    settings = {
        "openai": {"OPENAI_API_KEY": "sk-test-secret", "LLM_BASE_URL": f"{url}/v1"},
        "anthropic": {"ANTHROPIC_API_KEY": "test-key", "LLM_BASE_URL": url},
        "gemini": {"GEMINI_API_KEY": "test-key", "LLM_BASE_URL": url},
        "ollama": {"OLLAMA_BASE_URL": url},
    }
    return settings[provider]


@pytest.mark.parametrize(
    ("provider", "says"),
    [
        ("ollama", "Cannot connect to the Ollama server at {url} (connection refused): "
         "start it with `ollama serve` or set OLLAMA_BASE_URL"),
        ("openai", "Cannot connect to OpenAI at {url}/v1 (connection refused): "
         "check LLM_BASE_URL and the network"),
        ("anthropic", "Cannot connect to Anthropic at {url} (connection refused): "
         "check LLM_BASE_URL and the network"),
        ("gemini", "Cannot connect to Gemini at {url} (connection refused): "
         "check LLM_BASE_URL and the network"),
    ],
)  # fmt: skip
def test_a_provider_with_nothing_listening_stops_at_once(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, provider: str, says: str
) -> None:
    url = _closed_address()
    for name, value in _nowhere(provider, url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RETRY_BACKOFF_BASE", "10")  # retrying would take 70 s
    _import_with_the_cli()
    started = time.monotonic()
    result = runner.invoke(app, ["process", "--provider", provider])
    elapsed = time.monotonic() - started
    assert result.exit_code == 6
    assert result.stderr.strip().splitlines()[-1] == "Error: " + says.format(url=url)
    assert elapsed < 8, "no retries first"
    runs = json.loads(runner.invoke(app, ["runs", "list", "--json"]).stdout)
    assert [run["status"] for run in runs if run["stage"] == "process"] == ["failed"]


def test_the_breaker_settings_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLM_FAIL_FAST_CALLS", "3")
    monkeypatch.setenv("LLM_FAILURE_WINDOW", "10")
    monkeypatch.setenv("LLM_MAX_FAILURE_SHARE", "0.3")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    choice = choose_analyser(Settings(), ModelRequest(provider="openai"))
    assert choice.runner is not None
    breaker = choice.runner.breaker
    assert (breaker.first_calls, breaker.window, breaker.max_share) == (3, 10, 0.3)
