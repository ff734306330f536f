"""Domain records shared by the layers: collected messages, sources, runs, model calls,
and the cursor values a batch of collected messages makes true."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel

from tg_parser.models.contracts import AwareDatetime, RawTelegramMessage

RAW_PAYLOAD_LIMIT = 256 * 1024


def cap_payload(payload: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """Keep ``raw_payload`` under 256 KB of compact UTF-8 JSON: when larger, keep only the
    key fields and say so (``truncated``, ``original_size_bytes``)."""
    size = len(orjson.dumps(payload, default=str))
    if size <= RAW_PAYLOAD_LIMIT:
        return payload
    kept = {key: payload[key] for key in keep if key in payload}
    return kept | {"truncated": True, "original_size_bytes": size}


@dataclass(frozen=True)
class CollectedMessage:
    """A raw message as a source produced it, with its last edit time (None: never edited)."""

    message: RawTelegramMessage
    edit_date: datetime | None = None


SourceStatus = Literal["active", "paused", "error"]
SourceVia = Literal["telegram", "web", "export"]


class Source(BaseModel):
    """A channel tg-parser collects from, with its settings, cursor and health."""

    id: int
    channel_key: str
    username: str | None = None
    numeric_id: int | None = None
    title: str | None = None
    description: str | None = None
    subscribers: int | None = None
    discussion_group_id: int | None = None
    access_hash: int | None = None
    via: SourceVia
    status: SourceStatus
    status_reason: str | None = None
    include_comments: bool
    history_from: AwareDatetime | None = None
    history_to: AwareDatetime | None = None
    poll_interval_seconds: int
    high_watermark: int | None = None
    backfill_before: int | None = None
    backfill_complete: bool = False
    last_attempt_at: AwareDatetime | None = None
    last_success_at: AwareDatetime | None = None
    last_error_at: AwareDatetime | None = None
    last_error: str | None = None
    fail_count: int = 0
    rate_limit_until: AwareDatetime | None = None
    webhook_url: str | None = None  # where the summary of each of its runs is posted
    export_dir: str | None = None  # where scheduled runs export it (None: not exported)
    provider: str | None = None  # scheduled processing's provider (None: LLM_PROVIDER)
    model: str | None = None  # and model (None: LLM_MODEL, or the provider's)
    created_at: AwareDatetime
    updated_at: AwareDatetime


ScheduleOutcome = Literal["succeeded", "failed", "cancelled"]


class ScheduleRecord(BaseModel):
    """The scheduler's record of a source: its last scheduled run and how it ended."""

    source_id: int
    version: int = 0
    run_id: str | None = None
    queued_at: AwareDatetime | None = None
    outcome: ScheduleOutcome | None = None  # None while the run is queued or running
    finished_at: AwareDatetime | None = None
    error: str | None = None
    failures: int = 0  # scheduled runs that failed in a row


RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
RUN_ACTIVE: tuple[RunStatus, ...] = ("queued", "running")  # not ended yet


class Run(BaseModel):
    """One execution of a stage (import, ingest, process, topics, export, run).

    A run submitted to the queue is recorded ``queued`` with its ``request`` and becomes
    ``running`` when it starts; the stages of a pipeline (``run``) are runs whose
    ``parent_id`` is the pipeline's run."""

    id: str
    stage: str
    scope: dict[str, Any]
    status: RunStatus
    counters: dict[str, Any]
    error: str | None = None
    started_at: AwareDatetime
    finished_at: AwareDatetime | None = None
    duration_seconds: float | None = None
    host: str | None = None  # where the run's process runs (to tell an interrupted run)
    pid: int | None = None
    heartbeat_at: AwareDatetime | None = None  # refreshed while the process works on it
    channel: str | None = None  # the one channel it works on (None: several or every one)
    parent_id: str | None = None  # the pipeline run this stage's run belongs to
    request: dict[str, Any] | None = None  # what a queued run was asked to do
    progress: dict[str, Any] | None = None  # the last progress report, while it works
    result: dict[str, Any] | None = None  # the stage's report, when a queued run ended
    webhook_url: str | None = None  # where the run's summary is posted when it ends


@dataclass(frozen=True)
class CursorUpdate:
    """Cursor values that hold once the batch's messages are stored.

    - ``high_watermark``: every post with an id ≤ this (inside the window) is stored;
      later runs fetch only newer posts. Never lowered.
    - ``backfill_before``: an unfinished backward walk (web preview) has stored every post
      from here up to the walk's start; it resumes below this id.
    - ``backfill_complete``: the history walk reached the start of the window.
    - ``comment_cursors``: post id → the newest comment id stored for that thread.
    """

    high_watermark: int | None = None
    backfill_before: int | None = None
    backfill_complete: bool | None = None
    comment_cursors: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CallRecord:
    """One attempt at a model call (``status`` "ok" or "error")."""

    provider: str
    model: str
    prompt_name: str
    prompt_version: str
    status: str
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    latency_ms: int
    created_at: datetime
    run_id: str | None = None
    source_ref: str | None = None
    error: str | None = None
