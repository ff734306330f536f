"""When each source runs next: pure computation over the source, its schedule record and
the clock, so the tick, `schedule list` and the API agree.

A live, active source runs every ``poll_interval_seconds`` after its last scheduled run
ended or its last collection attempt (whichever is later; never run: now). Failures in a
row (scheduled runs that failed, or collection attempts — ``fail_count``) double the wait
each time, up to SCHEDULE_MAX_BACKOFF. A source Telegram asked to wait (FloodWait) waits
until then. Paused sources, sources in error and sources collected from exports are not
scheduled; a source whose run is queued or running is not scheduled again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from tg_parser.config import Settings
from tg_parser.models import Run, ScheduleOutcome, ScheduleRecord, Source

PlanState = Literal["due", "waiting", "running", "deferred", "paused", "error", "export"]
TAKE_EXPIRES = timedelta(minutes=10)  # a tick that took a source and queued nothing: died
MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class SourcePlan:
    """A source's place in the schedule: its state, its next run, and why."""

    source: Source
    record: ScheduleRecord | None
    state: PlanState
    next_run_at: datetime | None  # None: not scheduled (paused, in error, running, export)
    reason: str
    interval_seconds: int
    failures: int

    def to_json(self) -> dict[str, Any]:
        record = self.record or ScheduleRecord(source_id=self.source.id)
        data: dict[str, Any] = {
            "channel_key": self.source.channel_key,
            "status": self.source.status,
            "state": self.state,
            "reason": self.reason,
            "interval_seconds": self.interval_seconds,
            "next_run_at": self.next_run_at,
            "failures": self.failures,
            "last_run_id": record.run_id,
            "last_outcome": record.outcome,
            "last_finished_at": record.finished_at,
            "last_error": record.error,
        }
        return {key: value for key, value in data.items() if value is not None}


def plan_source(
    source: Source, record: ScheduleRecord | None, now: datetime, settings: Settings
) -> SourcePlan:
    """Where the source stands at ``now``."""
    failures = max(record.failures if record else 0, source.fail_count)

    def plan(state: PlanState, at: datetime | None, reason: str) -> SourcePlan:
        return SourcePlan(source, record, state, at, reason, source.poll_interval_seconds, failures)

    if (held := _not_scheduled(source)) is not None:
        return plan(held[0], None, held[1])
    if record is not None and _pending(record, now):
        return plan("running", None, _running_reason(record))
    next_at = _next_run(source, record, failures, settings)
    until = source.rate_limit_until
    if until is not None and until > now and until >= next_at:
        return plan("deferred", until, f"Telegram asked to wait until {until:%Y-%m-%d %H:%M} UTC")
    if next_at <= now:
        return plan("due", next_at, "due")
    return plan("waiting", next_at, _waiting_reason(failures))


def backoff(interval: int, failures: int, ceiling: int) -> int:
    """Seconds to wait after ``failures`` in a row: the interval, doubled per failure, never
    beyond ``ceiling`` (nor below the interval)."""
    if failures <= 0:
        return interval
    doubled: int = interval << min(failures, MAX_DOUBLINGS)
    return min(doubled, max(ceiling, interval))


def ended(record: ScheduleRecord, run: Run | None, now: datetime) -> ScheduleRecord | None:
    """The record with the outcome of its run, when the run has ended since it was queued
    (None: still queued or running, or already recorded). A run that succeeded but could
    not collect the source failed; a run no longer on record (removed) was cancelled."""
    if record.outcome is not None or record.run_id is None:
        return None
    if run is not None and run.status in ("queued", "running"):
        return None
    outcome, error = _outcome(run)
    failures = {"succeeded": 0, "failed": record.failures + 1}.get(outcome, record.failures)
    return record.model_copy(
        update={
            "outcome": outcome,
            "finished_at": (run.finished_at if run else None) or now,
            "error": error,
            "failures": failures,
        }
    )


def _outcome(run: Run | None) -> tuple[ScheduleOutcome, str | None]:
    if run is None:
        return "cancelled", "the run is no longer on record"
    if run.status == "succeeded" and (why := _collection_failed(run)) is not None:
        return "failed", why
    outcome: ScheduleOutcome = "failed" if run.status == "failed" else "cancelled"
    return ("succeeded", None) if run.status == "succeeded" else (outcome, run.error)


def _collection_failed(run: Run) -> str | None:
    """Why the run's collection of its channel failed (None: it did not fail)."""
    ingest = (run.result or {}).get("ingest") or {}
    for source in ingest.get("sources") or []:
        if source.get("outcome") == "failed":
            return f"collecting {source.get('channel')} failed: {source.get('reason', 'unknown')}"
    return None


def _not_scheduled(source: Source) -> tuple[PlanState, str] | None:
    key = source.channel_key
    if source.status == "paused":
        return "paused", f"paused (`tg-parser sources resume {key}`)"
    if source.status == "error":
        why = source.status_reason or source.last_error or "unknown"
        return "error", f"in error: {why} (`tg-parser sources resume {key}`)"
    if source.via == "export":
        return "export", "collected from exports (`tg-parser import`), not polled"
    return None


def _pending(record: ScheduleRecord, now: datetime) -> bool:
    """A run is queued or running for the source, or a tick is queuing one right now."""
    if record.outcome is not None:
        return False
    if record.run_id is not None:
        return True
    return record.queued_at is not None and now - record.queued_at < TAKE_EXPIRES


def _next_run(
    source: Source, record: ScheduleRecord | None, failures: int, settings: Settings
) -> datetime:
    ends = [record.finished_at if record else None, source.last_attempt_at]
    last = max((at for at in ends if at is not None), default=None)
    if last is None:
        return source.created_at
    wait = backoff(source.poll_interval_seconds, failures, settings.schedule_max_backoff)
    return last + timedelta(seconds=wait)


def _running_reason(record: ScheduleRecord) -> str:
    if record.run_id is None:
        return "a tick is queuing its run"
    return f"run {record.run_id} is queued or running"


def _waiting_reason(failures: int) -> str:
    if failures:
        return f"backing off after {failures} failure{'s' if failures > 1 else ''} in a row"
    return "waiting for its interval"
