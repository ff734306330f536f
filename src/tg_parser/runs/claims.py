"""Claims: one run of a stage per channel at a time, held in the database both backends
share (``run_claims``), so a second run is refused naming the first."""

from __future__ import annotations

from collections.abc import Collection

from tg_parser.clock import utcnow
from tg_parser.errors import RunInProgressError
from tg_parser.models import Run
from tg_parser.store import Database, Repositories


async def claim(repos: Repositories, run: Run, subjects: Collection[str]) -> None:
    """Claim ``subjects`` for the run's stage; ``RunInProgressError`` names the run holding
    one (then the caller's transaction rolls back)."""
    if held := await repos.runs.claim(run.id, run.stage, subjects, utcnow()):
        raise _in_progress(run.stage, held)


async def claimable_channels(db: Database, channel: str | None) -> list[str]:
    """The channels a run over ``channel`` claims: that one, else every channel with messages."""
    if channel is not None:
        return [channel]
    async with db.transaction() as repos:
        return await repos.messages.channels()


def _in_progress(stage: str, held: dict[str, Run]) -> RunInProgressError:
    subject, holder = sorted(held.items())[0]
    others = f" (and {len(held) - 1} more channels)" if len(held) > 1 else ""
    where = f"on host {holder.host}, pid {holder.pid}" if holder.host else "by a worker"
    state = "queued" if holder.status == "queued" else "started"
    return RunInProgressError(
        f"run {holder.id} ({stage}) is already working on channel {subject}{others}: "
        f"{state} {holder.started_at:%Y-%m-%d %H:%M:%S} UTC {where}; wait for it to finish "
        f"(`tg-parser runs show {holder.id}`)",
        holder=holder.id,
    )
