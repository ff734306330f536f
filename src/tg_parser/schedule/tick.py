"""The tick: queue a `run` for every source that is due, on whatever queue executes runs.

Each due source is first *taken* in its schedule record (a compare-and-set on the
record's version), so of two ticks at the same moment — two `serve` processes, two
workers' periodic tasks — only one queues its run; a run already at work on the channel
(refused with ``RunInProgressError``) is adopted as the source's run, not an error. The
outcome of a run is recorded by the first tick after it ends.

On PostgreSQL the workers' periodic task calls :func:`tick`; on SQLite `serve` and
`tg-parser schedule` call it in-process (``loop.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import structlog

from tg_parser.clock import utcnow
from tg_parser.errors import RunInProgressError, TgParserError
from tg_parser.jobs import RunQueue, RunRequest
from tg_parser.models import ScheduleRecord, Source
from tg_parser.schedule.plan import SourcePlan
from tg_parser.schedule.state import observe
from tg_parser.store import Database

log = structlog.get_logger(__name__)

TickAction = Literal["queued", "running", "taken", "refused"]
_ACTIONS: tuple[TickAction, ...] = ("queued", "running", "taken", "refused")


@dataclass(frozen=True)
class TickEntry:
    """What the tick did for one due source: queued a run, found one already at work
    (``running``), found it taken by another tick, or had its run refused."""

    channel: str
    action: TickAction
    run_id: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"channel": self.channel, "action": self.action}
        data |= {"run_id": self.run_id} if self.run_id else {}
        return data | ({"detail": self.detail} if self.detail else {})


@dataclass
class TickReport:
    at: datetime
    entries: list[TickEntry] = field(default_factory=list)
    settled: int = 0  # runs whose outcome this tick recorded

    def run_ids(self, *actions: TickAction) -> list[str]:
        wanted = actions or ("queued", "running")
        return [e.run_id for e in self.entries if e.run_id and e.action in wanted]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "settled": self.settled,
            "sources": [entry.to_json() for entry in self.entries],
        }


async def tick(db: Database, queue: RunQueue, now: datetime | None = None) -> TickReport:
    """Record the outcome of scheduled runs that ended, then queue a `run` for every
    source due at ``now``; what the tick did for each due source."""
    now = now or utcnow()
    seen = await observe(db, now)
    report = TickReport(at=now, settled=await _record_ended(db, seen.ended))
    for plan in seen.plans:
        if plan.state == "due":
            report.entries.append(await _schedule(db, queue, plan, now))
    counts = {action: len([e for e in report.entries if e.action == action]) for action in _ACTIONS}
    log.info("schedule_tick", settled=report.settled, **counts)
    return report


def scheduled_request(source: Source) -> RunRequest:
    """The run the scheduler queues for a source: the whole pipeline on its channel, with
    its provider and model (None: the settings')."""
    return RunRequest(
        stage="run",
        channel=source.channel_key,
        provider=source.provider,
        model=source.model,
        scheduled=True,
    )


async def _record_ended(db: Database, records: list[ScheduleRecord]) -> int:
    if not records:
        return 0
    async with db.transaction() as repos:
        return sum([await repos.schedules.settle(record) for record in records])


async def _schedule(db: Database, queue: RunQueue, plan: SourcePlan, now: datetime) -> TickEntry:
    source, record = plan.source, plan.record
    key = source.channel_key
    async with db.transaction() as repos:
        taken = await repos.schedules.take(source.id, record.version if record else None, now)
    if not taken:
        return TickEntry(key, "taken", detail="another tick took it first")
    action: TickAction = "queued"
    try:
        run_id = (await queue.submit(scheduled_request(source)))[0].id
    except RunInProgressError as busy:
        if busy.holder is None:  # the queue is stopping: try again at the next tick
            await _give_back(db, source, record, busy.message)
            return TickEntry(key, "refused", detail=busy.message)
        run_id, action = busy.holder, "running"
    except TgParserError as exc:
        await _refused(db, source, record, exc.message, now)
        log.warning("schedule_refused", channel=key, error=exc.message)
        return TickEntry(key, "refused", detail=exc.message)
    async with db.transaction() as repos:
        await repos.schedules.queued(source.id, run_id)
    return TickEntry(key, action, run_id)


async def _refused(
    db: Database, source: Source, record: ScheduleRecord | None, error: str, now: datetime
) -> None:
    """The queue refused the run (the source is gone, a bad setting): a failure."""
    failures = (record.failures if record else 0) + 1
    await _settle_taken(
        db, source, outcome="failed", finished_at=now, error=error, failures=failures
    )


async def _give_back(
    db: Database, source: Source, record: ScheduleRecord | None, error: str
) -> None:
    """Nothing was queued and nothing failed: the source stays due."""
    finished = record.finished_at if record else None
    failures = record.failures if record else 0
    await _settle_taken(
        db, source, outcome="cancelled", finished_at=finished, error=error, failures=failures
    )


async def _settle_taken(db: Database, source: Source, **values: Any) -> None:
    async with db.transaction() as repos:
        await repos.schedules.settle(ScheduleRecord(source_id=source.id, **values))
