"""When each source runs next: interval, back-off, FloodWait, and the sources never
scheduled — pure computation on a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tg_parser.config import Settings
from tg_parser.models import Run, ScheduleRecord, Source
from tg_parser.schedule import backoff, plan_source
from tg_parser.schedule.plan import ended

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SETTINGS = Settings(schedule_max_backoff=6 * 3600)


def source(**values: Any) -> Source:
    fields: dict[str, Any] = {
        "id": 1,
        "channel_key": "news",
        "via": "web",
        "status": "active",
        "include_comments": False,
        "poll_interval_seconds": 3600,
        "created_at": NOW - 10 * HOUR,
        "updated_at": NOW - 10 * HOUR,
    }
    return Source.model_validate(fields | values)


def record(**values: Any) -> ScheduleRecord:
    return ScheduleRecord.model_validate({"source_id": 1, "version": 3} | values)


def test_a_source_never_run_is_due_now() -> None:
    plan = plan_source(source(), None, NOW, SETTINGS)
    assert (plan.state, plan.next_run_at) == ("due", NOW - 10 * HOUR)


@pytest.mark.parametrize(
    ("ago", "state"),
    [(timedelta(minutes=59), "waiting"), (HOUR, "due"), (2 * HOUR, "due")],
)
def test_it_is_due_an_interval_after_its_last_run_ended(ago: timedelta, state: str) -> None:
    done = record(run_id="r1", outcome="succeeded", finished_at=NOW - ago)
    plan = plan_source(source(), done, NOW, SETTINGS)
    assert plan.state == state
    assert plan.next_run_at == NOW - ago + HOUR


def test_a_manual_collection_counts_as_its_last_run() -> None:
    done = record(run_id="r1", outcome="succeeded", finished_at=NOW - 3 * HOUR)
    plan = plan_source(source(last_attempt_at=NOW - timedelta(minutes=10)), done, NOW, SETTINGS)
    assert (plan.state, plan.next_run_at) == ("waiting", NOW + timedelta(minutes=50))


@pytest.mark.parametrize(
    ("values", "state", "hint"),
    [
        ({"status": "paused"}, "paused", "tg-parser sources resume news"),
        ({"status": "error", "status_reason": "no such channel"}, "error", "no such channel"),
        ({"via": "export"}, "export", "tg-parser import"),
    ],
)
def test_paused_errored_and_export_sources_are_not_scheduled(
    values: dict[str, Any], state: str, hint: str
) -> None:
    plan = plan_source(source(**values), None, NOW, SETTINGS)
    assert (plan.state, plan.next_run_at) == (state, None)
    assert hint in plan.reason


def test_a_floodwait_defers_it_until_telegram_allows() -> None:
    until = NOW + timedelta(minutes=20)
    plan = plan_source(source(rate_limit_until=until), None, NOW, SETTINGS)
    assert (plan.state, plan.next_run_at) == ("deferred", until)
    assert "12:20 UTC" in plan.reason
    later = plan_source(source(rate_limit_until=until), None, until, SETTINGS)
    assert later.state == "due"


@pytest.mark.parametrize(
    "pending",
    [
        {"run_id": "r2", "queued_at": NOW - 5 * HOUR},  # its run is queued or running
        {"run_id": None, "queued_at": NOW - timedelta(minutes=1)},  # a tick is queuing it
    ],
)
def test_a_source_with_a_run_pending_is_not_scheduled_again(pending: dict[str, Any]) -> None:
    plan = plan_source(source(), record(finished_at=NOW - 5 * HOUR, **pending), NOW, SETTINGS)
    assert (plan.state, plan.next_run_at) == ("running", None)


def test_a_tick_that_died_while_queuing_does_not_hold_the_source() -> None:
    taken = record(run_id=None, queued_at=NOW - HOUR, finished_at=NOW - 5 * HOUR)
    assert plan_source(source(), taken, NOW, SETTINGS).state == "due"


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(0, 3600), (1, 7200), (2, 14400), (3, 21600), (50, 21600)],
)
def test_failures_in_a_row_double_the_wait_up_to_the_ceiling(failures: int, wait: int) -> None:
    assert backoff(3600, failures, 6 * 3600) == wait


def test_the_ceiling_never_shortens_the_interval() -> None:
    assert backoff(86_400, 3, 3600) == 86_400


@pytest.mark.parametrize(
    ("scheduled", "collection"),
    [(2, 0), (0, 2), (1, 2)],  # the scheduler's own count, or the source's attempts
)
def test_a_source_that_keeps_failing_backs_off(scheduled: int, collection: int) -> None:
    failed = record(run_id="r1", outcome="failed", finished_at=NOW - 3 * HOUR, failures=scheduled)
    plan = plan_source(source(fail_count=collection), failed, NOW, SETTINGS)
    assert (plan.state, plan.failures) == ("waiting", 2)
    assert plan.next_run_at == NOW + HOUR  # 3 h ago + 4 h
    assert "after 2 failures in a row" in plan.reason


def run(status: str, **values: Any) -> Run:
    fields = {"id": "r1", "stage": "run", "scope": {}, "counters": {}, "started_at": NOW}
    return Run.model_validate(fields | {"status": status} | values)


@pytest.mark.parametrize(
    ("status", "outcome", "failures"),
    [("succeeded", "succeeded", 0), ("failed", "failed", 3), ("cancelled", "cancelled", 2)],
)
def test_an_ended_run_gives_the_record_its_outcome(
    status: str, outcome: str, failures: int
) -> None:
    pending = record(run_id="r1", failures=2)
    done = ended(pending, run(status, finished_at=NOW, error="boom"), NOW + HOUR)
    assert done is not None
    assert (done.outcome, done.failures, done.finished_at) == (outcome, failures, NOW)


@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_run_at_work_has_no_outcome_yet(status: str) -> None:
    assert ended(record(run_id="r1"), run(status), NOW) is None


def test_a_run_no_longer_on_record_ended_cancelled() -> None:
    done = ended(record(run_id="r1"), None, NOW)
    assert done is not None and (done.outcome, done.finished_at) == ("cancelled", NOW)


def test_the_json_leaves_out_what_is_unknown() -> None:
    data = plan_source(source(status="paused"), None, NOW, SETTINGS).to_json()
    assert data == {
        "channel_key": "news",
        "status": "paused",
        "state": "paused",
        "reason": "paused (`tg-parser sources resume news`)",
        "interval_seconds": 3600,
        "failures": 0,
    }


def test_a_run_that_could_not_collect_its_source_failed() -> None:
    result = {"ingest": {"sources": [{"channel": "news", "outcome": "failed", "reason": "404"}]}}
    done = ended(record(run_id="r1"), run("succeeded", finished_at=NOW, result=result), NOW)
    assert done is not None
    assert (done.outcome, done.failures, done.error) == (
        "failed",
        1,
        "collecting news failed: 404",
    )
