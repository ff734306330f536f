"""Keys never kept or printed: a server that echoes the key and the credential headers in
its error body, for every provider, then the database rows, the logs and the CLI's output
are searched for the key; and the masking of one provider message, pattern by pattern."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from structlog.testing import capture_logs
from typer.testing import CliRunner

from tg_parser.cli.app import app
from tg_parser.config import Settings
from tg_parser.errors import ProviderFailingError
from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.llm.client import one_line
from tg_parser.llm.providers import ModelRequest, choose_analyser
from tg_parser.process import ProcessOptions, process_messages
from tg_parser.runs import list_runs
from tg_parser.store.database import Database
from tg_parser.store.tables import llm_calls, processing_failures
from tg_parser.testing.llm.anthropic import fake_anthropic
from tg_parser.testing.llm.gemini import fake_gemini
from tg_parser.testing.llm.ollama import fake_ollama
from tg_parser.testing.llm.openai import fake_openai
from tg_parser.testing.llm.server import FakeModelServer

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample_channel"
KEY = "3f9a1c2b7d4e5f60718293a4b5c6d7e8"  # an Azure-style hex key: no "sk-" to spot it by
FAKES: dict[str, Callable[..., FakeModelServer]] = {
    "openai": fake_openai,
    "anthropic": fake_anthropic,
    "gemini": fake_gemini,
    "ollama": fake_ollama,
}
runner = CliRunner()


def _settings(provider: str, url: str) -> dict[str, str]:
    where = {
        "openai": {"OPENAI_API_KEY": KEY, "LLM_BASE_URL": f"{url}/v1"},
        "anthropic": {"ANTHROPIC_API_KEY": KEY, "LLM_BASE_URL": url},
        "gemini": {"GEMINI_API_KEY": KEY, "LLM_BASE_URL": url},
        "ollama": {"OLLAMA_API_KEY": KEY, "OLLAMA_BASE_URL": url},
    }
    return where[provider] | {
        "LLM_PROVIDER": provider,
        "LLM_FAIL_FAST_CALLS": "5",
        "RETRY_BACKOFF_BASE": "0",
        "RETRY_JITTER": "0",
    }


@contextmanager
def echoing(provider: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeModelServer]:
    """The provider's fake, answering every call with an error that repeats its key."""
    with FAKES[provider](fault_rate=1.0, fault_kinds=("echo",)) as server:
        for name, value in _settings(provider, server.base_url).items():
            monkeypatch.setenv(name, value)
        yield server


async def _stored_texts(db: Database) -> list[str]:
    """Every provider text the database keeps: call errors, failures, run errors."""
    async with db.engine.connect() as conn:
        errors = (await conn.execute(select(llm_calls.c.error))).scalars().all()
        messages = (await conn.execute(select(processing_failures.c.error_message))).scalars()
        texts = [*errors, *messages.all()]
    return [str(text) for text in texts] + [str(run.error) for run in await list_runs(db)]


@pytest.mark.parametrize("provider", list(FAKES))
async def test_an_echoed_key_is_masked_in_the_database_and_the_logs(
    db: Database, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    await import_desktop(db, ImportOptions(path=SAMPLE, channel="technotes"))
    with echoing(provider, monkeypatch) as server, capture_logs() as logs:
        choice = choose_analyser(Settings(), ModelRequest())
        try:
            with pytest.raises(ProviderFailingError) as stopped:
                await process_messages(db, choice.analyser, ProcessOptions())
        finally:
            await choice.aclose()
    assert any(KEY in json.dumps(request.headers) for request in server.requests)
    stored = await _stored_texts(db)
    assert len(stored) >= 5 * 2 + 1, "the calls, the failures and the run are all recorded"
    assert "***" in str(stopped.value), "the echoed message is kept, with the key masked"
    for text in [str(stopped.value), *stored, json.dumps(logs, default=str)]:
        assert KEY not in text


@pytest.mark.parametrize("provider", list(FAKES))
def test_an_echoed_key_is_masked_in_the_cli_output(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    assert runner.invoke(app, ["import", str(SAMPLE), "--channel", "technotes"]).exit_code == 0
    with echoing(provider, monkeypatch):
        result = runner.invoke(app, ["process"])
        failures = runner.invoke(app, ["failures", "list"])
        runs = runner.invoke(app, ["runs", "list", "--json"])
    assert result.exit_code == 6
    assert result.stderr.strip().splitlines()[-1].startswith("Error: The first 5 model calls")
    for output in (result.output, failures.output, runs.output):
        assert KEY not in output


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("Authorization: Bearer tok3n.value-123 rejected", "tok3n.value-123"),
        ('{"authorization": "Bearer abc123def456"}', "abc123def456"),
        ("x-api-key: 9f8e7d6c5b4a rejected", "9f8e7d6c5b4a"),
        ("header x-goog-api-key=AbCdEf0123456789 is wrong", "AbCdEf0123456789"),
        ("token Bearer ya29.a0AfH6SMB rejected", "ya29.a0AfH6SMB"),
        ("key gsk_4QhX8mZ2c9Vw1LpT7rYb invalid", "gsk_4QhX8mZ2c9Vw1LpT7rYb"),
        ("key sk-proj-abcDEF123456 invalid", "sk-proj-abcDEF123456"),
        ("key AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW invalid", "AIzaSyA1b2C3d4E5f6G7h8I9j0K"),
        ("GET https://gw.example.com/v1?key=s3cr3tvalue&alt=json", "s3cr3tvalue"),
        ("at https://alice:pa55word@proxy.example.com/v1", "pa55word"),
    ],
)
def test_credentials_in_a_provider_message_are_masked(text: str, hidden: str) -> None:
    masked = one_line(text)
    assert hidden not in masked and "***" in masked


def test_the_configured_key_is_masked_whatever_it_looks_like() -> None:
    masked = one_line(f"key {KEY} is not allowed", secrets=(KEY, ""))
    assert masked == "key *** is not allowed"


def test_a_message_without_credentials_is_left_alone() -> None:
    text = "Incorrect API key provided: check OPENAI_API_KEY (x-api-key header missing)"
    assert one_line(text) == text


@pytest.mark.parametrize("provider", list(FAKES))
def test_an_echoed_key_is_masked_in_a_debug_traceback(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    assert runner.invoke(app, ["import", str(SAMPLE), "--channel", "technotes"]).exit_code == 0
    with echoing(provider, monkeypatch):
        result = runner.invoke(app, ["--debug", "process"])
    assert result.exit_code == 6
    assert "Traceback (most recent call last)" in result.stderr
    assert KEY not in result.output
