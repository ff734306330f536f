"""The schedule as it stands: every source's plan, with the outcome of runs that ended
since the scheduler last looked (applied here, recorded by the next tick)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from tg_parser.clock import utcnow
from tg_parser.models import Run, ScheduleRecord
from tg_parser.schedule.plan import SourcePlan, ended, plan_source
from tg_parser.store import Database


@dataclass(frozen=True)
class Observation:
    plans: list[SourcePlan]
    ended: list[ScheduleRecord]  # records whose run ended, with its outcome, to record


async def observe(db: Database, now: datetime) -> Observation:
    """Every source's plan at ``now`` (sorted by channel key)."""
    async with db.reading() as repos:
        sources = await repos.sources.list()
        records = await repos.schedules.records()
        runs: dict[str, Run | None] = {
            record.run_id: await repos.runs.get(record.run_id)
            for record in records.values()
            if record.run_id is not None and record.outcome is None
        }
    plans, settled = [], []
    for source in sources:
        record = records.get(source.id)
        run_id = record.run_id if record is not None else None
        if record is not None and run_id is not None and run_id in runs:
            record = ended(record, runs[run_id], now) or record
            settled += [record] if record.outcome is not None else []
        plans.append(plan_source(source, record, now, db.settings))
    return Observation(plans, settled)


async def schedule_plans(
    db: Database, channels: Collection[str] | None = None, now: datetime | None = None
) -> list[SourcePlan]:
    """What `schedule list` and ``GET /api/v1/schedule`` show: each source's interval,
    state, next run and last outcome (``channels``: only these; None: every source)."""
    plans = (await observe(db, now or utcnow())).plans
    return [p for p in plans if channels is None or p.source.channel_key in channels]
