"""Reading run records: one run, a page of runs, and new run ids."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime

from tg_parser.clock import utcnow
from tg_parser.errors import NotFoundError
from tg_parser.models import Run
from tg_parser.store import Database


def new_run_id() -> str:
    """Time-ordered, unique run id, e.g. ``20261128T150102-3f9a1c2b``."""
    return f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


async def get_run(db: Database, run_id: str, channels: Collection[str] | None = None) -> Run:
    """The run; with ``channels`` (a limited caller's), only a run of one of them."""
    async with db.transaction() as repos:
        run = await repos.runs.get(run_id)
    if run is None or (channels is not None and run.channel not in channels):
        raise NotFoundError(f"no run {run_id!r}: see `tg-parser runs list`")
    return run


@dataclass(frozen=True)
class RunFilters:
    """Which runs to list: of a stage, a status, a channel, since a moment; ``channels``:
    only runs of these channels (a limited caller's)."""

    stage: str | None = None
    status: str | None = None
    channel: str | None = None
    channels: Collection[str] | None = None
    since: datetime | None = None


async def list_runs(
    db: Database,
    filters: RunFilters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    stage: str | None = None,
    status: str | None = None,
) -> list[Run]:
    """Recent runs, newest first (``filters``, or only of ``stage`` and ``status``)."""
    chosen = filters or RunFilters(stage=stage, status=status)
    async with db.transaction() as repos:
        return await repos.runs.list(limit=limit, offset=offset, **asdict(chosen))


async def count_runs(db: Database, filters: RunFilters | None = None) -> int:
    """How many runs ``list_runs`` pages through with the same filters."""
    async with db.transaction() as repos:
        return await repos.runs.count(**asdict(filters or RunFilters()))
