"""The scheduler: every live, active source runs the pipeline (collect → process → topics
when something changed → export to its directory) every poll interval.

``plan.py`` says when each source runs next (pure: interval, back-off, FloodWait,
paused/error/export sources); ``state.py`` reads every source's plan with the outcome of
runs that ended; ``tick.py`` queues a `run` for every due source on any ``RunQueue``,
each source taken by one tick only; ``loop.py`` repeats the tick in this process.

Entry points: :func:`tick` (one tick: the PostgreSQL workers' periodic task calls it),
:func:`run_schedule` (`tg-parser schedule`, and `serve` on SQLite), :func:`schedule_plans`
(`tg-parser schedule list`, ``GET /api/v1/schedule``).
"""

from tg_parser.schedule.loop import run_schedule, schedules_in_process, wait_for_runs
from tg_parser.schedule.plan import PlanState, SourcePlan, backoff, plan_source
from tg_parser.schedule.state import schedule_plans
from tg_parser.schedule.tick import TickEntry, TickReport, scheduled_request, tick

__all__ = [
    "PlanState",
    "SourcePlan",
    "TickEntry",
    "TickReport",
    "backoff",
    "plan_source",
    "run_schedule",
    "schedule_plans",
    "scheduled_request",
    "schedules_in_process",
    "tick",
    "wait_for_runs",
]
