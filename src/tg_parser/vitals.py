"""The deployment's vital signs, read from the database: what every process shares, so a
scrape of one `serve` sees the work of all workers (``GET /metrics`` sets them as gauges).

Queued runs waiting for a worker (the queue's depth), running runs whose heartbeat stopped
longer than ``RUN_STALE_AFTER_SECONDS`` ago (stalled), live sources Telegram asked to wait
(FloodWait, deferred), and what the model calls of the last 24 hours cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tg_parser.clock import utcnow
from tg_parser.llm import PriceTable
from tg_parser.store import Database
from tg_parser.usage import usage_report

SPEND_WINDOW = timedelta(hours=24)
_MOST_RUNNING = 10_000  # running runs looked at for a stopped heartbeat


@dataclass(frozen=True)
class Vitals:
    runs_queued: int
    runs_stalled: int
    sources_deferred: int
    model_cost_usd_24h: float


async def vitals(db: Database, prices: PriceTable) -> Vitals:
    now = utcnow()
    stalled_before = now - timedelta(seconds=db.settings.run_stale_after_seconds)
    async with db.reading() as repos:
        queued = await repos.runs.count(status="queued")
        running = await repos.runs.list(status="running", limit=_MOST_RUNNING)
        sources = await repos.sources.list()
    spent = await usage_report(db, prices, since=now - SPEND_WINDOW)
    return Vitals(
        runs_queued=queued,
        runs_stalled=sum((run.heartbeat_at or run.started_at) < stalled_before for run in running),
        sources_deferred=sum(
            source.rate_limit_until is not None and source.rate_limit_until > now
            for source in sources
        ),
        model_cost_usd_24h=spent.cost_usd,
    )
