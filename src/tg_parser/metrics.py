"""Prometheus metrics (``tg_parser_*``): one registry that every part of the process feeds.

The stages feed it from the code paths the CLI and the API share (runs, collection,
processing, model calls), so the counters move the same way whichever started the work;
they are process-local, and ``GET /metrics`` of ``serve`` shows them. Labels stay bounded:
route templates, stages, statuses, providers and models — never a channel, run or path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tg_parser.models import CallRecord

REGISTRY = CollectorRegistry()
ProcessCollector(namespace="tg_parser", registry=REGISTRY)

STORE_OUTCOMES = ("inserted", "edited", "unchanged")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_RUN_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 43200.0)
_MODEL_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0)

HTTP_REQUESTS = Counter(
    "tg_parser_http_requests",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "tg_parser_http_request_duration_seconds",
    "Time to answer an HTTP request (body included), by route template, method and status.",
    ["route", "method", "status"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
RUNS = Counter(
    "tg_parser_runs", "Runs ended, by stage and status.", ["stage", "status"], registry=REGISTRY
)
RUN_DURATION = Histogram(
    "tg_parser_run_duration_seconds",
    "Duration of the runs that ended, by stage and status.",
    ["stage", "status"],
    buckets=_RUN_BUCKETS,
    registry=REGISTRY,
)
RUNS_ACTIVE = Gauge(
    "tg_parser_runs_active",
    "Runs under way in this process, by stage.",
    ["stage"],
    registry=REGISTRY,
)
RUNS_QUEUED = Gauge(
    "tg_parser_runs_queued",
    "Runs waiting in the queue (every process's: read from the database at each scrape).",
    registry=REGISTRY,
)
RUNS_STALLED = Gauge(
    "tg_parser_runs_stalled",
    "Running runs whose heartbeat stopped longer than RUN_STALE_AFTER_SECONDS ago "
    "(read from the database at each scrape).",
    registry=REGISTRY,
)
SOURCES_DEFERRED = Gauge(
    "tg_parser_sources_deferred",
    "Live sources Telegram asked to wait (FloodWait), read from the database at each scrape.",
    registry=REGISTRY,
)
MODEL_COST_24H = Gauge(
    "tg_parser_model_cost_usd_24h",
    "What the model calls of the last 24 hours cost, in USD at LLM_PRICES_FILE's prices "
    "(every process's calls: read from the database at each scrape).",
    registry=REGISTRY,
)
MESSAGES_COLLECTED = Counter(
    "tg_parser_messages_collected",
    "Messages received from a source (`ingest`) or an export (`import`), by what storing "
    "them did (inserted, edited, unchanged).",
    ["stage", "outcome"],
    registry=REGISTRY,
)
MESSAGES_PROCESSED = Counter(
    "tg_parser_messages_processed",
    "Messages turned into documents by `process` (noise included).",
    registry=REGISTRY,
)
MESSAGES_FAILED = Counter(
    "tg_parser_messages_failed",
    "Messages a stage failed on (recorded in `tg-parser failures`), by stage.",
    ["stage"],
    registry=REGISTRY,
)
MODEL_CALLS = Counter(
    "tg_parser_model_calls",
    "Model call attempts (retries included), by provider, model and status (ok, error).",
    ["provider", "model", "status"],
    registry=REGISTRY,
)
MODEL_TOKENS = Counter(
    "tg_parser_model_tokens",
    "Tokens of model calls, by provider, model and kind (input, output, reasoning).",
    ["provider", "model", "kind"],
    registry=REGISTRY,
)
MODEL_LATENCY = Histogram(
    "tg_parser_model_call_duration_seconds",
    "Time a model call attempt took, by provider and model.",
    ["provider", "model"],
    buckets=_MODEL_BUCKETS,
    registry=REGISTRY,
)
MODEL_ERRORS = Counter(
    "tg_parser_model_call_errors",
    "Failed model call attempts, by provider, model and error class.",
    ["provider", "model", "error"],
    registry=REGISTRY,
)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    labels = (route, method, str(status))
    HTTP_REQUESTS.labels(*labels).inc()
    HTTP_DURATION.labels(*labels).observe(seconds)


def run_active(stage: str) -> AbstractContextManager[None]:
    """Count the run as under way while the block runs."""
    return RUNS_ACTIVE.labels(stage).track_inprogress()


def observe_run(stage: str, status: str, seconds: float) -> None:
    RUNS.labels(stage, status).inc()
    RUN_DURATION.labels(stage, status).observe(seconds)


def observe_collected(stage: str, outcomes: Mapping[str, int]) -> None:
    """Messages stored by ``stage``, by outcome (``STORE_OUTCOMES``)."""
    for outcome in STORE_OUTCOMES:
        if count := outcomes.get(outcome, 0):
            MESSAGES_COLLECTED.labels(stage, outcome).inc(count)


def observe_processed(*, processed: int, failed: int, stage: str = "process") -> None:
    MESSAGES_PROCESSED.inc(processed)
    if failed:
        MESSAGES_FAILED.labels(stage).inc(failed)


def observe_call(record: CallRecord) -> None:
    """One model call attempt, as it is recorded for the ``llm_calls`` table."""
    provider, model = record.provider, record.model
    MODEL_CALLS.labels(provider, model, record.status).inc()
    MODEL_LATENCY.labels(provider, model).observe(record.latency_ms / 1000)
    for kind in ("input", "output", "reasoning"):
        if tokens := getattr(record, f"{kind}_tokens"):
            MODEL_TOKENS.labels(provider, model, kind).inc(tokens)
    if record.status != "ok":
        error = (record.error or "error").split(":", 1)[0]
        MODEL_ERRORS.labels(provider, model, error).inc()


@dataclass(frozen=True)
class PoolUsage:
    """A database connection pool right now."""

    database: str  # the backend: sqlite, postgresql
    size: int  # connections the pool keeps
    in_use: int  # checked out by a transaction
    idle: int  # open, waiting in the pool
    overflow: int  # opened above ``size`` (negative: ``size`` not reached yet)


PoolReader = Callable[[], PoolUsage | None]


class PoolCollector(Collector):
    """``tg_parser_db_pool_*`` read from the pools being watched when metrics are scraped."""

    def __init__(self) -> None:
        self._readers: list[PoolReader] = []

    def watch(self, reader: PoolReader) -> Callable[[], None]:
        """Report the pool ``reader`` describes, until the returned function is called."""
        self._readers.append(reader)
        return lambda: self._readers.remove(reader)

    def collect(self) -> Iterator[Metric]:
        usages = [usage for read in list(self._readers) if (usage := read()) is not None]
        yield _pool_gauge("size", "Connections the pool keeps.", usages, lambda u: u.size)
        yield _pool_gauge("in_use", "Connections checked out now.", usages, lambda u: u.in_use)
        yield _pool_gauge("idle", "Open connections waiting in the pool.", usages, lambda u: u.idle)
        yield _pool_gauge(
            "overflow",
            "Connections above the pool size (negative: below).",
            usages,
            lambda u: u.overflow,
        )


def _pool_gauge(
    name: str, doc: str, usages: Iterable[PoolUsage], value: Callable[[PoolUsage], int]
) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(f"tg_parser_db_pool_{name}", doc, labels=["database"])
    totals: dict[str, int] = {}
    for usage in usages:
        totals[usage.database] = totals.get(usage.database, 0) + value(usage)
    for database, total in sorted(totals.items()):
        gauge.add_metric([database], total)
    return gauge


POOLS = PoolCollector()
REGISTRY.register(POOLS)


def watch_pool(reader: PoolReader) -> Callable[[], None]:
    """Report a database's pool in ``tg_parser_db_pool_*``; call the result to stop."""
    return POOLS.watch(reader)


def set_vitals(
    *, runs_queued: int, runs_stalled: int, sources_deferred: int, model_cost_usd_24h: float
) -> None:
    """The database's view of the whole deployment as of this scrape (``vitals.py``)."""
    RUNS_QUEUED.set(runs_queued)
    RUNS_STALLED.set(runs_stalled)
    SOURCES_DEFERRED.set(sources_deferred)
    MODEL_COST_24H.set(model_cost_usd_24h)


def exposition() -> tuple[bytes, str]:
    """The metrics in the Prometheus text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
