"""Messages a stage could not handle, as recorded in ``processing_failures``."""

from __future__ import annotations

from tg_parser.models import parse_source_ref
from tg_parser.registry import resolve_channel
from tg_parser.store import Database, FailureRecord


async def list_failures(
    db: Database, *, channel: str | None = None, stage: str | None = None
) -> list[FailureRecord]:
    """Current failures (of one channel, of one stage), most recent first."""
    key = await resolve_channel(db, channel)
    async with db.transaction() as repos:
        failures = await repos.failures.list(stage=stage)
    if key is None:
        return failures
    return [f for f in failures if parse_source_ref(f.source_ref)[0] == key]
