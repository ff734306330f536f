"""The Prometheus registry, and the stages that feed it (the same code paths for CLI and API).

The registry is process-wide, so each test reads how much a sample moved, not its value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tg_parser import metrics
from tg_parser.clock import utcnow
from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.ingest.live import IngestOptions, ingest
from tg_parser.llm.base import Analysis, CallEstimate, MessageInput
from tg_parser.llm.calls import CallRunner
from tg_parser.llm.client import Completion, CompletionRequest, Usage
from tg_parser.llm.prompts import load_prompt
from tg_parser.models import CallRecord
from tg_parser.process import ProcessOptions, process_messages
from tg_parser.registry import add_source
from tg_parser.runs import track_run
from tg_parser.store import Database
from tg_parser.testing import FakeChannel, FakeLiveSources

EXPORTS = Path(__file__).parent / "data" / "export"
GARDEN = 9  # 4 posts and 5 comments


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


@contextmanager
def moved(name: str, **labels: str) -> Iterator[Callable[[], float]]:
    """How much the sample moved since the block started (read it inside or after)."""
    before = sample(name, **labels)
    yield lambda: sample(name, **labels) - before


def record(status: str = "ok", error: str | None = None, **usage: int) -> CallRecord:
    tokens = {"input_tokens": 100, "output_tokens": 20, "reasoning_tokens": 0} | usage
    return CallRecord(
        provider="fakeai",
        model="fake-9",
        prompt_name="message-analysis",
        prompt_version="1",
        status=status,
        latency_ms=1500,
        created_at=utcnow(),
        error=error,
        **tokens,
    )


def test_a_model_call_counts_its_status_tokens_latency_and_error_class() -> None:
    labels = {"provider": "fakeai", "model": "fake-9"}
    with (
        moved("tg_parser_model_calls_total", **labels, status="ok") as ok,
        moved("tg_parser_model_calls_total", **labels, status="error") as failed,
        moved("tg_parser_model_tokens_total", **labels, kind="input") as tokens_in,
        moved("tg_parser_model_tokens_total", **labels, kind="output") as tokens_out,
        moved("tg_parser_model_call_duration_seconds_sum", **labels) as seconds,
        moved("tg_parser_model_call_errors_total", **labels, error="TimeoutError") as errors,
    ):
        metrics.observe_call(record())
        metrics.observe_call(record("error", "TimeoutError: read timed out", input_tokens=0))
    assert (ok(), failed(), errors()) == (1, 1, 1)
    assert (tokens_in(), tokens_out(), seconds()) == (100, 40, 3.0)


class _Client:
    provider, model = "fakeai", "fake-runner"

    def __init__(self) -> None:
        self.parameters: dict[str, Any] = {}

    async def complete(self, request: CompletionRequest) -> Completion:
        return Completion('{"ok": true}', Usage(7, 3, 0), self.model)

    async def aclose(self) -> None:
        pass


async def test_every_call_the_call_runner_makes_is_counted() -> None:
    labels = {"provider": "fakeai", "model": "fake-runner"}
    request = CompletionRequest("be brief", "<message>hi</message>", "s", {"type": "object"}, 10)
    with (
        moved("tg_parser_model_calls_total", **labels, status="ok") as calls,
        moved("tg_parser_model_tokens_total", **labels, kind="input") as tokens,
    ):
        await CallRunner(_Client()).call(request, load_prompt("message-analysis"))
    assert (calls(), tokens()) == (1, 7)


def test_runs_count_by_stage_and_status_with_their_duration() -> None:
    with (
        moved("tg_parser_runs_total", stage="topics", status="failed") as runs,
        moved("tg_parser_run_duration_seconds_count", stage="topics", status="failed") as timed,
    ):
        metrics.observe_run("topics", "failed", 12.5)
    assert (runs(), timed()) == (1, 1)


class _Pool:
    def __init__(self, usage: metrics.PoolUsage | None) -> None:
        self.usage = usage

    def __call__(self) -> metrics.PoolUsage | None:
        return self.usage


def test_watched_pools_are_reported_by_backend_until_unwatched() -> None:
    usage = metrics.PoolUsage("postgresql", size=5, in_use=3, idle=2, overflow=0)
    unwatch = [metrics.watch_pool(_Pool(usage)), metrics.watch_pool(_Pool(None))]
    try:
        assert sample("tg_parser_db_pool_in_use", database="postgresql") == 3
        assert sample("tg_parser_db_pool_size", database="postgresql") == 5
    finally:
        for stop in unwatch:
            stop()
    assert sample("tg_parser_db_pool_in_use", database="postgresql") == 0


def test_the_exposition_is_the_prometheus_text_format_with_tg_parser_names() -> None:
    metrics.observe_request("/health/live", "GET", 200, 0.002)
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain; version=")
    families = {family.name for family in text_string_to_metric_families(body.decode())}
    assert {
        "tg_parser_http_requests",
        "tg_parser_http_request_duration_seconds",
        "tg_parser_runs",
        "tg_parser_messages_collected",
        "tg_parser_model_calls",
        "tg_parser_db_pool_in_use",
        "tg_parser_process_resident_memory_bytes",
    } <= families
    assert all(name.startswith("tg_parser_") for name in families)


async def test_a_database_reports_its_pool(db: Database) -> None:
    async with db.transaction():
        usage = db.pool_usage()
        assert usage is not None
        assert (usage.database, usage.in_use) == (db.backend, 1)
        assert usage.size >= 1


# --- the stages feed the counters -------------------------------------------------------


async def test_a_run_counts_when_it_ends_and_is_active_meanwhile(db: Database) -> None:
    with (
        moved("tg_parser_runs_total", stage="export", status="succeeded") as ended,
        moved("tg_parser_run_duration_seconds_count", stage="export", status="succeeded") as timed,
    ):
        async with track_run(db, "export", {}):
            assert sample("tg_parser_runs_active", stage="export") == 1
        assert (ended(), timed()) == (1, 1)
    assert sample("tg_parser_runs_active", stage="export") == 0
    with (
        moved("tg_parser_runs_total", stage="export", status="failed") as failed,
        pytest.raises(RuntimeError),
    ):
        async with track_run(db, "export", {}):
            raise RuntimeError("disk full")
    assert failed() == 1


async def test_an_import_counts_the_messages_it_collected(db: Database) -> None:
    options = ImportOptions(path=EXPORTS / "discussion_channel.json", channel="@garden_notes")
    with moved("tg_parser_messages_collected_total", stage="import", outcome="inserted") as new:
        await import_desktop(db, options)
    assert new() == 4
    with moved("tg_parser_messages_collected_total", stage="import", outcome="unchanged") as same:
        await import_desktop(db, options)
    assert same() == 4


async def test_a_live_ingest_counts_the_messages_it_collected(db: Database) -> None:
    await add_source(db, "alpha", via="web", include_comments=True)
    with moved("tg_parser_messages_collected_total", stage="ingest", outcome="inserted") as new:
        fake = FakeChannel(12, batch_size=5, comments_every=4)
        report = await ingest(db, IngestOptions(all=True), lambda via: FakeLiveSources(fake))
    counters = report.counters
    assert new() == counters["posts_inserted"] + counters["comments_inserted"] == 18


class _FailingAnalyser:
    """Analyses every message but the comments, which fail."""

    provider, model_id, prompt_name, prompt_id = "test", "test-1", "test", "sha256:" + "0" * 64

    def __init__(self) -> None:
        self.parameters: dict[str, Any] = {}

    async def analyse(self, item: MessageInput) -> Analysis:
        if item.message_type == "comment":
            raise ValueError("cannot read comments")
        return Analysis(text_clean=item.text, language="en")

    def estimate(self, item: MessageInput) -> CallEstimate | None:
        return None

    def drain_calls(self) -> list[CallRecord]:
        return []


async def test_process_counts_the_messages_it_processed_and_failed(db: Database) -> None:
    await import_desktop(
        db, ImportOptions(path=EXPORTS / "discussion_channel.json", channel="@garden_notes")
    )
    await import_desktop(
        db, ImportOptions(path=EXPORTS / "discussion_group.json", comments_for="@garden_notes")
    )
    with (
        moved("tg_parser_messages_processed_total") as processed,
        moved("tg_parser_messages_failed_total", stage="process") as failed,
    ):
        await process_messages(db, _FailingAnalyser(), ProcessOptions())
    assert (processed(), failed()) == (4, GARDEN - 4)
