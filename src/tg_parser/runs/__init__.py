"""Runs: the record of every stage execution, shared by the CLI, the API and the queue.

``tracking`` records a run around a stage (counters, heartbeat, status); ``claims`` keeps
one run of a stage per channel at a time; ``queued`` records a run before it executes and
starts it later; ``abandoned`` closes runs whose process is gone; ``records`` reads them.
"""

from tg_parser.runs.abandoned import close_abandoned_runs
from tg_parser.runs.claims import claim, claimable_channels
from tg_parser.runs.queued import as_parent, close_queued, executing, queue_run, start_queued
from tg_parser.runs.records import RunFilters, count_runs, get_run, list_runs, new_run_id
from tg_parser.runs.tracking import RunTracker, channel_of, executing_run, track_run

__all__ = [
    "RunFilters",
    "RunTracker",
    "as_parent",
    "channel_of",
    "claim",
    "claimable_channels",
    "close_abandoned_runs",
    "close_queued",
    "count_runs",
    "executing",
    "executing_run",
    "get_run",
    "list_runs",
    "new_run_id",
    "queue_run",
    "start_queued",
    "track_run",
]
